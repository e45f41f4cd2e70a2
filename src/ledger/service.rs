//! Sealing signed blocks, serving heads and proofs, and verifying the whole ledger.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::clock;
use crate::config::Secret;
use crate::db::Db;
use crate::error::Error;
use crate::ledger::entry::canonical;
use crate::ledger::merkle::{self, Hash};
use crate::ledger::store::{self, Block};

/// The server's Ed25519 key for signing block headers (RFC 8032), from the data directory.
#[derive(Clone)]
pub struct LedgerKeys {
    signing: SigningKey,
    /// The public half, published at `/api/v1/ledger/public-key`.
    pub verifying: VerifyingKey,
}

impl std::fmt::Debug for LedgerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LedgerKeys(public {})", hex::encode(self.verifying.as_bytes()))
    }
}

impl LedgerKeys {
    /// Keys from a 32-byte seed.
    pub fn from_seed(seed: &Secret<Vec<u8>>) -> anyhow::Result<Self> {
        let bytes: [u8; 32] = seed
            .expose()
            .get(..32)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| anyhow::anyhow!("the ledger key must be 32 bytes"))?;
        let signing = SigningKey::from_bytes(&bytes);
        Ok(Self { verifying: signing.verifying_key(), signing })
    }

    /// Loads `<data-dir>/keys/ledger-signing.key`, creating it on first start.
    pub fn load(data_dir: &std::path::Path) -> anyhow::Result<Self> {
        Self::from_seed(&crate::keys::load_or_create_secret(data_dir, "ledger-signing.key")?)
    }
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
pub async fn seal(db: &Db, keys: &LedgerKeys, now: &str, max_entries: i64) -> Result<Option<Block>, Error> {
    let mut sealed = None;
    // Seal what is committed now, not what keeps arriving meanwhile: under steady writes the
    // next tick (or proof) takes the rest, instead of one call sealing tiny blocks forever.
    let committed = store::committed_size(db).await?;
    loop {
        let head = store::head(db).await?;
        let covered = head.as_ref().map(|b| b.tree_size).unwrap_or(0);
        if committed <= covered {
            return Ok(sealed);
        }
        let size = committed.min(covered + max_entries.max(1));
        let leaves = store::leaf_hashes(db, size).await?;
        if leaves.len() as i64 != size {
            // Entries are committed with their index, so this means a row went missing.
            return Err(Error::Internal(anyhow::anyhow!("ledger has {} of {size} entries", leaves.len())));
        }
        let root_hash = hex::encode(merkle::root(&leaves));
        let height = head.as_ref().map(|b| b.height + 1).unwrap_or(0);
        let prev_hash = head.map(|b| b.hash).unwrap_or_else(|| GENESIS_PREV.to_string());
        let message = signed_bytes(height, size, &root_hash, &prev_hash, now)?;
        let signature = hex::encode(keys.signing.sign(message.as_bytes()).to_bytes());
        let mut block = Block { hash: String::new(), height, tree_size: size, root_hash, prev_hash, created_at: now.to_string(), signature };
        block.hash = block_hash(&block)?;
        if store::insert_block(db, &block).await? {
            tracing::debug!(height, tree_size = size, "ledger block sealed");
            sealed = Some(block);
        }
    }
}

/// Seals what is pending now (used before answering with a proof).
pub async fn seal_now(state: &AppState) -> Result<Option<Block>, Error> {
    seal(&state.db, &state.ledger, &clock::format(state.clock.now()), state.settings.ledger_block_max_entries).await
}

/// The latest block, sealing pending entries first.
pub async fn head(state: &AppState) -> Result<Block, Error> {
    seal_now(state).await?;
    store::head(&state.db).await?.ok_or(Error::NotFound("ledger_empty"))
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

/// The inclusion proof of entry `index` in the latest block.
pub async fn inclusion(state: &AppState, index: i64) -> Result<InclusionProof, Error> {
    let block = head(state).await?;
    let entry = store::entry(&state.db, index).await?.ok_or(Error::NotFound("entry_not_found"))?;
    let leaves = store::leaf_hashes(&state.db, block.tree_size).await?;
    let path = merkle::inclusion_proof(&leaves, index as usize).ok_or(Error::NotFound("entry_not_found"))?;
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

/// The consistency proof between sizes `first` and `second` of the signed log.
pub async fn consistency(state: &AppState, first: i64, second: i64) -> Result<ConsistencyProof, Error> {
    let head = head(state).await?;
    if first < 1 || first > second || second > head.tree_size {
        return Err(Error::Validation(vec![crate::error::FieldError::new(
            "first",
            format!("need 1 <= first <= second <= {} (the latest signed tree size)", head.tree_size),
        )]));
    }
    let leaves = store::leaf_hashes(&state.db, second).await?;
    let proof = merkle::consistency_proof(&leaves, first as usize).unwrap_or_default();
    Ok(ConsistencyProof {
        first,
        second,
        proof: proof.iter().map(hex::encode).collect(),
        first_root: hex::encode(merkle::root(&leaves[..first as usize])),
        second_root: hex::encode(merkle::root(&leaves)),
    })
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
