//! Lockout after failed sign-ins, designed so that a stranger cannot turn it against the real
//! user (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"):
//!
//! - Failures from devices the account has not signed in from count toward the account's lock
//!   (5 in a row lock it for 15 minutes). While it is locked, sign-in from an unknown device
//!   answers exactly like a wrong password or an unknown email (401 `invalid_credentials`, after
//!   the same password-hash work), so neither the lock nor the account's existence shows.
//! - A device that signed in before holds a random token (a cookie; `device_token` for API
//!   clients). It counts its own failures and has its own lock, and a lock caused from elsewhere
//!   does not hold it: the real user signs in from their own browser or app as usual (with the
//!   second factor where the account has one).
//! - When the account locks, its owner is emailed (with SMTP configured) a single-use link that
//!   lifts the lock; an admin can lift it too; it also ends by itself.
//! - Wrong codes and wrong current passwords sent through a live session count toward the same
//!   account lock, and a session ends at its own fifth wrong answer in a row, so no session
//!   makes more than five wrong guesses in a row. Neither a lock nor failures caused elsewhere
//!   hold a live session: its owner can still finish enrolment or change the password.

pub mod store;

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use crate::accounts::model::User;
use crate::accounts::sessions::store as session_store;
use crate::accounts::tokens;
use crate::audit::store as audit;
use crate::clock;
use crate::context::Ctx;
use crate::db::Db;
use crate::error::Error;
use crate::ids::{SessionId, UserId};

/// Failed attempts in a row that lock an account (or a known device).
pub const LOCK_AFTER: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;
/// How long an emailed unlock link works.
pub const UNLOCK_LINK_HOURS: i64 = 24;
/// Known devices kept per account (the most recently used).
const DEVICES_KEPT: i64 = 20;

/// A device the account has signed in from before.
#[derive(Debug, Clone)]
pub struct KnownDevice {
    /// SHA-256 of its token.
    pub token_hash: String,
    /// Until when this device is locked, after its own failures.
    pub locked_until: Option<String>,
}

/// The known device a token names, if it belongs to this account.
pub async fn find_device(db: &Db, user: UserId, token: &str) -> Result<Option<KnownDevice>, Error> {
    let row = sqlx::query("SELECT token_hash, locked_until FROM known_devices WHERE token_hash = $1 AND user_id = $2")
        .bind(tokens::token_hash(token))
        .bind(user.to_string())
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok(KnownDevice { token_hash: r.try_get("token_hash")?, locked_until: r.try_get("locked_until")? })).transpose()
}

/// Whether a lock time is still in force.
pub fn in_force(until: Option<&str>, now: &str) -> bool {
    until.is_some_and(|u| u > now)
}

/// A successful sign-in: a known device is marked used (its failures start again); an unknown
/// one becomes known. Returns the token the device keeps.
pub async fn remember(db: &Db, user: UserId, device: Option<(&KnownDevice, &str)>, now: &str) -> Result<String, Error> {
    if let Some((known, token)) = device {
        sqlx::query("UPDATE known_devices SET last_used_at = $1, failed_logins = 0 WHERE token_hash = $2")
            .bind(now)
            .bind(&known.token_hash)
            .execute(&db.pool)
            .await?;
        return Ok(token.to_string());
    }
    let token = tokens::random_token();
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)")
        .bind(tokens::token_hash(&token))
        .bind(user.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    // Bounded per account: the least recently used devices are forgotten.
    sqlx::query(
        "DELETE FROM known_devices WHERE user_id = $1 AND token_hash NOT IN \
         (SELECT token_hash FROM known_devices WHERE user_id = $1 ORDER BY last_used_at DESC, token_hash LIMIT $2)",
    )
    .bind(user.to_string())
    .bind(DEVICES_KEPT)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Counts a failed sign-in from a known device; returns the lock time when this one locked it.
pub async fn device_failure(db: &Db, device: &KnownDevice, now: DateTime<Utc>) -> Result<Option<String>, Error> {
    let until = clock::format(now + Duration::minutes(LOCK_MINUTES));
    let row = sqlx::query(
        "UPDATE known_devices SET \
           failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END, \
           locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END \
         WHERE token_hash = $1 RETURNING locked_until",
    )
    .bind(&device.token_hash)
    .bind(LOCK_AFTER)
    .bind(&until)
    .fetch_optional(&db.pool)
    .await?;
    let locked: Option<String> = match row {
        Some(r) => r.try_get("locked_until")?,
        None => None,
    };
    Ok(locked.filter(|l| *l == until))
}

/// Counts a failure toward the account's lock (unknown devices and live sessions); when this
/// one locks it, the owner is told by email with a single-use unlock link. Returns whether it
/// locked the account.
pub async fn account_failure(ctx: &Ctx, user: &User, now: DateTime<Utc>) -> Result<bool, Error> {
    let until = clock::format(now + Duration::minutes(LOCK_MINUTES));
    let notice = format!(
        "Your account was paused at {} after {LOCK_AFTER} wrong attempts in a row from a device it had not signed in from. \
         If that was not you, change your password.",
        clock::human(&clock::format(now), ctx.settings.time_zone)
    );
    let Some(until) = store::record_failure(&ctx.db, user.id, LOCK_AFTER, &until, &notice).await? else {
        return Ok(false);
    };
    tracing::warn!(user_id = %user.id, "account locked after failed attempts");
    if let Some(mailer) = &ctx.mailer {
        let token = new_unlock_token(&ctx.db, user.id, now).await?;
        let link = ctx.settings.public_link(&format!("/unlock?token={token}"));
        let body = format!(
            "Hello {},\n\nYour careledger account was locked at {} after {LOCK_AFTER} failed attempts in a row to sign in or to \
             confirm a code or password. It opens again at {}.\n\n\
             If it was you, you can open it now with this single-use link (valid {UNLOCK_LINK_HOURS} hours):\n{link}\n\n\
             You can also still sign in from a browser or app you have signed in from before.\n\n\
             If these attempts were not yours, change your password once you are back in.\n",
            user.full_name,
            clock::human(&clock::format(now), ctx.settings.time_zone),
            clock::human(&until, ctx.settings.time_zone)
        );
        mailer.send_later(user.id, &user.email, "Your careledger account was locked", body);
    }
    Ok(true)
}

/// A wrong code or current password sent through a live session: it counts toward the
/// account's lock like a failed sign-in, and the session ends at its own fifth wrong answer in a
/// row (its count, not the account's, so that failures from elsewhere cannot end it). `wrong`
/// is how to answer until then.
pub async fn live_failure(ctx: &Ctx, user: &User, session: SessionId, wrong: Error) -> Result<Error, Error> {
    let now = ctx.clock.now();
    account_failure(ctx, user, now).await?;
    let own: i64 = sqlx::query_scalar("UPDATE sessions SET wrong_answers = wrong_answers + 1 WHERE id = $1 RETURNING wrong_answers")
        .bind(session.to_string())
        .fetch_optional(&ctx.db.pool)
        .await?
        .unwrap_or(LOCK_AFTER);
    if own >= LOCK_AFTER {
        session_store::revoke_session(&ctx.db, session, &clock::format(now)).await?;
        tracing::warn!(user_id = %user.id, session_id = %session, "session ended after its wrong answers");
        return Ok(Error::AccountLocked(clock::format(now + Duration::minutes(LOCK_MINUTES))));
    }
    Ok(wrong)
}

/// A right code or current password through a live session: the account's and the session's
/// counts of wrong answers start again (the lock notice stays for the next sign-in).
pub async fn live_success(db: &Db, user: &User, session: SessionId) -> Result<(), Error> {
    store::reset_failures(db, user.id).await?;
    sqlx::query("UPDATE sessions SET wrong_answers = 0 WHERE id = $1 AND wrong_answers <> 0")
        .bind(session.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

async fn new_unlock_token(db: &Db, user: UserId, now: DateTime<Utc>) -> Result<String, Error> {
    let token = tokens::random_token();
    sqlx::query("INSERT INTO unlock_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(tokens::token_hash(&token))
        .bind(user.to_string())
        .bind(clock::format(now))
        .bind(clock::format(now + Duration::hours(UNLOCK_LINK_HOURS)))
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// Whether an unlock link can still be spent (shown before asking to spend it).
pub async fn unlock_link_works(db: &Db, token: &str, now: DateTime<Utc>) -> Result<bool, Error> {
    let row = sqlx::query("SELECT 1 AS one FROM unlock_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(tokens::token_hash(token))
        .bind(clock::format(now))
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// Spends an emailed unlock link: the account's lock (and its known devices' locks) lift.
/// Unknown, spent or expired links are all `invalid_unlock_link`.
pub async fn redeem_unlock(db: &Db, token: &str, now: DateTime<Utc>) -> Result<UserId, Error> {
    let now_s = clock::format(now);
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "UPDATE unlock_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    )
    .bind(&now_s)
    .bind(tokens::token_hash(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(Error::NotFound("invalid_unlock_link"));
    };
    let user: String = row.try_get("user_id")?;
    let user: UserId = user.parse().map_err(|_| Error::Internal(anyhow::anyhow!("corrupt user id")))?;
    store::unlock(&mut tx, user).await?;
    audit::record(&mut *tx, &now_s, Some(user), "unlock_link", user, "").await?;
    tx.commit().await?;
    tracing::info!(user_id = %user, "account unlocked by its emailed link");
    Ok(user)
}
