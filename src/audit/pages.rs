//! The audit trail as a page (admins).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

use crate::accounts::permissions::Actor;
use crate::audit::store::AuditEvent;
use crate::audit::{self as service};
use crate::http::auth::WebUser;
use crate::http::pages::{Nav, PageError, render};
use crate::http::state::AppState;
use crate::pagination::PageParams;

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    nav: Nav,
    events: Vec<AuditEvent>,
    next_link: Option<String>,
}

/// `GET /admin/audit`: privilege changes, newest first.
pub async fn audit(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p: PageParams = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let page = p.into_request().unwrap_or_default();
    let found = service::list(&state, &actor, &page).await?;
    let next_link = found.next_cursor.map(|c| format!("/admin/audit?cursor={c}"));
    Ok(render(&AuditPage { nav: Nav::signed_in(&user), events: found.items, next_link })?.into_response())
}
