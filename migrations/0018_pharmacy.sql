-- Issue 12, item 5: the pharmacy's stock and what it dispensed.
--
-- One row per batch of a drug. The quantity can never go below zero (the CHECK), and a
-- dispense takes stock with `quantity = quantity - n WHERE quantity >= n AND expiry >= today`,
-- so two pharmacists taking the last boxes at once cannot both succeed.
CREATE TABLE inventory (
    id            TEXT PRIMARY KEY,
    drug          TEXT NOT NULL,        -- the knowledge base's generic name when it knows the drug
    batch         TEXT NOT NULL,
    quantity      BIGINT NOT NULL CHECK (quantity >= 0),
    expiry        TEXT NOT NULL,        -- YYYY-MM-DD: usable through that day
    reorder_level BIGINT NOT NULL CHECK (reorder_level >= 0),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (drug, batch)
);
-- Stock of a drug by expiry (dispensing, the list by drug), and the batches expiring soon.
CREATE INDEX inventory_drug ON inventory (drug, expiry, id);
CREATE INDEX inventory_expiry ON inventory (expiry, id);

-- A prescription is dispensed once: the unique prescription_id makes a second dispense fail
-- even if two got past the status check. `items` is the sealed JSON of the batches taken.
CREATE TABLE dispensations (
    id              TEXT PRIMARY KEY,
    prescription_id TEXT NOT NULL UNIQUE REFERENCES prescriptions(id),
    pharmacist_id   TEXT NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL,
    items           TEXT NOT NULL,
    entry_index     BIGINT NOT NULL
);
