//! Appointments as submitted, stored and shown.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An appointment.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Appointment {
    /// UUIDv7.
    pub id: String,
    /// The doctor.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// The patient.
    pub patient_id: String,
    /// Their name.
    pub patient_name: String,
    /// When it starts (RFC 3339, UTC).
    pub start: String,
    /// When it ends.
    pub end: String,
    /// The room, if one was booked.
    pub room: Option<String>,
    /// Why (clinical text: shown to the patient, their doctor and the front desk).
    pub reason: Option<String>,
    /// `booked`, `checked_in`, `with_doctor`, `done` or `cancelled`.
    pub status: String,
    /// Who booked it.
    pub booked_by: String,
    /// When it was booked.
    pub created_at: String,
}

/// A booking.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewAppointment {
    /// The doctor's id.
    pub doctor_id: String,
    /// The patient's id.
    pub patient_id: String,
    /// RFC 3339, on a 5-minute boundary, in the future.
    pub start: String,
    /// RFC 3339, after `start`, at most 8 hours later, on a 5-minute boundary.
    pub end: String,
    /// 1–50 characters.
    pub room: Option<String>,
    /// Up to 500 characters.
    pub reason: Option<String>,
}

/// A change: a new time or room (while booked), or the next step in the queue.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AppointmentChange {
    /// New start (with `end`).
    pub start: Option<String>,
    /// New end (with `start`).
    pub end: Option<String>,
    /// New room (`""` for none).
    pub room: Option<String>,
    /// `checked_in`, `with_doctor`, `done` or `cancelled`.
    pub status: Option<String>,
}

/// Filters of `GET /api/v1/appointments`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppointmentFilter {
    /// Only this doctor's.
    pub doctor_id: Option<String>,
    /// Only this patient's.
    pub patient_id: Option<String>,
    /// Only those starting on this day (YYYY-MM-DD, UTC).
    pub day: Option<String>,
    /// The zone `day` is a day of: UTC for the API, the reader's on pages (their day runs from
    /// their midnight to the next).
    #[serde(skip)]
    #[param(ignore)]
    pub day_zone: crate::clock::Zone,
    /// Only in this status.
    pub status: Option<String>,
}
