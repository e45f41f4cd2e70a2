-- Issue 9, findings 7 and 8: lockout that strangers cannot turn against the real user.
-- A device that has signed in to an account before holds a random token (a cookie for pages,
-- `device_token` for API clients); only its SHA-256 is kept. Failures from unknown devices
-- count toward the account's lock (users.failed_logins / locked_until, as before); a known
-- device counts its own failures and is not held by a lock others caused (OWASP "device
-- cookies").
CREATE TABLE known_devices (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL,
    last_used_at  TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);
CREATE INDEX known_devices_user ON known_devices (user_id, last_used_at);

-- Single-use links that lift a lock, emailed to the account's owner when it locks.
CREATE TABLE unlock_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX unlock_tokens_user ON unlock_tokens (user_id);
