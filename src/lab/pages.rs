//! Lab orders as pages: the lab's queue of open orders with a result form each, and the
//! doctor's order form (on the chart), posted here; the same services as the API.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, Flash, Nav, PageError, render};
use crate::http::state::AppState;
use crate::lab::model::{LabFilter, LabOrder, NewLabOrder, NewLabResult};
use crate::lab::service;

#[derive(Template)]
#[template(path = "lab.html")]
struct LabPage {
    nav: Nav,
    open: Vec<LabOrder>,
    recent: Vec<LabOrder>,
    message: Flash,
}

/// A result's flag (`low`, `high`, `abnormal`, `normal`) in the reader's words (the lab page
/// and the dashboards show it); anything else as it is.
pub fn flag_words(nav: &Nav, flag: &str) -> String {
    match flag {
        "low" => nav.t("lab-flag-low"),
        "high" => nav.t("lab-flag-high"),
        "abnormal" => nav.t("lab-flag-abnormal"),
        "normal" => nav.t("lab-flag-normal"),
        other => other.to_string(),
    }
}

/// `?done=`.
#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

/// `GET /lab`.
pub async fn show(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let done: Done = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let message = match done.done.as_deref() {
        Some("posted") => Flash::done("The result is posted: the patient and their doctors see it."),
        Some("invalid") => Flash::refused("Enter a value (and a unit); a flag must be low, high, abnormal or normal."),
        Some("already_resulted") => Flash::refused("That order has its result already."),
        _ => Flash::default(),
    };
    let open = service::list(&state, &actor, &LabFilter { status: Some("open".into()), ..LabFilter::default() }).await?;
    let mut recent = service::list(&state, &actor, &LabFilter { status: Some("resulted".into()), ..LabFilter::default() }).await?;
    // Latest result first.
    recent.sort_by(|a, b| b.result.as_ref().map(|r| r.created_at.as_str()).cmp(&a.result.as_ref().map(|r| r.created_at.as_str())));
    recent.truncate(20);
    Ok(render(&LabPage { nav: Nav::signed_in(&user), open, recent, message })?.into_response())
}

/// The result form.
#[derive(Debug, Deserialize)]
pub struct ResultForm {
    csrf_token: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    reference_range: String,
    #[serde(default)]
    flag: String,
}

/// `POST /lab-orders/{id}/results`.
pub async fn post_result(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ResultForm>,
) -> Result<Response, PageError> {
    let blank = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let body = NewLabResult {
        value: form.value.clone(),
        unit: form.unit.clone(),
        reference_range: blank(&form.reference_range),
        flag: blank(&form.flag),
    };
    let done = match service::post_result(&state, &actor, &id, body).await {
        Ok(_) => "posted",
        Err(Error::Validation(_)) => "invalid",
        Err(Error::Conflict(code, _)) => code,
        Err(e) => return Err(PageError(e)),
    };
    Ok(Redirect::to(&format!("/lab?done={done}")).into_response())
}

/// The order form on the chart.
#[derive(Debug, Deserialize)]
pub struct OrderForm {
    csrf_token: String,
    #[serde(default)]
    test_code: String,
    #[serde(default)]
    test_name: String,
    #[serde(default)]
    notes: String,
}

/// `POST /patients/{id}/lab-orders`: back to the chart, which says how it went.
pub async fn order(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<OrderForm>,
) -> Result<Response, PageError> {
    let patient = crate::care_team::parse_id(&id, "patient_not_found")?;
    let notes = Some(form.notes.clone()).filter(|s| !s.trim().is_empty());
    let body = NewLabOrder { patient_id: patient.to_string(), test_code: form.test_code.clone(), test_name: form.test_name.clone(), notes };
    let done = match service::order(&state, &actor, body).await {
        Ok(_) => "lab_order",
        Err(Error::Validation(_)) => "lab_order_invalid",
        Err(e) => return Err(PageError(e)),
    };
    Ok(Redirect::to(&format!("/patients/{patient}/chart?done={done}")).into_response())
}

crate::csrf_protected!(ResultForm, OrderForm);
