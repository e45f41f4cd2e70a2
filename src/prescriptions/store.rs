//! Prescription rows: the prescription (who, for whom, where it stands) and its versions (the
//! sealed items, the content hash and the signature), read with the patient's wrapped data key.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Bind, Db, Filters};
use crate::error::Error;

/// A prescription with its latest version, as stored (the body still sealed).
#[derive(Debug, Clone)]
pub struct StoredPrescription {
    /// Id.
    pub id: String,
    /// Patient.
    pub patient_id: String,
    /// Their name.
    pub patient_name: String,
    /// Prescriber.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// Issued at.
    pub created_at: String,
    /// Latest version.
    pub version: i64,
    /// Status.
    pub status: String,
    /// The latest version's row.
    pub latest: StoredVersion,
    /// The patient's wrapped data key and its master key id (none once erased).
    pub key: (Option<String>, Option<String>),
}

/// A version as stored.
#[derive(Debug, Clone)]
pub struct StoredVersion {
    /// Its prescription.
    pub prescription_id: String,
    /// Its number.
    pub version: i64,
    /// Who wrote it.
    pub author_id: String,
    /// When.
    pub created_at: String,
    /// The sealed body.
    pub body: String,
    /// SHA-256 of its ledgered content.
    pub content_sha256: String,
    /// Ed25519 signature, hex.
    pub signature: String,
    /// Its ledger entry.
    pub entry_index: i64,
}

/// The columns of [`StoredPrescription`]: the prescription `p`, its latest version `v`, the
/// names, and the patient's key `k`.
macro_rules! select_prescriptions {
    ($rest:literal) => {
        concat!(
            "SELECT p.id, p.patient_id, pu.full_name AS patient_name, p.doctor_id, du.full_name AS doctor_name, p.created_at, \
             p.version, p.status, v.author_id, v.created_at AS version_at, v.body, v.content_sha256, v.signature, v.entry_index, \
             k.wrapped_key, k.master_key_id \
             FROM prescriptions p JOIN prescription_versions v ON v.prescription_id = p.id AND v.version = p.version \
             LEFT JOIN users pu ON pu.id = p.patient_id LEFT JOIN users du ON du.id = p.doctor_id \
             LEFT JOIN patient_keys k ON k.patient_id = p.patient_id",
            $rest
        )
    };
}

fn from_row(r: &AnyRow) -> Result<StoredPrescription, Error> {
    let id: String = r.try_get("id")?;
    let version: i64 = r.try_get("version")?;
    Ok(StoredPrescription {
        patient_id: r.try_get("patient_id")?,
        patient_name: r.try_get::<Option<String>, _>("patient_name")?.unwrap_or_default(),
        doctor_id: r.try_get("doctor_id")?,
        doctor_name: r.try_get::<Option<String>, _>("doctor_name")?.unwrap_or_default(),
        created_at: r.try_get("created_at")?,
        status: r.try_get("status")?,
        latest: StoredVersion {
            prescription_id: id.clone(),
            version,
            author_id: r.try_get("author_id")?,
            created_at: r.try_get("version_at")?,
            body: r.try_get("body")?,
            content_sha256: r.try_get("content_sha256")?,
            signature: r.try_get("signature")?,
            entry_index: r.try_get("entry_index")?,
        },
        key: (r.try_get("wrapped_key")?, r.try_get("master_key_id")?),
        id,
        version,
    })
}

/// One prescription.
pub async fn get(db: &Db, id: &str) -> Result<Option<StoredPrescription>, Error> {
    let row = sqlx::query(select_prescriptions!(" WHERE p.id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// A list query: who may be shown and what was asked.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    /// Only this patient's.
    pub patient_id: Option<String>,
    /// Only this doctor's.
    pub doctor_id: Option<String>,
    /// Only in this status.
    pub status: Option<String>,
    /// Issued after this time (the active ones).
    pub since: Option<String>,
    /// The page.
    pub page: crate::pagination::PageRequest,
}

/// Prescriptions, newest first.
pub async fn list<'e, E>(ex: E, q: &ListQuery) -> Result<Vec<StoredPrescription>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let mut f = Filters::default();
    if let Some(p) = &q.patient_id {
        f.and("p.patient_id = ?", [Bind::Text(p.clone())]);
    }
    if let Some(d) = &q.doctor_id {
        f.and("p.doctor_id = ?", [Bind::Text(d.clone())]);
    }
    if let Some(s) = &q.status {
        f.and("p.status = ?", [Bind::Text(s.clone())]);
    }
    if let Some(t) = &q.since {
        f.and("p.created_at >= ?", [Bind::Text(t.clone())]);
    }
    if let Some((at, id)) = &q.page.after {
        f.and(
            "(p.created_at < ? OR (p.created_at = ? AND p.id < ?))",
            [Bind::Text(at.clone()), Bind::Text(at.clone()), Bind::Text(id.clone())],
        );
    }
    let limit = f.placeholder(Bind::Int(q.page.fetch_limit()));
    let sql = format!("{}{} ORDER BY p.created_at DESC, p.id DESC LIMIT {limit}", select_prescriptions!(""), f.where_clause());
    let rows = f.query(sql).fetch_all(ex).await?;
    rows.iter().map(from_row).collect()
}

/// Holds the patient's prescribing lock until the caller's transaction ends: a no-op write to
/// their data-key row (made before any prescription), so two prescriptions for one patient at
/// any copies are checked one after the other, each seeing the other's drugs (PostgreSQL: the
/// row lock; SQLite: the database's write lock).
pub async fn lock_patient(tx: &mut sqlx::AnyConnection, patient: &str) -> Result<(), Error> {
    sqlx::query("UPDATE patient_keys SET master_key_id = master_key_id WHERE patient_id = $1").bind(patient).execute(tx).await?;
    Ok(())
}

/// Writes a new prescription and its first version, in the caller's transaction.
pub async fn insert(tx: &mut sqlx::AnyConnection, p: &StoredPrescription) -> Result<(), Error> {
    sqlx::query("INSERT INTO prescriptions (id, patient_id, doctor_id, created_at, version, status) VALUES ($1, $2, $3, $4, 1, 'open')")
        .bind(&p.id)
        .bind(&p.patient_id)
        .bind(&p.doctor_id)
        .bind(&p.created_at)
        .execute(&mut *tx)
        .await?;
    insert_version(tx, &p.latest).await
}

/// Writes a version, in the caller's transaction.
pub async fn insert_version(tx: &mut sqlx::AnyConnection, v: &StoredVersion) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO prescription_versions (prescription_id, version, author_id, created_at, body, content_sha256, signature, entry_index) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&v.prescription_id)
    .bind(v.version)
    .bind(&v.author_id)
    .bind(&v.created_at)
    .bind(&v.body)
    .bind(&v.content_sha256)
    .bind(&v.signature)
    .bind(v.entry_index)
    .execute(tx)
    .await?;
    Ok(())
}

/// Moves a prescription to `version` if it is still open at `from` and was issued at or after
/// `issued_after` (the hour): whether it did. The one statement decides a race between two
/// changes, or a change and a dispense.
pub async fn bump(tx: &mut sqlx::AnyConnection, id: &str, from: i64, issued_after: &str) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE prescriptions SET version = $1 WHERE id = $2 AND version = $3 AND status = 'open' AND created_at >= $4")
        .bind(from + 1)
        .bind(id)
        .bind(from)
        .bind(issued_after)
        .execute(tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn version_from_row(r: &AnyRow) -> Result<StoredVersion, Error> {
    Ok(StoredVersion {
        prescription_id: r.try_get("prescription_id")?,
        version: r.try_get("version")?,
        author_id: r.try_get("author_id")?,
        created_at: r.try_get("created_at")?,
        body: r.try_get("body")?,
        content_sha256: r.try_get("content_sha256")?,
        signature: r.try_get("signature")?,
        entry_index: r.try_get("entry_index")?,
    })
}

/// A prescription's versions, first first.
pub async fn versions(db: &Db, id: &str) -> Result<Vec<StoredVersion>, Error> {
    let rows = sqlx::query(
        "SELECT prescription_id, version, author_id, created_at, body, content_sha256, signature, entry_index \
         FROM prescription_versions WHERE prescription_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(version_from_row).collect()
}

/// One version.
pub async fn version(db: &Db, id: &str, version: i64) -> Result<Option<StoredVersion>, Error> {
    let row = sqlx::query(
        "SELECT prescription_id, version, author_id, created_at, body, content_sha256, signature, entry_index \
         FROM prescription_versions WHERE prescription_id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(version_from_row).transpose()
}

/// Every version with its prescription's patient and their wrapped key, for `ledger verify`.
pub async fn all_versions(db: &Db) -> Result<Vec<(StoredVersion, String, Option<String>, Option<String>)>, Error> {
    let rows = sqlx::query(
        "SELECT v.prescription_id, v.version, v.author_id, v.created_at, v.body, v.content_sha256, v.signature, v.entry_index, \
         p.patient_id, k.wrapped_key, k.master_key_id FROM prescription_versions v JOIN prescriptions p ON p.id = v.prescription_id \
         LEFT JOIN patient_keys k ON k.patient_id = p.patient_id ORDER BY v.entry_index",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((version_from_row(r)?, r.try_get("patient_id")?, r.try_get("wrapped_key")?, r.try_get("master_key_id")?)))
        .collect()
}
