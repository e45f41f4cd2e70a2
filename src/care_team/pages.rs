//! The care team as a page: the patient sees, adds and removes their doctors; a doctor on the
//! team refers the patient to a colleague; admins see who is on it.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::store as users;
use crate::care_team::model::{Member, NewConsent, NewMember};
use crate::care_team::{self as service, emergency, parse_id};
use crate::config::ClinicianAccess;
use crate::error::{Error, FieldError};
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, Flash, FormErrors, Nav, PageError, render};
use crate::http::state::AppState;
use crate::ids::UserId;

/// One doctor in the form's list.
#[derive(Debug)]
struct DoctorOption {
    id: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "care_team.html")]
struct CareTeamPage {
    nav: Nav,
    patient_id: UserId,
    patient_name: String,
    is_patient: bool,
    clinic_wide: bool,
    members: Vec<Member>,
    can_add: bool,
    doctors: Vec<DoctorOption>,
    reason: String,
    until: String,
    errors: FormErrors,
    message: Flash,
}

impl CareTeamPage {
    /// How a member joined, in the reader's words.
    fn how(&self, m: &Member) -> String {
        self.nav.t(match m.how.as_str() {
            "record" => "care_team-how-record",
            "referral" => "care_team-how-referral",
            "patient" => "care_team-how-patient",
            "appointment" => "care_team-how-appointment",
            _ => "care_team-how-other",
        })
    }

    /// Until when a member stays, for a consent with an end, in the reader's words: a consent
    /// given to a date ends as the next day begins, so it is shown as that date.
    fn until(&self, m: &Member) -> Option<String> {
        let stored = m.expires_at.as_deref()?;
        let end = crate::clock::parse(stored)?;
        if end.format("%H:%M:%S%.f").to_string() == "00:00:00" {
            let day = crate::clock::format(end - chrono::Duration::days(1));
            let utc = Nav { zone: crate::clock::Zone::UTC, ..self.nav.clone() };
            return Some(self.nav.t1("care_team-until-end-of", "day", utc.day(&day)));
        }
        Some(self.nav.t1("care_team-until", "when", self.nav.when(stored)))
    }
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

/// The add or refer form as sent back (empty when the page is first shown).
#[derive(Debug, Default)]
struct Refill {
    doctor_id: String,
    reason: String,
    until: String,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    user: &WebUser,
    patient: UserId,
    form: Refill,
    message: Flash,
) -> Result<CareTeamPage, PageError> {
    // A care team is a handful of doctors: the page shows the first 200 (the API pages on).
    let members = service::list(state, actor, patient, &crate::pagination::PageRequest { limit: 200, after: None }).await?.items;
    let patient_name = users::find_by_id(&state.db, patient).await?.map(|u| u.full_name).unwrap_or_default();
    // The patient adds; a doctor on the team refers.
    let can_add =
        actor.holds(Permission::CareTeamManage) && (actor.id() == patient || members.iter().any(|m| m.doctor_id == actor.id().to_string()));
    let doctors = if can_add {
        service::candidates(state, actor, patient, &members)
            .await?
            .into_iter()
            .map(|(id, name)| DoctorOption { selected: id == form.doctor_id, id, name })
            .collect()
    } else {
        Vec::new()
    };
    Ok(CareTeamPage {
        nav: Nav::signed_in(user),
        patient_id: patient,
        patient_name,
        is_patient: actor.id() == patient,
        clinic_wide: state.settings.clinician_access == ClinicianAccess::Clinic,
        members,
        can_add,
        doctors,
        reason: form.reason,
        until: form.until,
        errors: form.errors,
        message,
    })
}

/// `GET /patients/{id}/care-team`.
pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let patient = parse_id(&id, "patient_not_found")?;
    let done: Done = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let message = match done.done.as_deref() {
        Some("added") => Flash::done("The doctor is on the care team now."),
        Some("already") => Flash::refused("That doctor is on the care team already."),
        Some("removed") => Flash::done("The doctor is off the care team: they no longer read this history."),
        _ => Flash::default(),
    };
    let page = page(&state, &actor, &user, patient, Refill::default(), message).await?;
    Ok(render(&page)?.into_response())
}

/// The add or refer form.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    csrf_token: String,
    #[serde(default)]
    doctor_id: String,
    #[serde(default)]
    reason: String,
    /// The patient's consent may end on a date.
    #[serde(default)]
    until: String,
}

/// `POST /patients/{id}/care-team`: the same services as the API (the patient's addition is a
/// consent, which may end on a date).
pub async fn add(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Result<Response, PageError> {
    let patient = parse_id(&id, "patient_not_found")?;
    let added = if actor.id() == patient {
        let until = Some(form.until.clone()).filter(|u| !u.trim().is_empty());
        service::grant(&state, &actor, NewConsent { grantee_id: form.doctor_id.clone(), expires_at: until }).await.map(|(_, new)| new)
    } else {
        let body = NewMember { doctor_id: form.doctor_id.clone(), reason: form.reason.clone() };
        service::add(&state, &actor, patient, body).await.map(|(_, new)| new)
    };
    let (status, errors, message) = match added {
        Ok(new) => {
            let done = if new { "added" } else { "already" };
            return Ok(Redirect::to(&format!("/patients/{patient}/care-team?done={done}")).into_response());
        }
        // The API's field names and wording, in the form's words.
        Err(Error::Validation(errors)) => {
            let errors = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "doctor_id" | "grantee_id" => FieldError::new("doctor_id", "Choose a doctor."),
                    "expires_at" => FieldError::new("expires_at", "Choose a date from today on, or leave it empty."),
                    _ => e,
                })
                .collect();
            (StatusCode::UNPROCESSABLE_ENTITY, errors, Flash::default())
        }
        // The team changed since the form was drawn (another tab, another person).
        Err(Error::Conflict(_, why)) => (StatusCode::CONFLICT, Vec::new(), Flash::refused(why)),
        Err(e) => return Err(PageError(e)),
    };
    let refill = Refill { doctor_id: form.doctor_id, reason: form.reason, until: form.until, errors: FormErrors(errors) };
    let page = page(&state, &actor, &user, patient, refill, message).await?;
    Ok((status, render(&page)?).into_response())
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    csrf_token: String,
}

/// `POST /patients/{id}/care-team/{doctor_id}/remove`: the patient takes a doctor off.
pub async fn remove(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, doctor)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<RemoveForm>,
) -> Result<Response, PageError> {
    let patient = parse_id(&id, "patient_not_found")?;
    let doctor = parse_id(&doctor, "not_on_care_team")?;
    service::remove(&state, &actor, patient, doctor).await?;
    Ok(Redirect::to(&format!("/patients/{patient}/care-team?done=removed")).into_response())
}

crate::csrf_protected!(AddForm, RemoveForm);

#[derive(Template)]
#[template(path = "emergency_access.html")]
struct EmergencyPage {
    nav: Nav,
    /// The history of a patient already in the doctor's care (nothing to open).
    in_care: Option<String>,
    patient: String,
    reason: String,
    errors: FormErrors,
    min_reason: usize,
    minutes: i64,
}

/// The break-glass form as sent.
#[derive(Debug, Default, Deserialize)]
pub struct EmergencyForm {
    csrf_token: String,
    /// The patient's email or id.
    #[serde(default)]
    patient: String,
    /// Why.
    #[serde(default)]
    reason: String,
}

fn emergency_page(user: &WebUser, patient: String, reason: String, errors: FormErrors) -> EmergencyPage {
    EmergencyPage {
        nav: Nav::signed_in(user),
        in_care: None,
        patient,
        reason,
        errors,
        min_reason: emergency::MIN_REASON,
        minutes: emergency::MINUTES,
    }
}

/// `GET /emergency-access`: the break-glass form (a doctor names the patient and types why).
pub async fn emergency_form(user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    #[derive(Deserialize, Default)]
    struct Q {
        patient: Option<String>,
    }
    let q: Q = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    Ok(render(&emergency_page(&user, q.patient.unwrap_or_default(), String::new(), FormErrors::default()))?.into_response())
}

/// `POST /emergency-access`: opens the patient's history for an hour and goes to it; mistakes
/// come back beside the fields.
pub async fn emergency_open(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    CsrfForm(form): CsrfForm<EmergencyForm>,
) -> Result<Response, PageError> {
    let again = |errors: Vec<FieldError>, status: StatusCode| -> Result<Response, PageError> {
        let page = emergency_page(&user, form.patient.clone(), form.reason.clone(), FormErrors(errors));
        Ok((status, render(&page)?).into_response())
    };
    let body = emergency::NewEmergency { reason: form.reason.clone() };
    // The reason is checked before the patient is looked up, as the API does.
    let patient = match emergency::find_patient(&state, &form.patient).await {
        Ok(p) => p,
        Err(Error::NotFound(_)) => {
            actor.audit().detail("no active patient matched");
            let message =
                if form.patient.trim().is_empty() { "Give the patient's email or id." } else { "No active patient has this email or id." };
            let mut errors = vec![FieldError::new("patient", message)];
            if body.reason.trim().chars().count() < emergency::MIN_REASON {
                errors.push(FieldError::new(
                    "reason",
                    format!("Say what the emergency is, in at least {} characters.", emergency::MIN_REASON),
                ));
            }
            return again(errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Err(e.into()),
    };
    match emergency::open(&state, &actor, patient, &body).await {
        Ok(_) => Ok(Redirect::to(&format!("/history?patient_id={patient}")).into_response()),
        Err(Error::Validation(errors)) => again(errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(Error::Conflict("already_has_access", _)) => {
            // Nothing to open: say so, with the way to the history.
            let mut page = emergency_page(&user, form.patient.clone(), form.reason.clone(), FormErrors::default());
            page.in_care = Some(format!("/history?patient_id={patient}"));
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_emergency.html")]
struct EmergencyReportPage {
    nav: Nav,
    rows: Vec<emergency::EmergencyAccess>,
    next_link: Option<String>,
}

/// `GET /admin/emergency-access`: every emergency opening, newest first.
pub async fn emergency_report(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let p: crate::pagination::PageParams = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let page = p.into_request().unwrap_or_default();
    state.audit.flush().await?;
    let found = emergency::report(&state, &actor, &page).await?;
    let next_link = found.next_cursor.map(|c| format!("/admin/emergency-access?cursor={c}"));
    Ok(render(&EmergencyReportPage { nav: Nav::signed_in(&user), rows: found.items, next_link })?.into_response())
}

crate::csrf_protected!(EmergencyForm);
