//! JSON API of the ledger: signed heads, blocks, entries and proofs (hashes as lowercase hex).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::auth::ApiUser;
use crate::http::state::AppState;
use crate::error::{Error, FieldError};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::ledger::service::{self, ConsistencyProof};
use crate::ledger::store::{self, Block};

/// `GET /api/v1/ledger/head`: the latest signed block.
#[utoipa::path(get, path = "/api/v1/ledger/head", tag = "ledger",
    responses(
        (status = 200, description = "The latest block", body = Block),
        (status = 404, description = "`ledger_empty`: nothing written yet", body = Problem),
    ))]
pub async fn head(State(state): State<AppState>) -> Result<ApiJson<Block>, Error> {
    Ok(ApiJson(service::head(&state.db).await?))
}

/// The server's block-signing key.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKey {
    /// Always `Ed25519` (RFC 8032).
    pub algorithm: &'static str,
    /// The 32-byte public key, hex.
    pub public_key: String,
}

/// `GET /api/v1/ledger/public-key`.
#[utoipa::path(get, path = "/api/v1/ledger/public-key", tag = "ledger",
    responses((status = 200, description = "Verify block signatures with this", body = PublicKey)))]
pub async fn public_key(State(state): State<AppState>) -> ApiJson<PublicKey> {
    ApiJson(PublicKey { algorithm: "Ed25519", public_key: hex::encode(state.ledger.verifying.as_bytes()) })
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

/// Query of `GET /api/v1/ledger/blocks`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlocksQuery {
    /// The `next_cursor` of the previous page (a height).
    pub cursor: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<String>,
}

/// A page of blocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockPage {
    /// Newest first.
    pub items: Vec<BlockWithRange>,
    /// For the next page.
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/ledger/blocks`: blocks, newest first.
#[utoipa::path(get, path = "/api/v1/ledger/blocks", tag = "ledger", params(BlocksQuery),
    responses(
        (status = 200, description = "A page of blocks", body = BlockPage),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn blocks(State(state): State<AppState>, ApiQuery(q): ApiQuery<BlocksQuery>) -> Result<ApiJson<BlockPage>, Error> {
    let (below, limit) = q.parse()?;
    // Two rows beyond the page: one tells whether another page follows, the other is the
    // previous block of the page's last item. Heights have no gaps, so each block's range starts
    // at the tree size of the row after it, and a list that ends early ends at height 0: one
    // query for the whole page instead of one per block.
    let rows = store::blocks(&state.db, below, limit + 2).await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<BlockWithRange> = rows
        .iter()
        .take(limit as usize)
        .enumerate()
        .map(|(i, b)| BlockWithRange { block: b.clone(), first_index: rows.get(i + 1).map_or(0, |p| p.tree_size), end_index: b.tree_size })
        .collect();
    let next_cursor = if more { items.last().map(|b| b.block.height.to_string()) } else { None };
    Ok(ApiJson(BlockPage { items, next_cursor }))
}

async fn with_range(state: &AppState, block: Block) -> Result<BlockWithRange, Error> {
    let first_index = if block.height == 0 {
        0
    } else {
        store::blocks(&state.db, Some(block.height), 1).await?.first().map(|p| p.tree_size).unwrap_or(0)
    };
    let end_index = block.tree_size;
    Ok(BlockWithRange { block, first_index, end_index })
}

/// `GET /api/v1/ledger/blocks/{hash}`.
#[utoipa::path(get, path = "/api/v1/ledger/blocks/{hash}", tag = "ledger",
    params(("hash" = String, Path, description = "Block hash, hex")),
    responses(
        (status = 200, description = "The block and its entry range", body = BlockWithRange),
        (status = 404, description = "`block_not_found`", body = Problem),
    ))]
pub async fn block(State(state): State<AppState>, ApiPath(hash): ApiPath<String>) -> Result<ApiJson<BlockWithRange>, Error> {
    let hash = hash.to_ascii_lowercase();
    // Only a SHA-256 in hex can name a block; nothing else reaches the database.
    if !crate::files::is_sha256_hex(&hash) {
        return Err(Error::NotFound("block_not_found"));
    }
    let block = store::block_by_hash(&state.db, &hash).await?.ok_or(Error::NotFound("block_not_found"))?;
    Ok(ApiJson(with_range(&state, block).await?))
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

/// `GET /api/v1/ledger/entries/{index}` (admins: entries name patients and staff by id).
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}", tag = "ledger", security(("bearer" = [])),
    params(("index" = i64, Path, description = "Leaf index")),
    responses(
        (status = 200, description = "The entry", body = EntryView),
        (status = 403, description = "`forbidden`", body = Problem),
        (status = 404, description = "`entry_not_found`", body = Problem),
    ))]
pub async fn entry(State(state): State<AppState>, _caller: ApiUser, ApiPath(index): ApiPath<String>) -> Result<ApiJson<EntryView>, Error> {
    let index: i64 = index.parse().map_err(|_| Error::NotFound("entry_not_found"))?;
    let e = store::entry(&state.db, index).await?.ok_or(Error::NotFound("entry_not_found"))?;
    Ok(ApiJson(EntryView { index: e.index, kind: e.kind, entry: e.entry, leaf_hash: e.leaf_hash }))
}

/// Query of `GET /api/v1/ledger/consistency`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size.
    pub first: Option<String>,
    /// The newer tree size.
    pub second: Option<String>,
}

/// `GET /api/v1/ledger/consistency?first=&second=`: RFC 9162 consistency proof.
#[utoipa::path(get, path = "/api/v1/ledger/consistency", tag = "ledger", params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyProof),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn consistency(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<ApiJson<ConsistencyProof>, Error> {
    let (first, second) = q.parse()?;
    Ok(ApiJson(service::consistency(&state, first, second).await?))
}

impl BlocksQuery {
    /// `(below height, limit)`, or 422 naming the field that does not parse.
    pub fn parse(&self) -> Result<(Option<i64>, i64), Error> {
        let bad = |field: &str, message: &str| Error::Validation(vec![FieldError::new(field, message)]);
        let below = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(c.parse::<i64>().map_err(|_| bad("cursor", "cursor is not one this server issued"))?),
            None => None,
        };
        let limit = match self.limit.as_deref().filter(|l| !l.is_empty()) {
            Some(l) => l.parse::<i64>().ok().filter(|n| (1..=200).contains(n)).ok_or_else(|| bad("limit", "limit must be 1 to 200"))?,
            None => 50,
        };
        Ok((below, limit))
    }
}

impl ConsistencyQuery {
    /// `(first, second)` tree sizes, or 422 naming the field that does not parse.
    pub fn parse(&self) -> Result<(i64, i64), Error> {
        let num = |field: &str, v: &Option<String>| {
            v.as_deref()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| Error::Validation(vec![FieldError::new(field, format!("{field} must be a tree size"))]))
        };
        Ok((num("first", &self.first)?, num("second", &self.second)?))
    }
}

/// `GET /api/v1/admin/integrity-alerts`: the newest integrity alerts (admins).
#[utoipa::path(get, path = "/api/v1/admin/integrity-alerts", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first, at most 200", body = Vec<crate::records::files::Alert>),
        (status = 403, description = "`forbidden`", body = Problem),
    ))]
pub async fn alerts(State(state): State<AppState>, _caller: ApiUser) -> Result<ApiJson<Vec<crate::records::files::Alert>>, Error> {
    Ok(ApiJson(crate::records::files::alerts(&state.db, 200).await?))
}
