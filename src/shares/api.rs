//! Share links over the API: the patient makes a link (its URL and QR code, once), lists their
//! links and revokes one.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::pages::site_origin;
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::pagination::{Page, PageParams};
use crate::shares::model::{CreatedShare, NewShare, ShareLink};
use crate::shares::service;

/// `POST /api/v1/shares`: the patient makes a link to chosen records (`record_ids`) or to their
/// whole history (`all: true`, records written later included), working for
/// `expires_in_minutes` (1–10080, default 1440). The answer's `url` holds the link's token and
/// is shown only this once.
#[utoipa::path(post, path = "/api/v1/shares", tag = "privacy", security(("bearer" = [])), request_body = NewShare,
    responses(
        (status = 201, description = "Made: give `url` (or the QR code) to whoever should read the records", body = CreatedShare),
        (status = 400, description = "`malformed`: the request's Host is missing or invalid (set --public-url)", body = Problem),
        (status = 403, description = "`forbidden`: patients only", body = Problem),
        (status = 422, description = "`validation_failed`: neither or both of `record_ids` and `all`, an empty list, an id that is not one of your records, or `expires_in_minutes` out of range", body = Problem),
    ))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(body): ApiJson<NewShare>,
) -> Result<(StatusCode, ApiJson<CreatedShare>), Error> {
    let site = site_origin(&state, &headers, Some(&uri))
        .ok_or_else(|| Error::Malformed("the request's Host header is missing or not a host; the server needs --public-url".into()))?;
    Ok((StatusCode::CREATED, ApiJson(service::create(&state, &actor, &body, &site).await?)))
}

/// `GET /api/v1/shares`: the patient's links, newest first, with their status (`active`,
/// `expired`, `revoked`) and how often each was opened; never their tokens.
#[utoipa::path(get, path = "/api/v1/shares", tag = "privacy", security(("bearer" = [])), params(PageParams),
    responses(
        (status = 200, description = "The links", body = Page<ShareLink>),
        (status = 403, description = "`forbidden`: patients only", body = Problem),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<ShareLink>>, Error> {
    let page = p.into_request()?;
    Ok(ApiJson(service::list(&state, &actor, &page).await?))
}

/// `DELETE /api/v1/shares/{id}`: revokes a link; it opens nothing from the next request on, at
/// every copy. Revoking a revoked link succeeds again (204).
#[utoipa::path(delete, path = "/api/v1/shares/{id}", tag = "privacy", security(("bearer" = [])),
    params(("id" = String, Path, description = "The link's id (from the list or the creation answer)")),
    responses(
        (status = 204, description = "Revoked (or revoked already)"),
        (status = 403, description = "`forbidden`: patients only", body = Problem),
        (status = 404, description = "`share_not_found`: no such link of yours", body = Problem),
    ))]
pub async fn revoke(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<StatusCode, Error> {
    service::revoke(&state, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
