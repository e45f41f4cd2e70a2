-- The audit trail as it shipped (stop 19) keeps two columns 0011's text does not create: each
-- row's id (UUIDv7, given when the request ended: a row journalled by its copy and moved here
-- in batches is recognised by it when a batch is moved again after a crash), and fields_sha256
-- (SHA-256 of every field but seq and at, RFC 8785 JSON; the leaf hash covers {at,
-- fields_sha256, seq}). 0011 stays as it first landed; a database made with the text that
-- added them to 0011 (stop 19) has them already, and start-up records this migration as done
-- for it (db.rs, reconcile_edited_migrations).
ALTER TABLE audit_log ADD COLUMN id TEXT;
ALTER TABLE audit_log ADD COLUMN fields_sha256 TEXT;
-- Rows written in 0011's first form (none on any landed release) get ids of their own and no
-- fields hash: `ledger verify` names them rather than the reads failing on them.
UPDATE audit_log SET id = 'earlier-' || CAST(seq AS TEXT), fields_sha256 = '' WHERE id IS NULL;
CREATE UNIQUE INDEX audit_log_id ON audit_log (id);
