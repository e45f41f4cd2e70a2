//! Record queries: one portable statement per access path, values always bound.

use anyhow::anyhow;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Db;
use crate::error::Error;
use crate::ids::{RecordId, UserId};
use crate::records::model::{Record, RecordType};

/// A `'static` record query with names joined in: built with `concat!`, so no SQL is ever
/// assembled at run time.
macro_rules! select_records {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, r.patient_id, r.doctor_id, r.title, r.notes, r.record_type, r.created_at, ",
            "p.full_name AS patient_name, d.full_name AS doctor_name ",
            "FROM records r JOIN users p ON p.id = r.patient_id JOIN users d ON d.id = r.doctor_id ",
            $rest
        )
    };
}

fn record_from_row(row: &AnyRow) -> Result<Record, Error> {
    let bad = |what: &str| Error::Internal(anyhow!("corrupt record row: {what}"));
    let id: String = row.try_get("id")?;
    let patient_id: String = row.try_get("patient_id")?;
    let doctor_id: String = row.try_get("doctor_id")?;
    let record_type: String = row.try_get("record_type")?;
    Ok(Record {
        id: id.parse().map_err(|_| bad("id"))?,
        patient_id: patient_id.parse().map_err(|_| bad("patient_id"))?,
        doctor_id: doctor_id.parse().map_err(|_| bad("doctor_id"))?,
        title: row.try_get("title")?,
        notes: row.try_get("notes")?,
        record_type: RecordType::parse(&record_type).ok_or_else(|| bad("record_type"))?,
        created_at: row.try_get("created_at")?,
        patient_name: row.try_get("patient_name")?,
        doctor_name: row.try_get("doctor_name")?,
    })
}

/// The columns of a new record.
pub struct RecordRow<'a> {
    /// Id.
    pub id: RecordId,
    /// Patient.
    pub patient_id: UserId,
    /// Author.
    pub doctor_id: UserId,
    /// Title.
    pub title: &'a str,
    /// Notes.
    pub notes: &'a str,
    /// Type.
    pub record_type: RecordType,
    /// Creation time.
    pub created_at: &'a str,
}

/// Inserts a record.
pub async fn insert<'e, E>(ex: E, r: &RecordRow<'_>) -> Result<(), Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO records (id, patient_id, doctor_id, title, notes, record_type, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.id.to_string())
    .bind(r.patient_id.to_string())
    .bind(r.doctor_id.to_string())
    .bind(r.title)
    .bind(r.notes)
    .bind(r.record_type.as_str())
    .bind(r.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// A record by id, with names.
pub async fn get(db: &Db, id: RecordId) -> Result<Option<Record>, Error> {
    let row = sqlx::query(select_records!("WHERE r.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(record_from_row).transpose()
}

/// A resolved query: the access scope (at least one of patient or doctor is set by the service)
/// plus optional filters, all bound as values.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    /// Only this patient.
    pub patient_id: Option<UserId>,
    /// Only this author.
    pub doctor_id: Option<UserId>,
    /// Only this type.
    pub record_type: Option<RecordType>,
    /// `created_at >= from`.
    pub from: Option<String>,
    /// `created_at < to`.
    pub to: Option<String>,
    /// A lower-cased LIKE pattern with `\` as escape.
    pub like: Option<String>,
    /// Keyset cursor: the `(created_at, id)` of the last item seen.
    pub after: Option<(String, String)>,
    /// Rows to fetch.
    pub limit: i64,
}

/// Records matching a query, newest first. The scope columns lead the composite indexes
/// `(patient_id, created_at, id)` / `(doctor_id, patient_id, created_at, id)`.
pub async fn list(db: &Db, q: &ListQuery) -> Result<Vec<Record>, Error> {
    let (after_at, after_id) = q.after.clone().unzip();
    let rows = sqlx::query(select_records!(
        "WHERE ($1 IS NULL OR r.patient_id = $1) \
           AND ($2 IS NULL OR r.doctor_id = $2) \
           AND ($3 IS NULL OR r.record_type = $3) \
           AND ($4 IS NULL OR r.created_at >= $4) \
           AND ($5 IS NULL OR r.created_at < $5) \
           AND ($6 IS NULL OR LOWER(r.title) LIKE $6 ESCAPE '\\' OR LOWER(r.notes) LIKE $6 ESCAPE '\\') \
           AND ($7 IS NULL OR r.created_at < $7 OR (r.created_at = $7 AND r.id < $8)) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT $9"
    ))
    .bind(q.patient_id.map(|id| id.to_string()))
    .bind(q.doctor_id.map(|id| id.to_string()))
    .bind(q.record_type.map(RecordType::as_str))
    .bind(q.from.clone())
    .bind(q.to.clone())
    .bind(q.like.clone())
    .bind(after_at)
    .bind(after_id)
    .bind(q.limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(record_from_row).collect()
}

/// Whether a doctor has written any record for a patient ("in their care", until consent).
pub async fn doctor_has_patient(db: &Db, doctor: UserId, patient: UserId) -> Result<bool, Error> {
    let row = sqlx::query("SELECT 1 AS one FROM records WHERE doctor_id = $1 AND patient_id = $2 LIMIT 1")
        .bind(doctor.to_string())
        .bind(patient.to_string())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// The people on the other side of a user's records, by name: a patient's doctors, or a
/// doctor's patients (for the history page's filter). Served by the scope indexes.
pub async fn counterparts(db: &Db, user: UserId, as_patient: bool) -> Result<Vec<(String, String)>, Error> {
    let sql = if as_patient {
        "SELECT DISTINCT u.id, u.full_name FROM records r JOIN users u ON u.id = r.doctor_id \
         WHERE r.patient_id = $1 ORDER BY u.full_name, u.id"
    } else {
        "SELECT DISTINCT u.id, u.full_name FROM records r JOIN users u ON u.id = r.patient_id \
         WHERE r.doctor_id = $1 ORDER BY u.full_name, u.id"
    };
    let rows = sqlx::query(sql).bind(user.to_string()).fetch_all(&db.pool).await?;
    rows.iter()
        .map(|row| Ok((row.try_get::<String, _>("id")?, row.try_get::<String, _>("full_name")?)))
        .collect()
}
