-- Issue 11, item 3: consent. A patient's grant to a named doctor is a care-team membership the
-- patient made (how = 'patient'), optionally until a time; revoking it ends the membership.
-- An expired membership is ended (removed_at = expires_at, no removed_by) when the pair joins
-- again; until then every check reads expires_at.
ALTER TABLE care_team ADD COLUMN expires_at TEXT;

-- Consent to processing, recorded at registration: which privacy notice, and when. NULL for
-- accounts made before it was recorded.
ALTER TABLE users ADD COLUMN privacy_notice TEXT;
ALTER TABLE users ADD COLUMN privacy_accepted_at TEXT;
