-- Issue 11, item 4: emergency access ("break-glass"). A doctor who must read a patient's
-- history in an emergency opens it themself, with a reason, for one hour: a care-team
-- membership made by the doctor (how = 'emergency', added_by = the doctor, expires_at an hour
-- on), so every access check, list and proof follows it with no second rule, and it ends by
-- itself at every copy on the first request after the hour.
--
-- The CHECK on `how` must admit 'emergency', and SQLite cannot change a CHECK, so the table is
-- rebuilt (same columns in the same order, same rows, same indexes), the same way on both
-- backends. Nothing references care_team.
CREATE TABLE care_team_v2 (
    id                  TEXT PRIMARY KEY,
    patient_id          TEXT NOT NULL REFERENCES users(id),
    doctor_id           TEXT NOT NULL REFERENCES users(id),
    added_by            TEXT NOT NULL REFERENCES users(id),
    how                 TEXT NOT NULL CHECK (how IN ('record', 'referral', 'patient', 'appointment', 'emergency')),
    reason              TEXT NOT NULL DEFAULT '',
    added_at            TEXT NOT NULL,
    entry_index         INTEGER,
    removed_at          TEXT,
    removed_by          TEXT REFERENCES users(id),
    removal_entry_index INTEGER,
    expires_at          TEXT
);
INSERT INTO care_team_v2 (id, patient_id, doctor_id, added_by, how, reason, added_at, entry_index, removed_at, removed_by,
                          removal_entry_index, expires_at)
SELECT id, patient_id, doctor_id, added_by, how, reason, added_at, entry_index, removed_at, removed_by, removal_entry_index, expires_at
FROM care_team;
DROP TABLE care_team;
ALTER TABLE care_team_v2 RENAME TO care_team;
CREATE UNIQUE INDEX care_team_live ON care_team (patient_id, doctor_id) WHERE removed_at IS NULL;
CREATE INDEX care_team_doctor ON care_team (doctor_id, patient_id) WHERE removed_at IS NULL;
CREATE INDEX care_team_patient ON care_team (patient_id, added_at);
-- The admins' report of every emergency opening, newest first.
CREATE INDEX care_team_how ON care_team (how, added_at);
