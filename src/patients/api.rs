//! Patient identity over the API: the front desk registers patients, staff search them, and a
//! one-time link sets a registered patient's password.

use axum::extract::State;
use axum::http::StatusCode;

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::patients::model::{NewPatient, PatientQuery, PatientSummary, Registered, SetPassword};
use crate::patients::service;

/// `POST /api/v1/patients`: the front desk registers a patient (account, profile with a fresh
/// MRN) and gets the one-time link (`setup_path`) by which the patient sets their password;
/// it is emailed too when the clinic has SMTP.
#[utoipa::path(post, path = "/api/v1/patients", tag = "patients", security(("bearer" = [])), request_body = NewPatient,
    responses(
        (status = 201, description = "Registered", body = Registered),
        (status = 403, description = "`forbidden`: the front desk only", body = Problem),
        (status = 409, description = "`email_taken`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn register(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewPatient>,
) -> Result<(StatusCode, ApiJson<Registered>), Error> {
    Ok((StatusCode::CREATED, ApiJson(service::register(&state, &actor, body).await?)))
}

/// `GET /api/v1/patients?q=`: staff find patients by part of a name (any case, accents or
/// not), a date of birth or an MRN: demographics only (at most 50, by name).
#[utoipa::path(get, path = "/api/v1/patients", tag = "patients", security(("bearer" = [])), params(PatientQuery),
    responses(
        (status = 200, description = "The patients found", body = Vec<PatientSummary>),
        (status = 403, description = "`forbidden`: staff only", body = Problem),
        (status = 422, description = "`validation_failed`: `q` of 2 to 100 characters", body = Problem),
    ))]
pub async fn search(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<PatientQuery>,
) -> Result<ApiJson<Vec<PatientSummary>>, Error> {
    Ok(ApiJson(service::search(&state, &actor, q.q.as_deref()).await?))
}

/// `POST /api/v1/auth/set-password`: the one-time link's token and a new password.
#[utoipa::path(post, path = "/api/v1/auth/set-password", tag = "auth", request_body = SetPassword,
    responses(
        (status = 204, description = "Set: sign in with it"),
        (status = 404, description = "`link_not_found`: unknown, used or expired link", body = Problem),
        (status = 422, description = "`validation_failed`: a weak password", body = Problem),
    ))]
pub async fn set_password(
    State(state): State<AppState>,
    note: crate::audit::note::AuditNote,
    ApiJson(body): ApiJson<SetPassword>,
) -> Result<StatusCode, Error> {
    service::set_password(&state, body, &note).await?;
    Ok(StatusCode::NO_CONTENT)
}
