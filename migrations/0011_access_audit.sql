-- Issue 11, item 2: the audit trail of every access. One row per access to patient data,
-- sign-in, sign-out, privilege change, consent change (and later export, share, emergency access
-- and erasure), with who, what, whose, how it ended and from where.
--
-- The rows are the leaves of their own RFC 9162 Merkle log: `seq` is the leaf index (gap-free,
-- given out under the audit_chain row lock), `leaf_hash` is SHA-256(0x00 || RFC 8785 JSON of
-- {at, fields_sha256, seq}), and fields_sha256 covers every other field. audit_chain keeps the log's right edge (the hashes of its perfect subtrees),
-- so an append is O(log n) whatever the log's size; audit_checkpoints are tree heads written into
-- the ledger, so `careledger ledger verify` detects an altered, inserted or deleted row.
--
-- Retention clears a row's fields (purged_at set) but keeps seq, at and both hashes, so the log
-- still verifies, and still proves each purged row's time, after old rows are purged.
CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,
    id            TEXT NOT NULL,                 -- UUIDv7 given when the request ended
    at            TEXT NOT NULL,
    actor_id      TEXT,
    actor_role    TEXT,
    action        TEXT NOT NULL,
    patient_id    TEXT,
    resource_type TEXT,
    resource_id   TEXT,
    outcome       TEXT NOT NULL,
    ip            TEXT,
    user_agent    TEXT,
    request_id    TEXT,
    detail        TEXT,
    fields_sha256 TEXT NOT NULL,                 -- SHA-256 of the fields but seq and at (RFC 8785 JSON)
    leaf_hash     TEXT NOT NULL,                 -- over {at, fields_sha256, seq}
    purged_at     TEXT
);
-- A row is journalled by its copy before the response and moved here in batches; a batch
-- moved again after a crash is recognised by its rows' ids.
CREATE UNIQUE INDEX audit_log_id ON audit_log (id);
-- One index per filter of GET /api/v1/audit (each ends in seq: the cursor's tie-breaker).
CREATE INDEX audit_log_at ON audit_log (at, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_role ON audit_log (actor_role, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, seq);
CREATE INDEX audit_log_outcome ON audit_log (outcome, seq);
CREATE INDEX audit_log_ip ON audit_log (ip, seq);
CREATE INDEX audit_log_request ON audit_log (request_id);

-- The log's size and right edge (comma-separated hex hashes of merkle::parts(0, size)), and
-- whether the privilege changes kept in audit_events before this log existed were copied in.
CREATE TABLE audit_chain (
    id       INTEGER PRIMARY KEY,
    size     BIGINT NOT NULL,
    parts    TEXT NOT NULL,
    imported INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_chain (id, size, parts, imported) VALUES (1, 0, '', 0);

-- Tree heads of the audit log, each written into the ledger (entry kind audit_checkpoint).
CREATE TABLE audit_checkpoints (
    size        BIGINT PRIMARY KEY,
    root_hash   TEXT NOT NULL,
    at          TEXT NOT NULL,
    entry_index BIGINT NOT NULL
);
