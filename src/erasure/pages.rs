//! Erasure as a page: the admin names the patient, types the reason and the patient's email to
//! confirm, and sees what was done.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::permissions::Actor;
use crate::care_team::parse_id;
use crate::erasure::{self as service, EraseRequest, Erasure, MIN_REASON};
use crate::error::{Error, FieldError};
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, FormErrors, Nav, PageError, render};
use crate::http::state::AppState;
use crate::ids::UserId;

#[derive(Template)]
#[template(path = "admin_erase.html")]
struct ErasePage {
    nav: Nav,
    patient_id: UserId,
    patient_name: String,
    patient_email: String,
    reason: String,
    confirm_email: String,
    errors: FormErrors,
    min_reason: usize,
    done: Option<Erasure>,
    /// What was done, in the reader's words (once erased).
    done_text: String,
}

/// The form as sent.
#[derive(Debug, Default, Deserialize)]
pub struct EraseForm {
    csrf_token: String,
    /// Why (the patient's request and its reference).
    #[serde(default)]
    reason: String,
    /// The patient's email, typed again to confirm.
    #[serde(default)]
    confirm_email: String,
}

async fn page(state: &AppState, actor: &Actor, user: &WebUser, patient: UserId) -> Result<ErasePage, PageError> {
    let found = service::target(state, actor, patient).await?;
    Ok(ErasePage {
        nav: Nav::signed_in(user),
        patient_id: patient,
        patient_name: found.full_name,
        patient_email: found.email.as_str().to_string(),
        reason: String::new(),
        confirm_email: String::new(),
        errors: FormErrors::default(),
        min_reason: MIN_REASON,
        done: None,
        done_text: String::new(),
    })
}

/// `GET /admin/patients/{id}/erase`: the erasure form for one patient.
pub async fn form(State(state): State<AppState>, actor: Actor, user: WebUser, Path(id): Path<String>) -> Result<Response, PageError> {
    let patient = parse_id(&id, "patient_not_found")?;
    Ok(render(&page(&state, &actor, &user, patient).await?)?.into_response())
}

/// `POST /admin/patients/{id}/erase`: erases once the patient's email is typed back exactly.
pub async fn erase(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EraseForm>,
) -> Result<Response, PageError> {
    let patient = parse_id(&id, "patient_not_found")?;
    let mut shown = page(&state, &actor, &user, patient).await?;
    shown.reason = form.reason.clone();
    shown.confirm_email = form.confirm_email.clone();
    if !form.confirm_email.trim().eq_ignore_ascii_case(&shown.patient_email) {
        actor.audit().touched(Some(patient), "patient", Some(patient));
        actor.audit().detail("confirmation did not match");
        shown.errors = FormErrors(vec![FieldError::new("confirm_email", "Type the patient's email exactly as shown to confirm.")]);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&shown)?).into_response());
    }
    match service::erase(&state, &actor, patient, EraseRequest { reason: form.reason }).await {
        Ok(done) => {
            let words = &user.words;
            shown.done_text = words.with(
                "admin_erase-done",
                &[
                    ("name", &shown.patient_name),
                    ("records", &words.count("admin_erase-done-records", done.records)),
                    ("files", &words.count("admin_erase-done-files", i64::try_from(done.files_deleted).unwrap_or(i64::MAX))),
                    ("entry", &done.entry_index),
                ],
            );
            shown.done = Some(done);
            Ok(render(&shown)?.into_response())
        }
        Err(Error::Validation(errors)) => {
            shown.errors = FormErrors(errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&shown)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
crate::csrf_protected!(EraseForm);
