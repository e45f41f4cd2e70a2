//! Share-link queries: a link by its token's hash (every view), a patient's links (their
//! list), the records a link names, and the patient's own records a new link may name.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Bind, Db, Filters};
use crate::error::Error;
use crate::ids::UserId;
use crate::shares::model::StoredShare;

/// A `'static` query of links: built with `concat!`, so no SQL is assembled at run time.
macro_rules! select_shares {
    ($rest:literal) => {
        concat!("SELECT id, patient_id, scope, created_at, expires_at, revoked_at, views, last_viewed_at FROM share_links", $rest)
    };
}

fn share_from_row(r: &AnyRow) -> Result<StoredShare, Error> {
    Ok(StoredShare {
        id: r.try_get("id")?,
        patient_id: r.try_get("patient_id")?,
        scope: r.try_get("scope")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
        views: r.try_get("views")?,
        last_viewed_at: r.try_get("last_viewed_at")?,
    })
}

/// A new link's row.
pub struct NewShareRow<'a> {
    /// Id (UUIDv7).
    pub id: &'a str,
    /// Whose records.
    pub patient_id: UserId,
    /// SHA-256 of the token, hex.
    pub token_sha256: &'a str,
    /// `all` or `records`.
    pub scope: &'a str,
    /// Made at.
    pub created_at: &'a str,
    /// Ends at.
    pub expires_at: &'a str,
}

/// Writes a link and the records it names, in one transaction.
pub async fn insert(db: &Db, row: &NewShareRow<'_>, record_ids: &[String]) -> Result<(), Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO share_links (id, patient_id, token_sha256, scope, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(row.id)
        .bind(row.patient_id.to_string())
        .bind(row.token_sha256)
        .bind(row.scope)
        .bind(row.created_at)
        .bind(row.expires_at)
        .execute(&mut *tx)
        .await?;
    for record in record_ids {
        sqlx::query("INSERT INTO share_link_records (share_id, record_id) VALUES ($1, $2)")
            .bind(row.id)
            .bind(record)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Which of `ids` are records of `patient` (the others are unknown or someone else's, and the
/// caller must not learn which).
pub async fn own_records(db: &Db, patient: UserId, ids: &[String]) -> Result<Vec<String>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filters::default();
    f.and("patient_id = ?", [Bind::Text(patient.to_string())]);
    let marks = vec!["?"; ids.len()].join(", ");
    f.and(&format!("id IN ({marks})"), ids.iter().map(|i| Bind::Text(i.clone())));
    let rows = f.query(format!("SELECT id FROM records{}", f.where_clause())).fetch_all(&db.pool).await?;
    rows.iter().map(|r| r.try_get::<String, _>("id").map_err(Error::from)).collect()
}

/// The link whose token hashes to `token_sha256` (one indexed lookup, whatever the token).
pub async fn by_token_hash(db: &Db, token_sha256: &str) -> Result<Option<StoredShare>, Error> {
    let row = sqlx::query(select_shares!(" WHERE token_sha256 = $1")).bind(token_sha256).fetch_optional(&db.pool).await?;
    row.as_ref().map(share_from_row).transpose()
}

/// A link by id.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<StoredShare>, Error> {
    let row = sqlx::query(select_shares!(" WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.as_ref().map(share_from_row).transpose()
}

/// A patient's links, newest first, after a `(created_at, id)` cursor.
pub async fn of_patient(db: &Db, patient: UserId, after: Option<(String, String)>, limit: i64) -> Result<Vec<StoredShare>, Error> {
    let mut f = Filters::default();
    f.and("patient_id = ?", [Bind::Text(patient.to_string())]);
    if let Some((at, id)) = after {
        f.and("(created_at, id) < (?, ?)", [Bind::Text(at), Bind::Text(id)]);
    }
    let limit = f.placeholder(Bind::Int(limit));
    let sql = format!(select_shares!("{} ORDER BY created_at DESC, id DESC LIMIT {}"), f.where_clause(), limit);
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(share_from_row).collect()
}

/// The records each of `shares` names, as `(share id, record id)` pairs.
pub async fn records_of(db: &Db, shares: &[String]) -> Result<Vec<(String, String)>, Error> {
    if shares.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filters::default();
    let marks = vec!["?"; shares.len()].join(", ");
    f.and(&format!("share_id IN ({marks})"), shares.iter().map(|s| Bind::Text(s.clone())));
    let sql = format!("SELECT share_id, record_id FROM share_link_records{} ORDER BY share_id, record_id", f.where_clause());
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(|r| Ok((r.try_get::<String, _>("share_id")?, r.try_get::<String, _>("record_id")?))).collect()
}

/// Marks a link revoked at `now` unless it is already; whether this call revoked it.
pub async fn revoke(db: &Db, id: &str, now: &str) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE share_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts a view of a working link (and when it was).
pub async fn count_view(db: &Db, id: &str, now: &str) -> Result<(), Error> {
    sqlx::query("UPDATE share_links SET views = views + 1, last_viewed_at = $2 WHERE id = $1").bind(id).bind(now).execute(&db.pool).await?;
    Ok(())
}
