//! The care team over the API: see it, add a doctor (the patient) or refer (a doctor on it),
//! take a doctor off (the patient).

use axum::extract::State;
use axum::http::StatusCode;

use crate::accounts::permissions::Actor;
use crate::care_team::emergency::{self, EmergencyAccess, NewEmergency};
use crate::care_team::model::{Consent, Member, NewConsent, NewMember};
use crate::care_team::{self as service, parse_id};
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::pagination::{Page, PageParams};

/// `GET /api/v1/patients/{id}/care-team`: the doctors on the team and who added them.
#[utoipa::path(get, path = "/api/v1/patients/{id}/care-team", tag = "care team", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)"), PageParams),
    responses(
        (status = 200, description = "The care team, longest-standing first", body = Page<Member>),
        (status = 404, description = "`patient_not_found`: no such patient, or not yours to see", body = Problem),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<Member>>, Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    let page = p.into_request()?;
    Ok(ApiJson(service::list(&state, &actor, patient, &page).await?))
}

/// `POST /api/v1/patients/{id}/care-team`: the patient adds a doctor, or a doctor on the team
/// refers the patient to another (with a reason). The doctor then reads the patient's history.
#[utoipa::path(post, path = "/api/v1/patients/{id}/care-team", tag = "care team", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)")), request_body = NewMember,
    responses(
        (status = 201, description = "Added", body = Member),
        (status = 200, description = "Already on the team", body = Member),
        (status = 404, description = "`patient_not_found` or `doctor_not_found`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn add(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewMember>,
) -> Result<(StatusCode, ApiJson<Member>), Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    let (member, added) = service::add(&state, &actor, patient, body).await?;
    Ok((if added { StatusCode::CREATED } else { StatusCode::OK }, ApiJson(member)))
}

/// `DELETE /api/v1/patients/{id}/care-team/{doctor_id}`: the patient takes a doctor off; the
/// doctor reads the patient's history no more (from the next request, at every copy).
#[utoipa::path(delete, path = "/api/v1/patients/{id}/care-team/{doctor_id}", tag = "care team", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)"), ("doctor_id" = uuid::Uuid, Path, description = "Doctor id (UUID)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`forbidden`: only the patient removes a doctor", body = Problem),
        (status = 404, description = "`patient_not_found` or `not_on_care_team`", body = Problem),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((id, doctor)): ApiPath<(String, String)>,
) -> Result<StatusCode, Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    let doctor = parse_id(&doctor, "not_on_care_team")?;
    service::remove(&state, &actor, patient, doctor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/consents`: the patient lets a doctor read their whole history (the doctor
/// joins their care team), until revoked or until `expires_at`.
#[utoipa::path(post, path = "/api/v1/consents", tag = "care team", security(("bearer" = [])), request_body = NewConsent,
    responses(
        (status = 201, description = "Granted", body = Consent),
        (status = 200, description = "The doctor is on the care team already", body = Consent),
        (status = 403, description = "`forbidden`: patients only", body = Problem),
        (status = 404, description = "`doctor_not_found`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn grant(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewConsent>,
) -> Result<(StatusCode, ApiJson<Consent>), Error> {
    let (consent, added) = service::grant(&state, &actor, body).await?;
    Ok((if added { StatusCode::CREATED } else { StatusCode::OK }, ApiJson(consent)))
}

/// `GET /api/v1/consents`: the patient's consents, newest first (active, expired, revoked).
#[utoipa::path(get, path = "/api/v1/consents", tag = "care team", security(("bearer" = [])), params(PageParams),
    responses(
        (status = 200, description = "The consents", body = Page<Consent>),
        (status = 403, description = "`forbidden`: patients only", body = Problem),
    ))]
pub async fn consents(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<Consent>>, Error> {
    let page = p.into_request()?;
    Ok(ApiJson(service::consents(&state, &actor, &page).await?))
}

/// `DELETE /api/v1/consents/{id}`: revokes a consent; the doctor reads nothing more from the
/// next request, at every copy.
#[utoipa::path(delete, path = "/api/v1/consents/{id}", tag = "care team", security(("bearer" = [])),
    params(("id" = String, Path, description = "Consent id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "`consent_not_found`", body = Problem),
        (status = 409, description = "`consent_ended`: revoked or expired already", body = Problem),
    ))]
pub async fn revoke(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<StatusCode, Error> {
    service::revoke(&state, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/patients/{id}/emergency-access`: a doctor opens a patient's history for an
/// hour in an emergency ("break-glass"), with a reason of at least 20 characters. The patient
/// sees it on their dashboard and in their access log; admins in their report.
#[utoipa::path(post, path = "/api/v1/patients/{id}/emergency-access", tag = "care team", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)")), request_body = NewEmergency,
    responses(
        (status = 201, description = "Open for an hour", body = EmergencyAccess),
        (status = 403, description = "`forbidden`: doctors only", body = Problem),
        (status = 404, description = "`patient_not_found`", body = Problem),
        (status = 409, description = "`already_has_access`: this doctor reads the patient already", body = Problem),
        (status = 422, description = "`validation_failed`: no reason, or under 20 characters", body = Problem),
    ))]
pub async fn emergency_open(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewEmergency>,
) -> Result<(StatusCode, ApiJson<EmergencyAccess>), Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    Ok((StatusCode::CREATED, ApiJson(emergency::open(&state, &actor, patient, &body).await?)))
}

/// `GET /api/v1/admin/emergency-access`: every emergency opening, newest first, with how many
/// accesses the doctor made while it was open.
#[utoipa::path(get, path = "/api/v1/admin/emergency-access", tag = "admin", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "Emergency openings", body = Page<EmergencyAccess>),
        (status = 403, description = "`forbidden`: admins only", body = Problem),
    ))]
pub async fn emergency_report(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<EmergencyAccess>>, Error> {
    let page = p.into_request()?;
    state.audit.flush().await?;
    Ok(ApiJson(emergency::report(&state, &actor, &page).await?))
}
