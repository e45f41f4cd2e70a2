//! Erasure over the API: an admin erases a patient at their request.

use axum::extract::State;

use crate::accounts::permissions::Actor;
use crate::care_team::parse_id;
use crate::erasure::{self as service, EraseRequest, Erasure};
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::problem::Problem;
use crate::http::state::AppState;

/// `POST /api/v1/admin/patients/{id}/erase`: destroys the patient's data key and files, takes
/// the personal data off the account and switches it off; the erasure is a ledger entry.
#[utoipa::path(post, path = "/api/v1/admin/patients/{id}/erase", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)")), request_body = EraseRequest,
    responses(
        (status = 200, description = "Erased", body = Erasure),
        (status = 403, description = "`forbidden`: admins only", body = Problem),
        (status = 404, description = "`patient_not_found`: no patient with this id", body = Problem),
        (status = 410, description = "`erased`: erased already", body = Problem),
        (status = 422, description = "`validation_failed`: the reason is missing or too long", body = Problem),
    ))]
pub async fn erase(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<EraseRequest>,
) -> Result<ApiJson<Erasure>, Error> {
    let patient = parse_id(&id, "patient_not_found")?;
    Ok(ApiJson(service::erase(&state, &actor, patient, body).await?))
}
