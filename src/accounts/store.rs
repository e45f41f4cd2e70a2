//! User queries (sessions, lockout and the audit trail have their own). One portable SQL dialect for SQLite and PostgreSQL (`$n`, `RETURNING`).

use anyhow::anyhow;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::model::{Role, Status, User};
use crate::db::{Bind, Db, Filters};
use crate::error::Error;
use crate::ids::{Email, UserId};

/// The user columns every query selects, bare and with the `u.` alias (`concat!`-able, so all
/// SQL stays `'static`).
macro_rules! user_cols {
    () => {
        "id, email, role, full_name, status, created_at, totp_enabled, locked_until, erased_at, time_zone, theme, language"
    };
    (u) => {
        "u.id, u.email, u.role, u.full_name, u.status, u.created_at, u.totp_enabled, u.locked_until, u.erased_at, u.time_zone, u.theme, u.language"
    };
}
pub(crate) use user_cols;

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
        erased: row.try_get::<Option<String>, _>("erased_at")?.is_some(),
        time_zone: row.try_get("time_zone")?,
        theme: row.try_get::<Option<String>, _>("theme")?.filter(|t| matches!(t.as_str(), "light" | "dark")),
        language: row.try_get::<Option<String>, _>("language")?.filter(|l| crate::i18n::Lang::parse(l).is_some()),
    })
}

/// Saves what a person chose: their time zone (none: the clinic's), theme (none: their
/// device's) and language (none: their browser's).
pub async fn set_preferences(db: &Db, user: UserId, zone: Option<&str>, theme: Option<&str>, language: Option<&str>) -> Result<(), Error> {
    sqlx::query("UPDATE users SET time_zone = $1, theme = $2, language = $4 WHERE id = $3")
        .bind(zone)
        .bind(theme)
        .bind(user.to_string())
        .bind(language)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Inserts a user; an existing email (in any case) is `Error::EmailTaken`.
pub async fn insert_user(conn: &mut AnyConnection, user: &User, password_hash: &str, privacy_notice: Option<&str>) -> Result<(), Error> {
    // The privacy notice accepted (registration), at the account's creation time.
    let result = sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, full_name, status, created_at, email_skeleton, privacy_notice, privacy_accepted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(user.id.to_string())
    .bind(user.email.as_str())
    .bind(password_hash)
    .bind(user.role.as_str())
    .bind(&user.full_name)
    .bind(user.status.as_str())
    .bind(&user.created_at)
    .bind(user.email.skeleton())
    .bind(privacy_notice)
    .bind(privacy_notice.map(|_| user.created_at.as_str()))
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

/// Whether a user was erased (their personal data and clinical text destroyed).
pub async fn is_erased(db: &Db, id: UserId) -> Result<bool, Error> {
    let at: Option<Option<String>> =
        sqlx::query_scalar("SELECT erased_at FROM users WHERE id = $1").bind(id.to_string()).fetch_optional(&db.pool).await?;
    Ok(at.flatten().is_some())
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

/// Accounts by role and status (erased ones left out): `(role, status, count)`.
pub async fn counts(db: &Db) -> Result<Vec<(String, String, i64)>, Error> {
    let rows = sqlx::query("SELECT role, status, COUNT(*) AS n FROM users WHERE erased_at IS NULL GROUP BY role, status")
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("role")?, r.try_get("status")?, r.try_get("n")?))).collect()
}
