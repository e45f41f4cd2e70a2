//! Lockout queries: failed sign-ins per account, locks and their notices.

use sqlx::{AnyConnection, Row};

use crate::accounts::model::User;
use crate::accounts::store::{user_cols, user_from_row};
use crate::db::Db;
use crate::error::Error;
use crate::ids::{Email, UserId};

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
    /// The last TOTP time step a sign-in used (each is accepted once).
    pub totp_last_step: Option<i64>,
}

/// The sign-in view of an account, by email.
pub async fn find_login(db: &Db, email: &Email) -> Result<Option<LoginRow>, Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_cols!(),
        ", password_hash, locked_until, lock_notice, totp_secret, totp_last_step FROM users WHERE email = $1"
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
        totp_last_step: row.try_get("totp_last_step")?,
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
