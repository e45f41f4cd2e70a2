//! The one mapping from domain errors to HTTP: RFC 9457 problem details for the API.
//!
//! 5xx bodies are opaque: the cause is logged (inside the request's span, with its request id)
//! and the body says only that something failed and which request id to quote.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, FieldError, SafetyWarning};

/// An RFC 9457 problem details object with careledger's stable `code` member.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the `code` member carries the meaning.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable machine-readable code, e.g. `forbidden`, `validation_failed`.
    pub code: &'static str,
    /// What happened, for a person.
    pub detail: String,
    /// With `validation_failed`: the offending fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// With `safety_warnings`: what the prescription risks; send it again with
    /// `acknowledge_warnings: true` and an `override_reason` to go ahead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<SafetyWarning>,
    /// With 5xx: the request id to quote when reporting the failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Marks a 5xx response whose body the request-id middleware fills in.
#[derive(Clone, Debug)]
pub struct OpaqueFailure {
    /// Stable code (`internal` or `database_unavailable`).
    pub code: &'static str,
}

impl Error {
    /// The status and stable code this error answers with.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Error::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            Error::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed_body"),
            Error::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Error::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Error::EmailTaken => (StatusCode::CONFLICT, "email_taken"),
            Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Error::AccountPendingApproval => (StatusCode::FORBIDDEN, "account_pending_approval"),
            Error::AccountDisabled => (StatusCode::FORBIDDEN, "account_disabled"),
            Error::AccountLocked(_) => (StatusCode::LOCKED, "account_locked"),
            Error::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Error::RefreshTokenReused => (StatusCode::UNAUTHORIZED, "refresh_token_reused"),
            Error::MfaRequired => (StatusCode::UNAUTHORIZED, "mfa_required"),
            Error::InvalidMfaCode => (StatusCode::UNAUTHORIZED, "invalid_mfa_code"),
            Error::MfaEnrollmentRequired => (StatusCode::FORBIDDEN, "mfa_enrollment_required"),
            Error::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Error::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            Error::InvalidRefreshToken => (StatusCode::UNAUTHORIZED, "invalid_refresh_token"),
            Error::CsrfFailed => (StatusCode::FORBIDDEN, "csrf_failed"),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Error::NotFound(code) => (StatusCode::NOT_FOUND, code),
            Error::Gone(code) => (StatusCode::GONE, code),
            Error::Conflict(code, _) => (StatusCode::CONFLICT, code),
            Error::SafetyWarnings(_) => (StatusCode::UNPROCESSABLE_ENTITY, "safety_warnings"),
            Error::DatabaseUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable"),
            Error::NotSealedYet => (StatusCode::SERVICE_UNAVAILABLE, "not_sealed_yet"),
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// A sentence for the person who made the request (never internal detail).
    pub fn public_detail(&self) -> String {
        match self {
            Error::Validation(_) => "Some fields are not valid; see errors.".into(),
            Error::Malformed(why) => format!("The request body could not be read: {why}"),
            Error::PayloadTooLarge => "The request body is larger than this endpoint accepts.".into(),
            Error::UnsupportedMediaType(what) => (*what).into(),
            Error::EmailTaken => "An account with this email already exists.".into(),
            Error::InvalidCredentials => "The email or password is not correct.".into(),
            Error::AccountPendingApproval => "This staff account is waiting for an administrator's approval.".into(),
            Error::AccountDisabled => "This account has been turned off by an administrator.".into(),
            Error::AccountLocked(until) => format!(
                "Too many wrong attempts in a row: paused until {} UTC. An administrator can open it sooner.",
                crate::clock::Zone::UTC.when(until)
            ),
            Error::RateLimited(secs) => format!("Too many requests; try again in {secs} seconds."),
            Error::RefreshTokenReused => {
                "This refresh token was already used; every token of its session has been revoked. Sign in again.".into()
            }
            Error::MfaRequired => "This account uses two-factor sign-in: send totp_code.".into(),
            Error::InvalidMfaCode => "The one-time code is wrong or was already used.".into(),
            Error::MfaEnrollmentRequired => "Your role must use two-factor sign-in: enrol at POST /api/v1/me/mfa/totp first.".into(),
            Error::Unauthenticated => "Sign in first: send Authorization: Bearer <access token>.".into(),
            Error::InvalidToken => "The access token is invalid, expired or revoked.".into(),
            Error::InvalidRefreshToken => "The refresh token is invalid, expired or already used.".into(),
            Error::CsrfFailed => "The form is out of date or was not sent by this site. Reload and try again.".into(),
            Error::Forbidden(why) => format!("You may not do this: {why}."),
            Error::NotFound(_) => "Nothing was found here that you may see.".into(),
            Error::Gone(_) => "This patient's data was erased at their request; it no longer exists.".into(),
            Error::Conflict(_, why) => (*why).into(),
            Error::SafetyWarnings(w) => format!(
                "The prescription has {} safety warning(s); see warnings. To go ahead, send it again with acknowledge_warnings: true and an override_reason.",
                w.len()
            ),
            Error::DatabaseUnavailable(_) => "The database is unavailable; try again shortly.".into(),
            Error::NotSealedYet => "The entry is being sealed into a signed block; try again in a moment.".into(),
            Error::Internal(_) => "Something went wrong on our side.".into(),
        }
    }

    /// Whether the answer hides its cause (a failure: 5xx with an opaque body and a request
    /// id). An entry waiting for the sealer is a 503 too, but an expected, explained one.
    pub fn is_opaque(&self) -> bool {
        self.status_and_code().0.is_server_error() && !matches!(self, Error::NotSealedYet)
    }

    /// Seconds a client should wait before trying again (RFC 9110 section 10.2.3), if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::RateLimited(secs) => Some(*secs),
            // The sealer ticks every `--ledger-block-ms` (a second by default).
            Error::NotSealedYet => Some(1),
            _ => None,
        }
    }

    /// Logs server-side failures with their cause (the request span carries the request id).
    pub fn log(&self) {
        match self {
            Error::Internal(e) => tracing::error!(error = %format!("{e:#}"), "internal error"),
            Error::DatabaseUnavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            _ => {}
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        self.log();
        if self.is_opaque() {
            let mut response = status.into_response();
            response.extensions_mut().insert(OpaqueFailure { code });
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            return response;
        }
        let detail = self.public_detail();
        let retry_after = self.retry_after();
        let (errors, warnings) = match self {
            Error::Validation(errors) => (errors, Vec::new()),
            Error::SafetyWarnings(warnings) => (Vec::new(), warnings),
            _ => (Vec::new(), Vec::new()),
        };
        let mut response = problem_response(Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            code,
            detail,
            errors,
            warnings,
            request_id: None,
        });
        if let Some(secs) = retry_after {
            // RFC 9110 section 10.2.3, and RFC 6585 section 4 for 429.
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 section 3: say which scheme to use.
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"careledger\""));
        }
        response
    }
}

/// Serialises a problem with `application/problem+json`.
pub fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"))], body).into_response()
}

/// The opaque body of a 5xx problem, carrying the request id.
pub fn opaque_problem(status: StatusCode, code: &'static str, request_id: Option<String>) -> Response {
    let detail = match code {
        "database_unavailable" => "The database is unavailable; try again shortly.",
        _ => "Something went wrong on our side. Quote the request id if you report it.",
    };
    let mut response = problem_response(Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        code,
        detail: detail.into(),
        errors: Vec::new(),
        warnings: Vec::new(),
        request_id,
    });
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}
