//! The admins' health page (`/admin/status`): the same numbers as the API, in words.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::health::{Health, status};
use crate::http::auth::WebUser;
use crate::http::pages::{Nav, PageError, render};
use crate::http::state::AppState;

#[derive(Template)]
#[template(path = "admin_status.html")]
struct StatusPage {
    nav: Nav,
    s: Health,
}

/// `GET /admin/status`.
pub async fn page(State(state): State<AppState>, user: WebUser) -> Result<Response, PageError> {
    let page = StatusPage { nav: Nav::signed_in(&user), s: status(&state).await? };
    Ok(render(&page)?.into_response())
}
