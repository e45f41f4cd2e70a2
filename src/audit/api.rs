//! The audit trail over the API (admins).

use axum::extract::State;

use crate::accounts::permissions::Actor;
use crate::audit::store::AuditEvent;
use crate::audit::{self as service};
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::pagination::{Page, PageParams};

/// `GET /api/v1/admin/audit`: privilege changes, newest first.
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
