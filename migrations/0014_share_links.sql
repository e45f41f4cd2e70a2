-- Issue 11, item 5: share links. A patient makes a link to chosen records ('records') or to
-- their whole history as it stands when the link is opened ('all'); anyone holding the link
-- reads them, without signing in, until it expires or the patient revokes it.
--
-- The link's token is 32 random bytes; only its SHA-256 (hex) is stored, so a copy of the
-- database opens no link. A view finds its link by that hash (the unique index).
-- 0013 is left to other work; migrations may skip numbers.
CREATE TABLE share_links (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES users(id),
    token_sha256   TEXT NOT NULL UNIQUE,
    scope          TEXT NOT NULL CHECK (scope IN ('all', 'records')),
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    revoked_at     TEXT,
    views          INTEGER NOT NULL DEFAULT 0,
    last_viewed_at TEXT
);
-- The patient's list of their links, newest first.
CREATE INDEX share_links_patient ON share_links (patient_id, created_at, id);

-- The records a 'records' link shows (none for 'all').
CREATE TABLE share_link_records (
    share_id  TEXT NOT NULL REFERENCES share_links(id),
    record_id TEXT NOT NULL REFERENCES records(id),
    PRIMARY KEY (share_id, record_id)
);
