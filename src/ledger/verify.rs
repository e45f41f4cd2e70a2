//! `careledger ledger verify`: recomputes every entry from the rows the domains declare it
//! covers, every tree root from the entries, and checks every block's chain and signature.
//! Names each problem.

use std::collections::{HashMap, HashSet};

use ed25519_dalek::VerifyingKey;

use crate::db::Db;
use crate::error::Error;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef, NewEntry};
use crate::ledger::merkle::{self, Frontier};
use crate::ledger::service::{self, GENESIS_PREV};
use crate::ledger::store;
use crate::ledger::tree;

/// What verification found.
#[derive(Debug, Default)]
pub struct Report {
    /// Entries checked.
    pub entries: u64,
    /// Blocks checked.
    pub blocks: u64,
    /// The latest block's root, hex.
    pub root: String,
    /// One line per problem, naming the entry index, its kind and the row it covers.
    pub problems: Vec<String>,
}

impl Report {
    /// Whether nothing was wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the whole ledger against what the domains declare they have put in it (see
/// [`Declaration`]; the application gathers them, so the ledger reads no other domain's
/// tables). `progress` is called with (done, total) as entries are checked.
pub async fn verify(
    db: &Db,
    key: Option<&VerifyingKey>,
    declarations: Vec<Declaration>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Report, Error> {
    let mut report = Report::default();
    let committed = store::committed_size(db).await?;
    let entries = store::entries(db, 0, i64::MAX).await?;
    let total = entries.len() as u64;

    // Every declared row, found by the entry that covers it.
    let mut rows: Vec<Declared> = Vec::new();
    for d in declarations {
        report.problems.extend(d.problems);
        rows.extend(d.rows);
    }
    let mut by_ref: HashMap<EntryRef, usize> = HashMap::new();
    for (n, row) in rows.iter().enumerate() {
        by_ref.insert(row.entry.clone(), n);
    }
    let mut covered: HashSet<usize> = HashSet::new();

    let mut leaves = Vec::with_capacity(entries.len());
    for (expected, e) in entries.iter().enumerate() {
        let expected = expected as i64;
        let what = format!("entry {} ({}, {})", e.index, e.kind, e.subject_id);
        if e.index != expected {
            report.problems.push(format!("entry {expected}: missing (the next entry is {})", e.index));
        }
        let leaf = merkle::leaf_hash(e.entry.as_bytes());
        if hex::encode(leaf) != e.leaf_hash {
            report.problems.push(format!("{what}: stored leaf hash does not match the entry bytes"));
        }
        leaves.push(leaf);
        let parsed: serde_json::Value = serde_json::from_str(&e.entry).unwrap_or_default();
        if parsed["index"].as_i64() != Some(e.index) || parsed["kind"].as_str() != Some(e.kind.as_str()) {
            report.problems.push(format!("{what}: the entry's own index or kind differs (entries moved or swapped)"));
        }
        let claimed = parsed["content_sha256"].as_str().unwrap_or_default();
        let Some(kind) = EntryKind::parse(&e.kind) else {
            report.problems.push(format!("{what}: unknown kind {}", e.kind));
            progress(expected as u64 + 1, total);
            continue;
        };
        let time = parsed["time"].as_str().unwrap_or_default().to_string();
        let found = by_ref.get(&EntryRef::Index(e.index)).or_else(|| by_ref.get(&EntryRef::At(kind, e.subject_id.clone(), time))).copied();
        match found {
            None => report.problems.push(format!("{what}: the row it covers is missing")),
            Some(n) => {
                covered.insert(n);
                let row = &rows[n];
                let item = row.item.as_ref();
                let mut rebuilt = NewEntry::of(item)?;
                if item.content_erased() {
                    // Its content was destroyed on purpose (erasure): the hash stands as written.
                    rebuilt.content_sha256 = claimed.to_string();
                }
                if item.kind() != kind || item.subject_id() != e.subject_id || rebuilt.content_sha256 != claimed {
                    report.problems.push(format!("{what}: {} no longer matches its entry (changed after it was written)", row.row));
                } else if rebuilt.encode(e.index)? != e.entry {
                    // Same content, but who, when or the ids it names differ from the row's.
                    report.problems.push(format!("{what}: {} no longer matches its entry (its author, time or ids changed)", row.row));
                }
            }
        }
        progress(expected as u64 + 1, total);
    }
    if committed != entries.len() as i64 {
        report.problems.push(format!("the log claims {committed} entries but holds {}", entries.len()));
    }
    for (n, row) in rows.iter().enumerate() {
        if !covered.contains(&n) {
            match &row.entry {
                EntryRef::Index(index) => report.problems.push(format!("{}: no ledger entry {index} covers it", row.row)),
                EntryRef::At(..) => report.problems.push(format!("{}: no ledger entry covers it", row.row)),
            }
        }
    }

    // Blocks: chained, signed, and each root the tree hash of that many stored entries.
    let blocks = store::all_blocks(db).await?;
    let mut frontier = Frontier::default();
    let mut prev = GENESIS_PREV.to_string();
    for (h, b) in blocks.iter().enumerate() {
        let what = format!("block {} ({})", b.height, b.hash);
        if b.height != h as i64 {
            report.problems.push(format!("{what}: height {} out of sequence", b.height));
        }
        if b.prev_hash != prev {
            report.problems.push(format!("{what}: does not point back to the block before it"));
        }
        if service::block_hash(b)? != b.hash {
            report.problems.push(format!("{what}: header does not hash to the block's hash (edited)"));
        }
        match key {
            Some(key) if !service::signature_ok(key, b) => {
                report.problems.push(format!("{what}: signature does not verify with the server's public key"));
            }
            None => report.problems.push(format!("{what}: no ledger key in the data directory to check its signature")),
            Some(_) => {}
        }
        if b.tree_size as usize > leaves.len() || (b.tree_size as u64) < frontier.size() {
            report.problems.push(format!("{what}: covers {} entries; the log holds {}", b.tree_size, leaves.len()));
        } else {
            while frontier.size() < b.tree_size as u64 {
                frontier.push(leaves[frontier.size() as usize]);
            }
            if hex::encode(frontier.root()) != b.root_hash {
                report.problems.push(format!("{what}: root does not match the first {} entries", b.tree_size));
            }
        }
        prev = b.hash.clone();
        report.root = b.root_hash.clone();
    }
    check_nodes(db, &leaves, &mut report).await?;
    report.entries = entries.len() as u64;
    report.blocks = blocks.len() as u64;
    Ok(report)
}

/// Recomputes every stored complete subtree from the leaves, level by level, and names each
/// one that is missing, extra or different (proofs are served from them).
async fn check_nodes(db: &Db, leaves: &[merkle::Hash], report: &mut Report) -> Result<(), Error> {
    // Every subtree under the first `covered` leaves must be stored. A server running beside
    // verify may store more meanwhile (its sealer): those are checked against the entries read
    // when the entries are there, and otherwise left alone (no proof can use them before a
    // block covers them, and a later verify sees them).
    let covered = (tree::nodes_size(db).await?.max(0) as usize).min(leaves.len());
    let mut below: Vec<merkle::Hash> = leaves.to_vec();
    let mut level = 0u32;
    loop {
        level += 1;
        let computed: Vec<merkle::Hash> = below.chunks_exact(2).map(|p| merkle::node_hash(&p[0], &p[1])).collect();
        let stored = tree::level(db, level).await?;
        let required = covered >> level;
        if computed.is_empty() && stored.is_empty() {
            return Ok(());
        }
        let span = 1u64 << level;
        let mut seen = vec![false; required];
        for (idx, hash) in &stored {
            let i = *idx as usize;
            let what = format!("ledger node level {level} index {idx} (entries {}..{})", *idx as u64 * span, (*idx as u64 + 1) * span);
            if let Some(slot) = seen.get_mut(i) {
                *slot = true;
            }
            match computed.get(i) {
                Some(h) if hex::encode(h) != *hash => {
                    report.problems.push(format!("{what}: stored hash does not match the entries (edited)"))
                }
                _ => {}
            }
        }
        for (idx, _) in seen.iter().enumerate().filter(|(_, s)| !**s) {
            report.problems.push(format!("ledger node level {level} index {idx}: missing"));
        }
        below = computed;
    }
}
