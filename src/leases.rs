//! Leases: work that one copy at a time must do (scheduled backups) goes to the copy holding its
//! lease, a row in the shared database with a holder and an expiry. The holder renews it while
//! the work runs; a copy that dies lets it lapse and another takes it over. Decided by one
//! conditional upsert, so two copies can never both hold it (no timer race).

use crate::db::Db;
use crate::error::Error;

/// Takes the lease `name` for `holder` until `until` (RFC 3339, UTC), or renews it when `holder`
/// has it already. Returns whether `holder` holds it now: false while another holder's lease
/// has not expired at `now`.
pub async fn claim(db: &Db, name: &str, holder: &str, now: &str, until: &str) -> Result<bool, Error> {
    let done = sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE leases.expires_at < $4 OR leases.holder = $5",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .bind(now)
    .bind(holder)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the lease back (it expires at once), if `holder` still holds it.
pub async fn release(db: &Db, name: &str, holder: &str) -> Result<(), Error> {
    sqlx::query("UPDATE leases SET expires_at = '' WHERE name = $1 AND holder = $2").bind(name).bind(holder).execute(&db.pool).await?;
    Ok(())
}
