-- Issue 9, finding 1: a session's own second-factor assurance. Access beyond enrolment needs a
-- session that passed the second factor (a sign-in with a TOTP or recovery code, or the
-- enrolment it completed), not only an account that has it on.
ALTER TABLE sessions ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;
-- Sessions made before this column cannot show that they passed the second factor: those of
-- accounts with two-factor sign-in on end now, and their owners sign in once more.
UPDATE sessions SET revoked_at = last_seen_at
 WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE totp_enabled = 1);
