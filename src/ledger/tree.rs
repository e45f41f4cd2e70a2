//! The log's stored Merkle tree: complete subtree hashes kept in `ledger_nodes`, so a tree
//! head, an inclusion proof or a consistency proof reads O(log n) rows whatever the log's size
//! (RFC 9162 section 2.1; the spans and parts come from `merkle`).

use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::Row;

use crate::db::{Bind, Db, Filters};
use crate::error::Error;
use crate::ledger::merkle::{self, Hash, Node, NodeBuilder, Span};

/// Leaves read per transaction while building nodes: bounded memory and short transactions
/// whatever the backlog (a log loaded in bulk, or one made before nodes were stored).
const CHUNK: i64 = 8192;
/// Rows per INSERT statement (3 binds each, well under SQLite's and PostgreSQL's limits).
const INSERT_ROWS: usize = 300;

fn unhex(h: &str) -> Result<Hash, Error> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(h, &mut out).map_err(|_| Error::Internal(anyhow::anyhow!("corrupt ledger hash")))?;
    Ok(out)
}

/// How many leaves have all their complete subtrees stored.
pub async fn nodes_size(db: &Db) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT nodes_size FROM ledger_tree WHERE id = 1").fetch_one(&db.pool).await?)
}

/// The stored hashes of these nodes (leaves from `ledger_entries`, the rest from
/// `ledger_nodes`), in one indexed query whatever the number asked for. Nodes not stored are
/// absent from the answer.
async fn node_hashes(conn: &mut AnyConnection, nodes: &[Node]) -> Result<HashMap<Node, Hash>, Error> {
    let mut out = HashMap::with_capacity(nodes.len());
    let (leaves, inner): (Vec<Node>, Vec<Node>) = nodes.iter().partition(|n| n.level == 0);
    let mut f = Filters::default();
    let mut parts = Vec::new();
    if !leaves.is_empty() {
        let list: Vec<String> = leaves.iter().map(|n| f.placeholder(Bind::Int(n.index as i64))).collect();
        parts.push(format!("SELECT 0 AS level, idx, leaf_hash AS hash FROM ledger_entries WHERE idx IN ({})", list.join(", ")));
    }
    if !inner.is_empty() {
        let mut ors = Vec::with_capacity(inner.len());
        for n in &inner {
            let (l, i) = (f.placeholder(Bind::Int(i64::from(n.level))), f.placeholder(Bind::Int(n.index as i64)));
            ors.push(format!("(level = {l} AND idx = {i})"));
        }
        parts.push(format!("SELECT level, idx, hash FROM ledger_nodes WHERE {}", ors.join(" OR ")));
    }
    if parts.is_empty() {
        return Ok(out);
    }
    for r in f.query(parts.join(" UNION ALL ")).fetch_all(&mut *conn).await? {
        let (level, idx): (i64, i64) = (r.try_get("level")?, r.try_get("idx")?);
        out.insert(Node { level: level as u32, index: idx as u64 }, unhex(&r.try_get::<String, _>("hash")?)?);
    }
    Ok(out)
}

/// The Merkle tree hashes of these spans, in one query; `None` when a node they need is not
/// stored yet.
async fn try_span_hashes(db: &Db, spans: &[Span]) -> Result<Option<Vec<Hash>>, Error> {
    let per_span: Vec<Vec<Node>> = spans.iter().map(|(a, b)| merkle::parts(*a, *b)).collect();
    let mut all: Vec<Node> = per_span.iter().flatten().copied().collect();
    all.sort();
    all.dedup();
    let mut conn = db.pool.acquire().await?;
    let hashes = node_hashes(&mut conn, &all).await?;
    if all.iter().any(|n| !hashes.contains_key(n)) {
        return Ok(None);
    }
    Ok(Some(per_span.iter().map(|nodes| merkle::fold(&nodes.iter().map(|n| hashes[n]).collect::<Vec<_>>())).collect()))
}

/// The Merkle tree hashes of these spans, all within the first `size` leaves: one query. The
/// subtrees under a block this release sealed are always stored; under one sealed by an older
/// release (a rolling upgrade) they are built first.
pub async fn span_hashes(db: &Db, spans: &[Span], size: i64) -> Result<Vec<Hash>, Error> {
    if let Some(hashes) = try_span_hashes(db, spans).await? {
        return Ok(hashes);
    }
    extend(db, size).await?;
    try_span_hashes(db, spans).await?.ok_or_else(|| Error::Internal(anyhow::anyhow!("ledger nodes under {size} entries are missing")))
}

/// The tree hash of the first `size` leaves (O(log n) reads).
pub async fn root(db: &Db, size: i64) -> Result<Hash, Error> {
    Ok(span_hashes(db, &[(0, size as u64)], size).await?.pop().unwrap_or_else(|| merkle::fold(&[])))
}

/// Stores the complete subtrees of the first `target` leaves that are not stored yet, a chunk
/// per transaction. Idempotent and safe with several copies at once: a node's hash depends only
/// on the leaves, rows already there are left alone, and `nodes_size` only grows.
pub async fn extend(db: &Db, target: i64) -> Result<(), Error> {
    loop {
        let mut tx = db.pool.begin().await?;
        // Take the row's write lock first: builders at other copies queue here instead of
        // racing (on SQLite a read that later writes could not upgrade its lock), then read.
        sqlx::query("UPDATE ledger_tree SET nodes_size = nodes_size WHERE id = 1").execute(&mut *tx).await?;
        let covered: i64 = sqlx::query_scalar("SELECT nodes_size FROM ledger_tree WHERE id = 1").fetch_one(&mut *tx).await?;
        if covered >= target {
            return Ok(());
        }
        let end = target.min(covered + CHUNK);
        let frontier_nodes = merkle::parts(0, covered as u64);
        let known = node_hashes(&mut tx, &frontier_nodes).await?;
        let frontier: Vec<Hash> = frontier_nodes
            .iter()
            .map(|n| known.get(n).copied().ok_or_else(|| Error::Internal(anyhow::anyhow!("ledger node {n:?} is not stored"))))
            .collect::<Result<_, _>>()?;
        let mut builder = NodeBuilder::resume(covered as u64, &frontier)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("ledger frontier does not match its size")))?;
        let leaves: Vec<String> = sqlx::query_scalar("SELECT leaf_hash FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
            .bind(covered)
            .bind(end)
            .fetch_all(&mut *tx)
            .await?;
        if leaves.len() as i64 != end - covered {
            // Entries are committed with gap-free indexes, so a shortfall means rows went missing.
            return Err(Error::Internal(anyhow::anyhow!("ledger has {} of entries {covered}..{end}", leaves.len())));
        }
        let mut built = Vec::new();
        for leaf in &leaves {
            built.extend(builder.push(unhex(leaf)?));
        }
        for rows in built.chunks(INSERT_ROWS) {
            let mut f = Filters::default();
            let values: Vec<String> = rows
                .iter()
                .map(|(n, h)| {
                    let l = f.placeholder(Bind::Int(i64::from(n.level)));
                    let i = f.placeholder(Bind::Int(n.index as i64));
                    let h = f.placeholder(Bind::Text(hex::encode(h)));
                    format!("({l}, {i}, {h})")
                })
                .collect();
            let sql =
                format!("INSERT INTO ledger_nodes (level, idx, hash) VALUES {} ON CONFLICT (level, idx) DO NOTHING", values.join(", "));
            f.query(sql).execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE ledger_tree SET nodes_size = $1 WHERE id = 1 AND nodes_size < $1").bind(end).execute(&mut *tx).await?;
        tx.commit().await?;
        tracing::debug!(from = covered, to = end, nodes = built.len(), "ledger nodes stored");
    }
}

/// Every stored node of one level, in order (verification).
pub async fn level(db: &Db, level: u32) -> Result<Vec<(i64, String)>, Error> {
    let rows =
        sqlx::query("SELECT idx, hash FROM ledger_nodes WHERE level = $1 ORDER BY idx").bind(i64::from(level)).fetch_all(&db.pool).await?;
    rows.iter().map(|r| Ok((r.try_get("idx")?, r.try_get("hash")?))).collect()
}
