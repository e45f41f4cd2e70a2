-- Issue 14: what the admins' health page reads. `copies`: each running copy of careledger
-- reports itself every 15 seconds (its requests and server errors since it started, and per
-- minute over the last report); a copy not seen for a minute has stopped. `ops_checks`: the
-- last result of each check run outside a request (`ledger_verify`, `backup`), by kind.
CREATE TABLE copies (
    id               TEXT PRIMARY KEY,
    host             TEXT NOT NULL,
    version          TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    seen_at          TEXT NOT NULL,
    requests         BIGINT NOT NULL,
    errors           BIGINT NOT NULL,
    requests_per_min BIGINT NOT NULL,
    errors_per_min   BIGINT NOT NULL
);
CREATE INDEX copies_seen ON copies (seen_at);

CREATE TABLE ops_checks (
    kind   TEXT PRIMARY KEY,
    at     TEXT NOT NULL,
    ok     BIGINT NOT NULL,
    detail TEXT NOT NULL,
    size   BIGINT
);
