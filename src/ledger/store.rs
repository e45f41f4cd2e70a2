//! Ledger queries: appending inside the writer's transaction, reading entries and blocks.

use sqlx::{AnyConnection, Row};

use crate::db::{Bind, Db, Filters};
use crate::error::Error;
use crate::ledger::entry::NewEntry;
use crate::ledger::merkle;

/// Appends an entry in the caller's transaction and returns its index (`ledger::append` is the
/// way in for every domain). The index comes from
/// incrementing `ledger_state.next_index`, whose row lock queues concurrent appenders (every
/// copy of careledger included) until the transaction ends: indexes are gap-free, and an entry
/// is committed exactly when its write is.
pub(in crate::ledger) async fn append(conn: &mut AnyConnection, entry: &NewEntry) -> Result<i64, Error> {
    let next: i64 = sqlx::query_scalar("UPDATE ledger_state SET next_index = next_index + 1 WHERE id = 1 RETURNING next_index")
        .fetch_one(&mut *conn)
        .await?;
    let index = next - 1;
    let bytes = entry.encode(index)?;
    let leaf = hex::encode(merkle::leaf_hash(bytes.as_bytes()));
    sqlx::query("INSERT INTO ledger_entries (idx, kind, subject_id, entry, leaf_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(index)
        .bind(entry.kind.as_str())
        .bind(&entry.subject_id)
        .bind(&bytes)
        .bind(&leaf)
        .bind(&entry.time)
        .execute(&mut *conn)
        .await?;
    Ok(index)
}

/// A stored entry.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    /// Leaf index.
    pub index: i64,
    /// Kind.
    pub kind: String,
    /// Subject id.
    pub subject_id: String,
    /// Canonical bytes.
    pub entry: String,
    /// Stored leaf hash (hex).
    pub leaf_hash: String,
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<StoredEntry, Error> {
    Ok(StoredEntry {
        index: r.try_get("idx")?,
        kind: r.try_get("kind")?,
        subject_id: r.try_get("subject_id")?,
        entry: r.try_get("entry")?,
        leaf_hash: r.try_get("leaf_hash")?,
    })
}

/// The entry at an index.
pub async fn entry(db: &Db, index: i64) -> Result<Option<StoredEntry>, Error> {
    let row = sqlx::query("SELECT idx, kind, subject_id, entry, leaf_hash FROM ledger_entries WHERE idx = $1")
        .bind(index)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(entry_from_row).transpose()
}

/// The leaf hashes of the entries at `indexes`, in one query per 500 (a printed page's codes).
pub async fn leaf_hashes(db: &Db, indexes: &[i64]) -> Result<std::collections::HashMap<i64, String>, Error> {
    let mut found = std::collections::HashMap::new();
    for chunk in indexes.chunks(500) {
        let mut f = crate::db::Filters::default();
        let list = chunk.iter().map(|i| f.placeholder(crate::db::Bind::Int(*i))).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT idx, leaf_hash FROM ledger_entries WHERE idx IN ({list})");
        for row in f.query(sql).fetch_all(&db.pool).await? {
            found.insert(row.try_get::<i64, _>("idx")?, row.try_get::<String, _>("leaf_hash")?);
        }
    }
    Ok(found)
}

/// Every entry below `size`, in order (verification).
pub async fn entries(db: &Db, from: i64, to: i64) -> Result<Vec<StoredEntry>, Error> {
    let rows = sqlx::query("SELECT idx, kind, subject_id, entry, leaf_hash FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
        .bind(from)
        .bind(to)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(entry_from_row).collect()
}

/// How many entries have been committed.
pub async fn committed_size(db: &Db) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT next_index FROM ledger_state WHERE id = 1").fetch_one(&db.pool).await?)
}

/// The latest entry about a subject, with this kind prefix (e.g. a record's latest version).
pub async fn latest_for_subject(db: &Db, subject: &str) -> Result<Option<StoredEntry>, Error> {
    let row =
        sqlx::query("SELECT idx, kind, subject_id, entry, leaf_hash FROM ledger_entries WHERE subject_id = $1 ORDER BY idx DESC LIMIT 1")
            .bind(subject)
            .fetch_optional(&db.pool)
            .await?;
    row.as_ref().map(entry_from_row).transpose()
}

/// A signed block header.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Block {
    /// SHA-256 of the canonical header with its signature, hex.
    pub hash: String,
    /// 0 for the first block.
    pub height: i64,
    /// Entries covered: the tree has this many leaves.
    pub tree_size: i64,
    /// RFC 9162 Merkle tree hash of those leaves, hex.
    pub root_hash: String,
    /// The previous block's hash (64 zeros for the first).
    pub prev_hash: String,
    /// When it was sealed.
    pub created_at: String,
    /// Ed25519 signature of the canonical header (without hash and signature), hex.
    pub signature: String,
}

/// `SELECT <block columns> FROM ledger_blocks <rest>`, built with `concat!` so SQL stays static.
macro_rules! select_blocks {
    ($rest:literal) => {
        concat!("SELECT hash, height, tree_size, root_hash, prev_hash, created_at, signature FROM ledger_blocks ", $rest)
    };
}

fn block_from_row(r: &sqlx::any::AnyRow) -> Result<Block, Error> {
    Ok(Block {
        hash: r.try_get("hash")?,
        height: r.try_get("height")?,
        tree_size: r.try_get("tree_size")?,
        root_hash: r.try_get("root_hash")?,
        prev_hash: r.try_get("prev_hash")?,
        created_at: r.try_get("created_at")?,
        signature: r.try_get("signature")?,
    })
}

/// The newest block.
pub async fn head(db: &Db) -> Result<Option<Block>, Error> {
    let row = sqlx::query(select_blocks!("ORDER BY height DESC LIMIT 1")).fetch_optional(&db.pool).await?;
    row.as_ref().map(block_from_row).transpose()
}

/// A block by hash.
pub async fn block_by_hash(db: &Db, hash: &str) -> Result<Option<Block>, Error> {
    let row = sqlx::query(select_blocks!("WHERE hash = $1")).bind(hash).fetch_optional(&db.pool).await?;
    row.as_ref().map(block_from_row).transpose()
}

/// The first block whose tree covers `index` (the block that sealed it).
pub async fn block_covering(db: &Db, index: i64) -> Result<Option<Block>, Error> {
    let row = sqlx::query(select_blocks!("WHERE tree_size > $1 ORDER BY height LIMIT 1")).bind(index).fetch_optional(&db.pool).await?;
    row.as_ref().map(block_from_row).transpose()
}

/// A block whose tree has exactly `size` leaves.
pub async fn block_with_size(db: &Db, size: i64) -> Result<Option<Block>, Error> {
    let row = sqlx::query(select_blocks!("WHERE tree_size = $1 ORDER BY height LIMIT 1")).bind(size).fetch_optional(&db.pool).await?;
    row.as_ref().map(block_from_row).transpose()
}

/// Blocks, newest first, below a height.
pub async fn blocks(db: &Db, below: Option<i64>, limit: i64) -> Result<Vec<Block>, Error> {
    let mut f = Filters::default();
    if let Some(below) = below {
        f.and("height < ?", [Bind::Int(below)]);
    }
    let limit = f.placeholder(Bind::Int(limit));
    let sql = format!(select_blocks!("{} ORDER BY height DESC LIMIT {}"), f.where_clause(), limit);
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(block_from_row).collect()
}

/// Every block, oldest first (verification).
pub async fn all_blocks(db: &Db) -> Result<Vec<Block>, Error> {
    let rows = sqlx::query(select_blocks!("ORDER BY height")).fetch_all(&db.pool).await?;
    rows.iter().map(block_from_row).collect()
}

/// Stores a sealed block unless another copy sealed that height first.
pub async fn insert_block(db: &Db, b: &Block) -> Result<bool, Error> {
    let done = sqlx::query(
        "INSERT INTO ledger_blocks (hash, height, tree_size, root_hash, prev_hash, created_at, signature) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (height) DO NOTHING",
    )
    .bind(&b.hash)
    .bind(b.height)
    .bind(b.tree_size)
    .bind(&b.root_hash)
    .bind(&b.prev_hash)
    .bind(&b.created_at)
    .bind(&b.signature)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
