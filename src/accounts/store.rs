//! Account queries. One portable SQL dialect for SQLite and PostgreSQL (`$n`, `RETURNING`).

use anyhow::anyhow;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::model::{Role, Status, User};
use crate::db::Db;
use crate::error::Error;
use crate::ids::{Email, SessionId, UserId};

/// A user row decoded, with a clear internal error for anything the schema should prevent.
pub fn user_from_row(row: &AnyRow) -> Result<User, Error> {
    let bad = |what: &str| Error::Internal(anyhow!("corrupt user row: {what}"));
    let id: String = row.try_get("id")?;
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    let status: String = row.try_get("status")?;
    Ok(User {
        id: id.parse().map_err(|_| bad("id"))?,
        email: Email::parse(&email).map_err(|_| bad("email"))?,
        role: Role::parse(&role).ok_or_else(|| bad("role"))?,
        full_name: row.try_get("full_name")?,
        status: Status::parse(&status).ok_or_else(|| bad("status"))?,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a user; an existing email (in any case) is `Error::EmailTaken`.
pub async fn insert_user(
    conn: &mut AnyConnection,
    user: &User,
    password_hash: &str,
) -> Result<(), Error> {
    let result = sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, full_name, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id.to_string())
    .bind(user.email.as_str())
    .bind(password_hash)
    .bind(user.role.as_str())
    .bind(&user.full_name)
    .bind(user.status.as_str())
    .bind(&user.created_at)
    .execute(conn)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Error::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// Whether an email already has an account (checked before paying for a password hash).
pub async fn email_exists(db: &Db, email: &Email) -> Result<bool, Error> {
    let row = sqlx::query("SELECT 1 AS one FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// A user and their password hash, by email.
pub async fn find_with_hash(db: &Db, email: &Email) -> Result<Option<(User, String)>, Error> {
    let row = sqlx::query(
        "SELECT id, email, role, full_name, status, created_at, password_hash FROM users WHERE email = $1",
    )
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
    let row = sqlx::query("SELECT id, email, role, full_name, status, created_at FROM users WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// A user by email.
pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<User>, Error> {
    let row = sqlx::query("SELECT id, email, role, full_name, status, created_at FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Marks a user active, recording who approved them and when.
pub async fn approve(db: &Db, id: UserId, by: UserId, now: &str) -> Result<Option<User>, Error> {
    let row = sqlx::query(
        "UPDATE users SET status = 'active', approved_at = $1, approved_by = $2 \
         WHERE id = $3 AND status = 'pending_approval' \
         RETURNING id, email, role, full_name, status, created_at",
    )
    .bind(now)
    .bind(by.to_string())
    .bind(id.to_string())
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Users with a status, oldest first, after a `(created_at, id)` cursor.
pub async fn list_by_status(
    db: &Db,
    status: Option<Status>,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<User>, Error> {
    let (after_at, after_id) = after.unzip();
    let rows = sqlx::query(
        "SELECT id, email, role, full_name, status, created_at FROM users \
         WHERE ($1 IS NULL OR status = $1) \
           AND ($2 IS NULL OR created_at > $2 OR (created_at = $2 AND id > $3)) \
         ORDER BY created_at, id LIMIT $4",
    )
    .bind(status.map(Status::as_str))
    .bind(after_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(user_from_row).collect()
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
}

/// Stores a session.
pub async fn insert_session(conn: &mut AnyConnection, s: &NewSession<'_>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, kind, token_hash, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
    )
    .bind(s.id.to_string())
    .bind(s.user_id.to_string())
    .bind(s.kind)
    .bind(s.token_hash.as_deref())
    .bind(s.csrf_token.as_deref())
    .bind(s.now)
    .bind(s.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user behind a live API session (one indexed lookup per API request; also used inside
/// the refresh transaction).
pub async fn api_session_user<'e, E>(ex: E, sid: SessionId, now: &str) -> Result<Option<User>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT u.id, u.email, u.role, u.full_name, u.status, u.created_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.kind = 'api' AND s.revoked_at IS NULL AND s.expires_at > $2",
    )
    .bind(sid.to_string())
    .bind(now)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The user, session id and CSRF token behind a live page-session cookie.
pub async fn web_session_user(
    db: &Db,
    token_hash: &str,
    now: &str,
) -> Result<Option<(User, SessionId, String)>, Error> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.role, u.full_name, u.status, u.created_at, s.id AS sid, s.csrf_token \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.kind = 'web' AND s.revoked_at IS NULL AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let sid: String = row.try_get("sid")?;
    let csrf: Option<String> = row.try_get("csrf_token")?;
    let sid = sid.parse().map_err(|_| Error::Internal(anyhow!("corrupt session id")))?;
    Ok(Some((user_from_row(&row)?, sid, csrf.unwrap_or_default())))
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
pub async fn insert_refresh(
    conn: &mut AnyConnection,
    token_hash: &str,
    sid: SessionId,
    now: &str,
    expires_at: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(sid.to_string())
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Spends a refresh token atomically: of two concurrent uses, exactly one gets the session.
pub async fn spend_refresh(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: &str,
) -> Result<Option<SessionId>, Error> {
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
