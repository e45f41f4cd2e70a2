//! Operations endpoints: liveness, readiness, metrics (requests by route, and the clinic's
//! numbers as gauges).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::error::Error;
use crate::http::state::AppState;

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

/// A caller allowed to read `/metrics` on the main address: a scraper on this machine (a
/// loopback peer, IPv4-mapped included) or one that sends `Authorization: Bearer
/// <--metrics-token>`. Anyone else gets the same 404 as a path that does not exist (per-route
/// counts tell an outsider what the clinic's users do). `--metrics-listen` serves it elsewhere.
#[derive(Debug)]
pub struct MetricsScraper;

impl axum::extract::FromRequestParts<AppState> for MetricsScraper {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, Error> {
        let loopback = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .is_some_and(|c| c.0.ip().to_canonical().is_loopback());
        let token_ok = match (&state.settings.metrics_token, parts.headers.get(header::AUTHORIZATION)) {
            (Some(expected), Some(sent)) => crate::http::auth::bearer_token(sent.as_bytes())
                .is_ok_and(|t| bool::from(subtle::ConstantTimeEq::ct_eq(t.as_bytes(), expected.expose().as_bytes()))),
            _ => false,
        };
        if loopback || token_ok { Ok(Self) } else { Err(Error::NotFound("not_found")) }
    }
}

/// `GET /metrics` on the main address, for a [`MetricsScraper`].
pub async fn metrics(_scraper: MetricsScraper, state: State<AppState>) -> impl IntoResponse {
    metrics_open(state).await
}

/// `GET /metrics` on `--metrics-listen`: Prometheus text format 0.0.4, to any caller of that
/// address.
pub async fn metrics_open(State(state): State<AppState>) -> impl IntoResponse {
    let mut body = state.metrics.render();
    body.push_str(&crate::health::gauges(&state).await);
    (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))], body)
}
