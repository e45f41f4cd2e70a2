-- Issue 12, item 6: appointments without conflicts.
--
-- A doctor, a patient and a room can each be in one appointment at a time. The database
-- enforces it on both backends: an appointment holds one row per 5-minute slot it covers for
-- each of its doctor, patient and room (`resource` is `doctor:<id>`, `patient:<id>` or
-- `room:<name>`), and the primary key refuses a second holder of a slot, so two copies booking
-- overlapping times at once cannot both succeed. Cancelling frees the slots.
CREATE TABLE appointments (
    id         TEXT PRIMARY KEY,
    doctor_id  TEXT NOT NULL REFERENCES users(id),
    patient_id TEXT NOT NULL REFERENCES users(id),
    starts_at  TEXT NOT NULL,           -- RFC 3339, UTC, on a 5-minute boundary
    ends_at    TEXT NOT NULL,
    room       TEXT,
    reason     TEXT,                    -- sealed under the patient's data key
    status     TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'with_doctor', 'done', 'cancelled')),
    booked_by  TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- A doctor's day, a patient's appointments, the front desk's day.
CREATE INDEX appointments_doctor ON appointments (doctor_id, starts_at, id);
CREATE INDEX appointments_patient ON appointments (patient_id, starts_at, id);
CREATE INDEX appointments_start ON appointments (starts_at, id);

CREATE TABLE appointment_slots (
    resource       TEXT NOT NULL,
    slot           BIGINT NOT NULL,     -- minutes since the Unix epoch / 5
    appointment_id TEXT NOT NULL REFERENCES appointments(id),
    PRIMARY KEY (resource, slot)
);
CREATE INDEX appointment_slots_appointment ON appointment_slots (appointment_id);
