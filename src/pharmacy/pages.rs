//! The pharmacy as pages: the queue of prescriptions to dispense, low stock, batches expiring
//! within 30 days and the form for a batch received; and the dispense form's answer (the form
//! itself is on the prescription's page).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, Flash, FormErrors, Nav, PageError, render};
use crate::http::state::AppState;
use crate::pagination::PageRequest;
use crate::pharmacy::model::{Batch, DispenseItem, InventoryFilter, NewBatch, NewDispense};
use crate::pharmacy::service;
use crate::prescriptions::model::{Prescription, PrescriptionFilter};

#[derive(Template)]
#[template(path = "pharmacy.html")]
struct PharmacyPage {
    nav: Nav,
    queue: Vec<Prescription>,
    low: Vec<Batch>,
    expiring: Vec<Batch>,
    all: Vec<Batch>,
    form: BatchForm,
    errors: FormErrors,
    message: Flash,
}

/// The batch form, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    drug: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    expiry: String,
    #[serde(default)]
    reorder_level: String,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    user: &WebUser,
    form: BatchForm,
    errors: Vec<crate::error::FieldError>,
    message: Flash,
) -> Result<PharmacyPage, PageError> {
    let open = PrescriptionFilter { patient_id: None, status: Some("open".into()) };
    let queue = crate::prescriptions::service::list(state, actor, &open, &PageRequest { limit: 100, after: None }).await?.items;
    let low = service::list(state, actor, &state.drugs, &InventoryFilter { low_stock: Some("true".into()), ..InventoryFilter::default() })
        .await?;
    let days = service::EXPIRING_DAYS.to_string();
    let expiring =
        service::list(state, actor, &state.drugs, &InventoryFilter { expiring_within_days: Some(days), ..InventoryFilter::default() })
            .await?;
    let all = service::list(state, actor, &state.drugs, &InventoryFilter::default()).await?;
    Ok(PharmacyPage { nav: Nav::signed_in(user), queue, low, expiring, all, form, errors: FormErrors(errors), message })
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

/// `GET /pharmacy`.
pub async fn show(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let done: Done = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let message = if done.done.as_deref() == Some("batch") { Flash::done("The batch is on the shelf.") } else { Flash::default() };
    Ok(render(&page(&state, &actor, &user, BatchForm::default(), Vec::new(), message).await?)?.into_response())
}

/// `POST /pharmacy/inventory`: a batch received.
pub async fn add_batch(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    CsrfForm(form): CsrfForm<BatchForm>,
) -> Result<Response, PageError> {
    let mut errors = Vec::new();
    let mut number = |s: &str, field: &str, default: Option<i64>| -> i64 {
        match (s.trim(), default) {
            ("", Some(d)) => d,
            (t, _) => t.parse().unwrap_or_else(|_| {
                errors.push(crate::error::FieldError::new(field, "Enter a whole number."));
                0
            }),
        }
    };
    let quantity = number(&form.quantity, "quantity", None);
    let reorder_level = number(&form.reorder_level, "reorder_level", Some(0));
    if errors.is_empty() {
        let body = NewBatch {
            drug: form.drug.clone(),
            batch: form.batch.clone(),
            quantity,
            expiry: form.expiry.clone(),
            reorder_level: Some(reorder_level),
        };
        match service::add_batch(&state, &actor, &state.drugs, body).await {
            Ok(_) => return Ok(Redirect::to("/pharmacy?done=batch").into_response()),
            Err(Error::Validation(e)) => errors = e,
            Err(Error::Conflict(_, why)) => errors.push(crate::error::FieldError::new("batch", why)),
            Err(e) => return Err(PageError(e)),
        }
    }
    let page = page(&state, &actor, &user, form, errors, Flash::default()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The dispense form on a prescription's page: `batch_N` and `quantity_N` per row.
#[derive(Debug, Deserialize)]
pub struct DispenseForm {
    csrf_token: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

/// `POST /prescriptions/{id}/dispense`: the same service as the API; a refusal comes back on the
/// prescription's page.
pub async fn dispense(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DispenseForm>,
) -> Result<Response, PageError> {
    let mut items = Vec::new();
    for n in 0..20 {
        let Some(batch) = form.rest.get(&format!("batch_{n}")).filter(|b| !b.is_empty()) else { continue };
        let quantity = form.rest.get(&format!("quantity_{n}")).and_then(|q| q.trim().parse().ok()).unwrap_or(0);
        items.push(DispenseItem { inventory_id: batch.clone(), quantity });
    }
    let outcome = match service::dispense(&state, &actor, &state.drugs, &id, NewDispense { items }).await {
        Ok(_) => "dispensed",
        Err(Error::Validation(_)) => "dispense_invalid",
        Err(Error::Conflict(code, _)) => code,
        Err(e) => return Err(PageError(e)),
    };
    let id = uuid::Uuid::try_parse(&id).map_err(|_| PageError(Error::NotFound("not_found")))?;
    Ok(Redirect::to(&format!("/prescriptions/{id}?done={outcome}")).into_response())
}

crate::csrf_protected!(BatchForm, DispenseForm);
