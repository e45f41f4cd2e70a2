//! Profile and password-link queries.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Db;
use crate::error::Error;
use crate::patients::model::PatientSummary;

/// A new profile.
pub struct NewProfile<'a> {
    /// The patient.
    pub patient_id: &'a str,
    /// Their folded name.
    pub name_search: &'a str,
    /// Date of birth.
    pub date_of_birth: Option<&'a str>,
    /// Sex.
    pub sex: Option<&'a str>,
    /// Sealed contact details.
    pub contact: Option<&'a str>,
    /// Who registered them (none for self-registration).
    pub registered_by: Option<&'a str>,
    /// When.
    pub created_at: &'a str,
}

/// A new medical record number: `MRN` and eight random digits (the unique index decides; the
/// caller tries again on the rare clash).
pub fn new_mrn() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 4];
    rand::rng().fill_bytes(&mut bytes);
    format!("MRN{:08}", u32::from_le_bytes(bytes) % 100_000_000)
}

/// Writes a profile with a fresh MRN unless the patient has one; its MRN either way.
pub async fn ensure(conn: &mut sqlx::AnyConnection, p: &NewProfile<'_>) -> Result<String, Error> {
    for _ in 0..5 {
        let mrn = new_mrn();
        let inserted = sqlx::query(
            "INSERT INTO patient_profiles (patient_id, mrn, date_of_birth, sex, contact, name_search, registered_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(p.patient_id)
        .bind(&mrn)
        .bind(p.date_of_birth)
        .bind(p.sex)
        .bind(p.contact)
        .bind(p.name_search)
        .bind(p.registered_by)
        .bind(p.created_at)
        .execute(&mut *conn)
        .await?;
        let stored: Option<String> = sqlx::query_scalar("SELECT mrn FROM patient_profiles WHERE patient_id = $1")
            .bind(p.patient_id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(mrn) = stored {
            return Ok(mrn);
        }
        // Not inserted and not there: the MRN was taken; another one.
        debug_assert_eq!(inserted.rows_affected(), 0);
    }
    Err(Error::Internal(anyhow::anyhow!("could not find a free medical record number")))
}

/// Patients without a profile (made before profiles existed): id, name, created at.
pub async fn without_profile(db: &Db) -> Result<Vec<(String, String, String)>, Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.full_name, u.created_at FROM users u LEFT JOIN patient_profiles p ON p.patient_id = u.id \
         WHERE u.role = 'patient' AND p.patient_id IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("full_name")?, r.try_get("created_at")?))).collect()
}

fn summary(r: &AnyRow) -> Result<PatientSummary, Error> {
    Ok(PatientSummary {
        id: r.try_get("id")?,
        full_name: r.try_get("full_name")?,
        mrn: r.try_get("mrn")?,
        date_of_birth: r.try_get("date_of_birth")?,
        sex: r.try_get("sex")?,
    })
}

/// How a search matches.
pub enum Match<'a> {
    /// By date of birth.
    Birth(&'a str),
    /// By MRN.
    Mrn(&'a str),
    /// By part of the folded name.
    Name(&'a str),
}

/// Active, not erased patients matching, by name (at most 50).
pub async fn search(db: &Db, m: Match<'_>) -> Result<Vec<PatientSummary>, Error> {
    let (condition, value) = match m {
        Match::Birth(d) => ("p.date_of_birth = $1", d.to_string()),
        Match::Mrn(mrn) => ("p.mrn = $1", mrn.to_string()),
        Match::Name(n) => ("p.name_search LIKE $1 ESCAPE '\\'", crate::db::like_pattern(n)),
    };
    let sql = format!(
        "SELECT u.id, u.full_name, p.mrn, p.date_of_birth, p.sex FROM patient_profiles p JOIN users u ON u.id = p.patient_id \
         WHERE {condition} AND u.role = 'patient' AND u.status = 'active' AND u.erased_at IS NULL ORDER BY p.name_search, u.id LIMIT 50"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(&db.pool).await?;
    rows.iter().map(summary).collect()
}

/// One patient's profile: (mrn, date of birth, sex, sealed contact).
pub async fn profile(db: &Db, patient: &str) -> Result<Option<(String, Option<String>, Option<String>, Option<String>)>, Error> {
    let row = sqlx::query("SELECT mrn, date_of_birth, sex, contact FROM patient_profiles WHERE patient_id = $1")
        .bind(patient)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("mrn")?, r.try_get("date_of_birth")?, r.try_get("sex")?, r.try_get("contact")?))).transpose()
}

/// Stores a link's token hash.
pub async fn insert_token(conn: &mut sqlx::AnyConnection, token_sha256: &str, user: &str, now: &str, expires: &str) -> Result<(), Error> {
    sqlx::query("INSERT INTO password_setup_tokens (token_sha256, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_sha256)
        .bind(user)
        .bind(now)
        .bind(expires)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every open one-time link of `user`: a newer link, or a new password however it was
/// set, supersedes them (an old emailed link must not set a password after the owner chose one).
pub async fn void_links(conn: &mut sqlx::AnyConnection, user: &str, now: &str) -> Result<u64, Error> {
    let done = sqlx::query("UPDATE password_setup_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(user)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// When the newest link for `user` was made, if any.
pub async fn newest_link(conn: &mut sqlx::AnyConnection, user: &str) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar("SELECT MAX(created_at) FROM password_setup_tokens WHERE user_id = $1").bind(user).fetch_one(conn).await?)
}

/// Spends a link: the user it was for, if it was unused and unexpired (one statement, so a
/// link works once even when sent twice at once).
pub async fn spend_token(conn: &mut sqlx::AnyConnection, token_sha256: &str, now: &str) -> Result<Option<String>, Error> {
    let done = sqlx::query("UPDATE password_setup_tokens SET used_at = $1 WHERE token_sha256 = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(now)
        .bind(token_sha256)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    Ok(sqlx::query_scalar("SELECT user_id FROM password_setup_tokens WHERE token_sha256 = $1")
        .bind(token_sha256)
        .fetch_optional(conn)
        .await?)
}

/// Sets a password hash in the caller's transaction.
pub async fn set_hash(conn: &mut sqlx::AnyConnection, user: &str, hash: &str) -> Result<(), Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user).execute(conn).await?;
    Ok(())
}
