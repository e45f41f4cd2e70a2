-- Issue 9, finding 4 (from the review of the fix): addresses that look the same although every
-- character is allowed (Cyrillic "јое" for "joe", a dotless ı for i). Each account keeps the
-- UTS 39 skeleton of its address; registration refuses one whose skeleton another account has.
-- Filled for older accounts at start. Unique, so that two look-alikes registering at the same
-- moment cannot both get in; an older account that looks like another one already there keeps
-- no skeleton (NULLs do not collide) and start-up logs it.
ALTER TABLE users ADD COLUMN email_skeleton TEXT;
CREATE UNIQUE INDEX users_email_skeleton ON users (email_skeleton);
