-- Issue 11, item 1: the care team. A doctor reads a patient's whole history while on that
-- patient's care team. One row per membership: joining makes a row, leaving ends it
-- (removed_at), joining again makes a new one, so who added whom and when stays on record.
-- Explicit changes (a referral, the patient adding or removing a doctor) are ledger entries;
-- joining by writing a record is covered by that record's entry.
CREATE TABLE care_team (
    id                  TEXT PRIMARY KEY,
    patient_id          TEXT NOT NULL REFERENCES users(id),
    doctor_id           TEXT NOT NULL REFERENCES users(id),
    added_by            TEXT NOT NULL REFERENCES users(id),
    how                 TEXT NOT NULL CHECK (how IN ('record', 'referral', 'patient', 'appointment')),
    reason              TEXT NOT NULL DEFAULT '',
    added_at            TEXT NOT NULL,
    entry_index         INTEGER,
    removed_at          TEXT,
    removed_by          TEXT REFERENCES users(id),
    removal_entry_index INTEGER
);
-- At most one live membership per pair; the access check and a doctor's lists seek by doctor.
CREATE UNIQUE INDEX care_team_live ON care_team (patient_id, doctor_id) WHERE removed_at IS NULL;
CREATE INDEX care_team_doctor ON care_team (doctor_id, patient_id) WHERE removed_at IS NULL;
CREATE INDEX care_team_patient ON care_team (patient_id, added_at);

-- Doctors who wrote records before the care team existed are on those patients' teams, as the
-- records made them ("in their care").
INSERT INTO care_team (id, patient_id, doctor_id, added_by, how, reason, added_at)
SELECT 'record:' || patient_id || ':' || doctor_id, patient_id, doctor_id, doctor_id, 'record', '', MIN(created_at)
FROM records GROUP BY patient_id, doctor_id;
