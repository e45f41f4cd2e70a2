//! Account rules: who may register as what, signing in, tokens, sessions, staff approval.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::model::{Role, Status, User};
use crate::accounts::{password, store, tokens};
use crate::app::AppState;
use crate::clock;
use crate::config::{Secret, StaffApproval};
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::{Email, SessionId, UserId};
use crate::pagination::{Page, PageRequest};

/// Longest accepted full name.
pub const MAX_NAME_LEN: usize = 200;
/// A page session lasts at most this long (idle expiry comes with the access-control issue).
pub const WEB_SESSION_HOURS: i64 = 24;

/// What a person submits to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Registration {
    /// Email address (compared case-insensitively).
    pub email: String,
    /// At least 10 characters, and not easy to guess.
    #[schema(value_type = String, format = Password)]
    pub password: String,
    /// `patient`, `doctor`, `pharmacist`, `lab` or `receptionist`.
    pub role: String,
    /// Name shown to others.
    pub full_name: String,
}

/// A validated registration.
struct ValidRegistration {
    email: Email,
    role: Role,
    full_name: String,
}

fn validate_registration(r: &Registration) -> Result<ValidRegistration, Error> {
    let mut v = Validator::default();
    let email = Email::parse(&r.email).map_err(|m| v.add("email", m)).ok();
    let role = match Role::parse(r.role.trim()) {
        Some(Role::Admin) => {
            v.add("role", "admin accounts are made from the command line, not by registration");
            None
        }
        Some(role) => Some(role),
        None => {
            v.add("role", "role must be one of patient, doctor, pharmacist, lab, receptionist");
            None
        }
    };
    let full_name = r.full_name.trim().to_string();
    if full_name.is_empty() {
        v.add("full_name", "full name is required");
    } else if full_name.chars().count() > MAX_NAME_LEN {
        v.add("full_name", format!("full name must be at most {MAX_NAME_LEN} characters"));
    }
    if let Some(reason) = password::weakness(&r.password, &[&r.email, &full_name]) {
        v.add("password", reason);
    }
    v.finish()?;
    match (email, role) {
        (Some(email), Some(role)) => Ok(ValidRegistration { email, role, full_name }),
        _ => Err(Error::Validation(vec![])),
    }
}

/// Registers a patient (active at once) or staff member (pending approval unless the server
/// runs with `--staff-approval off`).
#[tracing::instrument(skip_all)]
pub async fn register(db: &Db, policy: StaffApproval, r: Registration) -> Result<User, Error> {
    let valid = validate_registration(&r)?;
    let status = if valid.role.is_staff() && policy == StaffApproval::On {
        Status::PendingApproval
    } else {
        Status::Active
    };
    create_user(db, valid.email, valid.role, valid.full_name, status, r.password).await
}

/// Makes an active admin (the command line's `careledger admin create`).
pub async fn create_admin(db: &Db, email: &str, password: String, full_name: &str) -> Result<User, Error> {
    let mut v = Validator::default();
    let email = Email::parse(email).map_err(|m| v.add("email", m)).ok();
    if let Some(reason) = password::weakness(&password, &[full_name]) {
        v.add("password", reason);
    }
    v.finish()?;
    let email = email.ok_or(Error::Validation(vec![]))?;
    create_user(db, email, Role::Admin, full_name.trim().to_string(), Status::Active, password).await
}

async fn create_user(
    db: &Db,
    email: Email,
    role: Role,
    full_name: String,
    status: Status,
    password: String,
) -> Result<User, Error> {
    // Cheap check first, so a duplicate costs no password hash; the unique index still decides.
    if store::email_exists(db, &email).await? {
        return Err(Error::EmailTaken);
    }
    let hash = password::hash(Secret::new(password)).await?;
    let user = User {
        id: UserId::new(),
        email,
        role,
        full_name,
        status,
        created_at: clock::format(clock::now()),
    };
    let mut conn = db.pool.acquire().await?;
    store::insert_user(&mut conn, &user, &hash).await?;
    tracing::info!(user_id = %user.id, role = role.as_str(), status = status.as_str(), "user registered");
    Ok(user)
}

/// Checks an email and password. The same work is done for an unknown email (a verify against
/// a dummy hash) so response time does not reveal which accounts exist.
#[tracing::instrument(skip_all)]
pub async fn authenticate(state: &AppState, email: &str, pw: String) -> Result<User, Error> {
    let found = match Email::parse(email) {
        Ok(email) => store::find_with_hash(&state.db, &email).await?,
        Err(_) => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, state.dummy_hash.to_string()),
    };
    let ok = password::verify(Secret::new(pw), hash).await?;
    match user {
        Some(user) if ok => Ok(user),
        _ => Err(Error::InvalidCredentials),
    }
}

/// The API's answer to a successful login or refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT for `Authorization: Bearer …`, valid 15 minutes.
    pub access_token: String,
    /// Opaque, single use: spend it at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// Signs in to the API: a new session with an access token and a refresh token.
pub async fn login_api(state: &AppState, email: &str, pw: String) -> Result<TokenPair, Error> {
    let user = authenticate(state, email, pw).await?;
    // Only after the password matched, so a pending status reveals nothing to a stranger.
    if user.status == Status::PendingApproval {
        return Err(Error::AccountPendingApproval);
    }
    let now = clock::now();
    let now_s = clock::format(now);
    let sid = SessionId::new();
    let refresh = tokens::random_token();
    let refresh_expiry = clock::format(now + Duration::seconds(tokens::REFRESH_TTL_SECS));
    let mut tx = state.db.pool.begin().await?;
    store::insert_session(
        &mut tx,
        &store::NewSession {
            id: sid,
            user_id: user.id,
            kind: "api",
            token_hash: None,
            csrf_token: None,
            now: &now_s,
            expires_at: &refresh_expiry,
        },
    )
    .await?;
    store::insert_refresh(&mut tx, &tokens::token_hash(&refresh), sid, &now_s, &refresh_expiry).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, session_id = %sid, "api login");
    let access_token = state.tokens.issue(user.id, user.role, sid, now.timestamp())?;
    Ok(TokenPair { access_token, refresh_token: refresh, token_type: "Bearer", expires_in: tokens::ACCESS_TTL_SECS })
}

/// Spends a refresh token for a new pair. An unknown, expired or already spent token is 401.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<TokenPair, Error> {
    let now = clock::now();
    let now_s = clock::format(now);
    let mut tx = state.db.pool.begin().await?;
    let sid = store::spend_refresh(&mut tx, &tokens::token_hash(refresh_token), &now_s)
        .await?
        .ok_or(Error::InvalidRefreshToken)?;
    let user = store::api_session_user(&mut *tx, sid, &now_s).await?.ok_or(Error::InvalidRefreshToken)?;
    if user.status != Status::Active {
        return Err(Error::InvalidRefreshToken);
    }
    let next = tokens::random_token();
    let expiry = clock::format(now + Duration::seconds(tokens::REFRESH_TTL_SECS));
    store::insert_refresh(&mut tx, &tokens::token_hash(&next), sid, &now_s, &expiry).await?;
    tx.commit().await?;
    let access_token = state.tokens.issue(user.id, user.role, sid, now.timestamp())?;
    Ok(TokenPair { access_token, refresh_token: next, token_type: "Bearer", expires_in: tokens::ACCESS_TTL_SECS })
}

/// Ends a session: its access tokens and refresh tokens stop working at once.
pub async fn logout(db: &Db, sid: SessionId) -> Result<(), Error> {
    store::revoke_session(db, sid, &clock::format(clock::now())).await?;
    tracing::info!(session_id = %sid, "logout");
    Ok(())
}

/// A new page session: the cookie value to set (only its hash is stored).
pub async fn start_web_session(db: &Db, user: &User) -> Result<String, Error> {
    let now = clock::now();
    let cookie = tokens::random_token();
    let mut conn = db.pool.acquire().await?;
    store::insert_session(
        &mut conn,
        &store::NewSession {
            id: SessionId::new(),
            user_id: user.id,
            kind: "web",
            token_hash: Some(tokens::token_hash(&cookie)),
            csrf_token: Some(tokens::random_token()),
            now: &clock::format(now),
            expires_at: &clock::format(now + Duration::hours(WEB_SESSION_HOURS)),
        },
    )
    .await?;
    tracing::info!(user_id = %user.id, "web login");
    Ok(cookie)
}

/// Approves a pending staff account. Only an active admin may; approving an already active
/// account answers with it unchanged, so a retried request is harmless.
#[tracing::instrument(skip_all, fields(admin_id = %admin.id, user_id = %id))]
pub async fn approve(db: &Db, admin: &User, id: UserId) -> Result<User, Error> {
    require_admin(admin)?;
    if let Some(user) = store::approve(db, id, admin.id, &clock::format(clock::now())).await? {
        tracing::info!("staff approved");
        return Ok(user);
    }
    store::find_by_id(db, id).await?.ok_or(Error::NotFound("user_not_found"))
}

/// Lists users, optionally by status, oldest first (admins only).
pub async fn list_users(
    db: &Db,
    admin: &User,
    status: Option<Status>,
    page: &PageRequest,
) -> Result<Page<User>, Error> {
    require_admin(admin)?;
    let rows = store::list_by_status(db, status, page.after.clone(), page.fetch_limit()).await?;
    Ok(page.finish(rows, |u| (u.created_at.clone(), u.id.to_string())))
}

fn require_admin(user: &User) -> Result<(), Error> {
    if user.is_active(Role::Admin) { Ok(()) } else { Err(Error::Forbidden("admins only")) }
}
