//! The export as a page download (the dashboard's "Download my records (FHIR)" link) and as a
//! page to print or save as PDF, to hand to another clinic.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::accounts::permissions::Actor;
use crate::export::api::download;
use crate::export::service;
use crate::http::auth::WebUser;
use crate::http::pages::{Nav, PageError, render};
use crate::http::state::AppState;

/// `GET /me/export`: the same Bundle as `GET /api/v1/me/export`, downloaded by the browser.
pub async fn export(State(state): State<AppState>, actor: Actor) -> Result<Response, PageError> {
    state.audit.flush().await?;
    Ok(download(service::export(&state, &actor).await?)?)
}

#[derive(Template)]
#[template(path = "print_records.html")]
struct PrintPage {
    nav: Nav,
    holdings: crate::export::model::Holdings,
    /// Each record's verification code, by record id.
    codes: std::collections::HashMap<String, String>,
}

/// `GET /me/records/print`: everything in the export a person reads (records with their ledger
/// entries, allergies, problems, prescriptions) on one page made for paper: the browser's Print
/// makes the copy or the PDF.
pub async fn print(State(state): State<AppState>, actor: Actor, user: WebUser) -> Result<Response, PageError> {
    let (holdings, codes) = service::printable(&state, &actor).await?;
    Ok(render(&PrintPage { nav: Nav::signed_in(&user), holdings, codes })?.into_response())
}
