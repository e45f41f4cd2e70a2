//! Pages for user administration: the users list with its actions.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::admin::{self, Action, RoleChange, UserQuery};
use crate::accounts::model::{Role, Status, User};
use crate::accounts::permissions::Actor;
use crate::error::{Error, Validator};
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, Flash, FormErrors, Nav, PageError, SelectOption, render};
use crate::http::state::AppState;
use crate::ids::UserId;
use crate::pagination::{PageParams, PageRequest};

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    me: UserId,
    statuses: Vec<SelectOption>,
    roles: Vec<SelectOption>,
    staff_roles: Vec<SelectOption>,
    q: String,
    users: Vec<User>,
    next_link: Option<String>,
    errors: FormErrors,
    message: Flash,
    pending: i64,
    /// Active accounts per role: the role in the reader's words, and how many.
    by_role: Vec<(String, i64)>,
}

impl UsersPage {
    /// The actions that make sense for a user's state.
    /// A button's words (a message id).
    fn action_label(&self, action: &str) -> &'static str {
        match action {
            "approve" => "admin_users-action-approve",
            "reject" => "admin_users-action-reject",
            "deactivate" => "admin_users-action-deactivate",
            "reactivate" => "admin_users-action-reactivate",
            "unlock" => "admin_users-action-unlock",
            _ => "admin_users-action-act",
        }
    }

    fn actions_for(&self, u: &User) -> Vec<&'static str> {
        // An erased account stays off: nothing to offer.
        if u.erased {
            return Vec::new();
        }
        let mut actions = match u.status {
            Status::PendingApproval => vec!["approve", "reject"],
            Status::Active => vec!["deactivate"],
            Status::Deactivated => vec!["reactivate"],
            Status::Rejected => vec![],
        };
        if u.locked_until.is_some() {
            actions.push("unlock");
        }
        // An admin cannot turn themselves off (the service refuses it too).
        if u.id == self.me {
            actions.retain(|a| !matches!(*a, "deactivate" | "reject"));
        }
        actions
    }
}

#[derive(Debug, Default, Deserialize)]
struct UsersPageQuery {
    #[serde(flatten)]
    filter: UserQuery,
    cursor: Option<String>,
    done: Option<String>,
    /// Whose account the action was on (an id; the page names them).
    who: Option<String>,
}

fn options<T: Copy>(all: &[T], value: impl Fn(T) -> &'static str, label: impl Fn(T) -> &'static str, selected: &str) -> Vec<SelectOption> {
    all.iter().map(|t| SelectOption { value: value(*t), label: label(*t), selected: value(*t) == selected }).collect()
}

/// `GET /admin/users`: filter, page through and act on accounts.
pub async fn users(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let q: UsersPageQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let mut v = Validator::default();
    let page = PageRequest::parse(&PageParams { limit: None, cursor: q.cursor.clone() }, &mut v);
    let filter = admin::parse_query(&q.filter, &mut v);
    let (status, users, next_cursor, errors) = match v.finish() {
        Ok(()) => {
            let found = admin::list(&state, &actor, &filter, &page).await?;
            (StatusCode::OK, found.items, found.next_cursor, vec![])
        }
        Err(Error::Validation(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, vec![], None, errors),
        Err(e) => return Err(PageError(e)),
    };
    let next_link = next_cursor.and_then(|c| {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (k, val) in [("status", &q.filter.status), ("role", &q.filter.role), ("q", &q.filter.q)] {
            if let Some(val) = val.as_deref().filter(|s| !s.is_empty()) {
                pairs.push((k, val));
            }
        }
        pairs.push(("cursor", &c));
        serde_urlencoded::to_string(pairs).ok().map(|s| format!("/admin/users?{s}"))
    });
    let statuses = [Status::PendingApproval, Status::Active, Status::Deactivated, Status::Rejected];
    let staff = [Role::Doctor, Role::Pharmacist, Role::Lab, Role::Receptionist];
    let (pending, by_role) = admin::overview(&state, &actor).await?;
    let who = match q.who.as_deref().and_then(|w| w.parse::<UserId>().ok()) {
        Some(id) => crate::accounts::store::find_by_id(&state.db, id).await?.map(|u| u.full_name),
        None => None,
    };
    // The overview names roles by their English label: shown in the reader's words.
    let by_role = by_role
        .into_iter()
        .map(|(label, n)| {
            let role = Role::ALL.iter().find(|r| r.label() == label);
            (role.map(|r| user.words.t(&format!("role-{}", r.as_str()))).unwrap_or_else(|| label.to_string()), n)
        })
        .collect();
    let html = render(&UsersPage {
        pending,
        by_role,
        nav: Nav::signed_in(&user),
        me: user.user.id,
        statuses: options(&statuses, Status::as_str, Status::label, q.filter.status.as_deref().unwrap_or("")),
        roles: options(&Role::ALL, Role::as_str, Role::label, q.filter.role.as_deref().unwrap_or("")),
        staff_roles: options(&staff, Role::as_str, Role::label, ""),
        q: q.filter.q.clone().unwrap_or_default(),
        users,
        next_link,
        errors: FormErrors(errors),
        message: done_message(&user.words, q.done.as_deref(), who.as_deref()),
    })?;
    Ok((status, html).into_response())
}

/// What the users page says after an action, in the reader's words, naming whose account it was.
fn done_message(words: &crate::i18n::Words, done: Option<&str>, who: Option<&str>) -> Flash {
    let key = match done {
        Some("approve") => "flash-user-approved",
        Some("reject") => "flash-user-rejected",
        Some("deactivate") => "flash-user-deactivated",
        Some("reactivate") => "flash-user-reactivated",
        Some("unlock") => "flash-user-unlocked",
        Some("role_change") => "flash-user-role-changed",
        _ => return Flash::default(),
    };
    let said = words.t(key);
    let text = match who {
        Some(name) => words.with("flash-user-named", &[("name", &name), ("said", &said)]),
        None => {
            let mut chars = said.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        }
    };
    Flash::done(&text)
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    csrf_token: String,
}

/// `POST /admin/users/{id}/{action}`: approve, reject, deactivate, reactivate or unlock.
pub async fn act(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Result<Response, PageError> {
    let id: UserId = id.parse().map_err(|_| PageError(Error::NotFound("user_not_found")))?;
    let action = Action::parse(&action).ok_or(PageError(Error::NotFound("not_found")))?;
    admin::act(&state, &actor, id, action).await?;
    Ok(Redirect::to(&format!("/admin/users?done={}&who={id}", action.name())).into_response())
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    csrf_token: String,
    #[serde(default)]
    role: String,
}

/// `POST /admin/users/{id}/role`.
pub async fn change_role(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, PageError> {
    let id: UserId = id.parse().map_err(|_| PageError(Error::NotFound("user_not_found")))?;
    admin::change_role(&state, &actor, id, RoleChange { role: form.role }).await?;
    Ok(Redirect::to(&format!("/admin/users?done=role_change&who={id}")).into_response())
}

#[derive(Template)]
#[template(path = "reset_link.html")]
struct ResetLinkPage {
    nav: Nav,
    name: String,
    url: String,
    expires_at: String,
    emailed: bool,
}

/// `POST /admin/users/{id}/reset-link`: the link, shown once to hand over.
pub async fn reset_link(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Result<Response, PageError> {
    let id: UserId = id.parse().map_err(|_| PageError(Error::NotFound("user_not_found")))?;
    let link = crate::accounts::reset::admin_link(&state, &actor, id).await?;
    let name = crate::accounts::store::find_by_id(&state.db, id).await?.map(|u| u.full_name).unwrap_or_default();
    let origin = crate::http::pages::site_origin(&state, &headers, None).unwrap_or_default();
    let page = ResetLinkPage {
        nav: Nav::signed_in(&user),
        name,
        url: format!("{origin}{}", link.path),
        expires_at: link.expires_at,
        emailed: link.emailed,
    };
    Ok(render(&page)?.into_response())
}

crate::csrf_protected!(ActionForm, RoleForm);
