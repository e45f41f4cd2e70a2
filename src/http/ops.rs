//! Operations endpoints: liveness, readiness, metrics.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::app::AppState;
use crate::error::Error;

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers. 503 `database_unavailable` otherwise, so a load
/// balancer stops sending traffic to this copy.
pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, Error> {
    if state.db.ping().await {
        Ok(axum::Json(json!({"status": "ready"})))
    } else {
        Err(Error::DatabaseUnavailable(sqlx::Error::PoolTimedOut))
    }
}

/// `GET /metrics`: Prometheus text format 0.0.4.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))],
        state.metrics.render(),
    )
}
