-- careledger schema v1, the same DDL on SQLite and PostgreSQL. Ids are UUIDv7 text, times RFC 3339 UTC text with fixed
-- width (so they sort), booleans INTEGER 0/1: the shapes sqlx `Any` decodes on both backends.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,          -- stored lower-cased: compared case-insensitively
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('patient','doctor','pharmacist','lab','receptionist','admin')),
    full_name     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active','pending_approval','rejected','deactivated')),
    created_at    TEXT NOT NULL,
    approved_at   TEXT,
    approved_by   TEXT REFERENCES users(id),
    -- Lockout (shared by every copy): failures in a row, and until when the account is locked.
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    lock_notice    TEXT,                          -- set when locked; told at the next login
    -- TOTP (RFC 6238). The secret is pending until confirmed; last_step stops replays.
    totp_secret    TEXT,
    totp_enabled   INTEGER NOT NULL DEFAULT 0,
    totp_last_step INTEGER
);
CREATE INDEX users_status_created ON users (status, created_at, id);
CREATE INDEX users_role_created ON users (role, created_at, id);

-- One row per signed-in device: API sessions (refresh-token families) and page sessions.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    kind         TEXT NOT NULL CHECK (kind IN ('api','web')),
    token_hash   TEXT UNIQUE,                     -- web: SHA-256 of the cookie value
    csrf_token   TEXT,                            -- web: synchronizer token for forms
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    user_agent   TEXT,
    ip           TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens are stored only as SHA-256 hashes; spending one marks it.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    spent_at   TEXT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- A record holds its latest version; every version (the first included) is kept in
-- record_versions with its ledger entry. Nothing is ever deleted or edited in place.
CREATE TABLE records (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES users(id),
    doctor_id   TEXT NOT NULL REFERENCES users(id),
    title       TEXT NOT NULL,
    notes       TEXT NOT NULL,
    record_type TEXT NOT NULL CHECK (record_type IN ('visit','diagnosis','lab_result','imaging','procedure','note')),
    created_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1        -- the latest version (its title and notes are above)
);
-- Every list is scoped by patient or by author and ordered newest first.
CREATE INDEX records_patient_created ON records (patient_id, created_at, id);
CREATE INDEX records_doctor_created ON records (doctor_id, created_at, id);
CREATE INDEX records_doctor_patient ON records (doctor_id, patient_id, created_at, id);

-- MFA recovery codes, single use, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- Fixed-window counters for limits every copy must share (per-IP sign-in limits).
CREATE TABLE rate_counters (
    bucket       TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_counters_window ON rate_counters (window_start);

-- Privilege changes (approve, reject, role change, deactivate, reactivate, unlock): who, when.
CREATE TABLE audit_events (
    id        TEXT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  TEXT REFERENCES users(id),
    action    TEXT NOT NULL,
    target_id TEXT REFERENCES users(id),
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at, id);
CREATE INDEX audit_events_target ON audit_events (target_id, at);

-- Every version of a record, each with the ledger entry that proves it.
CREATE TABLE record_versions (
    record_id   TEXT NOT NULL REFERENCES records(id),
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    notes       TEXT NOT NULL,
    author_id   TEXT NOT NULL REFERENCES users(id),
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    entry_index INTEGER NOT NULL,
    PRIMARY KEY (record_id, version)
);

-- Files attached to records, stored content-addressed (by SHA-256) in the file store.
CREATE TABLE record_files (
    record_id    TEXT NOT NULL REFERENCES records(id),
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    filename     TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    entry_index  INTEGER NOT NULL,
    PRIMARY KEY (record_id, sha256)
);

-- Integrity alerts (a stored file that no longer matches its hash, …), for admins.
CREATE TABLE integrity_alerts (
    id         TEXT PRIMARY KEY,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX integrity_alerts_at ON integrity_alerts (at, id);

-- The ledger (RFC 9162 Merkle log). next_index hands out gap-free positions: appenders
-- increment it inside their transaction, so they queue on its row lock and a rolled-back write
-- gives its position back.
CREATE TABLE ledger_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    next_index INTEGER NOT NULL
);
INSERT INTO ledger_state (id, next_index) VALUES (1, 0);

CREATE TABLE ledger_entries (
    idx        INTEGER PRIMARY KEY,               -- leaf index, from 0, no gaps
    kind       TEXT NOT NULL,
    subject_id TEXT NOT NULL,                     -- the record or user the entry is about
    entry      TEXT NOT NULL,                     -- the canonical (RFC 8785) entry bytes
    leaf_hash  TEXT NOT NULL,                     -- SHA-256(0x00 || entry), hex
    created_at TEXT NOT NULL
);
CREATE INDEX ledger_entries_subject ON ledger_entries (subject_id, idx);

-- Signed tree heads, chained by hash.
CREATE TABLE ledger_blocks (
    height     INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    tree_size  INTEGER NOT NULL,
    root_hash  TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    signature  TEXT NOT NULL
);

-- Marks that the demo clinic was loaded, so `--demo` is safe to repeat.
CREATE TABLE app_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
