//! The export over the API: `GET /api/v1/me/export` downloads the signed-in patient's FHIR
//! Bundle.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::accounts::permissions::Actor;
use crate::error::Error;
use crate::export::service::{self, Export};
use crate::http::problem::Problem;
use crate::http::state::AppState;

/// The media type of FHIR JSON.
pub const FHIR_JSON: &str = "application/fhir+json";

/// An export as a download: FHIR JSON, an attachment named by its day, never cached.
pub fn download(export: Export) -> Result<Response, Error> {
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.filename)).map_err(|e| Error::Internal(e.into()))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        export.body,
    )
        .into_response())
}

/// `GET /api/v1/me/export`: everything careledger holds about the signed-in patient, as a FHIR
/// R4 Bundle of type `collection` (`Patient`; a `Practitioner` per doctor named; a
/// `DocumentReference` per record version, the notes and files as base64 attachments; a
/// `Consent` per consent granted; the `CareTeam`; an `AuditEvent` per line of the access log).
#[utoipa::path(get, path = "/api/v1/me/export", tag = "privacy", security(("bearer" = [])),
    responses(
        (status = 200, description = "The Bundle, as an attachment named `careledger-export-<date>.json`",
            content_type = "application/fhir+json", body = Object),
        (status = 403, description = "`forbidden`: patients only", body = Problem),
        (status = 409, description = "`file_integrity_failed`: a stored file no longer matches its hash; an alert was raised", body = Problem),
    ))]
pub async fn export(State(state): State<AppState>, actor: Actor) -> Result<Response, Error> {
    // The access log in the Bundle is complete up to this request.
    state.audit.flush().await?;
    download(service::export(&state, &actor).await?)
}
