//! Lab orders over the API: order, list, read, post the result.

use axum::extract::State;
use axum::http::StatusCode;

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::lab::model::{LabFilter, LabOrder, NewLabOrder, NewLabResult};
use crate::lab::service;

/// `POST /api/v1/lab-orders`: a doctor who may read the patient orders a test.
#[utoipa::path(post, path = "/api/v1/lab-orders", tag = "lab", security(("bearer" = [])), request_body = NewLabOrder,
    responses(
        (status = 201, description = "Ordered (sealed, ledgered)", body = LabOrder),
        (status = 403, description = "`forbidden`: doctors only", body = Problem),
        (status = 404, description = "`patient_not_found`: no such patient, or not on your care team", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn order(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewLabOrder>,
) -> Result<(StatusCode, ApiJson<LabOrder>), Error> {
    Ok((StatusCode::CREATED, ApiJson(service::order(&state, &actor, body).await?)))
}

/// `GET /api/v1/lab-orders?patient_id&status`: the patient's own; a doctor's for a patient they
/// may read (else those they ordered); lab staff every one. Newest first, with results.
#[utoipa::path(get, path = "/api/v1/lab-orders", tag = "lab", security(("bearer" = [])), params(LabFilter),
    responses(
        (status = 200, description = "The orders", body = Vec<LabOrder>),
        (status = 404, description = "`patient_not_found`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(filter): ApiQuery<LabFilter>,
) -> Result<ApiJson<Vec<LabOrder>>, Error> {
    Ok(ApiJson(service::list(&state, &actor, &filter).await?))
}

/// `GET /api/v1/lab-orders/{id}`: the order and its result (flagged when out of range).
#[utoipa::path(get, path = "/api/v1/lab-orders/{id}", tag = "lab", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Lab order id (UUID)")),
    responses(
        (status = 200, description = "The order", body = LabOrder),
        (status = 404, description = "`not_found`", body = Problem),
        (status = 410, description = "`erased`", body = Problem),
    ))]
pub async fn get(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<ApiJson<LabOrder>, Error> {
    Ok(ApiJson(service::get(&state, &actor, &id).await?))
}

/// `POST /api/v1/lab-orders/{id}/results`: lab staff post the order's one result.
#[utoipa::path(post, path = "/api/v1/lab-orders/{id}/results", tag = "lab", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Lab order id (UUID)")), request_body = NewLabResult,
    responses(
        (status = 201, description = "Posted (sealed, ledgered): the order with its result", body = LabOrder),
        (status = 403, description = "`forbidden`: lab staff only", body = Problem),
        (status = 404, description = "`not_found`", body = Problem),
        (status = 409, description = "`already_resulted`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn post_result(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewLabResult>,
) -> Result<(StatusCode, ApiJson<LabOrder>), Error> {
    Ok((StatusCode::CREATED, ApiJson(service::post_result(&state, &actor, &id, body).await?)))
}
