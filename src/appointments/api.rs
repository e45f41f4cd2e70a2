//! Appointments over the API: book, list, read, and change (a new time or room, or the next
//! step in the queue, or a cancellation).

use axum::extract::State;
use axum::http::StatusCode;

use crate::accounts::permissions::Actor;
use crate::appointments::model::{Appointment, AppointmentChange, AppointmentFilter, NewAppointment};
use crate::appointments::service;
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;

/// `POST /api/v1/appointments`: the front desk books for anyone, a patient for themselves, a
/// doctor in their own calendar. 409 `appointment_conflict` when the doctor, the patient or the
/// room is booked at an overlapping time (the database decides, also between copies). The
/// doctor joins the patient's care team.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "appointments", security(("bearer" = [])), request_body = NewAppointment,
    responses(
        (status = 201, description = "Booked", body = Appointment),
        (status = 403, description = "`forbidden`: booking for someone else (patients and doctors book for themselves)", body = Problem),
        (status = 404, description = "`doctor_not_found` or `patient_not_found`", body = Problem),
        (status = 409, description = "`appointment_conflict`", body = Problem),
        (status = 422, description = "`validation_failed`: times not RFC 3339, not on 5-minute boundaries, in the past, end before start, over 8 hours", body = Problem),
    ))]
pub async fn book(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewAppointment>,
) -> Result<(StatusCode, ApiJson<Appointment>), Error> {
    Ok((StatusCode::CREATED, ApiJson(service::book(&state, &actor, body).await?)))
}

/// `GET /api/v1/appointments?doctor_id&patient_id&day&status`: by start time (the front desk
/// sees every one; doctors and patients their own).
#[utoipa::path(get, path = "/api/v1/appointments", tag = "appointments", security(("bearer" = [])), params(AppointmentFilter),
    responses(
        (status = 200, description = "The appointments", body = Vec<Appointment>),
        (status = 403, description = "`forbidden`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(filter): ApiQuery<AppointmentFilter>,
) -> Result<ApiJson<Vec<Appointment>>, Error> {
    Ok(ApiJson(service::list(&state, &actor, &filter).await?))
}

/// `GET /api/v1/appointments/{id}`.
#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "appointments", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Appointment id (UUID)")),
    responses(
        (status = 200, description = "The appointment", body = Appointment),
        (status = 404, description = "`appointment_not_found`: no such appointment, or not yours", body = Problem),
    ))]
pub async fn get(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<ApiJson<Appointment>, Error> {
    Ok(ApiJson(service::get(&state, &actor, &id).await?))
}

/// `PATCH /api/v1/appointments/{id}`: reschedule (`start` and `end`, or `room`, while booked),
/// or move it on: `checked_in` (front desk), `with_doctor`, `done` (front desk or the doctor),
/// `cancelled` (anyone who may book it, before it starts).
#[utoipa::path(patch, path = "/api/v1/appointments/{id}", tag = "appointments", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Appointment id (UUID)")), request_body = AppointmentChange,
    responses(
        (status = 200, description = "Changed", body = Appointment),
        (status = 403, description = "`forbidden`", body = Problem),
        (status = 404, description = "`appointment_not_found`", body = Problem),
        (status = 409, description = "`appointment_conflict`, `invalid_transition` or `appointment_changed`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn change(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AppointmentChange>,
) -> Result<ApiJson<Appointment>, Error> {
    Ok(ApiJson(service::change(&state, &actor, &id, body).await?))
}
