//! Pages for records: dashboards, writing a record, reading one, searching history.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Role;
use crate::accounts::permissions::{Actor, Permission};
use crate::error::{Error, FieldError};
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, Flash, FormErrors, Nav, PageError, SelectOption, dashboard_path, render};
use crate::http::state::AppState;
use crate::ids::RecordId;
use crate::pagination::{Page, PageParams, PageRequest};
use crate::records::model::{NewRecord, Record, RecordFilter, RecordType};
use crate::records::service;
use crate::records::view::{self, RecordView};

/// The message id of a record type's words on pages (`locales/*/records_table.ftl`), for
/// `nav.t(..)`: `Visit` / `Visita`.
pub fn type_key(t: impl std::borrow::Borrow<RecordType>) -> &'static str {
    match *t.borrow() {
        RecordType::Visit => "records_table-type-visit",
        RecordType::Diagnosis => "records_table-type-diagnosis",
        RecordType::LabResult => "records_table-type-lab_result",
        RecordType::Imaging => "records_table-type-imaging",
        RecordType::Procedure => "records_table-type-procedure",
        RecordType::Note => "records_table-type-note",
    }
}

/// The record types as choices; each label is a message id (see [`type_key`]).
fn type_options(selected: &str) -> Vec<SelectOption> {
    RecordType::ALL.into_iter().map(|t| SelectOption { value: t.as_str(), label: type_key(t), selected: t.as_str() == selected }).collect()
}

/// The link to the next page, keeping the other query parameters.
fn next_link(base: &str, filter: &RecordFilter, page: &Page<Record>) -> Option<String> {
    let cursor = page.next_cursor.as_ref()?;
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (k, v) in [
        ("patient_id", &filter.patient_id),
        ("provider", &filter.provider),
        ("from", &filter.from),
        ("to", &filter.to),
        ("type", &filter.record_type),
        ("q", &filter.q),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            pairs.push((k, v));
        }
    }
    pairs.push(("cursor", cursor));
    serde_urlencoded::to_string(pairs).ok().map(|q| format!("{base}?{q}"))
}

#[derive(Template)]
#[template(path = "doctor_dashboard.html")]
struct DoctorDashboard {
    nav: Nav,
    user_name: String,
    user_email: String,
    pending: bool,
    records: Vec<Record>,
    next_link: Option<String>,
    show_patient: bool,
    show_doctor: bool,
    today: Vec<crate::appointments::model::Appointment>,
    recent_patients: Vec<(String, String)>,
    results: Vec<crate::lab::model::LabOrder>,
    open_orders: usize,
}

/// `GET /doctor/dashboard`: who you are, a link to write a record, the records you wrote.
pub async fn doctor_dashboard(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    PageQuery(paging): PageQuery,
) -> Result<Response, PageError> {
    if actor.role() != Role::Doctor {
        return Ok(Redirect::to(dashboard_path(actor.role())).into_response());
    }
    // A doctor awaiting approval holds no record permission yet.
    let pending = !actor.holds(Permission::RecordsRead);
    let page = if pending {
        Page { items: vec![], next_cursor: None }
    } else {
        // The records this doctor wrote (their patients' whole histories are one click away).
        let mine = RecordFilter { provider: Some(actor.id().to_string()), ..RecordFilter::default() };
        service::list(&state, &actor, &mine, &paging).await?
    };
    let next = next_link("/doctor/dashboard", &RecordFilter::default(), &page);
    // What a doctor needs first: today's appointments, the patients of their latest records,
    // and the results of the tests they ordered.
    let (mut today, mut results, mut open_orders) = (Vec::new(), Vec::new(), 0);
    if !pending {
        let day = user.zone.today(state.clock.now()).to_string();
        let filter = crate::appointments::model::AppointmentFilter { day: Some(day), day_zone: user.zone, ..Default::default() };
        today = crate::appointments::service::list(&state, &actor, &filter).await?;
        let orders = crate::lab::service::list(&state, &actor, &crate::lab::model::LabFilter::default()).await?;
        open_orders = orders.iter().filter(|o| o.status == "open").count();
        results = orders.into_iter().filter(|o| o.result.is_some()).take(5).collect();
    }
    let mut recent_patients: Vec<(String, String)> = Vec::new();
    for r in &page.items {
        let id = r.patient_id.to_string();
        if !recent_patients.iter().any(|(p, _)| *p == id) && recent_patients.len() < 8 {
            recent_patients.push((id, r.patient_name.clone()));
        }
    }
    render(&DoctorDashboard {
        today,
        recent_patients,
        results,
        open_orders,
        nav: Nav::signed_in(&user),
        user_name: user.user.full_name.clone(),
        user_email: user.user.email.to_string(),
        pending,
        records: page.items,
        next_link: next,
        show_patient: true,
        show_doctor: false,
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "patient_dashboard.html")]
struct PatientDashboard {
    nav: Nav,
    emergencies: Vec<crate::care_team::emergency::EmergencyAccess>,
    user_id: crate::ids::UserId,
    user_name: String,
    user_email: String,
    records: Vec<Record>,
    next_link: Option<String>,
    show_patient: bool,
    show_doctor: bool,
    visits_svg: String,
    prescriptions: Vec<crate::prescriptions::model::Prescription>,
    upcoming: Vec<crate::appointments::model::Appointment>,
    results: Vec<crate::lab::model::LabOrder>,
}

/// `GET /patient/dashboard`: who you are and your records, newest first.
pub async fn patient_dashboard(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    PageQuery(paging): PageQuery,
) -> Result<Response, PageError> {
    if actor.role() != Role::Patient {
        return Ok(Redirect::to(dashboard_path(actor.role())).into_response());
    }
    let page = service::history(&state, &actor, actor.id(), &paging).await?;
    let next = next_link("/patient/dashboard", &RecordFilter::default(), &page);
    let emergencies = crate::care_team::emergency::recent_for_patient(&state, &actor).await?;
    // What a patient looks for first: how often they were seen, their prescriptions, what is
    // coming and their latest results.
    let visits_svg = crate::records::chart::visits_svg(&service::visits_per_month(&state, &actor).await?, &user.words);
    let mine = crate::prescriptions::model::PrescriptionFilter::default();
    let prescriptions =
        crate::prescriptions::service::list(&state, &actor, &mine, &crate::pagination::PageRequest { limit: 10, after: None }).await?.items;
    let now = crate::clock::format(state.clock.now());
    let mut upcoming =
        crate::appointments::service::list(&state, &actor, &crate::appointments::model::AppointmentFilter::default()).await?;
    upcoming.retain(|a| a.end >= now && a.status != "cancelled");
    upcoming.truncate(5);
    let resulted = crate::lab::model::LabFilter { status: Some("resulted".into()), ..Default::default() };
    let mut results = crate::lab::service::list(&state, &actor, &resulted).await?;
    results.truncate(5);
    render(&PatientDashboard {
        visits_svg,
        prescriptions,
        upcoming,
        results,
        nav: Nav::signed_in(&user),
        emergencies,
        user_id: actor.id(),
        user_name: user.user.full_name.clone(),
        user_email: user.user.email.to_string(),
        records: page.items,
        next_link: next,
        show_patient: false,
        show_doctor: true,
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct RecordFormPage {
    nav: Nav,
    patient_email: String,
    title: String,
    notes: String,
    types: Vec<SelectOption>,
    errors: FormErrors,
}

/// `GET /records/create`: the form (the route needs `records.create`).
pub async fn create_form(user: WebUser) -> Result<Response, PageError> {
    render(&RecordFormPage {
        nav: Nav::signed_in(&user),
        patient_email: String::new(),
        title: String::new(),
        notes: String::new(),
        types: type_options("visit"),
        errors: FormErrors::default(),
    })
    .map(IntoResponse::into_response)
}

/// The record form. `patient_id` is set only by the confirmation step.
#[derive(Debug, Deserialize)]
pub struct RecordForm {
    csrf_token: String,
    #[serde(default)]
    patient_email: String,
    #[serde(default)]
    patient_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    record_type: String,
    /// Set by the confirmation's "change" button: back to the filled-in form.
    #[serde(default)]
    edit: String,
    /// The id the confirmation chose for the record, so that sending it twice writes it once.
    #[serde(default)]
    record_id: String,
}

#[derive(Template)]
#[template(path = "record_confirm.html")]
struct ConfirmPage {
    nav: Nav,
    patient: crate::accounts::User,
    form: RecordForm,
    /// The message id of the record type's words.
    type_label: &'static str,
    record_id: RecordId,
}

/// The record form again, filled in as sent, with these errors beside the fields.
fn refilled(user: &WebUser, form: RecordForm, errors: Vec<FieldError>) -> RecordFormPage {
    RecordFormPage {
        nav: Nav::signed_in(user),
        patient_email: form.patient_email,
        title: form.title,
        notes: form.notes,
        types: type_options(&form.record_type),
        errors: FormErrors(errors),
    }
}

/// `POST /records/create`: the same service as the API. A record addressed by email is not
/// written at once: the patient's name, id and email are shown back for the doctor to confirm
/// (issue 9: a look-alike address must not take a record unnoticed); the confirmation posts the
/// patient's id, and the record's page follows.
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    CsrfForm(form): CsrfForm<RecordForm>,
) -> Result<Response, PageError> {
    if !form.edit.is_empty() {
        return Ok(render(&refilled(&user, form, vec![]))?.into_response());
    }
    let confirmed = !form.patient_id.trim().is_empty();
    let result = if confirmed {
        let input = NewRecord {
            patient_id: Some(form.patient_id.clone()),
            patient_email: None,
            title: form.title.clone(),
            notes: form.notes.clone(),
            record_type: Some(form.record_type.clone()),
        };
        let id: RecordId = form.record_id.trim().parse().unwrap_or_default();
        service::create_once(&state, &actor, input, id)
            .await
            .map(|record| Redirect::to(&format!("/records/{}?done=created", record.id)).into_response())
    } else {
        // Everything is checked before the confirmation, so that saving is the last step.
        let input = NewRecord {
            patient_id: None,
            patient_email: Some(form.patient_email.clone()),
            title: form.title.clone(),
            notes: form.notes.clone(),
            record_type: Some(form.record_type.clone()),
        };
        match service::check_new(&state, &actor, &input).await {
            Ok(patient) => {
                let type_label = type_key(RecordType::parse(form.record_type.trim()).unwrap_or(RecordType::Visit));
                let page = ConfirmPage { nav: Nav::signed_in(&user), patient, form, type_label, record_id: RecordId::new() };
                return Ok(render(&page)?.into_response());
            }
            Err(e) => Err(e),
        }
    };
    let (status, errors) = match result {
        Ok(response) => return Ok(response),
        Err(Error::Validation(mut errors)) => {
            for e in &mut errors {
                if e.field == "patient_id" {
                    e.field = "patient_email".into();
                    e.message = "the patient's email is required".into();
                }
            }
            (StatusCode::UNPROCESSABLE_ENTITY, errors)
        }
        Err(Error::NotFound("patient_not_found")) => {
            (StatusCode::NOT_FOUND, vec![FieldError::new("patient_email", "No active patient has this email.")])
        }
        Err(e) => return Err(PageError(e)),
    };
    Ok((status, render(&refilled(&user, form, errors))?).into_response())
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    nav: Nav,
    record: Record,
    versions: Vec<crate::records::model::RecordVersion>,
    files: Vec<crate::records::files::FileInfo>,
    proof: crate::ledger::service::InclusionProof,
    /// The author sees the amend and attach forms.
    is_author: bool,
    amend: AmendForm,
    errors: FormErrors,
    message: Flash,
}

/// The amend form, as sent (or as the record stands, to start from).
#[derive(Debug, Default, Deserialize)]
pub struct AmendForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    reason: String,
}

/// `?done=` after an amendment or an attachment.
#[derive(Debug, Default, Deserialize)]
struct RecordDone {
    done: Option<String>,
}

async fn record_page(
    state: &AppState,
    actor: &Actor,
    user: &WebUser,
    id: RecordId,
    amend: Option<AmendForm>,
    errors: Vec<FieldError>,
    message: Flash,
) -> Result<RecordPage, PageError> {
    let RecordView { record, versions, files, proof } = view::record(state, actor, id).await?;
    let is_author = record.doctor_id == actor.id() && actor.holds(Permission::RecordsCreate);
    let amend = amend.unwrap_or_else(|| AmendForm { title: record.title.clone(), notes: record.notes.clone(), ..AmendForm::default() });
    Ok(RecordPage { nav: Nav::signed_in(user), record, versions, files, proof, is_author, amend, errors: FormErrors(errors), message })
}

/// `POST /records/{id}/amend`: the author amends (the same service as the API); the form comes
/// back with what was typed when something is wrong.
pub async fn amend(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AmendForm>,
) -> Result<Response, PageError> {
    let id: RecordId = id.parse().map_err(|_| PageError(Error::NotFound("not_found")))?;
    let a = service::Amendment { title: Some(form.title.clone()), notes: Some(form.notes.clone()), reason: form.reason.clone() };
    match service::amend(&state, &actor, id, a).await {
        Ok(_) => Ok(Redirect::to(&format!("/records/{id}?done=amended")).into_response()),
        Err(Error::Validation(errors)) => {
            let page = record_page(&state, &actor, &user, id, Some(form), errors, Flash::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /records/{id}/files`: the author attaches a file from the page (multipart, the CSRF
/// token first); the same service as the API.
pub async fn attach(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    crate::http::pages::CsrfMultipart(multipart): crate::http::pages::CsrfMultipart,
) -> Result<Response, PageError> {
    let id: RecordId = id.parse().map_err(|_| PageError(Error::NotFound("not_found")))?;
    let attached = match crate::records::files::read_upload(multipart).await {
        Ok((name, bytes)) => crate::records::files::attach(&state, &actor, id, &name, bytes).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match attached {
        Ok(()) => Ok(Redirect::to(&format!("/records/{id}?done=attached")).into_response()),
        Err(Error::Validation(errors)) => {
            let message = Flash::refused(
                &errors
                    .first()
                    .map(|e| user.words.with("flash-file-not-attached", &[("why", &user.words.sentence(&e.message))]))
                    .unwrap_or_default(),
            );
            let page = record_page(&state, &actor, &user, id, None, Vec::new(), message).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

crate::csrf_protected!(AmendForm);

/// `GET /records/{id}`: one record, or the same 404 page whether it is missing or not yours.
pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let id: RecordId = id.parse().map_err(|_| PageError(Error::NotFound("not_found")))?;
    let done: RecordDone = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let message = match done.done.as_deref() {
        Some("created") => Flash::done("Record saved: it is in the ledger, and the patient can read it."),
        Some("amended") => Flash::done("Amended: the new version is in the ledger; the earlier ones stay below."),
        Some("attached") => Flash::done("The file is attached (sealed, and in the ledger)."),
        _ => Flash::default(),
    };
    render(&record_page(&state, &actor, &user, id, None, Vec::new(), message).await?).map(IntoResponse::into_response)
}

/// `GET /records/{id}/proof`: the same inclusion proof as the API, for a signed-in browser.
pub async fn proof(State(state): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Response, PageError> {
    let id: RecordId = id.parse().map_err(|_| PageError(Error::NotFound("not_found")))?;
    let index = service::latest_entry(&state, &actor, id).await?;
    let proof = crate::ledger::service::inclusion(&state, index).await?;
    // A file to keep or hand on (RFC 6266), not JSON opened in the tab.
    let disposition = format!("attachment; filename=\"record-{id}-proof.json\"");
    let body = serde_json::to_vec_pretty(&proof).map_err(|e| PageError(Error::Internal(e.into())))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json".to_string()), (axum::http::header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

/// `GET /records/{id}/files/{sha256}`: a file for a signed-in browser, checked like the API's.
pub async fn file(State(state): State<AppState>, actor: Actor, Path((id, sha256)): Path<(String, String)>) -> Result<Response, PageError> {
    let id: RecordId = id.parse().map_err(|_| PageError(Error::NotFound("not_found")))?;
    let (info, bytes) = crate::records::files::fetch(&state, &actor, id, &sha256).await?;
    let disposition = crate::records::files::content_disposition(&info.filename);
    Ok(([(axum::http::header::CONTENT_TYPE, info.content_type), (axum::http::header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    nav: Nav,
    is_doctor: bool,
    person_field: &'static str,
    people: Vec<Person>,
    filter: RecordFilter,
    types: Vec<SelectOption>,
    errors: FormErrors,
    records: Vec<Record>,
    next_link: Option<String>,
    show_patient: bool,
    show_doctor: bool,
}

/// One choice of the history page's patient or doctor filter.
#[derive(Debug)]
struct Person {
    id: String,
    name: String,
    selected: bool,
}

/// Query of `/history`: the API's filters plus paging.
#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    #[serde(flatten)]
    filter: RecordFilter,
    cursor: Option<String>,
    limit: Option<String>,
}

/// `GET /history`: the API's filters as a form, and the matching records.
pub async fn history(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let q: HistoryQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let is_doctor = actor.role() == Role::Doctor;
    let paging = PageParams { limit: q.limit.clone().filter(|l| !l.trim().is_empty()), cursor: q.cursor.clone() }.into_request();
    let result = match paging {
        Ok(paging) => service::list(&state, &actor, &q.filter, &paging).await,
        Err(e) => Err(e),
    };
    let (status, page, errors) = match result {
        Ok(page) => (StatusCode::OK, page, Vec::new()),
        Err(Error::Validation(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, Page { items: vec![], next_cursor: None }, errors),
        Err(e) => return Err(PageError(e)),
    };
    let next = next_link("/history", &q.filter, &page).map(|link| match q.limit.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(limit) => format!("{link}&limit={}", url::form_urlencoded::byte_serialize(limit.as_bytes()).collect::<String>()),
        None => link,
    });
    let selected = q.filter.record_type.clone().unwrap_or_default();
    // Doctors filter by patient, patients by doctor: chosen from the people in their records.
    let (person_field, chosen) =
        if is_doctor { ("patient_id", q.filter.patient_id.clone()) } else { ("provider", q.filter.provider.clone()) };
    let people = service::counterparts(&state, &actor)
        .await?
        .into_iter()
        .map(|(id, name)| Person { selected: chosen.as_deref() == Some(id.as_str()), id, name })
        .collect();
    let html = render(&HistoryPage {
        nav: Nav::signed_in(&user),
        is_doctor,
        person_field,
        people,
        filter: q.filter,
        types: type_options(&selected),
        errors: FormErrors(errors),
        records: page.items,
        next_link: next,
        show_patient: is_doctor,
        show_doctor: !is_doctor,
    })?;
    Ok((status, html).into_response())
}

/// `?cursor=` on a dashboard; a bad cursor just starts from the top.
#[derive(Debug)]
pub struct PageQuery(pub PageRequest);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageQuery {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let params: PageParams = serde_urlencoded::from_str(parts.uri.query().unwrap_or_default()).unwrap_or_default();
        Ok(Self(params.into_request().unwrap_or_default()))
    }
}

crate::csrf_protected!(RecordForm);
