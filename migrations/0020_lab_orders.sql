-- Issue 12, item 7: lab orders and their results.
--
-- A doctor orders a test; lab staff see open orders and post the result; the patient and the
-- doctors who may read the patient see both. What was ordered and what was found are clinical
-- text, sealed under the patient's data key (`body`); each order and each result is a ledger
-- entry. One result per order (the unique order_id), and the order's status changes in the
-- result's transaction.
CREATE TABLE lab_orders (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES users(id),
    doctor_id   TEXT NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    body        TEXT NOT NULL,          -- sealed {test_code, test_name, notes}
    status      TEXT NOT NULL CHECK (status IN ('open', 'resulted')),
    entry_index BIGINT NOT NULL
);
-- A patient's orders, and the lab's queue of open ones, newest first.
CREATE INDEX lab_orders_patient ON lab_orders (patient_id, created_at, id);
CREATE INDEX lab_orders_status ON lab_orders (status, created_at, id);
CREATE INDEX lab_orders_doctor ON lab_orders (doctor_id, created_at, id);

CREATE TABLE lab_results (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL UNIQUE REFERENCES lab_orders(id),
    author_id   TEXT NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    body        TEXT NOT NULL,          -- sealed {value, unit, reference_range, flag}
    entry_index BIGINT NOT NULL
);
