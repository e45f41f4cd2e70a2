//! The FHIR R4 routes under `/fhir/r4`: thin handlers that read the search parameters, call
//! `fhir::service` with the caller, and answer FHIR JSON (a resource, or a searchset Bundle
//! with `self` and `next` links). Errors are turned into OperationOutcomes by the web kit.

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::fhir::resources::{self, FHIR_JSON};
use crate::fhir::service::{self, Search};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::state::AppState;
use crate::ids::{RecordId, UserId};
use crate::pagination::{Page, PageParams};

/// A search's parameters (FHIR R4 §3.1.1.4.1): the resource's own and `_count`, `_cursor`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The patient (`<id>` or `Patient/<id>`); a patient's own when they ask without it.
    pub patient: Option<String>,
    /// Patient search: part of the name.
    pub name: Option<String>,
    /// Patient search: the date of birth, YYYY-MM-DD.
    pub birthdate: Option<String>,
    /// Patient search: the MRN (`MRN…` or `urn:careledger:mrn|MRN…`).
    pub identifier: Option<String>,
    /// Provenance search: `DocumentReference/<record id>`.
    pub target: Option<String>,
    /// Entries per page, 1–200 (default 50).
    #[serde(rename = "_count")]
    #[param(rename = "_count")]
    pub count: Option<String>,
    /// Where the `next` link continues.
    #[serde(rename = "_cursor")]
    #[param(rename = "_cursor")]
    pub cursor: Option<String>,
}

impl SearchParams {
    fn search(&self) -> Search {
        Search {
            patient: self.patient.clone(),
            name: self.name.clone(),
            birthdate: self.birthdate.clone(),
            identifier: self.identifier.clone(),
        }
    }

    fn page(&self) -> Result<crate::pagination::PageRequest, Error> {
        PageParams { limit: self.count.clone(), cursor: self.cursor.clone() }
            .into_request()
            .map_err(|e| fhir_names(e, &[("limit", "_count"), ("cursor", "_cursor")]))
    }
}

/// A refusal naming the API's parameters renamed to the FHIR ones the caller sent.
fn fhir_names(e: Error, names: &[(&str, &str)]) -> Error {
    match e {
        Error::Validation(mut errors) => {
            for err in &mut errors {
                if let Some((_, fhir)) = names.iter().find(|(api, _)| *api == err.field) {
                    err.message = err.message.replacen(err.field.as_str(), fhir, 1);
                    err.field = (*fhir).to_string();
                }
            }
            Error::Validation(errors)
        }
        other => other,
    }
}

/// The server's address for absolute URLs: `--public-url`, or the request's scheme and Host.
fn base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.as_str().trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let https = state.settings.tls.is_some() || headers.get("x-forwarded-proto").is_some_and(|p| p.as_bytes() == b"https");
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// FHIR JSON with its media type, never cached (it is patient data).
fn fhir(body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON)), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        bytes,
    )
        .into_response()
}

/// A page as a searchset: `self` is the search as asked, `next` the same with the next cursor.
fn page_bundle(state: &AppState, headers: &HeaderMap, uri: &OriginalUri, page: Page<Value>) -> Response {
    let base = base(state, headers);
    let this = uri.0.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| uri.0.path().to_string());
    let next = page.next_cursor.map(|cursor| {
        let kept = url::form_urlencoded::parse(uri.0.query().unwrap_or_default().as_bytes())
            .filter(|(k, _)| k != "_cursor")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect::<Vec<_>>();
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        q.append_pair("_cursor", &cursor);
        format!("{}?{}", uri.0.path(), q.finish())
    });
    let at = crate::clock::format(state.clock.now());
    let complete = next.is_none() && uri.0.query().is_none_or(|q| !q.contains("_cursor="));
    let entries = page.items.into_iter().map(|r| resources::entry(&base, r, false)).collect();
    fhir(&resources::searchset(&base, &at, &this, next, complete, entries))
}

/// `GET /fhir/r4/metadata`: the CapabilityStatement.
#[utoipa::path(get, path = "/fhir/r4/metadata", tag = "fhir",
    responses((status = 200, description = "What this server supports (FHIR R4 CapabilityStatement)", content_type = "application/fhir+json", body = Object)))]
pub async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let at = crate::clock::format(state.clock.now());
    fhir(&resources::capability(&base(&state, &headers), &at, env!("CARGO_PKG_VERSION")))
}

/// `GET /fhir/r4/Patient/{id}`.
#[utoipa::path(get, path = "/fhir/r4/Patient/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The patient's id")),
    responses(
        (status = 200, description = "A FHIR R4 Patient", content_type = "application/fhir+json", body = Object),
        (status = 404, description = "No such patient, or not yours to read (an OperationOutcome)", content_type = "application/fhir+json", body = Object),
    ))]
pub async fn patient(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<UserId>) -> Result<Response, Error> {
    Ok(fhir(&service::patient(&state, &actor, id).await?))
}

/// `GET /fhir/r4/Patient?name=&birthdate=&identifier=`: doctors search patients; a patient
/// finds themselves.
#[utoipa::path(get, path = "/fhir/r4/Patient", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses(
        (status = 200, description = "A searchset Bundle of Patients", content_type = "application/fhir+json", body = Object),
        (status = 422, description = "A parameter is not valid (an OperationOutcome)", content_type = "application/fhir+json", body = Object),
    ))]
pub async fn patients(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let found = service::patients(&state, &actor, &q.search()).await.map_err(|e| fhir_names(e, &[("q", "name")]))?;
    Ok(page_bundle(&state, &headers, &uri, Page { items: found, next_cursor: None }))
}

/// `GET /fhir/r4/Patient/{id}/$everything`: the patient and everything of theirs the caller may read.
#[utoipa::path(get, path = "/fhir/r4/Patient/{id}/$everything", tag = "fhir", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The patient's id")),
    responses(
        (status = 200, description = "A searchset Bundle: the Patient, DocumentReferences, AllergyIntolerances, Conditions, MedicationRequests", content_type = "application/fhir+json", body = Object),
        (status = 404, description = "No such patient, or not yours to read (an OperationOutcome)", content_type = "application/fhir+json", body = Object),
    ))]
pub async fn everything(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Response, Error> {
    let base = base(&state, &headers);
    let all = service::everything(&state, &actor, id, &base).await?;
    Ok(page_bundle(&state, &headers, &uri, Page { items: all, next_cursor: None }))
}

/// `GET /fhir/r4/DocumentReference/{id}`: a record as it stands, its files as links.
#[utoipa::path(get, path = "/fhir/r4/DocumentReference/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses(
        (status = 200, description = "A FHIR R4 DocumentReference", content_type = "application/fhir+json", body = Object),
        (status = 404, description = "No such record, or not yours to read (an OperationOutcome)", content_type = "application/fhir+json", body = Object),
    ))]
pub async fn document(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<Response, Error> {
    Ok(fhir(&service::document(&state, &actor, id, &base(&state, &headers)).await?))
}

/// `GET /fhir/r4/DocumentReference?patient=`.
#[utoipa::path(get, path = "/fhir/r4/DocumentReference", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of DocumentReferences, newest first", content_type = "application/fhir+json", body = Object)))]
pub async fn documents(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let page = service::documents(&state, &actor, patient, &q.page()?, &base(&state, &headers)).await?;
    Ok(page_bundle(&state, &headers, &uri, page))
}

/// `GET /fhir/r4/AllergyIntolerance?patient=`.
#[utoipa::path(get, path = "/fhir/r4/AllergyIntolerance", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of AllergyIntolerances", content_type = "application/fhir+json", body = Object)))]
pub async fn allergies(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let page = service::allergies(&state, &actor, patient, &q.page()?).await?;
    Ok(page_bundle(&state, &headers, &uri, page))
}

/// `GET /fhir/r4/Condition?patient=`.
#[utoipa::path(get, path = "/fhir/r4/Condition", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of Conditions (the problem list)", content_type = "application/fhir+json", body = Object)))]
pub async fn conditions(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let page = service::conditions(&state, &actor, patient, &q.page()?).await?;
    Ok(page_bundle(&state, &headers, &uri, page))
}

/// `GET /fhir/r4/MedicationRequest?patient=`.
#[utoipa::path(get, path = "/fhir/r4/MedicationRequest", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of MedicationRequests, one per prescription item", content_type = "application/fhir+json", body = Object)))]
pub async fn medication_requests(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let page = service::medication_requests(&state, &actor, patient, &q.page()?).await?;
    Ok(page_bundle(&state, &headers, &uri, page))
}

/// `GET /fhir/r4/Practitioner/{id}`: a doctor's name.
#[utoipa::path(get, path = "/fhir/r4/Practitioner/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The doctor's id")),
    responses(
        (status = 200, description = "A FHIR R4 Practitioner", content_type = "application/fhir+json", body = Object),
        (status = 404, description = "No such doctor (an OperationOutcome)", content_type = "application/fhir+json", body = Object),
    ))]
pub async fn practitioner(State(state): State<AppState>, _actor: Actor, ApiPath(id): ApiPath<UserId>) -> Result<Response, Error> {
    Ok(fhir(&service::practitioner(&state, id).await?))
}

/// `GET /fhir/r4/Appointment?patient=`.
#[utoipa::path(get, path = "/fhir/r4/Appointment", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of Appointments, by start time", content_type = "application/fhir+json", body = Object)))]
pub async fn appointments(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let found = service::appointments(&state, &actor, patient).await?;
    Ok(page_bundle(&state, &headers, &uri, Page { items: found, next_cursor: None }))
}

/// `GET /fhir/r4/ServiceRequest?patient=`: lab orders.
#[utoipa::path(get, path = "/fhir/r4/ServiceRequest", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of ServiceRequests (lab orders)", content_type = "application/fhir+json", body = Object)))]
pub async fn service_requests(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let found = service::service_requests(&state, &actor, patient).await?;
    Ok(page_bundle(&state, &headers, &uri, Page { items: found, next_cursor: None }))
}

/// `GET /fhir/r4/Observation?patient=`: lab results.
#[utoipa::path(get, path = "/fhir/r4/Observation", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of Observations (lab results)", content_type = "application/fhir+json", body = Object)))]
pub async fn observations(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let found = service::observations(&state, &actor, patient).await?;
    Ok(page_bundle(&state, &headers, &uri, Page { items: found, next_cursor: None }))
}

/// `GET /fhir/r4/Consent?patient=`: the patient's own consents.
#[utoipa::path(get, path = "/fhir/r4/Consent", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of the patient's Consents", content_type = "application/fhir+json", body = Object)))]
pub async fn consents(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let page = service::consents(&state, &actor, patient, &q.page()?).await?;
    Ok(page_bundle(&state, &headers, &uri, page))
}

/// `GET /fhir/r4/AuditEvent?patient=`: the audit trail (admins).
#[utoipa::path(get, path = "/fhir/r4/AuditEvent", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of AuditEvents, newest first", content_type = "application/fhir+json", body = Object)))]
pub async fn audit_events(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = match q.patient.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(_) => Some(service::patient_of(&actor, &q.search())?),
        None => None,
    };
    // The audit search reads its own copy's writes: everything journalled so far is in.
    state.audit.flush().await?;
    let page = service::audit_events(&state, &actor, patient, q.count.clone(), q.cursor.clone()).await?;
    Ok(page_bundle(&state, &headers, &uri, page))
}

/// `GET /fhir/r4/MedicationDispense?patient=`: what the pharmacy handed over.
#[utoipa::path(get, path = "/fhir/r4/MedicationDispense", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of MedicationDispenses, one per batch handed over", content_type = "application/fhir+json", body = Object)))]
pub async fn medication_dispenses(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let patient = service::patient_of(&actor, &q.search())?;
    let page = service::medication_dispenses(&state, &actor, patient, &q.page()?).await?;
    Ok(page_bundle(&state, &headers, &uri, page))
}

/// `GET /fhir/r4/Provenance?target=DocumentReference/{id}`: the ledger entries behind a record.
#[utoipa::path(get, path = "/fhir/r4/Provenance", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of Provenances, one per version of the record", content_type = "application/fhir+json", body = Object)))]
pub async fn provenance(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let found = service::provenance(&state, &actor, q.target.as_deref(), &base(&state, &headers)).await?;
    Ok(page_bundle(&state, &headers, &uri, Page { items: found, next_cursor: None }))
}

/// `GET /fhir/r4/Practitioner?name=`: the clinic's doctors.
#[utoipa::path(get, path = "/fhir/r4/Practitioner", tag = "fhir", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "A searchset Bundle of Practitioners (active doctors), by name", content_type = "application/fhir+json", body = Object)))]
pub async fn practitioners(
    State(state): State<AppState>,
    _actor: Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Response, Error> {
    let found = service::practitioners(&state, q.name.as_deref()).await?;
    Ok(page_bundle(&state, &headers, &uri, Page { items: found, next_cursor: None }))
}

/// A resource id as FHIR allows it (`[A-Za-z0-9\-\.]{1,64}`), or 404.
fn fhir_id(id: &str) -> Result<&str, Error> {
    let ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok { Ok(id) } else { Err(Error::NotFound("not_found")) }
}

/// `GET /fhir/r4/AllergyIntolerance/{id}`.
#[utoipa::path(get, path = "/fhir/r4/AllergyIntolerance/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "The allergy's id")),
    responses((status = 200, description = "A FHIR R4 AllergyIntolerance", content_type = "application/fhir+json", body = Object)))]
pub async fn allergy(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    Ok(fhir(&service::allergy(&state, &actor, fhir_id(&id)?).await?))
}

/// `GET /fhir/r4/Condition/{id}`.
#[utoipa::path(get, path = "/fhir/r4/Condition/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "The problem's id")),
    responses((status = 200, description = "A FHIR R4 Condition", content_type = "application/fhir+json", body = Object)))]
pub async fn condition(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    Ok(fhir(&service::condition(&state, &actor, fhir_id(&id)?).await?))
}

/// `GET /fhir/r4/MedicationRequest/{id}`.
#[utoipa::path(get, path = "/fhir/r4/MedicationRequest/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "`<prescription id>-<item number>`")),
    responses((status = 200, description = "A FHIR R4 MedicationRequest", content_type = "application/fhir+json", body = Object)))]
pub async fn medication_request(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    Ok(fhir(&service::medication_request(&state, &actor, fhir_id(&id)?).await?))
}

/// `GET /fhir/r4/MedicationDispense/{id}`.
#[utoipa::path(get, path = "/fhir/r4/MedicationDispense/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "`<dispensation id>-<batch number>`")),
    responses((status = 200, description = "A FHIR R4 MedicationDispense", content_type = "application/fhir+json", body = Object)))]
pub async fn medication_dispense(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    Ok(fhir(&service::medication_dispense(&state, &actor, fhir_id(&id)?).await?))
}

/// `GET /fhir/r4/Appointment/{id}`.
#[utoipa::path(get, path = "/fhir/r4/Appointment/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "The appointment's id")),
    responses((status = 200, description = "A FHIR R4 Appointment", content_type = "application/fhir+json", body = Object)))]
pub async fn appointment(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    Ok(fhir(&service::appointment(&state, &actor, fhir_id(&id)?).await?))
}

/// `GET /fhir/r4/ServiceRequest/{id}`.
#[utoipa::path(get, path = "/fhir/r4/ServiceRequest/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "The lab order's id")),
    responses((status = 200, description = "A FHIR R4 ServiceRequest", content_type = "application/fhir+json", body = Object)))]
pub async fn service_request(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    Ok(fhir(&service::service_request(&state, &actor, fhir_id(&id)?).await?))
}

/// `GET /fhir/r4/Observation/{id}`.
#[utoipa::path(get, path = "/fhir/r4/Observation/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "The lab order's id (its one result)")),
    responses((status = 200, description = "A FHIR R4 Observation", content_type = "application/fhir+json", body = Object)))]
pub async fn observation(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    Ok(fhir(&service::observation(&state, &actor, fhir_id(&id)?).await?))
}

/// `GET /fhir/r4/Consent/{id}`.
#[utoipa::path(get, path = "/fhir/r4/Consent/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "The consent's id")),
    responses((status = 200, description = "A FHIR R4 Consent", content_type = "application/fhir+json", body = Object)))]
pub async fn consent(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    Ok(fhir(&service::consent(&state, &actor, fhir_id(&id)?).await?))
}

/// `GET /fhir/r4/Provenance/{id}`.
#[utoipa::path(get, path = "/fhir/r4/Provenance/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "`<record id>-<version>`")),
    responses((status = 200, description = "A FHIR R4 Provenance", content_type = "application/fhir+json", body = Object)))]
pub async fn provenance_read(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    Ok(fhir(&service::provenance_of(&state, &actor, fhir_id(&id)?, &base(&state, &headers)).await?))
}

/// `GET /fhir/r4/AuditEvent/{id}`.
#[utoipa::path(get, path = "/fhir/r4/AuditEvent/{id}", tag = "fhir", security(("bearer" = [])),
    params(("id" = String, Path, description = "The row's position in the audit chain")),
    responses((status = 200, description = "A FHIR R4 AuditEvent", content_type = "application/fhir+json", body = Object)))]
pub async fn audit_event(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<Response, Error> {
    state.audit.flush().await?;
    Ok(fhir(&service::audit_event(&state, &actor, fhir_id(&id)?).await?))
}
