-- Issue 12: every clinical write in the ledger, appointments included. An appointment's row
-- changes in place (its time, room, status); each booking and change also appends an event
-- here: the appointment as it stood after it, sealed under the patient's data key, with the
-- ledger entry that covers it.
CREATE TABLE appointment_events (
    id             TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES appointments(id),
    patient_id     TEXT NOT NULL REFERENCES users(id),
    actor_id       TEXT NOT NULL REFERENCES users(id),
    at             TEXT NOT NULL,
    body           TEXT NOT NULL,       -- sealed {doctor_id, start, end, room, status, reason}
    entry_index    BIGINT NOT NULL
);
CREATE INDEX appointment_events_appointment ON appointment_events (appointment_id, at);
