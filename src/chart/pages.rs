//! The patient's chart as a page: allergies, problems and prescriptions on one screen, with the
//! forms a doctor uses to add an allergy or a problem (the same services as the API).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::store as users;
use crate::care_team::parse_id;
use crate::chart::model::{Allergy, NewAllergy, NewProblem, Problem};
use crate::chart::service;
use crate::error::Error;
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, Flash, FormErrors, Nav, PageError, render};
use crate::http::state::AppState;
use crate::ids::UserId;
use crate::pagination::PageRequest;
use crate::prescriptions::model::{Prescription, PrescriptionFilter};

#[derive(Template)]
#[template(path = "chart.html")]
struct ChartPage {
    nav: Nav,
    patient_id: UserId,
    patient_name: String,
    is_patient: bool,
    can_write: bool,
    can_prescribe: bool,
    allergies: Vec<Allergy>,
    problems: Vec<Problem>,
    prescriptions: Vec<Prescription>,
    lab_orders: Vec<crate::lab::model::LabOrder>,
    can_order_lab: bool,
    demographics: crate::patients::model::Demographics,
    records: Vec<crate::records::Record>,
    appointments: Vec<crate::appointments::model::Appointment>,
    message: Flash,
    form: Refill,
}

/// The forms as sent back after an error.
#[derive(Debug, Default)]
struct Refill {
    which: &'static str,
    substance: String,
    reaction: String,
    severity: String,
    description: String,
    code: String,
    onset: String,
    status: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    user: &WebUser,
    patient: UserId,
    form: Refill,
    message: Flash,
) -> Result<ChartPage, PageError> {
    let all = PageRequest { limit: 200, after: None };
    let allergies = service::allergies(state, actor, patient, &all).await?.items;
    let problems = service::problems(state, actor, patient, &all).await?.items;
    let prescriptions = if actor.holds(Permission::PrescriptionsRead) {
        let filter = PrescriptionFilter { patient_id: Some(patient.to_string()), status: None };
        crate::prescriptions::service::list(state, actor, &filter, &PageRequest { limit: 50, after: None }).await?.items
    } else {
        Vec::new()
    };
    let lab_orders = if actor.holds(Permission::LabRead) {
        let filter = crate::lab::model::LabFilter { patient_id: Some(patient.to_string()), status: None };
        crate::lab::service::list(state, actor, &filter).await?
    } else {
        Vec::new()
    };
    let patient_name = users::find_by_id(&state.db, patient).await?.map(|u| u.full_name).unwrap_or_default();
    let demographics = crate::patients::service::demographics(state, actor, patient).await?;
    // The latest records, and the appointments this person may see with the patient.
    let records = crate::records::service::history(state, actor, patient, &PageRequest { limit: 5, after: None }).await?.items;
    let appointments = if actor.holds(Permission::AppointmentsBook) {
        let filter = crate::appointments::model::AppointmentFilter { patient_id: Some(patient.to_string()), ..Default::default() };
        let now = crate::clock::format(state.clock.now());
        let mut list = crate::appointments::service::list(state, actor, &filter).await?;
        list.retain(|a| a.end >= now && a.status != "cancelled");
        list
    } else {
        Vec::new()
    };
    Ok(ChartPage {
        records,
        appointments,
        demographics,
        lab_orders,
        can_order_lab: actor.holds(Permission::LabOrder),
        nav: Nav::signed_in(user),
        patient_id: patient,
        patient_name,
        is_patient: actor.id() == patient,
        can_write: actor.holds(Permission::RecordsCreate),
        can_prescribe: actor.holds(Permission::PrescriptionsWrite),
        allergies,
        problems,
        prescriptions,
        message,
        form,
    })
}

/// `GET /patients/{id}/chart`.
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
        Some("allergy") => Flash::done("The allergy is recorded: new prescriptions are checked against it."),
        Some("problem") => Flash::done("The problem is on the list."),
        Some("lab_order") => Flash::done("The test is ordered: the lab sees it now."),
        Some("lab_order_invalid") => Flash::refused("To order a test, give its code and its name."),
        _ => Flash::default(),
    };
    Ok(render(&page(&state, &actor, &user, patient, Refill::default(), message).await?)?.into_response())
}

/// The allergy form.
#[derive(Debug, Deserialize)]
pub struct AllergyForm {
    csrf_token: String,
    #[serde(default)]
    substance: String,
    #[serde(default)]
    reaction: String,
    #[serde(default)]
    severity: String,
}

/// `POST /patients/{id}/allergies`.
pub async fn add_allergy(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AllergyForm>,
) -> Result<Response, PageError> {
    let patient = parse_id(&id, "patient_not_found")?;
    let blank = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let body = NewAllergy { substance: form.substance.clone(), reaction: blank(&form.reaction), severity: blank(&form.severity) };
    match service::add_allergy(&state, &actor, patient, body).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{patient}/chart?done=allergy")).into_response()),
        Err(Error::Validation(errors)) => {
            let refill = Refill {
                which: "allergy",
                substance: form.substance,
                reaction: form.reaction,
                severity: form.severity,
                errors: FormErrors(errors),
                ..Refill::default()
            };
            let page = page(&state, &actor, &user, patient, refill, Flash::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The problem form.
#[derive(Debug, Deserialize)]
pub struct ProblemForm {
    csrf_token: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    onset: String,
    #[serde(default)]
    status: String,
}

/// `POST /patients/{id}/problems`.
pub async fn add_problem(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ProblemForm>,
) -> Result<Response, PageError> {
    let patient = parse_id(&id, "patient_not_found")?;
    let blank = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let body = NewProblem {
        description: form.description.clone(),
        code: blank(&form.code),
        onset: blank(&form.onset),
        status: blank(&form.status),
    };
    match service::add_problem(&state, &actor, patient, body).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{patient}/chart?done=problem")).into_response()),
        Err(Error::Validation(errors)) => {
            let refill = Refill {
                which: "problem",
                description: form.description,
                code: form.code,
                onset: form.onset,
                status: form.status,
                errors: FormErrors(errors),
                ..Refill::default()
            };
            let page = page(&state, &actor, &user, patient, refill, Flash::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

crate::csrf_protected!(AllergyForm, ProblemForm);
