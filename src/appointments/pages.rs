//! Appointments as a page: the doctor's day, the patient's appointments, the front desk's queue
//! (with the next step for each), and the booking form; the same services as the API.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use crate::accounts::Role;
use crate::accounts::permissions::{Actor, Permission};
use crate::appointments::model::{Appointment, AppointmentChange, AppointmentFilter, NewAppointment};
use crate::appointments::service;
use crate::error::{Error, FieldError};
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, Flash, FormErrors, Nav, PageError, render};
use crate::http::state::AppState;

#[derive(Template)]
#[template(path = "appointments.html")]
struct AppointmentsPage {
    nav: Nav,
    day: String,
    previous: String,
    next: String,
    is_desk: bool,
    is_patient: bool,
    appointments: Vec<Appointment>,
    doctors: Vec<(String, String)>,
    patients: Vec<(String, String)>,
    form: BookForm,
    errors: FormErrors,
    message: Flash,
}

impl AppointmentsPage {
    /// The next steps this person may take with `a` (the service decides again on submit): the
    /// status to move to and the message id of the button's words.
    fn steps(&self, a: &Appointment) -> Vec<(&'static str, &'static str)> {
        let doctor = !self.is_desk && !self.is_patient;
        let mut steps = Vec::new();
        match a.status.as_str() {
            "booked" if self.is_desk => steps.push(("checked_in", "appointments-step-check-in")),
            "checked_in" if self.is_desk || doctor => steps.push(("with_doctor", "appointments-step-with-doctor")),
            "with_doctor" if self.is_desk || doctor => steps.push(("done", "appointments-step-done")),
            _ => {}
        }
        if matches!(a.status.as_str(), "booked" | "checked_in") {
            steps.push(("cancelled", "appointments-step-cancel"));
        }
        steps
    }
}

/// `?day=` and `?done=`.
#[derive(Debug, Default, Deserialize)]
struct Query {
    day: Option<String>,
    done: Option<String>,
}

/// The booking form, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct BookForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    doctor_id: String,
    #[serde(default)]
    patient_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    reason: String,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    user: &WebUser,
    day: NaiveDate,
    form: BookForm,
    errors: Vec<FieldError>,
    message: Flash,
) -> Result<AppointmentsPage, PageError> {
    let is_patient = actor.role() == Role::Patient;
    // A patient sees what is coming; the desk and doctors see one day.
    let filter = if is_patient {
        AppointmentFilter::default()
    } else {
        AppointmentFilter { day: Some(day.to_string()), day_zone: user.zone, ..AppointmentFilter::default() }
    };
    let mut appointments = service::list(state, actor, &filter).await?;
    if is_patient {
        let now = crate::clock::format(state.clock.now());
        appointments.retain(|a| a.end >= now);
    }
    let (doctors, patients) = service::choices(state, actor).await?;
    Ok(AppointmentsPage {
        nav: Nav::signed_in(user),
        day: day.to_string(),
        previous: (day - Duration::days(1)).to_string(),
        next: (day + Duration::days(1)).to_string(),
        is_desk: actor.holds(Permission::AppointmentsManage),
        is_patient,
        appointments,
        doctors,
        patients,
        form,
        errors: FormErrors(errors),
        message,
    })
}

/// `GET /appointments?day=`.
pub async fn show(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let q: Query = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let today = user.zone.today(state.clock.now());
    let day = q.day.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(today);
    let message = match q.done.as_deref() {
        Some("booked") => Flash::done("Booked."),
        Some("moved") => Flash::done("Updated."),
        Some("conflict") => Flash::refused("That change clashes with another appointment of the doctor, the patient or the room."),
        Some("refused") => Flash::refused("That step is not possible from where the appointment is."),
        _ => Flash::default(),
    };
    let form = BookForm { date: day.to_string(), minutes: "20".into(), ..BookForm::default() };
    Ok(render(&page(&state, &actor, &user, day, form, Vec::new(), message).await?)?.into_response())
}

/// `POST /appointments/new`.
pub async fn book(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Result<Response, PageError> {
    let day = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").ok();
    let minutes = form.minutes.trim().parse::<i64>().ok().filter(|m| (5..=480).contains(m));
    let time = chrono::NaiveTime::parse_from_str(form.time.trim(), "%H:%M").ok();
    let mut errors = Vec::new();
    if day.is_none() {
        errors.push(FieldError::new("date", "Choose a day."));
    }
    if time.is_none() {
        errors.push(FieldError::new("time", "Choose a start time, such as 09:30."));
    }
    if minutes.is_none() {
        errors.push(FieldError::new("minutes", "Choose a length from 5 to 480 minutes."));
    }
    // The day and time as the reader reads them (their zone); a time the clocks skip is none.
    let start = match (day, time) {
        (Some(day), Some(time)) => {
            let start = user.zone.instant(day, time);
            if start.is_none() {
                errors.push(FieldError::new("time", "That time does not exist on that day (the clocks change); choose another."));
            }
            start
        }
        _ => None,
    };
    if let (Some(start), Some(minutes)) = (start, minutes) {
        let blank = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
        let body = NewAppointment {
            doctor_id: form.doctor_id.clone(),
            patient_id: form.patient_id.clone(),
            start: crate::clock::format(start),
            end: crate::clock::format(start + Duration::minutes(minutes)),
            room: blank(&form.room),
            reason: blank(&form.reason),
        };
        match service::book(&state, &actor, body).await {
            Ok(a) => {
                let day = crate::clock::parse(&a.start).map(|t| user.zone.today(t).to_string()).unwrap_or_default();
                return Ok(Redirect::to(&format!("/appointments?day={day}&done=booked")).into_response());
            }
            Err(Error::Validation(e)) => {
                errors = e
                    .into_iter()
                    .map(|e| if e.field == "start" || e.field == "end" { FieldError::new("time", e.message) } else { e })
                    .collect()
            }
            Err(Error::Conflict(_, why)) => errors.push(FieldError::new("time", why)),
            Err(Error::NotFound(_)) => errors.push(FieldError::new("doctor_id", "Choose a doctor and a patient of this clinic.")),
            Err(e) => return Err(PageError(e)),
        }
    }
    let day = day.unwrap_or_else(|| user.zone.today(state.clock.now()));
    let page = page(&state, &actor, &user, day, form, errors, Flash::default()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// A queue step.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    csrf_token: String,
    #[serde(default)]
    status: String,
}

/// `POST /appointments/{id}/status`.
pub async fn step(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StepForm>,
) -> Result<Response, PageError> {
    let change = AppointmentChange { status: Some(form.status.clone()), ..AppointmentChange::default() };
    let (day, done) = match service::change(&state, &actor, &id, change).await {
        Ok(a) => (crate::clock::parse(&a.start).map(|t| user.zone.today(t).to_string()).unwrap_or_default(), "moved"),
        Err(Error::Conflict(..) | Error::Forbidden(_) | Error::Validation(_)) => (String::new(), "refused"),
        Err(e) => return Err(PageError(e)),
    };
    let at = if day.is_empty() { String::new() } else { format!("day={day}&") };
    Ok(Redirect::to(&format!("/appointments?{at}done={done}")).into_response())
}

crate::csrf_protected!(BookForm, StepForm);
