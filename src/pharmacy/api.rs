//! The pharmacy over the API: stock (add, list, change a batch) and dispensing a prescription.

use axum::extract::State;
use axum::http::StatusCode;

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::pharmacy::model::{Batch, BatchChange, Dispensation, InventoryFilter, NewBatch, NewDispense};
use crate::pharmacy::service;

/// `POST /api/v1/inventory`: a batch received (drug, batch number, quantity, expiry, reorder
/// level).
#[utoipa::path(post, path = "/api/v1/inventory", tag = "pharmacy", security(("bearer" = [])), request_body = NewBatch,
    responses(
        (status = 201, description = "Added", body = Batch),
        (status = 403, description = "`forbidden`: pharmacists only", body = Problem),
        (status = 409, description = "`batch_exists`: this drug has a batch of that number", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn add(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewBatch>,
) -> Result<(StatusCode, ApiJson<Batch>), Error> {
    Ok((StatusCode::CREATED, ApiJson(service::add_batch(&state, &actor, &state.drugs, body).await?)))
}

/// `GET /api/v1/inventory`: batches by expiry; `drug=`, `low_stock=true` (at or below their
/// reorder level), `expiring_within_days=30`.
#[utoipa::path(get, path = "/api/v1/inventory", tag = "pharmacy", security(("bearer" = [])), params(InventoryFilter),
    responses(
        (status = 200, description = "The batches", body = Vec<Batch>),
        (status = 403, description = "`forbidden`: pharmacists only", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(filter): ApiQuery<InventoryFilter>,
) -> Result<ApiJson<Vec<Batch>>, Error> {
    Ok(ApiJson(service::list(&state, &actor, &state.drugs, &filter).await?))
}

/// `PATCH /api/v1/inventory/{id}`: a count, a corrected expiry, a new reorder level.
#[utoipa::path(patch, path = "/api/v1/inventory/{id}", tag = "pharmacy", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Batch id (UUID)")), request_body = BatchChange,
    responses(
        (status = 200, description = "Changed", body = Batch),
        (status = 403, description = "`forbidden`: pharmacists only", body = Problem),
        (status = 404, description = "`batch_not_found`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn change(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<BatchChange>,
) -> Result<ApiJson<Batch>, Error> {
    Ok(ApiJson(service::change_batch(&state, &actor, &id, body).await?))
}

/// `POST /api/v1/prescriptions/{id}/dispense`: takes the batches' units, marks the
/// prescription dispensed and locks it, in one transaction. Of two pharmacists dispensing the
/// same prescription at once (at any copies), exactly one succeeds.
#[utoipa::path(post, path = "/api/v1/prescriptions/{id}/dispense", tag = "pharmacy", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prescription id (UUID)")), request_body = NewDispense,
    responses(
        (status = 201, description = "Dispensed (ledgered)", body = Dispensation),
        (status = 403, description = "`forbidden`: pharmacists only", body = Problem),
        (status = 404, description = "`not_found`", body = Problem),
        (status = 409, description = "`already_dispensed`, `prescription_not_open`, `batch_expired` or `insufficient_stock`", body = Problem),
        (status = 422, description = "`validation_failed`: no batches, a batch that does not exist or holds a drug the prescription does not", body = Problem),
    ))]
pub async fn dispense(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewDispense>,
) -> Result<(StatusCode, ApiJson<Dispensation>), Error> {
    Ok((StatusCode::CREATED, ApiJson(service::dispense(&state, &actor, &state.drugs, &id, body).await?)))
}
