//! `GET /api/v1/admin/status`: the clinic's health for administrators and their tools.

use axum::extract::State;

use crate::error::Error;
use crate::health::{Health, status};
use crate::http::extract::ApiJson;
use crate::http::problem::Problem;
use crate::http::state::AppState;

/// `GET /api/v1/admin/status`: the database and its latency, the ledger and its latest block,
/// the last ledger check, integrity alerts, refused sign-ins and lockouts in the last day, the
/// last backup, and every copy running with its request and error rates (admins).
#[utoipa::path(get, path = "/api/v1/admin/status", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The clinic's health now", body = Health),
        (status = 401, description = "`unauthenticated`", body = Problem),
        (status = 403, description = "`forbidden`", body = Problem),
    ))]
pub async fn get_status(State(state): State<AppState>) -> Result<ApiJson<Health>, Error> {
    Ok(ApiJson(status(&state).await?))
}
