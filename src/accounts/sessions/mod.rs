//! A person's own sessions and password: list, sign out a device, change the password.

use chrono::Duration;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::model::User;
use crate::accounts::password;
use crate::accounts::store as users;

pub mod store;

use crate::clock;
use crate::config::Secret;
use crate::context::Ctx;
use crate::error::{Error, FieldError, Validator};
use crate::ids::SessionId;
pub use store::{SessionView, device};

/// Page sessions end after 30 minutes without a request: HIPAA's automatic logoff,
/// 45 CFR 164.312(a)(2)(iii).
pub const IDLE_MINUTES: i64 = 30;
/// Activity is written at most this often per session.
pub const TOUCH_SECS: i64 = 60;

/// The instant before which a page session counts as idle.
pub fn idle_since(ctx: &Ctx) -> String {
    clock::format(ctx.clock.now() - Duration::minutes(IDLE_MINUTES))
}

/// Records that a session was used, at most every `TOUCH_SECS`: `last_seen_at` is what the
/// lookup just read, so a session used within the last minute costs no write at all (the
/// benchmark showed the per-request UPDATE serialising reads on SQLite's single writer).
pub async fn touch(ctx: &Ctx, sid: SessionId, last_seen_at: &str) -> Result<(), Error> {
    let now = ctx.clock.now();
    let stale_before = clock::format(now - Duration::seconds(TOUCH_SECS));
    if last_seen_at >= stale_before.as_str() {
        return Ok(());
    }
    store::touch_session(&ctx.db, sid, &clock::format(now), &stale_before).await
}

/// Who an API access token (RFC 6750 bearer) signs in: its signature and expiry are checked
/// with the shared keys, then its session must still be live and belong to the token's user.
/// Anything else is 401 `invalid_token`. Marks the session used.
pub async fn by_access_token(ctx: &Ctx, token: &str) -> Result<(SessionId, store::ApiSession), Error> {
    let now = ctx.clock.now();
    let (user_id, session_id) = ctx.tokens.verify(token, now.timestamp())?;
    let found = store::api_session_user(&ctx.db.pool, session_id, &clock::format(now))
        .await?
        .filter(|s| s.user.id == user_id)
        .ok_or(Error::InvalidToken)?;
    touch(ctx, session_id, &found.last_seen_at).await?;
    Ok((session_id, found))
}

/// Who a page-session cookie signs in, if its session is live and not idle. Marks it used.
pub async fn by_cookie(ctx: &Ctx, cookie: &str) -> Result<Option<store::WebSession>, Error> {
    let now = clock::format(ctx.clock.now());
    let found = store::web_session_user(&ctx.db, &crate::accounts::tokens::token_hash(cookie), &now, &idle_since(ctx)).await?;
    if let Some(s) = &found {
        touch(ctx, s.id, &s.last_seen_at).await?;
    }
    Ok(found)
}

/// The caller's live sessions, the current one marked.
pub async fn list(ctx: &Ctx, user: &User, current: SessionId) -> Result<Vec<SessionView>, Error> {
    let now = clock::format(ctx.clock.now());
    let mut sessions = store::list_sessions(&ctx.db, user.id, &now, &idle_since(ctx)).await?;
    let current = current.to_string();
    for s in &mut sessions {
        s.current = s.id == current;
    }
    Ok(sessions)
}

/// Signs out one of the caller's sessions; another user's or an unknown id is 404.
pub async fn revoke(ctx: &Ctx, user: &User, sid: SessionId) -> Result<(), Error> {
    let now = clock::format(ctx.clock.now());
    if store::revoke_own_session(&ctx.db, user.id, sid, &now).await? {
        tracing::info!(user_id = %user.id, session_id = %sid, "session revoked by its owner");
        Ok(())
    } else {
        Err(Error::NotFound("session_not_found"))
    }
}

/// Body of a password change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The password now.
    #[schema(value_type = String, format = Password)]
    pub current_password: String,
    /// The new password (at least 10 characters, not easy to guess).
    #[schema(value_type = String, format = Password)]
    pub new_password: String,
}

/// Changes the password after checking the current one, then revokes every other session
/// (and with them their refresh tokens). Returns how many were revoked.
pub async fn change_password(ctx: &Ctx, user: &User, current: SessionId, change: PasswordChange) -> Result<u64, Error> {
    let mut v = Validator::default();
    if let Some(reason) = password::weakness(&change.new_password, &[user.email.as_str(), &user.full_name]) {
        v.add("new_password", reason);
    }
    if change.new_password == change.current_password {
        v.add("new_password", "the new password must differ from the current one");
    }
    let hash = users::password_hash(&ctx.db, user.id).await?;
    if !ctx.passwords.verify(Secret::new(change.current_password), hash).await? {
        // Guesses through a live session count toward the account's lock, as sign-ins do.
        let wrong = Error::Validation(vec![FieldError::new(
            "current_password",
            "the current password is not correct (5 wrong answers in a row pause the account and sign this session out)",
        )]);
        return Err(crate::accounts::lockout::live_failure(ctx, user, current, wrong).await?);
    }
    crate::accounts::lockout::live_success(&ctx.db, user, current).await?;
    v.finish()?;
    let new_hash = ctx.passwords.hash(Secret::new(change.new_password)).await?;
    users::set_password_hash(&ctx.db, user.id, &new_hash).await?;
    let now = clock::format(ctx.clock.now());
    let revoked = store::revoke_other_sessions(&ctx.db.pool, user.id, Some(current), &now).await?;
    // An emailed or handed-over link made before must not set another password now.
    let mut conn = ctx.db.pool.acquire().await?;
    crate::patients::store::void_links(&mut conn, &user.id.to_string(), &now).await?;
    tracing::info!(user_id = %user.id, revoked, "password changed; other sessions revoked");
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    #[test]
    fn devices_are_named() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
        assert_eq!(super::device(chrome), "Chrome on Linux");
        assert_eq!(super::device(""), "Unknown device");
        assert_eq!(super::device("curl/8.5.0"), "curl");
    }
}
