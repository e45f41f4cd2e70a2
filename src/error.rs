//! Domain errors: what went wrong, in the domain's words. `http::problem` maps them to HTTP.

use serde::Serialize;

/// One field that failed validation, listed in a 422 problem's `errors` member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The JSON member or form field at fault.
    pub field: String,
    /// Why it was refused, for a person to read.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// A drug-safety warning on a prescription (an interaction, an allergy, a dose out of range, a
/// drug no check knows): listed in a 422 `safety_warnings` problem until acknowledged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SafetyWarning {
    /// `interaction`, `allergy`, `dose` or `unknown_drug`.
    pub kind: String,
    /// `high`, `moderate` or `low`.
    pub severity: String,
    /// The drugs concerned, as prescribed or as already taken.
    pub drugs: Vec<String>,
    /// What the risk is, for the prescriber.
    pub message: String,
}

/// Everything a service can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that parsed but is not acceptable.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The body is not well-formed JSON (or form data).
    #[error("malformed body: {0}")]
    Malformed(String),
    /// The body is larger than this route accepts.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body's media type is not one this route accepts; says what to send instead.
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
    /// Registration with an email that already has an account.
    #[error("email already registered")]
    EmailTaken,
    /// Unknown email or wrong password (never says which).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A staff account that an admin has not approved yet.
    #[error("account pending approval")]
    AccountPendingApproval,
    /// A rejected or deactivated account.
    #[error("account disabled")]
    AccountDisabled,
    /// Too many failed logins in a row; locked until the given time (RFC 3339).
    #[error("account locked")]
    AccountLocked(String),
    /// Too many requests; retry after this many seconds.
    #[error("rate limited")]
    RateLimited(u64),
    /// A refresh token presented a second time: its whole family was revoked.
    #[error("refresh token reused")]
    RefreshTokenReused,
    /// The account has MFA on and no code was sent.
    #[error("mfa code required")]
    MfaRequired,
    /// The TOTP or recovery code is wrong, or was used already.
    #[error("invalid mfa code")]
    InvalidMfaCode,
    /// This role must enrol in MFA before anything else.
    #[error("mfa enrollment required")]
    MfaEnrollmentRequired,
    /// No credentials were presented.
    #[error("authentication required")]
    Unauthenticated,
    /// A bearer token that is forged, expired, malformed or revoked.
    #[error("invalid token")]
    InvalidToken,
    /// A refresh token that is unknown, expired or already spent.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// A form posted without a valid CSRF token.
    #[error("csrf check failed")]
    CsrfFailed,
    /// Signed in, but this role or status may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Nothing the caller may see answers to this (code such as `not_found`).
    #[error("not found ({0})")]
    NotFound(&'static str),
    /// It existed and was destroyed for good (an erased patient's records: `erased`).
    #[error("gone ({0})")]
    Gone(&'static str),
    /// A prescription with drug-safety warnings that were not acknowledged (with a reason).
    #[error("safety warnings")]
    SafetyWarnings(Vec<SafetyWarning>),
    /// The request conflicts with the current state (code such as `not_pending`).
    #[error("conflict ({0})")]
    Conflict(&'static str, &'static str),
    /// The database could not be reached.
    #[error("database unavailable")]
    DatabaseUnavailable(#[source] sqlx::Error),
    /// The entry is not in a signed block yet (the sealer runs every `--ledger-block-ms`).
    #[error("the entry is not sealed yet")]
    NotSealedYet,
    /// Anything else: a bug or a broken environment. The detail is logged, never sent.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        // PostgreSQL SQLSTATE classes 08 (connection exception) and 57 (operator intervention,
        // e.g. 57P01 admin_shutdown while the server stops) mean "unavailable", not a bug.
        let unavailable_code = match &e {
            sqlx::Error::Database(db) => {
                let code = db
                    .code()
                    .map(|c| c.into_owned())
                    .or_else(|| db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().map(|p| p.code().to_string()));
                tracing::debug!(?code, "database error");
                code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
            }
            _ => false,
        };
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => {
                Self::DatabaseUnavailable(e)
            }
            e if unavailable_code => Self::DatabaseUnavailable(e),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

/// Collects field errors and turns them into `Error::Validation` when there are any.
#[derive(Default, Debug)]
pub struct Validator(Vec<FieldError>);

impl Validator {
    /// Records a problem with `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }
    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() { Ok(()) } else { Err(Error::Validation(self.0)) }
    }
}
