//! JSON API for records.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::ids::{RecordId, UserId};
use crate::ledger::service::InclusionProof;
use crate::pagination::{Page, PageParams};
use crate::records::files::{self, FileInfo};
use crate::records::model::{NewRecord, Record, RecordFilter, RecordVersion};
use crate::records::service;

/// `POST /api/v1/records`: a doctor writes a record for a patient.
#[utoipa::path(post, path = "/api/v1/records", tag = "records", security(("bearer" = [])),
    request_body = NewRecord,
    responses(
        (status = 201, description = "Written", body = Record),
        (status = 403, description = "`forbidden`: only doctors write records", body = Problem),
        (status = 404, description = "`patient_not_found`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
        (status = 413, description = "`payload_too_large`", body = Problem),
    ))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<NewRecord>,
) -> Result<(StatusCode, ApiJson<Record>), Error> {
    let record = service::create(&state, &actor, body).await?;
    Ok((StatusCode::CREATED, ApiJson(record)))
}

/// Filters and paging of `GET /api/v1/records`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: RecordFilter,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/records`: records the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/records", tag = "records", security(("bearer" = [])),
    params(RecordFilter, PageParams),
    responses(
        (status = 200, description = "A page of records", body = Page<Record>),
        (status = 403, description = "`forbidden`: this role reads no clinical records", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn list(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<ListQuery>) -> Result<ApiJson<Page<Record>>, Error> {
    let page = PageParams { limit: q.limit, cursor: q.cursor }.into_request()?;
    Ok(ApiJson(service::list(&state, &actor, &q.filter, &page).await?))
}

/// `GET /api/v1/records/{id}`.
#[utoipa::path(get, path = "/api/v1/records/{id}", tag = "records", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Record id (UUID)")),
    responses(
        (status = 200, description = "The record", body = Record),
        (status = 404, description = "`not_found`: no such record, or not yours to see", body = Problem),
    ))]
pub async fn get(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<RecordId>) -> Result<ApiJson<Record>, Error> {
    Ok(ApiJson(service::get(&state, &actor, id).await?))
}

/// `GET /api/v1/patients/{id}/history`: the patient's records, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/history", tag = "records", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Patient id (UUID)"), PageParams),
    responses(
        (status = 200, description = "A page of records", body = Page<Record>),
        (status = 404, description = "`patient_not_found`: no such patient, or not in your care", body = Problem),
    ))]
pub async fn history(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<ApiJson<Page<Record>>, Error> {
    let id: UserId = id.parse().map_err(|_| Error::NotFound("patient_not_found"))?;
    let page = p.into_request()?;
    Ok(ApiJson(service::history(&state, &actor, id, &page).await?))
}

/// `POST /api/v1/records/{id}/amendments`: the author writes a new version.
#[utoipa::path(post, path = "/api/v1/records/{id}/amendments", tag = "records", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Record id (UUID)")), request_body = service::Amendment,
    responses(
        (status = 201, description = "The record at its new version", body = Record),
        (status = 403, description = "`forbidden`: the caller's role writes no records (patients included, even for their own record)", body = Problem),
        (status = 404, description = "`not_found`: no such record, or not one this doctor wrote", body = Problem),
        (status = 409, description = "`record_changed`: amended meanwhile", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn amend(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<RecordId>,
    ApiJson(body): ApiJson<service::Amendment>,
) -> Result<(StatusCode, ApiJson<Record>), Error> {
    Ok((StatusCode::CREATED, ApiJson(service::amend(&state, &actor, id, body).await?)))
}

/// `GET /api/v1/records/{id}/versions`: every version, oldest first.
#[utoipa::path(get, path = "/api/v1/records/{id}/versions", tag = "records", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Record id (UUID)")),
    responses(
        (status = 200, description = "Versions, oldest first", body = Vec<RecordVersion>),
        (status = 404, description = "`not_found`", body = Problem),
    ))]
pub async fn versions(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<ApiJson<Vec<RecordVersion>>, Error> {
    Ok(ApiJson(service::versions(&state, &actor, id).await?))
}

/// `GET /api/v1/records/{id}/proof`: the RFC 9162 inclusion proof of the record's latest
/// version in the latest signed block.
#[utoipa::path(get, path = "/api/v1/records/{id}/proof", tag = "ledger", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Record id (UUID)")),
    responses(
        (status = 200, description = "Check it with the block's signature and the public key", body = InclusionProof),
        (status = 404, description = "`not_found`", body = Problem),
    ))]
pub async fn proof(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<RecordId>) -> Result<ApiJson<InclusionProof>, Error> {
    let index = service::latest_entry(&state, &actor, id).await?;
    Ok(ApiJson(crate::ledger::service::inclusion(&state, index).await?))
}

/// The upload form (RFC 7578): one part named `file` with the file's bytes and its name.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Upload {
    /// The file: PDF, PNG, JPEG or plain text, at most 25 MB; its part's filename is kept.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// `POST /api/v1/records/{id}/files`: attaches a file (multipart field `file`).
#[utoipa::path(post, path = "/api/v1/records/{id}/files", tag = "records", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Record id (UUID)")),
    request_body(content = Upload, content_type = "multipart/form-data", description = "Field `file`: PDF, PNG, JPEG or plain text, at most 25 MB"),
    responses(
        (status = 201, description = "Stored and entered in the ledger", body = FileInfo),
        (status = 403, description = "`forbidden`: the caller's role writes no records (patients included, even for their own record)", body = Problem),
        (status = 404, description = "`not_found`: no such record, or not one this doctor wrote", body = Problem),
        (status = 409, description = "`file_already_attached`", body = Problem),
        (status = 413, description = "`payload_too_large`", body = Problem),
        (status = 415, description = "`unsupported_media_type`", body = Problem),
        (status = 422, description = "`validation_failed`: no `file` field, or an empty one", body = Problem),
    ))]
pub async fn attach(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<RecordId>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, ApiJson<FileInfo>), Error> {
    let (filename, bytes) = files::read_upload(
        multipart.map_err(|_| Error::UnsupportedMediaType("Send the file as multipart/form-data, in a field named file."))?,
    )
    .await?;
    let info = files::attach(&state, &actor, id, &filename, bytes).await?;
    Ok((StatusCode::CREATED, ApiJson(info)))
}

/// `GET /api/v1/records/{id}/files`: the record's files.
#[utoipa::path(get, path = "/api/v1/records/{id}/files", tag = "records", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Record id (UUID)")),
    responses(
        (status = 200, description = "Files, in attachment order", body = Vec<FileInfo>),
        (status = 404, description = "`not_found`", body = Problem),
    ))]
pub async fn list_files(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<ApiJson<Vec<FileInfo>>, Error> {
    Ok(ApiJson(files::list(&state, &actor, id).await?))
}

/// `GET /api/v1/records/{id}/files/{sha256}`: the file, sent only after its hash checked out.
#[utoipa::path(get, path = "/api/v1/records/{id}/files/{sha256}", tag = "records", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Record id (UUID)"), ("sha256" = String, Path, description = "File hash, hex")),
    responses(
        (status = 200, description = "The file's bytes"),
        (status = 404, description = "`not_found` or `file_not_found`", body = Problem),
        (status = 409, description = "`file_integrity_failed`: the stored bytes changed; an alert was raised", body = Problem),
    ))]
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((id, sha256)): ApiPath<(RecordId, String)>,
) -> Result<axum::response::Response, Error> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (info, bytes) = files::fetch(&state, &actor, id, &sha256).await?;
    let disposition = files::content_disposition(&info.filename);
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&info.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
