-- Issue 14: work that one copy at a time must do (scheduled backups) is done by the copy that
-- holds its lease: a row per kind of work, held until `expires_at` (RFC 3339, UTC) and renewed
-- while the work runs; a copy that dies lets it lapse, and another takes it over.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
