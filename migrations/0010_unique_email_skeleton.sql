-- Issue 9's re-check: the look-alike index becomes unique, so that two look-alikes registering at
-- the same moment cannot both get in. Added as its own migration (0006 stays as it first
-- landed). Look-alike pairs already stored keep the skeleton on the oldest account only; the
-- other keeps none (NULLs do not collide), so the upgrade never fails on them.
UPDATE users SET email_skeleton = NULL
WHERE email_skeleton IS NOT NULL
  AND EXISTS (SELECT 1 FROM users o WHERE o.email_skeleton = users.email_skeleton AND o.id < users.id);
DROP INDEX IF EXISTS users_email_skeleton;
CREATE UNIQUE INDEX users_email_skeleton ON users (email_skeleton);
