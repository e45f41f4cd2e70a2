//! The audit trail over the API: admins search and export it; patients see who accessed
//! their records.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::accounts::permissions::Actor;
use crate::audit::AccessLogItem;
use crate::audit::store::AuditEvent;
use crate::audit::trail::AccessEvent;
use crate::audit::{self as service};
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::pagination::{Page, PageParams};

/// `GET /api/v1/admin/audit`: privilege changes alone, newest first (the whole trail is
/// `GET /api/v1/audit`).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of audit events", body = Page<AuditEvent>),
        (status = 403, description = "`forbidden`: admins only", body = Problem),
    ))]
pub async fn audit(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<AuditEvent>>, Error> {
    let page = p.into_request()?;
    Ok(ApiJson(service::list(&state, &actor, &page).await?))
}

/// `GET /api/v1/audit`: the audit trail of every access, filtered and sorted by any field.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", security(("bearer" = [])),
    params(service::TrailParams),
    responses(
        (status = 200, description = "A page of the audit trail", body = Page<AccessEvent>),
        (status = 403, description = "`forbidden`: admins only", body = Problem),
        (status = 422, description = "`validation_failed`: a filter, sort or cursor that does not parse", body = Problem),
    ))]
pub async fn trail(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<service::TrailParams>,
) -> Result<ApiJson<Page<AccessEvent>>, Error> {
    // This copy's journalled rows first, so a search sees what was just done here.
    state.audit.flush().await?;
    Ok(ApiJson(service::search(&state, &actor, &p).await?))
}

/// `GET /api/v1/audit/export`: the audit trail as CSV (RFC 4180), with the same filters and
/// sort as `GET /api/v1/audit`, at most 100,000 rows (`careledger-export-truncated: true`
/// when cut).
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "admin", security(("bearer" = [])),
    params(service::TrailParams),
    responses(
        (status = 200, description = "CSV, one row per access", content_type = "text/csv", body = String),
        (status = 403, description = "`forbidden`: admins only", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn export(State(state): State<AppState>, actor: Actor, ApiQuery(p): ApiQuery<service::TrailParams>) -> Result<Response, Error> {
    state.audit.flush().await?;
    let (csv, truncated) = service::export_csv(&state, &actor, &p).await?;
    let name = format!("audit-{}.csv", crate::clock::format(state.clock.now()).get(..10).unwrap_or("export"));
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(|e| Error::Internal(e.into()))?,
            ),
        ],
        csv,
    )
        .into_response();
    if truncated {
        response.headers_mut().insert("careledger-export-truncated", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// `GET /api/v1/me/access-log`: who accessed the signed-in patient's records (names and roles,
/// never addresses), newest first.
#[utoipa::path(get, path = "/api/v1/me/access-log", tag = "privacy", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of accesses by others", body = Page<AccessLogItem>),
        (status = 403, description = "`forbidden`: patients only", body = Problem),
    ))]
pub async fn access_log(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<AccessLogItem>>, Error> {
    let limit = PageParams { limit: p.limit.clone(), cursor: None }.into_request()?.limit;
    state.audit.flush().await?;
    Ok(ApiJson(service::access_log(&state, &actor, limit, p.cursor.as_deref()).await?))
}
