//! Allergies and problems over the API: doctors on the care team write them; whoever may read
//! the patient's history lists them.

use axum::extract::State;
use axum::http::StatusCode;

use crate::accounts::permissions::Actor;
use crate::care_team::parse_id;
use crate::chart::model::{Allergy, NewAllergy, NewProblem, Problem as ChartProblem};
use crate::chart::service;
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::pagination::{Page, PageParams};

/// `POST /api/v1/patients/{id}/allergies`: a doctor who may read the patient's history records
/// an allergy. Drug names, synonyms and classes (`penicillin`, `NSAIDs`) are then checked
/// against every new prescription.
#[utoipa::path(post, path = "/api/v1/patients/{id}/allergies", tag = "chart", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)")), request_body = NewAllergy,
    responses(
        (status = 201, description = "Recorded (sealed, ledgered)", body = Allergy),
        (status = 403, description = "`forbidden`: doctors only", body = Problem),
        (status = 404, description = "`patient_not_found`: no such patient, or not on your care team", body = Problem),
        (status = 410, description = "`erased`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn add_allergy(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewAllergy>,
) -> Result<(StatusCode, ApiJson<Allergy>), Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    Ok((StatusCode::CREATED, ApiJson(service::add_allergy(&state, &actor, patient, body).await?)))
}

/// `GET /api/v1/patients/{id}/allergies`: the patient's allergies, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/allergies", tag = "chart", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)"), PageParams),
    responses(
        (status = 200, description = "The allergies", body = Page<Allergy>),
        (status = 404, description = "`patient_not_found`: no such patient, or not yours to see", body = Problem),
        (status = 410, description = "`erased`", body = Problem),
    ))]
pub async fn allergies(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<Allergy>>, Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    let page = p.into_request()?;
    Ok(ApiJson(service::allergies(&state, &actor, patient, &page).await?))
}

/// `POST /api/v1/patients/{id}/problems`: a doctor who may read the patient's history adds a
/// problem to their list.
#[utoipa::path(post, path = "/api/v1/patients/{id}/problems", tag = "chart", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)")), request_body = NewProblem,
    responses(
        (status = 201, description = "Added (sealed, ledgered)", body = ChartProblem),
        (status = 403, description = "`forbidden`: doctors only", body = Problem),
        (status = 404, description = "`patient_not_found`: no such patient, or not on your care team", body = Problem),
        (status = 410, description = "`erased`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn add_problem(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewProblem>,
) -> Result<(StatusCode, ApiJson<ChartProblem>), Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    Ok((StatusCode::CREATED, ApiJson(service::add_problem(&state, &actor, patient, body).await?)))
}

/// `GET /api/v1/patients/{id}/problems`: the patient's problem list, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/problems", tag = "chart", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)"), PageParams),
    responses(
        (status = 200, description = "The problems", body = Page<ChartProblem>),
        (status = 404, description = "`patient_not_found`: no such patient, or not yours to see", body = Problem),
        (status = 410, description = "`erased`", body = Problem),
    ))]
pub async fn problems(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<ChartProblem>>, Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    let page = p.into_request()?;
    Ok(ApiJson(service::problems(&state, &actor, patient, &page).await?))
}
