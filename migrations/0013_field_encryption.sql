-- Field encryption (issue 11): record text, amendment text, file names and file bytes are
-- sealed under a per-patient data key, stored here wrapped by the master key. A destroyed key
-- (erasure) keeps its row, without the key, so the patient's data is known to be gone.
CREATE TABLE patient_keys (
    patient_id    TEXT PRIMARY KEY REFERENCES users(id),
    wrapped_key   TEXT,                             -- NULL once destroyed
    master_key_id TEXT NOT NULL,                    -- which master key wraps it (rotation's filter)
    created_at    TEXT NOT NULL,
    destroyed_at  TEXT
);
CREATE INDEX patient_keys_master ON patient_keys (master_key_id);

-- Rows written by earlier releases hold clear text (sealed = 0) until the start-up upgrade
-- seals them; the partial indexes find the few that are left without scanning the rest.
ALTER TABLE records ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE record_versions ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE record_files ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX records_unsealed ON records (id) WHERE sealed = 0;
CREATE INDEX record_versions_unsealed ON record_versions (record_id) WHERE sealed = 0;
CREATE INDEX record_files_unsealed ON record_files (record_id) WHERE sealed = 0;

-- The blind search index: keyed HMACs of the normalised words (and their prefixes) of each
-- record's current title and notes, so keyword search never decrypts rows.
CREATE TABLE record_terms (
    term      TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES records(id),
    PRIMARY KEY (term, record_id)
);
CREATE INDEX record_terms_record ON record_terms (record_id);

-- Erasure: when an admin erased the account (its data key destroyed, its files deleted).
ALTER TABLE users ADD COLUMN erased_at TEXT;

-- Each erasure: who erased whom, when, why, and the ledger entry that records it.
CREATE TABLE patient_erasures (
    patient_id  TEXT PRIMARY KEY REFERENCES users(id),
    erased_at   TEXT NOT NULL,
    erased_by   TEXT NOT NULL REFERENCES users(id),
    reason      TEXT NOT NULL,
    entry_index INTEGER NOT NULL
);

-- The free-text reason of a referral or an emergency access is clinical text too: sealed under
-- the patient's data key like record text (sealed = 1), rows of earlier releases by the
-- start-up upgrade.
ALTER TABLE care_team ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX care_team_unsealed ON care_team (id) WHERE sealed = 0;
