-- Issue 12, item 1: patient identity. Every patient has a profile: a medical record number
-- (MRN, unique, generated), date of birth, sex, contact details (phone and address, sealed under
-- the patient's data key) and their name folded for search (lower case, no accents), so staff
-- find patients by name (partial), date of birth or MRN. Profiles of patients made before this
-- are filled in at start.
CREATE TABLE patient_profiles (
    patient_id    TEXT PRIMARY KEY REFERENCES users(id),
    mrn           TEXT NOT NULL UNIQUE,
    date_of_birth TEXT,                 -- YYYY-MM-DD
    sex           TEXT CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    contact       TEXT,                 -- sealed {phone, address}
    name_search   TEXT NOT NULL,
    registered_by TEXT REFERENCES users(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX patient_profiles_dob ON patient_profiles (date_of_birth);
CREATE INDEX patient_profiles_name ON patient_profiles (name_search);

-- One-time links by which a patient registered at the desk sets their password: only the
-- token's SHA-256 is kept.
CREATE TABLE password_setup_tokens (
    token_sha256 TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE INDEX password_setup_tokens_user ON password_setup_tokens (user_id);
