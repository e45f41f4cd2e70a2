-- Issue 12, items 2 and 4: a patient's allergies and problem list, and prescriptions.
--
-- Clinical text is sealed under the patient's data key (0013): each row's `body` is the JSON of
-- its clinical fields, sealed (XChaCha20-Poly1305), so erasing the patient's key shreds it like
-- their records. Every row is a clinical write with its ledger entry (`entry_index`).
CREATE TABLE allergies (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES users(id),
    author_id   TEXT NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    body        TEXT NOT NULL,          -- sealed {substance, reaction, severity}
    entry_index BIGINT NOT NULL
);
-- The chart lists a patient's allergies; a prescription is checked against them.
CREATE INDEX allergies_patient ON allergies (patient_id, created_at, id);

CREATE TABLE problems (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES users(id),
    author_id   TEXT NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    body        TEXT NOT NULL,          -- sealed {description, code, onset, status}
    entry_index BIGINT NOT NULL
);
CREATE INDEX problems_patient ON problems (patient_id, created_at, id);

-- A prescription: who, for whom, when, and where it stands. Its items live in its versions
-- (the first is the prescription as issued; each change within the hour adds one).
CREATE TABLE prescriptions (
    id           TEXT PRIMARY KEY,
    patient_id   TEXT NOT NULL REFERENCES users(id),
    doctor_id    TEXT NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    version      BIGINT NOT NULL,       -- the latest version
    status       TEXT NOT NULL CHECK (status IN ('open', 'dispensed', 'cancelled')),
    dispensed_at TEXT
);
-- Lists by patient, by doctor and by status (the pharmacy's queue), newest first.
CREATE INDEX prescriptions_patient ON prescriptions (patient_id, created_at, id);
CREATE INDEX prescriptions_doctor ON prescriptions (doctor_id, created_at, id);
CREATE INDEX prescriptions_status ON prescriptions (status, created_at, id);

CREATE TABLE prescription_versions (
    prescription_id TEXT NOT NULL REFERENCES prescriptions(id),
    version         BIGINT NOT NULL,
    author_id       TEXT NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL,
    body            TEXT NOT NULL,      -- sealed {items, warnings, override_reason}
    content_sha256  TEXT NOT NULL,      -- of the version's canonical content (RFC 8785)
    signature       TEXT NOT NULL,      -- Ed25519 (RFC 8032) by the server's ledger key
    entry_index     BIGINT NOT NULL,
    PRIMARY KEY (prescription_id, version)
);
