//! The ledger's stored subtrees (issue 9, finding 2): proofs and heads read O(log n) stored
//! nodes instead of every leaf, built once as the log grows, back-filled for a log sealed by an
//! earlier release, and checked by `ledger verify`. Proofs are checked by the independent
//! RFC 9162 verifier.

use serde_json::Value;

use crate::helpers::{Backend, Options, TempDir, TestApp, spawn_on};
use crate::rfc9162::{self, H};
use crate::{app, dual};

/// Appends `count` synthetic entries straight into the log (as a bulk load would) and returns
/// every leaf hash of the log.
async fn bulk_entries(pool: &sqlx::AnyPool, count: i64) -> Vec<H> {
    let from: i64 = sqlx::query_scalar("SELECT next_index FROM ledger_state WHERE id = 1").fetch_one(pool).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    for chunk_start in (from..from + count).step_by(200) {
        let chunk_end = (chunk_start + 200).min(from + count);
        let mut sql = String::from("INSERT INTO ledger_entries (idx, kind, subject_id, entry, leaf_hash, created_at) VALUES ");
        for i in chunk_start..chunk_end {
            let entry = format!("{{\"synthetic\":{i}}}");
            let leaf = hex::encode(rfc9162::leaf(entry.as_bytes()));
            if i > chunk_start {
                sql.push_str(", ");
            }
            sql.push_str(&format!("({i}, 'synthetic', 's{i}', '{entry}', '{leaf}', '2026-01-01T00:00:00.000000Z')"));
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await.unwrap();
    }
    sqlx::query("UPDATE ledger_state SET next_index = $1 WHERE id = 1").bind(from + count).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let hashes: Vec<String> = sqlx::query_scalar("SELECT leaf_hash FROM ledger_entries ORDER BY idx").fetch_all(pool).await.unwrap();
    hashes.iter().map(|h| rfc9162::unhex(h)).collect()
}

async fn consistency(app: &TestApp, m: u64, n: u64) -> Value {
    let r = app.get(&format!("/api/v1/ledger/consistency?first={m}&second={n}"), None).await;
    assert_eq!(r.status, 200, "{m}..{n}: {}", r.text);
    r.body
}

/// Checks a consistency proof against roots computed here from the leaves.
fn check_consistency(leaves: &[H], c: &Value) {
    let (m, n) = (c["first"].as_u64().unwrap(), c["second"].as_u64().unwrap());
    let (r1, r2) = (rfc9162::mth(&leaves[..m as usize]), rfc9162::mth(&leaves[..n as usize]));
    assert_eq!(hex::encode(r1), c["first_root"].as_str().unwrap(), "first root of {m}");
    assert_eq!(hex::encode(r2), c["second_root"].as_str().unwrap(), "second root of {n}");
    let proof: Vec<H> = c["proof"].as_array().unwrap().iter().map(|h| rfc9162::unhex(h.as_str().unwrap())).collect();
    assert!(rfc9162::consistency_ok(m, n, &r1, &r2, &proof), "PROOF({m}, D{n}) verifies");
}

async fn node_problems(app: &TestApp) -> Vec<String> {
    let report =
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap();
    report.problems.into_iter().filter(|p| p.contains("ledger node") || p.contains("root does not match")).collect()
}

async fn a_large_log_seals_in_blocks_and_every_proof_checks_out(backend: Backend) {
    let app = app!(backend);
    let leaves = bulk_entries(&app.state.db.pool, 2_500).await;
    let head = app.sealed_head().await;
    assert_eq!(head["root_hash"].as_str().unwrap(), hex::encode(rfc9162::mth(&leaves)));
    let blocks = app.get("/api/v1/ledger/blocks?limit=200", None).await.body["items"].as_array().unwrap().clone();
    assert!(blocks.len() >= 3, "at most 1,000 entries a block: {}", blocks.len());
    for b in &blocks {
        let size = b["tree_size"].as_u64().unwrap() as usize;
        assert_eq!(b["root_hash"].as_str().unwrap(), hex::encode(rfc9162::mth(&leaves[..size])), "block {}", b["height"]);
    }
    // Between every pair of signed sizes, and at awkward sizes around powers of two.
    let mut sizes: Vec<u64> = blocks.iter().map(|b| b["tree_size"].as_u64().unwrap()).collect();
    sizes.extend([1, 2, 3, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 2499, 2500]);
    for &m in &sizes {
        for &n in &sizes {
            if m <= n {
                check_consistency(&leaves, &consistency(&app, m, n).await);
            }
        }
    }
    assert!(node_problems(&app).await.is_empty());
    // Every complete subtree above the leaves is stored once.
    let nodes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_nodes").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(nodes, (1..12).map(|l| 2_500i64 >> l).sum::<i64>());
}
dual!(a_large_log_seals_in_blocks_and_every_proof_checks_out);

async fn proofs_do_not_read_the_leaves_outside_their_path(backend: Backend) {
    // A proof is assembled from the O(log n) stored subtrees it names; recomputing it from every
    // leaf (the old O(n) way, the one a flood of anonymous proofs turned into a denial of
    // service) would also pick up this damaged leaf, and the proof would no longer verify.
    let app = app!(backend);
    let leaves = bulk_entries(&app.state.db.pool, 64).await;
    app.sealed_head().await;
    sqlx::query("UPDATE ledger_entries SET leaf_hash = $1 WHERE idx = 5").bind("ab".repeat(32)).execute(&app.state.db.pool).await.unwrap();
    check_consistency(&leaves, &consistency(&app, 40, 64).await);
    check_consistency(&leaves, &consistency(&app, 64, 64).await);
    // The damage itself is named by verify.
    let report =
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap();
    assert!(report.problems.iter().any(|p| p.starts_with("entry 5 ") && p.contains("leaf hash")), "{:?}", report.problems);
}
dual!(proofs_do_not_read_the_leaves_outside_their_path);

async fn edited_subtrees_are_named_and_their_proofs_fail(backend: Backend) {
    let app = app!(backend);
    let leaves = bulk_entries(&app.state.db.pool, 100).await;
    app.sealed_head().await;
    // PROOF(60, D100) names the subtree of leaves 0..32 among others (level 5, index 0).
    sqlx::query("UPDATE ledger_nodes SET hash = $1 WHERE level = 5 AND idx = 0")
        .bind("cd".repeat(32))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let c = consistency(&app, 60, 100).await;
    let proof: Vec<H> = c["proof"].as_array().unwrap().iter().map(|h| rfc9162::unhex(h.as_str().unwrap())).collect();
    let (r1, r2) = (rfc9162::mth(&leaves[..60]), rfc9162::mth(&leaves));
    assert!(!rfc9162::consistency_ok(60, 100, &r1, &r2, &proof), "a client checking against the signed roots notices");
    let problems = node_problems(&app).await;
    assert_eq!(problems, vec!["ledger node level 5 index 0 (entries 0..32): stored hash does not match the entries (edited)".to_string()]);
    sqlx::query("DELETE FROM ledger_nodes WHERE level = 2 AND idx = 3").execute(&app.state.db.pool).await.unwrap();
    assert!(node_problems(&app).await.contains(&"ledger node level 2 index 3: missing".to_string()));
}
dual!(edited_subtrees_are_named_and_their_proofs_fail);

async fn a_log_sealed_before_subtrees_were_stored_gets_them_at_start(backend: Backend) {
    // A release from before this change sealed 300 entries in three blocks and stored no nodes.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = crate::upgrade::database_at(backend, &dir, 2).await else { return };
    let leaves = bulk_entries(&pool, 300).await;
    let keys = careledger::keys::LedgerKeys::load(&dir.0).unwrap();
    let mut prev = careledger::ledger::service::GENESIS_PREV.to_string();
    for (height, size) in [(0i64, 100i64), (1, 250), (2, 300)] {
        let mut b = careledger::ledger::store::Block {
            hash: String::new(),
            height,
            tree_size: size,
            root_hash: hex::encode(rfc9162::mth(&leaves[..size as usize])),
            prev_hash: prev.clone(),
            created_at: "2026-01-01T00:00:00.000000Z".into(),
            signature: String::new(),
        };
        b.signature = careledger::ledger::service::sign_header(&keys, &b).unwrap();
        b.hash = careledger::ledger::service::block_hash(&b).unwrap();
        sqlx::query("INSERT INTO ledger_blocks (hash, height, tree_size, root_hash, prev_hash, created_at, signature) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&b.hash).bind(b.height).bind(b.tree_size).bind(&b.root_hash).bind(&b.prev_hash).bind(&b.created_at).bind(&b.signature)
            .execute(&pool).await.unwrap();
        prev = b.hash;
    }
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let stored: i64 = sqlx::query_scalar("SELECT nodes_size FROM ledger_tree WHERE id = 1").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(stored, 300, "built at start, before the first request");
    for (m, n) in [(100, 250), (100, 300), (250, 300), (1, 300), (300, 300)] {
        check_consistency(&leaves, &consistency(&app, m, n).await);
    }
    assert!(node_problems(&app).await.is_empty());
}
dual!(a_log_sealed_before_subtrees_were_stored_gets_them_at_start);
