//! Allergy and problem rows: each a sealed body (the clinical fields as JSON) beside the ids,
//! time and ledger entry that stay readable.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Db;
use crate::error::Error;
use crate::ids::UserId;
use crate::pagination::PageRequest;

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// `allergies`.
    Allergies,
    /// `problems`.
    Problems,
}

impl List {
    /// The sealing context's prefix and the entry's id name.
    pub fn noun(self) -> &'static str {
        match self {
            List::Allergies => "allergy",
            List::Problems => "problem",
        }
    }
}

/// A row as stored (its body still sealed).
#[derive(Debug, Clone)]
pub struct StoredItem {
    /// Id.
    pub id: String,
    /// Patient.
    pub patient_id: String,
    /// Author.
    pub author_id: String,
    /// Author's name ("" once erased or unknown).
    pub author_name: String,
    /// When.
    pub created_at: String,
    /// The sealed body.
    pub body: String,
    /// Its ledger entry.
    pub entry_index: i64,
}

fn item_from_row(r: &AnyRow) -> Result<StoredItem, Error> {
    Ok(StoredItem {
        id: r.try_get("id")?,
        patient_id: r.try_get("patient_id")?,
        author_id: r.try_get("author_id")?,
        author_name: r.try_get::<Option<String>, _>("author_name")?.unwrap_or_default(),
        created_at: r.try_get("created_at")?,
        body: r.try_get("body")?,
        entry_index: r.try_get("entry_index")?,
    })
}

/// Writes a row in the caller's transaction.
pub async fn insert(tx: &mut sqlx::AnyConnection, list: List, item: &StoredItem) -> Result<(), Error> {
    let sql = match list {
        List::Allergies => {
            "INSERT INTO allergies (id, patient_id, author_id, created_at, body, entry_index) VALUES ($1, $2, $3, $4, $5, $6)"
        }
        List::Problems => "INSERT INTO problems (id, patient_id, author_id, created_at, body, entry_index) VALUES ($1, $2, $3, $4, $5, $6)",
    };
    sqlx::query(sql)
        .bind(&item.id)
        .bind(&item.patient_id)
        .bind(&item.author_id)
        .bind(&item.created_at)
        .bind(&item.body)
        .bind(item.entry_index)
        .execute(tx)
        .await?;
    Ok(())
}

macro_rules! select_items {
    ($table:literal, $rest:literal) => {
        concat!(
            "SELECT t.id, t.patient_id, t.author_id, u.full_name AS author_name, t.created_at, t.body, t.entry_index FROM ",
            $table,
            " t LEFT JOIN users u ON u.id = t.author_id",
            $rest
        )
    };
}

/// A patient's rows, newest first, one page (its `after` key included).
pub async fn list<'e, E>(ex: E, list: List, patient: UserId, page: &PageRequest) -> Result<Vec<StoredItem>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (after_at, after_id) = page.after.clone().unwrap_or_else(|| ("9999".into(), String::new()));
    let sql = match list {
        List::Allergies => select_items!(
            "allergies",
            " WHERE t.patient_id = $1 AND (t.created_at < $2 OR (t.created_at = $2 AND t.id < $3) OR $4 = 0) \
             ORDER BY t.created_at DESC, t.id DESC LIMIT $5"
        ),
        List::Problems => select_items!(
            "problems",
            " WHERE t.patient_id = $1 AND (t.created_at < $2 OR (t.created_at = $2 AND t.id < $3) OR $4 = 0) \
             ORDER BY t.created_at DESC, t.id DESC LIMIT $5"
        ),
    };
    let rows = sqlx::query(sql)
        .bind(patient.to_string())
        .bind(after_at)
        .bind(after_id)
        .bind(i64::from(page.after.is_some()))
        .bind(page.fetch_limit())
        .fetch_all(ex)
        .await?;
    rows.iter().map(item_from_row).collect()
}

/// Every row with its patient's wrapped data key (none once erased), for `ledger verify`.
pub async fn all_with_keys(db: &Db, list: List) -> Result<Vec<(StoredItem, Option<String>, Option<String>)>, Error> {
    let sql = match list {
        List::Allergies => select_items!("allergies", " LEFT JOIN patient_keys k ON k.patient_id = t.patient_id ORDER BY t.entry_index"),
        List::Problems => select_items!("problems", " LEFT JOIN patient_keys k ON k.patient_id = t.patient_id ORDER BY t.entry_index"),
    };
    // The key columns ride along: the macro's column list is the same for every use.
    let sql = sql.replacen(" FROM ", ", k.wrapped_key, k.master_key_id FROM ", 1);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| Ok((item_from_row(r)?, r.try_get::<Option<String>, _>("wrapped_key")?, r.try_get::<Option<String>, _>("master_key_id")?)))
        .collect()
}

/// The patient an allergy or problem belongs to (by its primary key), if it exists.
pub async fn patient_of(db: &Db, list: List, id: &str) -> Result<Option<String>, Error> {
    let sql = match list {
        List::Allergies => "SELECT patient_id FROM allergies WHERE id = $1",
        List::Problems => "SELECT patient_id FROM problems WHERE id = $1",
    };
    Ok(sqlx::query_scalar(sql).bind(id).fetch_optional(&db.pool).await?)
}
