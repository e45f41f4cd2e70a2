//! Lab order and result rows, read with the patient's wrapped data key.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Bind, Db, Filters};
use crate::error::Error;

/// An order with its result row, if any, as stored (bodies sealed).
#[derive(Debug, Clone, Default)]
pub struct StoredOrder {
    /// Id.
    pub id: String,
    /// Patient.
    pub patient_id: String,
    /// Their name.
    pub patient_name: String,
    /// Doctor.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// Ordered at.
    pub created_at: String,
    /// Sealed order body.
    pub body: String,
    /// Status.
    pub status: String,
    /// Its entry.
    pub entry_index: i64,
    /// The result: (id, author, time, sealed body, entry).
    pub result: Option<(String, String, String, String, i64)>,
    /// The patient's wrapped key and master key id.
    pub key: (Option<String>, Option<String>),
}

macro_rules! select_orders {
    ($rest:literal) => {
        concat!(
            "SELECT o.id, o.patient_id, pu.full_name AS patient_name, o.doctor_id, du.full_name AS doctor_name, o.created_at, o.body, \
             o.status, o.entry_index, r.id AS result_id, r.author_id AS result_author, r.created_at AS result_at, r.body AS result_body, \
             r.entry_index AS result_entry, k.wrapped_key, k.master_key_id FROM lab_orders o \
             LEFT JOIN lab_results r ON r.order_id = o.id LEFT JOIN users pu ON pu.id = o.patient_id \
             LEFT JOIN users du ON du.id = o.doctor_id LEFT JOIN patient_keys k ON k.patient_id = o.patient_id",
            $rest
        )
    };
}

fn from_row(r: &AnyRow) -> Result<StoredOrder, Error> {
    let result_id: Option<String> = r.try_get("result_id")?;
    let result = match result_id {
        Some(id) => Some((id, r.try_get("result_author")?, r.try_get("result_at")?, r.try_get("result_body")?, r.try_get("result_entry")?)),
        None => None,
    };
    Ok(StoredOrder {
        id: r.try_get("id")?,
        patient_id: r.try_get("patient_id")?,
        patient_name: r.try_get::<Option<String>, _>("patient_name")?.unwrap_or_default(),
        doctor_id: r.try_get("doctor_id")?,
        doctor_name: r.try_get::<Option<String>, _>("doctor_name")?.unwrap_or_default(),
        created_at: r.try_get("created_at")?,
        body: r.try_get("body")?,
        status: r.try_get("status")?,
        entry_index: r.try_get("entry_index")?,
        result,
        key: (r.try_get("wrapped_key")?, r.try_get("master_key_id")?),
    })
}

/// One order.
pub async fn get(db: &Db, id: &str) -> Result<Option<StoredOrder>, Error> {
    let row = sqlx::query(select_orders!(" WHERE o.id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// What a list asks for.
#[derive(Debug, Default)]
pub struct ListQuery {
    /// Only this patient's.
    pub patient_id: Option<String>,
    /// Only this doctor's.
    pub doctor_id: Option<String>,
    /// Only in this status.
    pub status: Option<String>,
}

/// Orders, newest first (at most 500).
pub async fn list(db: &Db, q: &ListQuery) -> Result<Vec<StoredOrder>, Error> {
    let mut f = Filters::default();
    if let Some(p) = &q.patient_id {
        f.and("o.patient_id = ?", [Bind::Text(p.clone())]);
    }
    if let Some(d) = &q.doctor_id {
        f.and("o.doctor_id = ?", [Bind::Text(d.clone())]);
    }
    if let Some(s) = &q.status {
        f.and("o.status = ?", [Bind::Text(s.clone())]);
    }
    let sql = format!("{}{} ORDER BY o.created_at DESC, o.id DESC LIMIT 500", select_orders!(""), f.where_clause());
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(from_row).collect()
}

/// Writes an order, in the caller's transaction.
pub async fn insert_order(tx: &mut sqlx::AnyConnection, o: &StoredOrder) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO lab_orders (id, patient_id, doctor_id, created_at, body, status, entry_index) VALUES ($1, $2, $3, $4, $5, 'open', $6)",
    )
    .bind(&o.id)
    .bind(&o.patient_id)
    .bind(&o.doctor_id)
    .bind(&o.created_at)
    .bind(&o.body)
    .bind(o.entry_index)
    .execute(tx)
    .await?;
    Ok(())
}

/// Marks an open order resulted: whether it was open (two results racing: one wins).
pub async fn mark_resulted(tx: &mut sqlx::AnyConnection, id: &str) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE lab_orders SET status = 'resulted' WHERE id = $1 AND status = 'open'").bind(id).execute(tx).await?;
    Ok(done.rows_affected() == 1)
}

/// Writes a result, in the caller's transaction.
pub async fn insert_result(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    order: &str,
    author: &str,
    at: &str,
    body: &str,
    entry_index: i64,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO lab_results (id, order_id, author_id, created_at, body, entry_index) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(order)
        .bind(author)
        .bind(at)
        .bind(body)
        .bind(entry_index)
        .execute(tx)
        .await?;
    Ok(())
}

/// Every order with its result, for `ledger verify` (no limit).
pub async fn all(db: &Db) -> Result<Vec<StoredOrder>, Error> {
    let rows = sqlx::query(select_orders!(" ORDER BY o.entry_index")).fetch_all(&db.pool).await?;
    rows.iter().map(from_row).collect()
}
