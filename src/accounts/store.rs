//! Account queries. One portable SQL dialect for SQLite and PostgreSQL (`$n`, `RETURNING`).

use anyhow::anyhow;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::model::{Role, Status, User};
use crate::db::{Bind, Db, Filters};
use crate::error::Error;
use crate::ids::{Email, SessionId, UserId};

/// The user columns every query selects, bare and with the `u.` alias (`concat!`-able, so all
/// SQL stays `'static`).
macro_rules! user_cols {
    () => {
        "id, email, role, full_name, status, created_at, totp_enabled, locked_until"
    };
    (u) => {
        "u.id, u.email, u.role, u.full_name, u.status, u.created_at, u.totp_enabled, u.locked_until"
    };
}

/// A user row decoded, with a clear internal error for anything the schema should prevent.
pub fn user_from_row(row: &AnyRow) -> Result<User, Error> {
    let bad = |what: &str| Error::Internal(anyhow!("corrupt user row: {what}"));
    let id: String = row.try_get("id")?;
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    let status: String = row.try_get("status")?;
    Ok(User {
        id: id.parse().map_err(|_| bad("id"))?,
        email: Email::from_stored(email),
        role: Role::parse(&role).ok_or_else(|| bad("role"))?,
        full_name: row.try_get("full_name")?,
        status: Status::parse(&status).ok_or_else(|| bad("status"))?,
        created_at: row.try_get("created_at")?,
        mfa_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        locked_until: row.try_get("locked_until")?,
    })
}

/// Inserts a user; an existing email (in any case) is `Error::EmailTaken`.
pub async fn insert_user(conn: &mut AnyConnection, user: &User, password_hash: &str) -> Result<(), Error> {
    let result = sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, full_name, status, created_at, email_skeleton) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(user.id.to_string())
    .bind(user.email.as_str())
    .bind(password_hash)
    .bind(user.role.as_str())
    .bind(&user.full_name)
    .bind(user.status.as_str())
    .bind(&user.created_at)
    .bind(user.email.skeleton())
    .execute(conn)
    .await;
    match result {
        Ok(_) => Ok(()),
        // The address itself, or one that looks the same (two registrations at one moment).
        Err(sqlx::Error::Database(e))
            if e.is_unique_violation() && (e.constraint() == Some("users_email_skeleton") || e.message().contains("email_skeleton")) =>
        {
            Err(look_alike())
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Error::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// The refusal of an address that looks like another account's.
pub fn look_alike() -> Error {
    Error::Validation(vec![crate::error::FieldError::new(
        "email",
        "this address looks like the address of another account (letters from another alphabet that look the same); use another",
    )])
}

/// The address of an account that has this email or one that looks the same (its UTS 39
/// skeleton), the exact one first: one indexed query, before paying for a password hash.
pub async fn email_like(db: &Db, email: &Email) -> Result<Option<String>, Error> {
    let row = sqlx::query(
        "SELECT email FROM users WHERE email = $1 OR email_skeleton = $2 \
         ORDER BY CASE WHEN email = $1 THEN 0 ELSE 1 END LIMIT 1",
    )
    .bind(email.as_str())
    .bind(email.skeleton())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| r.try_get("email")).transpose().map_err(Error::from)
}

/// Fills the skeleton of accounts made before it was kept (at start); returns how many.
pub async fn fill_skeletons(db: &Db) -> Result<u64, Error> {
    let rows = sqlx::query("SELECT id, email FROM users WHERE email_skeleton IS NULL").fetch_all(&db.pool).await?;
    let mut done = 0;
    for r in &rows {
        let (id, email): (String, String) = (r.try_get("id")?, r.try_get("email")?);
        let filled = sqlx::query("UPDATE users SET email_skeleton = $1 WHERE id = $2 AND email_skeleton IS NULL")
            .bind(Email::from_stored(email).skeleton())
            .bind(&id)
            .execute(&db.pool)
            .await;
        match filled {
            Ok(done_here) => done += done_here.rows_affected(),
            // Made before the check, and looks like another account: it keeps no skeleton.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                tracing::warn!(user_id = %id, "this account's email looks like another account's (both made before look-alikes were refused)");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done)
}

/// A user and their password hash, by email.
pub async fn find_with_hash(db: &Db, email: &Email) -> Result<Option<(User, String)>, Error> {
    let row = sqlx::query(concat!("SELECT ", user_cols!(), ", password_hash FROM users WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?))),
        None => Ok(None),
    }
}

/// A user by id.
pub async fn find_by_id(db: &Db, id: UserId) -> Result<Option<User>, Error> {
    let row =
        sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1")).bind(id.to_string()).fetch_optional(&db.pool).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// A user by email.
pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<User>, Error> {
    let row =
        sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE email = $1")).bind(email.as_str()).fetch_optional(&db.pool).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Marks a user active, recording who approved them and when.
pub async fn approve<'e, E>(ex: E, id: UserId, by: UserId, now: &str) -> Result<Option<User>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(concat!(
        "UPDATE users SET status = 'active', approved_at = $1, approved_by = $2 ",
        "WHERE id = $3 AND status = 'pending_approval' RETURNING ",
        user_cols!()
    ))
    .bind(now)
    .bind(by.to_string())
    .bind(id.to_string())
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Which users to list (admins).
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this role.
    pub role: Option<Role>,
    /// A lower-cased LIKE pattern matched against email and name.
    pub like: Option<String>,
}

/// Users matching a filter, oldest first, after a `(created_at, id)` cursor. Status and role
/// filters use their `(…, created_at, id)` indexes; text search scans (admins only, paged).
pub async fn list_users(db: &Db, filter: &UserFilter, after: Option<(String, String)>, limit: i64) -> Result<Vec<User>, Error> {
    let mut f = Filters::default();
    if let Some(status) = filter.status {
        f.and("status = ?", [Bind::Text(status.as_str().into())]);
    }
    if let Some(role) = filter.role {
        f.and("role = ?", [Bind::Text(role.as_str().into())]);
    }
    if let Some(like) = &filter.like {
        f.and(
            "(LOWER(email) LIKE ? ESCAPE '\\' OR LOWER(full_name) LIKE ? ESCAPE '\\')",
            [Bind::Text(like.clone()), Bind::Text(like.clone())],
        );
    }
    if let Some((at, id)) = after {
        f.and("(created_at, id) > (?, ?)", [Bind::Text(at), Bind::Text(id)]);
    }
    let limit = f.placeholder(Bind::Int(limit));
    let sql = format!(concat!("SELECT ", user_cols!(), " FROM users{} ORDER BY created_at, id LIMIT {}"), f.where_clause(), limit);
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(user_from_row).collect()
}

/// Moves a user from one status to another (compare-and-set, so two admins acting at once
/// cannot both succeed); returns the user when it happened.
pub async fn set_status<'e, E>(ex: E, id: UserId, from: Status, to: Status) -> Result<Option<User>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(concat!("UPDATE users SET status = $1 WHERE id = $2 AND status = $3 RETURNING ", user_cols!()))
        .bind(to.as_str())
        .bind(id.to_string())
        .bind(from.as_str())
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Changes a staff member's role to another staff role.
pub async fn set_role<'e, E>(ex: E, id: UserId, role: Role) -> Result<Option<User>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(concat!(
        "UPDATE users SET role = $1 WHERE id = $2 AND role IN ('doctor','pharmacist','lab','receptionist') RETURNING ",
        user_cols!()
    ))
    .bind(role.as_str())
    .bind(id.to_string())
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// One privilege change, as the audit log shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    /// Event id.
    pub id: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who acted (an admin), if anyone.
    pub actor_id: Option<String>,
    /// Their email.
    pub actor_email: Option<String>,
    /// approve, reject, deactivate, reactivate, unlock, role_change.
    pub action: String,
    /// Whose account.
    pub target_id: String,
    /// Their email.
    pub target_email: String,
    /// Extra detail (e.g. the new role).
    pub detail: String,
}

/// The audit log, newest first, before a `(at, id)` cursor.
pub async fn list_audit(db: &Db, before: Option<(String, String)>, limit: i64) -> Result<Vec<AuditEvent>, Error> {
    let mut f = Filters::default();
    if let Some((at, id)) = before {
        f.and("(e.at, e.id) < (?, ?)", [Bind::Text(at), Bind::Text(id)]);
    }
    let limit = f.placeholder(Bind::Int(limit));
    let sql = format!(
        "SELECT e.id, e.at, e.actor_id, a.email AS actor_email, e.action, e.target_id, t.email AS target_email, e.detail \
         FROM audit_events e LEFT JOIN users a ON a.id = e.actor_id JOIN users t ON t.id = e.target_id{} \
         ORDER BY e.at DESC, e.id DESC LIMIT {}",
        f.where_clause(),
        limit
    );
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEvent {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                actor_email: r.try_get("actor_email")?,
                action: r.try_get("action")?,
                target_id: r.try_get("target_id")?,
                target_email: r.try_get("target_email")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

/// A new session row.
pub struct NewSession<'a> {
    /// Session id.
    pub id: SessionId,
    /// Owner.
    pub user_id: UserId,
    /// `api` or `web`.
    pub kind: &'a str,
    /// For web sessions: hash of the cookie value.
    pub token_hash: Option<String>,
    /// For web sessions: the CSRF synchronizer token.
    pub csrf_token: Option<String>,
    /// Now.
    pub now: &'a str,
    /// Absolute expiry.
    pub expires_at: &'a str,
    /// Where the sign-in came from.
    pub client: &'a crate::client::ClientInfo,
    /// Whether this sign-in passed the second factor.
    pub mfa: bool,
}

/// Stores a session.
pub async fn insert_session(conn: &mut AnyConnection, s: &NewSession<'_>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, kind, token_hash, csrf_token, created_at, last_seen_at, expires_at, user_agent, ip, mfa) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10)",
    )
    .bind(s.id.to_string())
    .bind(s.user_id.to_string())
    .bind(s.kind)
    .bind(s.token_hash.as_deref())
    .bind(s.csrf_token.as_deref())
    .bind(s.now)
    .bind(s.expires_at)
    .bind(&s.client.user_agent)
    .bind(s.client.ip.to_string())
    .bind(i64::from(s.mfa))
    .execute(conn)
    .await?;
    Ok(())
}

/// A live session is one that is not revoked or expired, and, when its account has two-factor
/// sign-in on, one that passed it: a session signed in with the password alone before the
/// account enrolled (from elsewhere) is over, whatever races the enrolment's revocation.
macro_rules! live_session {
    () => {
        "s.revoked_at IS NULL AND s.expires_at > $2 AND (u.totp_enabled = 0 OR s.mfa = 1)"
    };
}

/// A live API session: its user, when it was last used, and whether it passed the second factor.
#[derive(Debug)]
pub struct ApiSession {
    /// The user, as the database has it now.
    pub user: User,
    /// When the session was last used.
    pub last_seen_at: String,
    /// Whether the session passed the second factor.
    pub mfa: bool,
}

/// The user behind a live API session (one indexed lookup per API request; also used inside
/// the refresh transaction).
pub async fn api_session_user<'e, E>(ex: E, sid: SessionId, now: &str) -> Result<Option<ApiSession>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(concat!(
        "SELECT ",
        user_cols!(u),
        ", s.last_seen_at, s.mfa FROM sessions s JOIN users u ON u.id = s.user_id ",
        "WHERE s.id = $1 AND s.kind = 'api' AND ",
        live_session!()
    ))
    .bind(sid.to_string())
    .bind(now)
    .fetch_optional(ex)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(ApiSession { user: user_from_row(&row)?, last_seen_at: row.try_get("last_seen_at")?, mfa: row.try_get::<i64, _>("mfa")? != 0 }))
}

/// A live page session: its user, id, CSRF token and when it was last used.
#[derive(Debug)]
pub struct WebSession {
    /// The signed-in user, as the database has it now.
    pub user: User,
    /// The session row.
    pub id: SessionId,
    /// The session's CSRF synchronizer token.
    pub csrf_token: String,
    /// When the session was last used (written at most every `TOUCH_SECS`).
    pub last_seen_at: String,
    /// Whether the session passed the second factor.
    pub mfa: bool,
}

/// The user, session id and CSRF token behind a live page-session cookie.
pub async fn web_session_user(db: &Db, token_hash: &str, now: &str, idle_since: &str) -> Result<Option<WebSession>, Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_cols!(u),
        ", s.id AS sid, s.csrf_token, s.last_seen_at, s.mfa FROM sessions s JOIN users u ON u.id = s.user_id ",
        "WHERE s.token_hash = $1 AND s.kind = 'web' AND s.last_seen_at > $3 AND ",
        live_session!()
    ))
    .bind(token_hash)
    .bind(now)
    .bind(idle_since)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let sid: String = row.try_get("sid")?;
    let csrf: Option<String> = row.try_get("csrf_token")?;
    let sid = sid.parse().map_err(|_| Error::Internal(anyhow!("corrupt session id")))?;
    Ok(Some(WebSession {
        user: user_from_row(&row)?,
        id: sid,
        csrf_token: csrf.unwrap_or_default(),
        last_seen_at: row.try_get("last_seen_at")?,
        mfa: row.try_get::<i64, _>("mfa")? != 0,
    }))
}

/// Sets a session's second-factor assurance: up when it completes enrolment, down when MFA is
/// turned off from it.
pub async fn set_session_mfa<'e, E>(ex: E, sid: SessionId, mfa: bool) -> Result<(), Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("UPDATE sessions SET mfa = $1 WHERE id = $2").bind(i64::from(mfa)).bind(sid.to_string()).execute(ex).await?;
    Ok(())
}

/// Revokes a session (and with it its access and refresh tokens).
pub async fn revoke_session(db: &Db, sid: SessionId, now: &str) -> Result<(), Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(sid.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Stores a refresh token's hash for a session.
pub async fn insert_refresh(conn: &mut AnyConnection, token_hash: &str, sid: SessionId, now: &str, expires_at: &str) -> Result<(), Error> {
    sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(sid.to_string())
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Spends a refresh token atomically: of two concurrent uses, exactly one gets the session.
pub async fn spend_refresh(conn: &mut AnyConnection, token_hash: &str, now: &str) -> Result<Option<SessionId>, Error> {
    let row = sqlx::query(
        "UPDATE refresh_tokens SET spent_at = $1 \
         WHERE token_hash = $2 AND spent_at IS NULL AND expires_at > $1 RETURNING session_id",
    )
    .bind(now)
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => {
            let sid: String = row.try_get("session_id")?;
            Ok(Some(sid.parse().map_err(|_| Error::Internal(anyhow!("corrupt session id")))?))
        }
        None => Ok(None),
    }
}

/// What a sign-in needs to know about an account.
pub struct LoginRow {
    /// The user.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Locked until (RFC 3339), if ever locked.
    pub locked_until: Option<String>,
    /// Set when the account was locked; told at the next successful login.
    pub lock_notice: Option<String>,
    /// Base32 TOTP secret (pending or enabled).
    pub totp_secret: Option<String>,
}

/// The sign-in view of an account, by email.
pub async fn find_login(db: &Db, email: &Email) -> Result<Option<LoginRow>, Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_cols!(),
        ", password_hash, locked_until, lock_notice, totp_secret FROM users WHERE email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(LoginRow {
        user: user_from_row(&row)?,
        password_hash: row.try_get("password_hash")?,
        locked_until: row.try_get("locked_until")?,
        lock_notice: row.try_get("lock_notice")?,
        totp_secret: row.try_get("totp_secret")?,
    }))
}

/// Counts a failed login in a row; the `limit`th locks the account until `lock_until` and
/// starts the count again. One atomic statement, so copies racing on one account agree.
/// Returns the lock time when this failure locked the account.
pub async fn record_failure(db: &Db, user: UserId, limit: i64, lock_until: &str, notice: &str) -> Result<Option<String>, Error> {
    let row = sqlx::query(
        "UPDATE users SET \
           failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END, \
           locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END, \
           lock_notice = CASE WHEN failed_logins + 1 >= $2 THEN $4 ELSE lock_notice END \
         WHERE id = $1 RETURNING locked_until",
    )
    .bind(user.to_string())
    .bind(limit)
    .bind(lock_until)
    .bind(notice)
    .fetch_optional(&db.pool)
    .await?;
    let locked: Option<String> = match row {
        Some(row) => row.try_get("locked_until")?,
        None => None,
    };
    Ok(locked.filter(|l| l == lock_until))
}

/// A successful login: the failure count starts again and the lock notice is delivered.
pub async fn record_success(db: &Db, user: UserId) -> Result<(), Error> {
    sqlx::query("UPDATE users SET failed_logins = 0, lock_notice = NULL WHERE id = $1").bind(user.to_string()).execute(&db.pool).await?;
    Ok(())
}

/// The lock notice has been told (at a sign-in from a known device).
pub async fn clear_lock_notice(db: &Db, user: UserId) -> Result<(), Error> {
    sqlx::query("UPDATE users SET lock_notice = NULL WHERE id = $1").bind(user.to_string()).execute(&db.pool).await?;
    Ok(())
}

/// A right answer through a live session: the count of failures in a row starts again (the
/// lock notice stays for the next sign-in).
pub async fn reset_failures(db: &Db, user: UserId) -> Result<(), Error> {
    sqlx::query("UPDATE users SET failed_logins = 0 WHERE id = $1 AND failed_logins <> 0").bind(user.to_string()).execute(&db.pool).await?;
    Ok(())
}

/// Lifts a lock: the account's, and any of its known devices' (admin action, unlock link).
pub async fn unlock(conn: &mut AnyConnection, user: UserId) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE users SET locked_until = NULL, failed_logins = 0 WHERE id = $1")
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE known_devices SET locked_until = NULL, failed_logins = 0 WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records a privilege change in the audit log (inside the change's transaction when given one).
pub async fn audit<'e, E>(ex: E, at: &str, actor: Option<UserId>, action: &str, target: UserId, detail: &str) -> Result<(), Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("INSERT INTO audit_events (id, at, actor_id, action, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(at)
        .bind(actor.map(|a| a.to_string()))
        .bind(action)
        .bind(target.to_string())
        .bind(detail)
        .execute(ex)
        .await?;
    Ok(())
}

/// Revokes every live session of a user but one (after a password change; all of them on
/// deactivation).
pub async fn revoke_other_sessions<'e, E>(ex: E, user: UserId, keep: Option<SessionId>, now: &str) -> Result<u64, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR id <> $3)")
        .bind(now)
        .bind(user.to_string())
        .bind(keep.map(|k| k.to_string()))
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

/// The session a refresh token belongs to, if the token exists at all (spent or not).
pub async fn refresh_token_session(db: &Db, token_hash: &str) -> Result<Option<SessionId>, Error> {
    let sid: Option<String> =
        sqlx::query_scalar("SELECT session_id FROM refresh_tokens WHERE token_hash = $1").bind(token_hash).fetch_optional(&db.pool).await?;
    Ok(sid.and_then(|s| s.parse().ok()))
}

/// A live session as its owner sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Session id.
    pub id: String,
    /// `api` (an app with tokens) or `web` (a browser).
    pub kind: String,
    /// Browser or app and system, from the user agent.
    pub device: String,
    /// Address it signed in from.
    pub ip: String,
    /// Signed in at.
    pub created_at: String,
    /// Last request at (updated at most once a minute).
    pub last_seen_at: String,
    /// Whether this is the session asking.
    pub current: bool,
}

impl SessionView {
    /// Sign-in time for people.
    pub fn created(&self) -> String {
        crate::clock::human(&self.created_at)
    }
    /// Last activity for people.
    pub fn seen(&self) -> String {
        crate::clock::human(&self.last_seen_at)
    }
}

/// Live sessions of a user, newest first. Page sessions idle since `idle_since` are over.
pub async fn list_sessions(db: &Db, user: UserId, now: &str, idle_since: &str) -> Result<Vec<SessionView>, Error> {
    let rows = sqlx::query(
        "SELECT id, kind, user_agent, ip, created_at, last_seen_at FROM sessions \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
           AND (kind = 'api' OR last_seen_at > $3) \
         ORDER BY created_at DESC, id DESC",
    )
    .bind(user.to_string())
    .bind(now)
    .bind(idle_since)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let ua: Option<String> = r.try_get("user_agent")?;
            Ok(SessionView {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                device: crate::accounts::sessions::device(ua.as_deref().unwrap_or("")),
                ip: r.try_get::<Option<String>, _>("ip")?.unwrap_or_default(),
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                current: false,
            })
        })
        .collect()
}

/// Revokes one of a user's own sessions; false when it is not theirs or not live.
pub async fn revoke_own_session(db: &Db, user: UserId, sid: SessionId, now: &str) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(sid.to_string())
        .bind(user.to_string())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records activity, at most once per `stale_before` interval (one cheap write a minute, not
/// one per request).
pub async fn touch_session(db: &Db, sid: SessionId, now: &str, stale_before: &str) -> Result<(), Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3")
        .bind(now)
        .bind(sid.to_string())
        .bind(stale_before)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The password hash of a user.
pub async fn password_hash(db: &Db, user: UserId) -> Result<String, Error> {
    Ok(sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user.to_string()).fetch_one(&db.pool).await?)
}

/// Replaces a user's password hash.
pub async fn set_password_hash(db: &Db, user: UserId, hash: &str) -> Result<(), Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user.to_string()).execute(&db.pool).await?;
    Ok(())
}

/// A user by id, inside a transaction.
pub async fn find_by_id_in<'e, E>(ex: E, id: UserId) -> Result<Option<User>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1")).bind(id.to_string()).fetch_optional(ex).await?;
    row.as_ref().map(user_from_row).transpose()
}
