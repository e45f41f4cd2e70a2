//! `careledger ledger verify`: recomputes every entry from the rows it covers, every tree root
//! from the entries, and checks every block's chain and signature. Names each problem.

use std::collections::{HashMap, HashSet};

use ed25519_dalek::VerifyingKey;
use sqlx::Row;

use crate::db::Db;
use crate::error::Error;
use crate::ledger::entry::content_sha256;
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

struct VersionRow {
    record_id: String,
    v: crate::records::model::RecordVersion,
    patient_id: String,
    doctor_id: String,
    record_type: String,
}

/// Verifies the whole ledger, and with a file store every attached file's bytes. `progress`
/// is called with (done, total) as entries are checked.
pub async fn verify(
    db: &Db,
    key: Option<&VerifyingKey>,
    files: Option<&crate::files::FileStore>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Report, Error> {
    let mut report = Report::default();
    let committed = store::committed_size(db).await?;
    let entries = store::entries(db, 0, i64::MAX).await?;
    let total = entries.len() as u64;

    // Rows the entries cover, by entry index.
    let version_rows = sqlx::query(
        "SELECT v.record_id, v.version, v.title, v.notes, v.author_id, v.reason, v.created_at, v.entry_index, \
                r.patient_id, r.doctor_id, r.record_type \
         FROM record_versions v JOIN records r ON r.id = v.record_id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut versions: HashMap<i64, VersionRow> = HashMap::new();
    for r in &version_rows {
        let v = crate::records::store::version_from_row(r)?;
        versions.insert(
            v.entry_index,
            VersionRow {
                record_id: r.try_get("record_id")?,
                v,
                patient_id: r.try_get("patient_id")?,
                doctor_id: r.try_get("doctor_id")?,
                record_type: r.try_get("record_type")?,
            },
        );
    }
    let audit_rows = sqlx::query("SELECT at, action, target_id, detail FROM audit_events WHERE action IN ('approve', 'role_change')")
        .fetch_all(&db.pool)
        .await?;
    let mut audits: HashMap<(String, String), (String, String)> = HashMap::new();
    for r in &audit_rows {
        let action: String = r.try_get("action")?;
        let detail: String = r.try_get("detail")?;
        let role = detail.rsplit("-> ").next().unwrap_or(&detail).trim().to_string();
        audits.insert((r.try_get("target_id")?, r.try_get("at")?), (action, role));
    }

    // Attached files by entry index, and each record's files in attachment order.
    let mut attachments: HashMap<i64, (String, crate::records::files::FileInfo)> = HashMap::new();
    let mut by_record: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for (record_id, info) in crate::records::files::all_rows(db).await? {
        by_record.entry(record_id.clone()).or_default().push((info.entry_index, info.sha256.clone()));
        attachments.insert(info.entry_index, (record_id, info));
    }
    let mut covered_files: HashSet<i64> = HashSet::new();

    let mut leaves = Vec::with_capacity(entries.len());
    let mut covered_records: HashSet<i64> = HashSet::new();
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
        let claimed = parsed["content_sha256"].as_str().unwrap_or_default().to_string();
        match e.kind.as_str() {
            "record_created" | "record_amended" => match versions.get(&e.index) {
                None => report.problems.push(format!("{what}: record {} version row is missing", e.subject_id)),
                Some(row) => {
                    covered_records.insert(e.index);
                    let v = &row.v;
                    let content = crate::records::model::version_content(
                        &row.record_id,
                        &row.patient_id,
                        &row.doctor_id,
                        &row.record_type,
                        v.version,
                        &v.title,
                        &v.notes,
                        &v.author_id,
                        &v.reason,
                        &v.created_at,
                    );
                    if content_sha256(&content)? != claimed || row.record_id != e.subject_id {
                        report.problems.push(format!(
                            "{what}: record {} version {} no longer matches its entry (changed after it was written)",
                            row.record_id, v.version
                        ));
                    }
                }
            },
            "staff_approved" | "role_changed" => {
                let time = parsed["time"].as_str().unwrap_or_default().to_string();
                match audits.get(&(e.subject_id.clone(), time)) {
                    None => report.problems.push(format!("{what}: user {} audit row is missing", e.subject_id)),
                    Some((_, role)) => {
                        let content = crate::accounts::admin::staff_content(&e.subject_id, &e.kind, role);
                        if content_sha256(&content)? != claimed {
                            report.problems.push(format!("{what}: user {} audit row no longer matches its entry", e.subject_id));
                        }
                    }
                }
            }
            "file_attached" => match attachments.get(&e.index) {
                None => report.problems.push(format!("{what}: file row of record {} is missing", e.subject_id)),
                Some((record_id, info)) => {
                    covered_files.insert(e.index);
                    let shas: Vec<String> = by_record
                        .get(record_id)
                        .map(|v| v.iter().filter(|(i, _)| *i <= e.index).map(|(_, s)| s.clone()).collect())
                        .unwrap_or_default();
                    let content = crate::records::files::attachment_content(record_id, info, &crate::records::files::files_root(&shas));
                    if content_sha256(&content)? != claimed || record_id != &e.subject_id {
                        report.problems.push(format!("{what}: file {} row of record {record_id} no longer matches its entry", info.sha256));
                    }
                }
            },
            other => report.problems.push(format!("{what}: unknown kind {other}")),
        }
        progress(expected as u64 + 1, total);
    }
    if committed != entries.len() as i64 {
        report.problems.push(format!("the log claims {committed} entries but holds {}", entries.len()));
    }
    for (index, row) in &versions {
        if !covered_records.contains(index) {
            report.problems.push(format!("record {} version {}: no ledger entry {index} covers it", row.record_id, row.v.version));
        }
    }
    for (index, (record_id, info)) in &attachments {
        if !covered_files.contains(index) {
            report.problems.push(format!("file {} of record {record_id}: no ledger entry {index} covers it", info.sha256));
        }
        if let Some(store) = files {
            use sha2::Digest;
            match store.get(&info.sha256).await {
                Ok(Some(bytes)) if hex::encode(sha2::Sha256::digest(&bytes)) == info.sha256 => {}
                Ok(Some(_)) => report
                    .problems
                    .push(format!("entry {index} (file_attached, {record_id}): file {} bytes no longer match their hash", info.sha256)),
                Ok(None) | Err(_) => {
                    report.problems.push(format!("entry {index} (file_attached, {record_id}): file {} is missing", info.sha256))
                }
            }
        }
    }
    // Each record must show its latest version.
    let drift = sqlx::query(
        "SELECT r.id FROM records r LEFT JOIN record_versions v ON v.record_id = r.id AND v.version = r.version \
         WHERE v.record_id IS NULL OR v.title <> r.title OR v.notes <> r.notes",
    )
    .fetch_all(&db.pool)
    .await?;
    for r in &drift {
        let id: String = r.try_get("id")?;
        report.problems.push(format!("record {id}: its title or notes differ from its latest proven version"));
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
