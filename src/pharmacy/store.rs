//! Stock and dispensing queries. Stock is taken by one conditional update per batch (never
//! below zero, never past expiry), and a prescription is dispensed by one conditional update
//! of its status: the statements themselves decide races between copies.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Bind, Db, Filters};
use crate::error::Error;

/// A batch as stored.
#[derive(Debug, Clone)]
pub struct StoredBatch {
    /// Id.
    pub id: String,
    /// Drug.
    pub drug: String,
    /// Batch number.
    pub batch: String,
    /// Units.
    pub quantity: i64,
    /// Last usable day.
    pub expiry: String,
    /// Reorder level.
    pub reorder_level: i64,
    /// Added.
    pub created_at: String,
    /// Changed.
    pub updated_at: String,
}

const COLUMNS: &str = "id, drug, batch, quantity, expiry, reorder_level, created_at, updated_at";

fn from_row(r: &AnyRow) -> Result<StoredBatch, Error> {
    Ok(StoredBatch {
        id: r.try_get("id")?,
        drug: r.try_get("drug")?,
        batch: r.try_get("batch")?,
        quantity: r.try_get("quantity")?,
        expiry: r.try_get("expiry")?,
        reorder_level: r.try_get("reorder_level")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Adds a batch; 409 `batch_exists` when the drug already has a batch of that number.
pub async fn insert<'e, E>(ex: E, b: &StoredBatch) -> Result<(), Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO inventory (id, drug, batch, quantity, expiry, reorder_level, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&b.id)
    .bind(&b.drug)
    .bind(&b.batch)
    .bind(b.quantity)
    .bind(&b.expiry)
    .bind(b.reorder_level)
    .bind(&b.created_at)
    .bind(&b.updated_at)
    .execute(ex)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Error::Conflict("batch_exists", "This drug already has a batch with this number; change its quantity instead.")
        }
        other => other.into(),
    })?;
    Ok(())
}

/// One batch.
pub async fn get<'e, E>(ex: E, id: &str) -> Result<Option<StoredBatch>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM inventory WHERE id = $1"))).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(from_row).transpose()
}

/// Writes a batch's quantity, expiry and reorder level.
pub async fn update(db: &Db, b: &StoredBatch) -> Result<(), Error> {
    sqlx::query("UPDATE inventory SET quantity = $1, expiry = $2, reorder_level = $3, updated_at = $4 WHERE id = $5")
        .bind(b.quantity)
        .bind(&b.expiry)
        .bind(b.reorder_level)
        .bind(&b.updated_at)
        .bind(&b.id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// What a list asks for.
#[derive(Debug, Default)]
pub struct ListQuery {
    /// Only this drug.
    pub drug: Option<String>,
    /// Only batches at or below their reorder level.
    pub low_stock: bool,
    /// Only batches whose last day is on or before this day.
    pub expiring_by: Option<String>,
}

/// Batches by drug and expiry (at most 1,000: a clinic's shelf).
pub async fn list(db: &Db, q: &ListQuery) -> Result<Vec<StoredBatch>, Error> {
    let mut f = Filters::default();
    if let Some(d) = &q.drug {
        f.and("drug = ?", [Bind::Text(d.clone())]);
    }
    if q.low_stock {
        f.and("quantity <= reorder_level", []);
    }
    if let Some(day) = &q.expiring_by {
        f.and("expiry <= ?", [Bind::Text(day.clone())]);
    }
    let sql = format!("SELECT {COLUMNS} FROM inventory{} ORDER BY expiry, drug, id LIMIT 1000", f.where_clause());
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(from_row).collect()
}

/// Takes `n` units of a batch that has them and has not expired by `today`: whether it did.
pub async fn take(tx: &mut sqlx::AnyConnection, id: &str, n: i64, today: &str, now: &str) -> Result<bool, Error> {
    let done =
        sqlx::query("UPDATE inventory SET quantity = quantity - $1, updated_at = $2 WHERE id = $3 AND quantity >= $1 AND expiry >= $4")
            .bind(n)
            .bind(now)
            .bind(id)
            .bind(today)
            .execute(tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks an open prescription dispensed if it is still at `version` (the one the pharmacist
/// dispenses from): whether it was (the one statement two pharmacists, or a pharmacist and the
/// prescriber changing it, race on; the loser finds it dispensed or changed).
pub async fn mark_dispensed(tx: &mut sqlx::AnyConnection, prescription: &str, version: i64, now: &str) -> Result<bool, Error> {
    let done =
        sqlx::query("UPDATE prescriptions SET status = 'dispensed', dispensed_at = $1 WHERE id = $2 AND status = 'open' AND version = $3")
            .bind(now)
            .bind(prescription)
            .bind(version)
            .execute(tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes the dispensation row.
pub async fn insert_dispensation(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    prescription: &str,
    pharmacist: &str,
    now: &str,
    sealed_items: &str,
    entry_index: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO dispensations (id, prescription_id, pharmacist_id, created_at, items, entry_index) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(prescription)
    .bind(pharmacist)
    .bind(now)
    .bind(sealed_items)
    .bind(entry_index)
    .execute(tx)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Error::Conflict("already_dispensed", "This prescription was dispensed already.")
        }
        other => other.into(),
    })?;
    Ok(())
}

/// Every dispensation with its prescription's patient and their wrapped key, for `ledger
/// verify`: (id, prescription, pharmacist, time, sealed items, entry, patient, wrapped key,
/// master key id).
pub type DispensationRow = (String, String, String, String, String, i64, String, Option<String>, Option<String>);

fn dispensation_row(r: &sqlx::any::AnyRow) -> Result<DispensationRow, Error> {
    Ok((
        r.try_get("id")?,
        r.try_get("prescription_id")?,
        r.try_get("pharmacist_id")?,
        r.try_get("created_at")?,
        r.try_get("items")?,
        r.try_get("entry_index")?,
        r.try_get("patient_id")?,
        r.try_get("wrapped_key")?,
        r.try_get("master_key_id")?,
    ))
}

/// Every dispensation, for `ledger verify`.
pub async fn all_dispensations(db: &Db) -> Result<Vec<DispensationRow>, Error> {
    let rows = sqlx::query(
        "SELECT d.id, d.prescription_id, d.pharmacist_id, d.created_at, d.items, d.entry_index, p.patient_id, k.wrapped_key, k.master_key_id \
         FROM dispensations d JOIN prescriptions p ON p.id = d.prescription_id LEFT JOIN patient_keys k ON k.patient_id = p.patient_id \
         ORDER BY d.entry_index",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(dispensation_row).collect()
}

/// The dispensations of these prescriptions (one query), with the patient's wrapped key:
/// (id, prescription, pharmacist, time, sealed items, entry, patient, wrapped key, master key id).
pub async fn dispensations_of(db: &Db, prescriptions: &[String]) -> Result<Vec<DispensationRow>, Error> {
    if prescriptions.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (1..=prescriptions.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT d.id, d.prescription_id, d.pharmacist_id, d.created_at, d.items, d.entry_index, p.patient_id, k.wrapped_key, k.master_key_id \
         FROM dispensations d JOIN prescriptions p ON p.id = d.prescription_id LEFT JOIN patient_keys k ON k.patient_id = p.patient_id \
         WHERE d.prescription_id IN ({marks}) ORDER BY d.created_at DESC, d.id DESC"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in prescriptions {
        q = q.bind(id);
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.iter().map(dispensation_row).collect()
}

/// The prescription a dispensation was made against, if it exists.
pub async fn prescription_of(db: &Db, dispensation: &str) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar("SELECT prescription_id FROM dispensations WHERE id = $1").bind(dispensation).fetch_optional(&db.pool).await?)
}
