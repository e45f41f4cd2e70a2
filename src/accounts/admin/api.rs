//! User administration over the API: list users, approve or reject staff, deactivate,
//! reactivate, unlock, change a staff role.

use axum::extract::State;

use crate::accounts::admin::{self as service};
use crate::accounts::model::User;
use crate::accounts::permissions::Actor;
use crate::error::{Error, Validator};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::problem::Problem;
use crate::http::state::AppState;
use crate::ids::UserId;
use crate::pagination::{Page, PageParams, PageRequest};
use serde::Deserialize;

/// Paging and filters of `GET /api/v1/admin/users`.
#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    #[serde(flatten)]
    filter: service::UserQuery,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/admin/users?status=pending_approval&role=&q=`: users, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    params(service::UserQuery, PageParams),
    responses(
        (status = 200, description = "A page of users", body = Page<User>),
        (status = 403, description = "`forbidden`: admins only", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> Result<ApiJson<Page<User>>, Error> {
    let mut v = Validator::default();
    let page = PageRequest::parse(&PageParams { limit: q.limit, cursor: q.cursor }, &mut v);
    let filter = service::parse_query(&q.filter, &mut v);
    v.finish()?;
    Ok(ApiJson(service::list(&state, &actor, &filter, &page).await?))
}

// rustfmt re-indents the attribute inside this macro on every run (a rustfmt quirk with
// attributes in macro_rules bodies); its layout is kept by hand.
#[rustfmt::skip]
macro_rules! admin_action {
    ($name:ident, $action:expr, $path:literal, $what:literal) => {
        #[doc = concat!("`POST ", $path, "`: ", $what, " (recorded in the audit log).")]
        #[utoipa::path(post, path = $path, tag = "admin", security(("bearer" = [])),
            params(("id" = uuid::Uuid, Path, description = "User id (UUID)")),
            responses(
                (status = 200, description = "The user after the change", body = User),
                (status = 403, description = "`forbidden`: admins only", body = Problem),
                (status = 404, description = "`user_not_found`", body = Problem),
                (status = 409, description = "`invalid_transition` or `cannot_change_self`", body = Problem),
            ))]
        pub async fn $name(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<String>) -> Result<ApiJson<User>, Error> {
            let id: UserId = id.parse().map_err(|_| Error::NotFound("user_not_found"))?;
            Ok(ApiJson(service::act(&state, &actor, id, $action).await?))
        }
    };
}

/// `POST /api/v1/admin/users/{id}/reset-link`: a single-use link (24 hours) for the person to
/// choose a new password, for clinics without email; the owner is emailed that it was made when
/// the clinic has email.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reset-link", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user")),
    responses(
        (status = 201, description = "The link to hand over", body = crate::accounts::reset::ResetLink),
        (status = 401, description = "`unauthenticated` or `invalid_token`", body = Problem),
        (status = 403, description = "`forbidden`: not an administrator", body = Problem),
        (status = 404, description = "`user_not_found`: unknown, erased or turned off", body = Problem),
    ))]
pub async fn reset_link(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
) -> Result<(axum::http::StatusCode, ApiJson<crate::accounts::reset::ResetLink>), Error> {
    let id: UserId = id.parse().map_err(|_| Error::NotFound("user_not_found"))?;
    Ok((axum::http::StatusCode::CREATED, ApiJson(crate::accounts::reset::admin_link(&state, &actor, id).await?)))
}

admin_action!(approve, service::Action::Approve, "/api/v1/admin/users/{id}/approve", "approves a pending staff account");
admin_action!(reject, service::Action::Reject, "/api/v1/admin/users/{id}/reject", "turns down a pending staff account");
admin_action!(deactivate, service::Action::Deactivate, "/api/v1/admin/users/{id}/deactivate", "turns an account off and ends its sessions");
admin_action!(reactivate, service::Action::Reactivate, "/api/v1/admin/users/{id}/reactivate", "turns a deactivated account back on");
admin_action!(unlock, service::Action::Unlock, "/api/v1/admin/users/{id}/unlock", "lifts a lockout");

/// `POST /api/v1/admin/users/{id}/role`: changes a staff member's role.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/role", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id (UUID)")), request_body = service::RoleChange,
    responses(
        (status = 200, description = "The user with the new role", body = User),
        (status = 404, description = "`user_not_found`", body = Problem),
        (status = 409, description = "`invalid_transition`: not a staff account", body = Problem),
        (status = 422, description = "`validation_failed`", body = Problem),
    ))]
pub async fn change_role(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<service::RoleChange>,
) -> Result<ApiJson<User>, Error> {
    let id: UserId = id.parse().map_err(|_| Error::NotFound("user_not_found"))?;
    Ok(ApiJson(service::change_role(&state, &actor, id, body).await?))
}
