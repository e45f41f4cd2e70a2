//! The export as a page download: the dashboard's "Download my records (FHIR)" link.

use axum::extract::State;
use axum::response::Response;

use crate::accounts::permissions::Actor;
use crate::export::api::download;
use crate::export::service;
use crate::http::pages::PageError;
use crate::http::state::AppState;

/// `GET /me/export`: the same Bundle as `GET /api/v1/me/export`, downloaded by the browser.
pub async fn export(State(state): State<AppState>, actor: Actor) -> Result<Response, PageError> {
    state.audit.flush().await?;
    Ok(download(service::export(&state, &actor).await?)?)
}
