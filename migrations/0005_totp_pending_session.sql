-- Issue 9, finding 1 (from the review of the fix): a pending TOTP enrolment belongs to the
-- session that began it. No other session (a password-only one especially) may see its secret
-- or confirm it. Enrolments pending from before have no session and must be begun again.
ALTER TABLE users ADD COLUMN totp_pending_session TEXT;
