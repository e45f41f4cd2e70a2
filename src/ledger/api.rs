//! JSON API of the ledger: signed heads, blocks, entries and proofs (hashes as lowercase hex).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::permissions::Actor;
use crate::error::{Error, FieldError};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::ledger::service::{self, BlockPage, BlockWithRange, ConsistencyProof, EntryView};
use crate::ledger::store::Block;

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

/// Query of `GET /api/v1/ledger/blocks`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlocksQuery {
    /// The `next_cursor` of the previous page (a height).
    pub cursor: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<String>,
}

/// `GET /api/v1/ledger/blocks`: blocks, newest first.
#[utoipa::path(get, path = "/api/v1/ledger/blocks", tag = "ledger", params(BlocksQuery),
    responses(
        (status = 200, description = "A page of blocks", body = BlockPage),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn blocks(State(state): State<AppState>, ApiQuery(q): ApiQuery<BlocksQuery>) -> Result<ApiJson<BlockPage>, Error> {
    let (below, limit) = q.parse()?;
    Ok(ApiJson(service::blocks(&state.db, below, limit).await?))
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
    Ok(ApiJson(service::block(&state.db, &hash).await?))
}

/// `GET /api/v1/ledger/entries/{index}` (admins: entries name patients and staff by id).
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}", tag = "ledger", security(("bearer" = [])),
    params(("index" = i64, Path, description = "Leaf index")),
    responses(
        (status = 200, description = "The entry", body = EntryView),
        (status = 403, description = "`forbidden`", body = Problem),
        (status = 404, description = "`entry_not_found`", body = Problem),
    ))]
pub async fn entry(State(state): State<AppState>, actor: Actor, ApiPath(index): ApiPath<String>) -> Result<ApiJson<EntryView>, Error> {
    let index: i64 = index.parse().map_err(|_| Error::NotFound("entry_not_found"))?;
    Ok(ApiJson(service::entry(&state, &actor, index).await?))
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
pub async fn alerts(State(state): State<AppState>, actor: Actor) -> Result<ApiJson<Vec<crate::records::files::Alert>>, Error> {
    Ok(ApiJson(crate::records::files::alerts(&state, &actor, 200).await?))
}
