//! JSON API for accounts: register, login, refresh, logout, me, staff approval.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::model::{Status, User};
use crate::accounts::service::{self, Registration, TokenPair};
use crate::accounts::ApiUser;
use crate::app::AppState;
use crate::error::{Error, Validator};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::ids::UserId;
use crate::pagination::{Page, PageParams, PageRequest};

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
    ApiJson(body): ApiJson<Registration>,
) -> Result<(StatusCode, ApiJson<User>), Error> {
    let user = service::register(&state.db, state.settings.staff_approval, body).await?;
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
    /// One-time code, once MFA exists (ignored for now).
    pub totp_code: Option<String>,
}

/// `POST /api/v1/auth/login`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "`invalid_credentials`", body = Problem),
        (status = 403, description = "`account_pending_approval`", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn login(State(state): State<AppState>, ApiJson(body): ApiJson<Login>) -> Result<ApiJson<TokenPair>, Error> {
    Ok(ApiJson(service::login_api(&state, &body.email, body.password).await?))
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
        (status = 401, description = "`invalid_refresh_token` (unknown, expired or spent)", body = Problem),
    ))]
pub async fn refresh(State(state): State<AppState>, ApiJson(body): ApiJson<Refresh>) -> Result<ApiJson<TokenPair>, Error> {
    Ok(ApiJson(service::refresh(&state, &body.refresh_token).await?))
}

/// `POST /api/v1/auth/logout`: ends this session (its access and refresh tokens).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "`unauthenticated` or `invalid_token`", body = Problem),
    ))]
pub async fn logout(State(state): State<AppState>, caller: ApiUser) -> Result<StatusCode, Error> {
    service::logout(&state.db, caller.session_id).await?;
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

/// `POST /api/v1/admin/users/{id}/approve`.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/approve", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user, now active", body = User),
        (status = 403, description = "`forbidden`: admins only", body = Problem),
        (status = 404, description = "`user_not_found`", body = Problem),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<User>, Error> {
    let id: UserId = id.parse().map_err(|_| Error::NotFound("user_not_found"))?;
    Ok(ApiJson(service::approve(&state.db, &caller.user, id).await?))
}

/// Query of `GET /api/v1/admin/users`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// `active` or `pending_approval`.
    pub status: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `GET /api/v1/admin/users?status=pending_approval`: users, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    params(UserQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<User>),
        (status = 403, description = "`forbidden`: admins only", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<ApiJson<Page<User>>, Error> {
    let mut v = Validator::default();
    let page = PageRequest::parse(&PageParams { limit: q.limit, cursor: q.cursor }, &mut v);
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Status::parse(s).or_else(|| {
            v.add("status", "status must be active or pending_approval");
            None
        }),
    };
    v.finish()?;
    Ok(ApiJson(service::list_users(&state.db, &caller.user, status, &page).await?))
}
