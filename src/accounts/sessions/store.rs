//! Session and refresh-token queries: sign-in rows for the API (tokens) and the pages (cookies).

use anyhow::anyhow;
use sqlx::{AnyConnection, Row};

use crate::accounts::model::User;
use crate::accounts::store::{user_cols, user_from_row};
use crate::db::Db;
use crate::error::Error;
use crate::ids::{SessionId, UserId};

/// A live session is one that is not revoked or expired, and, when its account has two-factor
/// sign-in on, one that passed it: a session signed in with the password alone before the
/// account enrolled (from elsewhere) is over, whatever races the enrolment's revocation.
macro_rules! live_session {
    () => {
        "s.revoked_at IS NULL AND s.expires_at > $2 AND (u.totp_enabled = 0 OR s.mfa = 1)"
    };
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

impl SessionView {}

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
                device: device(ua.as_deref().unwrap_or("")),
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

/// A short "browser on system" name from a User-Agent header.
pub fn device(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("reqwest", "API client"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| name);
    let system =
        [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux")]
            .into_iter()
            .find(|(needle, _)| ua.contains(needle))
            .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) if ua.is_empty() => "Unknown device".to_string(),
        (None, None) => ua.chars().take(40).collect(),
    }
}
