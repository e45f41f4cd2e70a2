//! Sealing signed blocks, serving heads and proofs, and verifying the whole ledger.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::accounts::permissions::{Actor, Permission};
use crate::clock;
use crate::context::Ctx;
use crate::db::Db;
use crate::error::Error;
pub use crate::keys::LedgerKeys;
use crate::ledger::entry::canonical;
use crate::ledger::merkle::{self, Hash};
use crate::ledger::store::{self, Block};
use crate::ledger::tree;

/// Signs a block header with the server's key.
pub fn sign_header(keys: &LedgerKeys, b: &Block) -> Result<String, Error> {
    let message = signed_bytes(b.height, b.tree_size, &b.root_hash, &b.prev_hash, &b.created_at)?;
    Ok(keys.sign(message.as_bytes()))
}

/// The bytes a block's signature covers: the canonical header without hash and signature.
pub fn signed_bytes(height: i64, tree_size: i64, root_hash: &str, prev_hash: &str, created_at: &str) -> Result<String, Error> {
    canonical(&json!({
        "height": height, "tree_size": tree_size, "root_hash": root_hash,
        "prev_hash": prev_hash, "created_at": created_at,
    }))
}

/// A block's hash: SHA-256 of the canonical header including its signature.
pub fn block_hash(b: &Block) -> Result<String, Error> {
    let header = canonical(&json!({
        "height": b.height, "tree_size": b.tree_size, "root_hash": b.root_hash,
        "prev_hash": b.prev_hash, "created_at": b.created_at, "signature": b.signature,
    }))?;
    Ok(hex::encode(Sha256::digest(header.as_bytes())))
}

/// The hash the first block points back to.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Seals the committed entries not yet in a block into new blocks of at most `max_entries`
/// each. Safe with several copies sealing at once: a height is taken by whoever inserts first.
/// Costs O(new entries + log n): the new entries' subtrees are stored once, and each block's
/// root is read from O(log n) complete subtrees.
pub async fn seal(db: &Db, keys: &LedgerKeys, now: &str, max_entries: i64) -> Result<Option<Block>, Error> {
    let mut sealed = None;
    // Seal what is committed now, not what keeps arriving meanwhile: under steady writes the
    // next tick takes the rest, instead of one call sealing tiny blocks forever.
    let committed = store::committed_size(db).await?;
    let mut head = store::head(db).await?;
    if committed <= head.as_ref().map(|b| b.tree_size).unwrap_or(0) {
        return Ok(None);
    }
    tree::extend(db, committed).await?;
    loop {
        let covered = head.as_ref().map(|b| b.tree_size).unwrap_or(0);
        if committed <= covered {
            return Ok(sealed);
        }
        let size = committed.min(covered + max_entries.max(1));
        let root_hash = hex::encode(tree::root(db, size).await?);
        let height = head.as_ref().map(|b| b.height + 1).unwrap_or(0);
        let prev_hash = head.map(|b| b.hash).unwrap_or_else(|| GENESIS_PREV.to_string());
        let mut block = Block {
            hash: String::new(),
            height,
            tree_size: size,
            root_hash,
            prev_hash,
            created_at: now.to_string(),
            signature: String::new(),
        };
        block.signature = sign_header(keys, &block)?;
        block.hash = block_hash(&block)?;
        if store::insert_block(db, &block).await? {
            tracing::debug!(height, tree_size = size, "ledger block sealed");
            sealed = Some(block);
        }
        // Whoever won this height, go on from the newest block.
        head = store::head(db).await?;
    }
}

/// Seals what is pending now (the background sealer; a proof of an entry not sealed yet).
pub async fn seal_now(ctx: &Ctx) -> Result<Option<Block>, Error> {
    seal(&ctx.db, &ctx.ledger, &clock::format(ctx.clock.now()), ctx.settings.ledger_block_max_entries).await
}

/// The latest signed block, as it stands: reads never seal (the background sealer does, every
/// `--ledger-block-ms`), so an anonymous caller cannot make the server sign anything.
pub async fn head(db: &Db) -> Result<Block, Error> {
    store::head(db).await?.ok_or(Error::NotFound("ledger_empty"))
}

/// An inclusion proof (RFC 9162) for one entry against the latest signed block.
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProof {
    /// The entry's index (its leaf).
    pub leaf_index: i64,
    /// The entry's canonical bytes, base64.
    pub entry_base64: String,
    /// SHA-256(0x00 || entry), hex.
    pub leaf_hash: String,
    /// Leaves in the tree the proof is for.
    pub tree_size: i64,
    /// Sibling hashes from the leaf up, hex (RFC 9162 section 2.1.3.1).
    pub audit_path: Vec<String>,
    /// The tree's root, as signed in the block.
    pub root_hash: String,
    /// The block that signs that root.
    pub block_hash: String,
}

/// The inclusion proof of entry `index` in the latest block: O(log n) reads. A read never seals
/// or signs (DESIGN.md): for an entry written since the last block, the proof waits for the
/// background sealer (one `--ledger-block-ms` tick, of this or another copy), polling the head,
/// and answers 503 `not_sealed_yet` with `Retry-After` if no block covers it in time.
pub async fn inclusion(ctx: &Ctx, index: i64) -> Result<InclusionProof, Error> {
    let db = &ctx.db;
    if index < 0 || index >= store::committed_size(db).await? {
        return Err(Error::NotFound("entry_not_found"));
    }
    let tick = ctx.settings.ledger_block_ms.max(10);
    // Two ticks and a second, at least 2 s (a busy machine delays the sealer) and at most 5 s.
    let wait_ms = (2 * tick + 1_000).clamp(2_000, 5_000);
    let deadline = ctx.clock.now() + chrono::Duration::milliseconds(wait_ms as i64);
    let block = loop {
        match store::head(db).await? {
            Some(b) if b.tree_size > index => break b,
            _ if ctx.clock.now() >= deadline => return Err(Error::NotSealedYet),
            _ => tokio::time::sleep(std::time::Duration::from_millis((tick / 4).clamp(5, 100))).await,
        }
    };
    let entry = store::entry(db, index).await?.ok_or(Error::NotFound("entry_not_found"))?;
    let spans = merkle::inclusion_spans(index as u64, block.tree_size as u64).ok_or(Error::NotFound("entry_not_found"))?;
    let path = tree::span_hashes(db, &spans, block.tree_size).await?;
    Ok(InclusionProof {
        leaf_index: index,
        entry_base64: STANDARD.encode(entry.entry.as_bytes()),
        leaf_hash: entry.leaf_hash,
        tree_size: block.tree_size,
        audit_path: path.iter().map(hex::encode).collect(),
        root_hash: block.root_hash,
        block_hash: block.hash,
    })
}

/// A consistency proof between two tree sizes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProof {
    /// The smaller tree size.
    pub first: i64,
    /// The larger tree size.
    pub second: i64,
    /// RFC 9162 section 2.1.4.1 PROOF(first, D_second), hex.
    pub proof: Vec<String>,
    /// Root of the first tree, hex.
    pub first_root: String,
    /// Root of the second tree, hex.
    pub second_root: String,
}

/// The consistency proof between sizes `first` and `second` of the signed log: O(log n) reads.
pub async fn consistency(ctx: &Ctx, first: i64, second: i64) -> Result<ConsistencyProof, Error> {
    let db = &ctx.db;
    let head = head(db).await?;
    if first < 1 || first > second || second > head.tree_size {
        return Err(Error::Validation(vec![crate::error::FieldError::new(
            "first",
            format!("need 1 <= first <= second <= {} (the latest signed tree size)", head.tree_size),
        )]));
    }
    let mut spans = merkle::consistency_spans(first as u64, second as u64).unwrap_or_default();
    spans.push((0, first as u64));
    spans.push((0, second as u64));
    let mut hashes = tree::span_hashes(db, &spans, head.tree_size).await?;
    let second_root = hashes.pop().unwrap_or_default();
    let first_root = hashes.pop().unwrap_or_default();
    Ok(ConsistencyProof {
        first,
        second,
        proof: hashes.iter().map(hex::encode).collect(),
        first_root: hex::encode(first_root),
        second_root: hex::encode(second_root),
    })
}

/// Brings the stored subtrees up to the latest block at start: a log whose blocks were sealed
/// by a release from before they were stored gets them once, before the first request.
pub async fn prepare(db: &Db) -> Result<(), Error> {
    if let Some(head) = store::head(db).await? {
        let have = tree::nodes_size(db).await?;
        if have < head.tree_size {
            tracing::info!(entries = head.tree_size - have, "storing the ledger's subtree hashes (once, after an upgrade)");
            tree::extend(db, head.tree_size).await?;
        }
    }
    Ok(())
}

/// Checks a block's signature with a public key.
pub fn signature_ok(key: &VerifyingKey, b: &Block) -> bool {
    let Ok(message) = signed_bytes(b.height, b.tree_size, &b.root_hash, &b.prev_hash, &b.created_at) else { return false };
    let Ok(bytes) = hex::decode(&b.signature) else { return false };
    let Ok(sig) = <[u8; 64]>::try_from(bytes.as_slice()) else { return false };
    key.verify(message.as_bytes(), &Signature::from_bytes(&sig)).is_ok()
}

/// Parses a hex hash.
pub fn parse_hash(s: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// A block and the entries it added.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockWithRange {
    /// The header.
    #[serde(flatten)]
    pub block: Block,
    /// First entry index this block added.
    pub first_index: i64,
    /// One past the last entry index it added (= tree_size).
    pub end_index: i64,
}

/// A page of blocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockPage {
    /// Newest first.
    pub items: Vec<BlockWithRange>,
    /// For the next page.
    pub next_cursor: Option<String>,
}

/// A page of blocks, newest first, below a height.
pub async fn blocks(db: &Db, below: Option<i64>, limit: i64) -> Result<BlockPage, Error> {
    // Two rows beyond the page: one tells whether another page follows, the other is the
    // previous block of the page's last item. Heights have no gaps, so each block's range starts
    // at the tree size of the row after it, and a list that ends early ends at height 0: one
    // query for the whole page instead of one per block.
    let rows = store::blocks(db, below, limit + 2).await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<BlockWithRange> = rows
        .iter()
        .take(limit as usize)
        .enumerate()
        .map(|(i, b)| BlockWithRange { block: b.clone(), first_index: rows.get(i + 1).map_or(0, |p| p.tree_size), end_index: b.tree_size })
        .collect();
    let next_cursor = if more { items.last().map(|b| b.block.height.to_string()) } else { None };
    Ok(BlockPage { items, next_cursor })
}

/// A block by its hash, with the entries it added.
pub async fn block(db: &Db, hash: &str) -> Result<BlockWithRange, Error> {
    let block = store::block_by_hash(db, hash).await?.ok_or(Error::NotFound("block_not_found"))?;
    let first_index =
        if block.height == 0 { 0 } else { store::blocks(db, Some(block.height), 1).await?.first().map(|p| p.tree_size).unwrap_or(0) };
    let end_index = block.tree_size;
    Ok(BlockWithRange { block, first_index, end_index })
}

/// The newest blocks (the admins' ledger page).
pub async fn recent_blocks(db: &Db, limit: i64) -> Result<Vec<Block>, Error> {
    store::blocks(db, None, limit).await
}

/// An entry as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    /// Leaf index.
    pub index: i64,
    /// Kind of write.
    pub kind: String,
    /// The canonical entry (RFC 8785 JSON), as text.
    pub entry: String,
    /// SHA-256(0x00 || entry), hex.
    pub leaf_hash: String,
}

/// An entry as stored (the route holds `audit.read`: entries name patients and staff by id).
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), index))]
pub async fn entry(ctx: &Ctx, actor: &Actor, index: i64) -> Result<EntryView, Error> {
    actor.require(Permission::AuditRead)?;
    let e = store::entry(&ctx.db, index).await?.ok_or(Error::NotFound("entry_not_found"))?;
    Ok(EntryView { index: e.index, kind: e.kind, entry: e.entry, leaf_hash: e.leaf_hash })
}
