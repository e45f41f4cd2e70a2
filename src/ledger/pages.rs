//! The admins' ledger page: blocks newest first, and integrity alerts.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::accounts::permissions::Actor;
use crate::http::auth::WebUser;
use crate::http::pages::{Nav, PageError, render};
use crate::http::state::AppState;
use crate::ledger::service;
use crate::ledger::store::Block;
use crate::records::files::{Alert, alerts};

#[derive(Template)]
#[template(path = "admin_ledger.html")]
struct LedgerPage {
    nav: Nav,
    public_key: String,
    blocks: Vec<Block>,
    alerts: Vec<Alert>,
}

/// `GET /admin/ledger`.
pub async fn ledger(State(state): State<AppState>, actor: Actor, user: WebUser) -> Result<Response, PageError> {
    let page = LedgerPage {
        nav: Nav::signed_in(&user),
        public_key: hex::encode(state.ledger.verifying.as_bytes()),
        blocks: service::recent_blocks(&state.db, 50).await?,
        alerts: alerts(&state, &actor, 50).await?,
    };
    Ok(render(&page)?.into_response())
}
