//! Prescriptions over the API: prescribe (with the safety checks), read, list, change within the
//! hour, the edit history, and the pharmacist's verification of a printed one.

use axum::extract::State;
use axum::http::StatusCode;

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::pagination::{Page, PageParams};
use crate::prescriptions::model::{
    NewPrescription, Prescription, PrescriptionChange, PrescriptionFilter, PrescriptionVersion, Verification, VerifyQuery,
};
use crate::prescriptions::service;

/// `POST /api/v1/prescriptions`: a doctor who may read the patient's history prescribes. Each
/// item is checked against the other items, the patient's active prescriptions, their allergies
/// (by substance and by class) and the usual adult daily dose. With warnings and no
/// acknowledgement: 422 `safety_warnings` listing them; sent again with `acknowledge_warnings:
/// true` and an `override_reason`, it is issued with both kept. A drug the knowledge base does
/// not know is accepted with an `unknown_drug` warning (no check was possible).
#[utoipa::path(post, path = "/api/v1/prescriptions", tag = "prescriptions", security(("bearer" = [])), request_body = NewPrescription,
    responses(
        (status = 201, description = "Issued: sealed, ledgered and signed", body = Prescription),
        (status = 403, description = "`forbidden`: doctors only", body = Problem),
        (status = 404, description = "`patient_not_found`: no such patient, or not on your care team", body = Problem),
        (status = 410, description = "`erased`", body = Problem),
        (status = 422, description = "`safety_warnings` (see `warnings`), or `validation_failed` (an acknowledgement without `override_reason`, bad items)", body = Problem),
    ))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewPrescription>,
) -> Result<(StatusCode, ApiJson<Prescription>), Error> {
    Ok((StatusCode::CREATED, ApiJson(service::create(&state, &actor, &state.drugs, body).await?)))
}

/// `GET /api/v1/prescriptions`: the patient's own; for a doctor, one patient's (`patient_id`,
/// under the care-team rule) or else those they wrote; for the pharmacy, every one. Newest
/// first, by `patient_id` and `status`.
#[utoipa::path(get, path = "/api/v1/prescriptions", tag = "prescriptions", security(("bearer" = [])), params(PrescriptionFilter, PageParams),
    responses(
        (status = 200, description = "The prescriptions", body = Page<Prescription>),
        (status = 404, description = "`patient_not_found`: a patient whose history you may not read", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<ApiJson<Page<Prescription>>, Error> {
    let page = PageParams { limit: q.limit, cursor: q.cursor }.into_request()?;
    Ok(ApiJson(service::list(&state, &actor, &q.filter, &page).await?))
}

/// Filters and paging of `GET /api/v1/prescriptions`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: PrescriptionFilter,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/prescriptions/{id}`.
#[utoipa::path(get, path = "/api/v1/prescriptions/{id}", tag = "prescriptions", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prescription id (UUID)")),
    responses(
        (status = 200, description = "The prescription (its latest version)", body = Prescription),
        (status = 404, description = "`not_found`: no such prescription, or not yours to see", body = Problem),
        (status = 410, description = "`erased`", body = Problem),
    ))]
pub async fn get(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<ApiJson<Prescription>, Error> {
    Ok(ApiJson(service::with_alerts(&state, &state.drugs, service::get(&state, &actor, &id).await?).await?))
}

/// `PATCH /api/v1/prescriptions/{id}`: the prescriber replaces the items within an hour of
/// issuing, while nothing is dispensed (checked again, as a new prescription is); each change
/// is a new signed, ledgered version.
#[utoipa::path(patch, path = "/api/v1/prescriptions/{id}", tag = "prescriptions", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prescription id (UUID)")), request_body = PrescriptionChange,
    responses(
        (status = 200, description = "Changed: its new version", body = Prescription),
        (status = 403, description = "`forbidden`: only the prescriber", body = Problem),
        (status = 404, description = "`not_found`", body = Problem),
        (status = 409, description = "`prescription_locked`: an hour has passed, or it was dispensed or cancelled", body = Problem),
        (status = 422, description = "`safety_warnings` or `validation_failed`", body = Problem),
    ))]
pub async fn change(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PrescriptionChange>,
) -> Result<ApiJson<Prescription>, Error> {
    Ok(ApiJson(service::change(&state, &actor, &state.drugs, &id, body).await?))
}

/// `GET /api/v1/prescriptions/{id}/versions`: the edit history, each version with its content
/// hash, signature and ledger entry.
#[utoipa::path(get, path = "/api/v1/prescriptions/{id}/versions", tag = "prescriptions", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prescription id (UUID)")),
    responses(
        (status = 200, description = "Every version, first first", body = Vec<PrescriptionVersion>),
        (status = 404, description = "`not_found`", body = Problem),
        (status = 410, description = "`erased`", body = Problem),
    ))]
pub async fn versions(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<PrescriptionVersion>>, Error> {
    Ok(ApiJson(service::versions(&state, &actor, &id).await?))
}

/// `GET /api/v1/prescriptions/verify?token=`: a pharmacist checks the code printed on a
/// prescription: `genuine` (signed by this server), `unchanged` (the latest version, its
/// content as signed), `open` (not dispensed or cancelled), with the prescription when genuine.
#[utoipa::path(get, path = "/api/v1/prescriptions/verify", tag = "prescriptions", security(("bearer" = [])), params(VerifyQuery),
    responses(
        (status = 200, description = "The verdict (a forged or unknown code answers `genuine: false`)", body = Verification),
        (status = 403, description = "`forbidden`: pharmacists only", body = Problem),
        (status = 422, description = "`validation_failed`: no token", body = Problem),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> Result<ApiJson<Verification>, Error> {
    Ok(ApiJson(service::verify(&state, &actor, &state.drugs, q.token.as_deref()).await?))
}
