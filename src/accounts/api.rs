//! JSON API for accounts: register, login, refresh, logout, me, staff approval.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::mfa;
use crate::accounts::model::User;
use crate::accounts::service::{self, Credentials, Registration, TokenPair};
use crate::accounts::sessions::store::SessionView;
use crate::accounts::sessions::{self, PasswordChange};
use crate::audit::note::AuditNote;
use crate::client::ClientInfo;
use crate::error::Error;
use crate::http::auth::ApiUser;
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::problem::Problem;
use crate::http::state::AppState;

/// `POST /api/v1/auth/register`: patients are active at once; staff wait for approval.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = Registration,
    responses(
        (status = 201, description = "Registered", body = User),
        (status = 409, description = "`email_taken`", body = Problem),
        (status = 422, description = "`validation_failed` (weak password, admin role, bad email…)", body = Problem),
        (status = 400, description = "`malformed_body`", body = Problem),
    ))]
pub async fn register(
    State(state): State<AppState>,
    client: ClientInfo,
    note: AuditNote,
    ApiJson(body): ApiJson<Registration>,
) -> Result<(StatusCode, ApiJson<User>), Error> {
    let user = service::register(&state, body, &client, &note).await?;
    Ok((StatusCode::CREATED, ApiJson(user)))
}

/// Credentials for `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Login {
    /// Email address.
    pub email: String,
    /// Password.
    #[schema(value_type = String, format = Password)]
    pub password: String,
    /// With MFA on: the authenticator's current code, or an unused recovery code.
    pub totp_code: Option<String>,
    /// The `device_token` an earlier sign-in from this device gave: a lock caused by failed
    /// attempts from elsewhere does not keep a known device out.
    pub device_token: Option<String>,
}

/// `POST /api/v1/auth/login`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "`invalid_credentials` (also for an unknown email, and for an account locked by failed attempts from devices it has not signed in from), `mfa_required`, `invalid_mfa_code`", body = Problem),
        (status = 403, description = "`account_pending_approval`, `account_disabled`", body = Problem),
        (status = 423, description = "`account_locked`: this known device failed too often itself", body = Problem),
        (status = 429, description = "`rate_limited` (with Retry-After)", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    note: AuditNote,
    ApiJson(body): ApiJson<Login>,
) -> Result<ApiJson<TokenPair>, Error> {
    let creds = Credentials {
        email: body.email,
        password: body.password,
        totp_code: body.totp_code,
        device_token: body.device_token,
        ticket: None,
    };
    Ok(ApiJson(service::login_api(&state, creds, &client, &note).await?))
}

/// Body of `POST /api/v1/auth/refresh`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Refresh {
    /// The refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// `POST /api/v1/auth/refresh`: spends the refresh token for a new pair.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = Refresh,
    responses(
        (status = 200, description = "A new pair; the old refresh token is spent", body = TokenPair),
        (status = 401, description = "`invalid_refresh_token` (unknown or expired); `refresh_token_reused` (spent: its session is revoked)", body = Problem),
        (status = 429, description = "`rate_limited`", body = Problem),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<Refresh>,
) -> Result<ApiJson<TokenPair>, Error> {
    Ok(ApiJson(service::refresh(&state, &body.refresh_token, &client).await?))
}

/// `POST /api/v1/auth/logout`: ends this session (its access and refresh tokens).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "`unauthenticated` or `invalid_token`", body = Problem),
    ))]
pub async fn logout(State(state): State<AppState>, caller: ApiUser) -> Result<StatusCode, Error> {
    service::logout(&state, caller.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me`.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = User),
        (status = 401, description = "`unauthenticated` or `invalid_token`", body = Problem),
    ))]
pub async fn me(caller: ApiUser) -> ApiJson<User> {
    ApiJson(caller.user)
}

/// `PUT /api/v1/me/preferences`: what the signed-in person chose for themselves (their time
/// zone, theme and the language of pages), replacing all three (a member left out is `null`:
/// the clinic's zone, the device's theme, the browser's language); returns them as `GET
/// /api/v1/me` would.
#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "auth", security(("bearer" = [])),
    request_body = service::Preferences,
    responses(
        (status = 200, description = "The signed-in user with the preferences saved", body = User),
        (status = 400, description = "`malformed_body`", body = Problem),
        (status = 401, description = "`unauthenticated` or `invalid_token`", body = Problem),
        (status = 422, description = "`validation_failed`: an unknown time zone, theme or language (`en`, `es`)", body = Problem),
    ))]
pub async fn set_preferences(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiJson(body): ApiJson<service::Preferences>,
) -> Result<ApiJson<User>, Error> {
    Ok(ApiJson(service::set_preferences(&state, &caller.user, body).await?))
}

/// The body of `POST /api/v1/auth/password-reset`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The email the account signs in with.
    pub email: String,
}

/// `POST /api/v1/auth/password-reset`: emails a single-use link (30 minutes) to choose a new
/// password when an account has this email; the same 202 whether or not one does.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses(
        (status = 202, description = "If an account has this email (and the clinic sends email), a link is on its way"),
        (status = 400, description = "`malformed_body`", body = Problem),
        (status = 429, description = "`rate_limited`", body = Problem),
    ))]
pub async fn password_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    note: AuditNote,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<StatusCode, Error> {
    crate::accounts::reset::request(&state, &body.email, &client, &note).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /api/v1/me/mfa/totp`: starts TOTP enrolment with a new secret.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "Put this secret into an authenticator app, then confirm", body = mfa::Enrolment),
        (status = 409, description = "`mfa_already_enabled`", body = Problem),
        (status = 401, description = "`unauthenticated` or `invalid_token`", body = Problem),
    ))]
pub async fn mfa_begin(State(state): State<AppState>, caller: ApiUser) -> Result<ApiJson<mfa::Enrolment>, Error> {
    Ok(ApiJson(mfa::begin(&state, &caller.user, caller.session_id).await?))
}

/// A one-time code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MfaCode {
    /// The 6 digits the authenticator app shows now.
    pub code: String,
}

/// Recovery codes, shown once.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes for signing in without the app. Only their hashes are stored.
    pub recovery_codes: Vec<String>,
}

/// `POST /api/v1/me/mfa/totp/confirm`: turns TOTP on and hands out recovery codes.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp/confirm", tag = "auth", security(("bearer" = [])),
    request_body = MfaCode,
    responses(
        (status = 200, description = "MFA is on", body = RecoveryCodes),
        (status = 409, description = "`mfa_not_started` or `mfa_already_enabled`", body = Problem),
        (status = 422, description = "`validation_failed`: the code is wrong or was used", body = Problem),
        (status = 423, description = "`account_locked`: this session's fifth wrong answer in a row ended it (and counted toward the account's lock)", body = Problem),
    ))]
pub async fn mfa_confirm(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiJson(body): ApiJson<MfaCode>,
) -> Result<ApiJson<RecoveryCodes>, Error> {
    let codes = mfa::confirm(&state, &caller.user, caller.session_id, &body.code).await?;
    Ok(ApiJson(RecoveryCodes { recovery_codes: codes }))
}

/// `DELETE /api/v1/me/mfa/totp`: turns TOTP off; needs a current code.
#[utoipa::path(delete, path = "/api/v1/me/mfa/totp", tag = "auth", security(("bearer" = [])),
    request_body = MfaCode,
    responses(
        (status = 204, description = "MFA is off (doctors and admins must enrol again before anything else)"),
        (status = 409, description = "`mfa_not_enabled`", body = Problem),
        (status = 422, description = "`validation_failed`: the code is wrong or was used", body = Problem),
        (status = 423, description = "`account_locked`: this session's fifth wrong answer in a row ended it (and counted toward the account's lock)", body = Problem),
    ))]
pub async fn mfa_disable(State(state): State<AppState>, caller: ApiUser, ApiJson(body): ApiJson<MfaCode>) -> Result<StatusCode, Error> {
    mfa::disable(&state, &caller.user, caller.session_id, &body.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me/sessions`: the caller's signed-in devices.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "Live sessions, newest first; `current` marks this one", body = Vec<SessionView>),
        (status = 401, description = "`unauthenticated` or `invalid_token`", body = Problem),
    ))]
pub async fn sessions_list(State(state): State<AppState>, caller: ApiUser) -> Result<ApiJson<Vec<SessionView>>, Error> {
    Ok(ApiJson(sessions::list(&state, &caller.user, caller.session_id).await?))
}

/// `DELETE /api/v1/me/sessions/{id}`: signs out one of the caller's devices.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Session id (UUID)")),
    responses(
        (status = 204, description = "Signed out; its tokens stop working at once"),
        (status = 404, description = "`session_not_found`: not one of yours", body = Problem),
    ))]
pub async fn sessions_revoke(State(state): State<AppState>, caller: ApiUser, ApiPath(id): ApiPath<String>) -> Result<StatusCode, Error> {
    let sid = id.parse().map_err(|_| Error::NotFound("session_not_found"))?;
    sessions::revoke(&state, &caller.user, sid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/password`: changes the password and signs out every other session.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; every other session and refresh token is revoked"),
        (status = 422, description = "`validation_failed`: wrong current password, or a weak new one", body = Problem),
        (status = 423, description = "`account_locked`: this session's fifth wrong answer in a row ended it (and counted toward the account's lock)", body = Problem),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, Error> {
    sessions::change_password(&state, &caller.user, caller.session_id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
