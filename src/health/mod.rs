//! The clinic's health as its administrators and Prometheus see it: the database, the ledger,
//! integrity alerts, sign-in failures, backups, and every running copy (each reports itself
//! through the database, so any copy can show them all).

pub mod api;
pub mod pages;

use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::db::Db;
use crate::error::Error;

/// How often a copy reports itself.
pub const REPORT_EVERY: std::time::Duration = std::time::Duration::from_secs(15);
/// A copy not seen for this long has stopped.
const GONE_AFTER_SECS: i64 = 60;

/// The last result of a check run outside a request.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CheckResult {
    /// When it ran (RFC 3339, UTC).
    pub at: String,
    /// Whether it passed.
    pub ok: bool,
    /// What it found, in words.
    pub detail: String,
    /// Bytes written (a backup), when it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
}

/// A running (or lately stopped) copy of careledger.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RunningCopy {
    /// Chosen by the copy at start.
    pub id: String,
    /// The machine's name.
    pub host: String,
    /// careledger's version.
    pub version: String,
    /// When it started.
    pub started_at: String,
    /// When it last reported (every 15 s).
    pub seen_at: String,
    /// Whether it reported within the last minute.
    pub live: bool,
    /// Requests since it started.
    pub requests: i64,
    /// Server errors (5xx) since it started.
    pub errors: i64,
    /// Requests per minute over its last report.
    pub requests_per_min: i64,
    /// Server errors per minute over its last report.
    pub errors_per_min: i64,
}

/// What `GET /api/v1/admin/status` answers and the health page shows.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Health {
    /// When this was measured.
    pub at: String,
    /// Whether the database answered.
    pub database_up: bool,
    /// How long `SELECT 1` took, in milliseconds.
    pub database_latency_ms: f64,
    /// Entries in the ledger.
    pub ledger_entries: i64,
    /// Entries written but not yet sealed into a signed block.
    pub ledger_unsealed: i64,
    /// The latest block's height, size and time, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_block: Option<LatestBlock>,
    /// The last full ledger check (`careledger ledger verify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_verify: Option<CheckResult>,
    /// Integrity alerts raised (a file or an entry that no longer matches its hash).
    pub integrity_alerts: i64,
    /// When the latest one was raised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_alert_at: Option<String>,
    /// Sign-ins refused in the last 24 hours (wrong password or code, paused account).
    pub failed_sign_ins_last_day: i64,
    /// Sign-ins refused in the last 24 hours because the account was paused.
    pub lockouts_last_day: i64,
    /// Accounts paused now.
    pub accounts_locked_now: i64,
    /// The last backup (taken by the schedule or by `careledger backup`), passed or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_backup: Option<CheckResult>,
    /// The last backup that passed, when the last one failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_good_backup: Option<CheckResult>,
    /// Backups the server takes by itself (`--backup-every`), when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_schedule: Option<BackupSchedule>,
    /// Every copy seen in the last day, newest report first.
    pub copies: Vec<RunningCopy>,
}

/// The backup schedule, as this copy was started with it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BackupSchedule {
    /// Hours between backups (`--backup-every`).
    pub every_hours: f64,
    /// Scheduled backups kept (`--backup-keep`).
    pub keep: u32,
    /// The folder or bucket they go to.
    pub to: String,
    /// When the next one is due (RFC 3339, UTC): now, if none was taken yet.
    pub next_at: String,
}

impl BackupSchedule {
    /// How often, in words every language here writes alike: `24 h`, `1 h 30 min`, `45 min`.
    pub fn every_words(&self) -> String {
        let minutes = (self.every_hours * 60.0).round() as i64;
        match (minutes / 60, minutes % 60) {
            (0, m) => format!("{m} min"),
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        }
    }
}

/// A block, briefly.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LatestBlock {
    /// 0 for the first.
    pub height: i64,
    /// Entries it covers.
    pub tree_size: i64,
    /// When it was sealed.
    pub sealed_at: String,
}

/// What a copy says about itself when it reports.
#[derive(Clone, Debug)]
pub struct Report {
    /// Its id.
    pub id: String,
    /// The machine's name.
    pub host: String,
    /// When it started.
    pub started_at: String,
    /// Requests and server errors since it started.
    pub requests: u64,
    /// Server errors since it started.
    pub errors: u64,
    /// Per minute over the last report.
    pub requests_per_min: u64,
    /// Per minute over the last report.
    pub errors_per_min: u64,
}

/// Saves a copy's report (one row per copy, replaced each time).
pub async fn report(db: &Db, r: &Report, now: &str) -> Result<(), Error> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO copies (id, host, version, started_at, seen_at, requests, errors, requests_per_min, errors_per_min) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET seen_at = $5, requests = $6, errors = $7, requests_per_min = $8, errors_per_min = $9",
    )
    .bind(&r.id)
    .bind(&r.host)
    .bind(env!("CARGO_PKG_VERSION"))
    .bind(&r.started_at)
    .bind(now)
    .bind(n(r.requests))
    .bind(n(r.errors))
    .bind(n(r.requests_per_min))
    .bind(n(r.errors_per_min))
    .execute(&db.pool)
    .await?;
    // Copies gone for a week are forgotten.
    let week_ago = crate::clock::parse(now).map(|t| crate::clock::format(t - chrono::Duration::days(7))).unwrap_or_default();
    sqlx::query("DELETE FROM copies WHERE seen_at < $1").bind(week_ago).execute(&db.pool).await?;
    Ok(())
}

/// Records the result of a check (`ledger_verify`, `backup`), replacing the previous one.
pub async fn record_check(db: &Db, kind: &str, ok: bool, detail: &str, size: Option<i64>, now: &str) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO ops_checks (kind, at, ok, detail, size) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (kind) DO UPDATE SET at = $2, ok = $3, detail = $4, size = $5",
    )
    .bind(kind)
    .bind(now)
    .bind(i64::from(ok))
    .bind(detail)
    .bind(size)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Records a backup's result (`backup`); a good one is also kept as `backup_good`, so a failure
/// after it does not hide when the clinic last had a backup (the alert on backups' age reads it).
pub async fn record_backup(db: &Db, ok: bool, detail: &str, size: Option<i64>, now: &str) -> Result<(), Error> {
    record_check(db, "backup", ok, detail, size, now).await?;
    if ok {
        record_check(db, "backup_good", ok, detail, size, now).await?;
    }
    Ok(())
}

/// After a failed backup, the schedule tries again this soon (or at its interval, if sooner).
const BACKUP_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(900);

/// When the next scheduled backup is due after `last` (its time and whether it passed); `None`:
/// now (there was none).
pub fn next_backup_due(
    last: Option<(chrono::DateTime<chrono::Utc>, bool)>,
    every: std::time::Duration,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let (at, ok) = last?;
    let wait = if ok { every } else { every.min(BACKUP_RETRY_AFTER) };
    // Saturating: a schedule longer than the calendar has room for is never due again.
    Some(chrono::Duration::from_std(wait).ok().and_then(|w| at.checked_add_signed(w)).unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC))
}

/// The last backup that passed: `backup_good`, or (a database from before it was kept apart)
/// the last backup when it passed.
pub async fn last_good_backup(db: &Db) -> Result<Option<CheckResult>, Error> {
    match last_check(db, "backup_good").await? {
        Some(c) => Ok(Some(c)),
        None => Ok(last_check(db, "backup").await?.filter(|c| c.ok)),
    }
}

/// The last result of a check (`backup`, `ledger_verify`), if it ever ran.
pub async fn last_check(db: &Db, kind: &str) -> Result<Option<CheckResult>, Error> {
    let row = sqlx::query("SELECT at, ok, detail, size FROM ops_checks WHERE kind = $1").bind(kind).fetch_optional(&db.pool).await?;
    Ok(match row {
        Some(r) => Some(CheckResult {
            at: r.try_get("at")?,
            ok: r.try_get::<i64, _>("ok")? != 0,
            detail: r.try_get("detail")?,
            size: r.try_get("size")?,
        }),
        None => None,
    })
}

/// The health of the clinic now (admins).
#[tracing::instrument(skip_all)]
pub async fn status(ctx: &Ctx) -> Result<Health, Error> {
    let now = ctx.clock.now();
    let at = crate::clock::format(now);
    let started = std::time::Instant::now();
    let database_up = ctx.db.ping().await;
    let database_latency_ms = (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
    let db = &ctx.db;
    let ledger_entries = crate::ledger::store::committed_size(db).await?;
    let head = crate::ledger::store::head(db).await?;
    let sealed = head.as_ref().map(|b| b.tree_size).unwrap_or(0);
    let (integrity_alerts, latest_alert_at): (i64, Option<String>) =
        sqlx::query_as("SELECT COUNT(*), MAX(at) FROM integrity_alerts").fetch_one(&db.pool).await?;
    let day_ago = crate::clock::format(now - chrono::Duration::days(1));
    let (failed, locked) = sign_in_refusals(db, &day_ago).await?;
    let accounts_locked_now: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE locked_until IS NOT NULL AND locked_until > $1")
        .bind(&at)
        .fetch_one(&db.pool)
        .await?;
    let copies = copies(db, now).await?;
    let last_backup = last_check(db, "backup").await?;
    Ok(Health {
        at,
        database_up,
        database_latency_ms,
        ledger_entries,
        ledger_unsealed: (ledger_entries - sealed).max(0),
        latest_block: head.map(|b| LatestBlock { height: b.height, tree_size: b.tree_size, sealed_at: b.created_at }),
        last_verify: last_check(db, "ledger_verify").await?,
        integrity_alerts,
        latest_alert_at,
        failed_sign_ins_last_day: failed,
        lockouts_last_day: locked,
        accounts_locked_now,
        last_backup: last_backup.clone(),
        last_good_backup: match &last_backup {
            Some(b) if !b.ok => last_good_backup(db).await?,
            _ => None,
        },
        backup_schedule: ctx.settings.backups.as_ref().map(|plan| {
            let last = last_backup.as_ref().and_then(|c| crate::clock::parse(&c.at).map(|t| (t, c.ok)));
            BackupSchedule {
                every_hours: plan.every.as_secs_f64() / 3600.0,
                keep: plan.keep,
                to: plan.to.describe(),
                next_at: crate::clock::format(next_backup_due(last, plan.every).unwrap_or(now).max(now)),
            }
        }),
        copies,
    })
}

/// Refused sign-ins since `since`, and those of them refused because the account was paused.
/// Found through the trail's time index (the first row since then), then its action index from
/// that row on, so the count reads one day's sign-ins, not the trail's whole history.
async fn sign_in_refusals(db: &Db, since: &str) -> Result<(i64, i64), Error> {
    let first: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM audit_log WHERE at >= $1").bind(since).fetch_one(&db.pool).await?;
    let Some(first) = first else { return Ok((0, 0)) };
    let rows = sqlx::query("SELECT outcome, COUNT(*) AS n FROM audit_log WHERE action = 'auth.sign_in' AND seq >= $1 GROUP BY outcome")
        .bind(first)
        .fetch_all(&db.pool)
        .await?;
    let (mut failed, mut locked) = (0, 0);
    for row in rows {
        let outcome: String = row.try_get("outcome")?;
        let n: i64 = row.try_get("n")?;
        if !matches!(outcome.as_str(), "success" | "mfa_required") {
            failed += n;
        }
        if outcome == "locked" {
            locked += n;
        }
    }
    Ok((failed, locked))
}

async fn copies(db: &Db, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<RunningCopy>, Error> {
    let day_ago = crate::clock::format(now - chrono::Duration::days(1));
    let rows = sqlx::query(
        "SELECT id, host, version, started_at, seen_at, requests, errors, requests_per_min, errors_per_min FROM copies \
         WHERE seen_at >= $1 ORDER BY seen_at DESC, id LIMIT 100",
    )
    .bind(day_ago)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let seen_at: String = r.try_get("seen_at")?;
            let live = crate::clock::parse(&seen_at).is_some_and(|t| (now - t).num_seconds() <= GONE_AFTER_SECS);
            Ok(RunningCopy {
                id: r.try_get("id")?,
                host: r.try_get("host")?,
                version: r.try_get("version")?,
                started_at: r.try_get("started_at")?,
                seen_at,
                live,
                requests: r.try_get("requests")?,
                errors: r.try_get("errors")?,
                requests_per_min: r.try_get("requests_per_min")?,
                errors_per_min: r.try_get("errors_per_min")?,
            })
        })
        .collect()
}

/// The clinic's numbers for Prometheus (gauges, read at each scrape): active users by role,
/// records, open prescriptions, ledger entries and the age of the oldest unsealed one, audit
/// trail entries, integrity alerts, the last backup and ledger check. Prometheus text format.
#[tracing::instrument(skip_all)]
pub async fn gauges(ctx: &Ctx) -> String {
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, values: &[(String, f64)]| {
        out.push_str(&format!("# HELP careledger_{name} {help}\n# TYPE careledger_{name} gauge\n"));
        for (labels, v) in values {
            out.push_str(&format!("careledger_{name}{labels} {v}\n"));
        }
    };
    let up = ctx.db.ping().await;
    gauge("database_up", "1 when the database answers.", &[(String::new(), if up { 1.0 } else { 0.0 })]);
    if !up {
        return out;
    }
    match business(ctx).await {
        Ok(b) => {
            let roles: Vec<(String, f64)> = b.users.iter().map(|(role, n)| (format!("{{role=\"{role}\"}}"), *n as f64)).collect();
            gauge("users", "Active accounts by role.", &roles);
            gauge("records", "Clinical records.", &[(String::new(), b.records as f64)]);
            gauge(
                "prescriptions_open",
                "Prescriptions issued and not yet dispensed or cancelled.",
                &[(String::new(), b.open_prescriptions as f64)],
            );
            gauge("ledger_entries", "Entries in the ledger.", &[(String::new(), b.ledger_entries as f64)]);
            gauge(
                "ledger_unsealed_oldest_seconds",
                "Age of the oldest entry not yet sealed into a signed block (0 when all are sealed).",
                &[(String::new(), b.unsealed_oldest_seconds)],
            );
            gauge(
                "audit_entries",
                "Entries in the audit trail's chain (purged rows included).",
                &[(String::new(), b.audit_entries as f64)],
            );
            gauge("integrity_alerts", "Integrity alerts raised.", &[(String::new(), b.integrity_alerts as f64)]);
            gauge(
                "last_backup_timestamp_seconds",
                "When the last successful backup finished (0: never).",
                &[(String::new(), b.last_backup_at)],
            );
            gauge(
                "last_verify_ok",
                "1 when the last ledger check passed, 0 when it failed or never ran.",
                &[(String::new(), b.last_verify_ok)],
            );
        }
        Err(e) => tracing::warn!(error = ?e, "could not read the clinic's numbers for /metrics"),
    }
    out
}

struct Business {
    users: Vec<(String, i64)>,
    records: i64,
    open_prescriptions: i64,
    ledger_entries: i64,
    unsealed_oldest_seconds: f64,
    audit_entries: i64,
    integrity_alerts: i64,
    last_backup_at: f64,
    last_verify_ok: f64,
}

async fn business(ctx: &Ctx) -> Result<Business, Error> {
    let db = &ctx.db;
    let rows = sqlx::query("SELECT role, COUNT(*) AS n FROM users WHERE status = 'active' GROUP BY role ORDER BY role")
        .fetch_all(&db.pool)
        .await?;
    let users = rows.iter().map(|r| Ok((r.try_get("role")?, r.try_get("n")?))).collect::<Result<Vec<_>, Error>>()?;
    let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records").fetch_one(&db.pool).await?;
    let open_prescriptions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM prescriptions WHERE status = 'open'").fetch_one(&db.pool).await?;
    let ledger_entries = crate::ledger::store::committed_size(db).await?;
    let sealed = crate::ledger::store::head(db).await?.map(|b| b.tree_size).unwrap_or(0);
    let oldest: Option<String> =
        sqlx::query_scalar("SELECT MIN(created_at) FROM ledger_entries WHERE idx >= $1").bind(sealed).fetch_one(&db.pool).await?;
    let now = ctx.clock.now();
    let unsealed_oldest_seconds =
        oldest.as_deref().and_then(crate::clock::parse).map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0).unwrap_or(0.0);
    let audit_entries: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log").fetch_one(&db.pool).await?;
    let integrity_alerts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM integrity_alerts").fetch_one(&db.pool).await?;
    let backup = last_good_backup(db).await?;
    let last_backup_at = backup.filter(|b| b.ok).and_then(|b| crate::clock::parse(&b.at)).map(|t| t.timestamp() as f64).unwrap_or(0.0);
    let last_verify_ok = if last_check(db, "ledger_verify").await?.is_some_and(|c| c.ok) { 1.0 } else { 0.0 };
    Ok(Business {
        users,
        records,
        open_prescriptions,
        ledger_entries,
        unsealed_oldest_seconds,
        audit_entries: audit_entries.unwrap_or(0),
        integrity_alerts,
        last_backup_at,
        last_verify_ok,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_backup_is_tried_again_sooner() {
        let at: chrono::DateTime<chrono::Utc> = "2026-11-28T00:00:00Z".parse().unwrap();
        let day = std::time::Duration::from_secs(86_400);
        assert_eq!(next_backup_due(None, day), None, "never backed up: due now");
        assert_eq!(next_backup_due(Some((at, true)), day), Some(at + chrono::Duration::days(1)));
        assert_eq!(next_backup_due(Some((at, false)), day), Some(at + chrono::Duration::minutes(15)));
        assert_eq!(next_backup_due(Some((at, false)), std::time::Duration::from_secs(60)), Some(at + chrono::Duration::minutes(1)));
        // Far beyond the calendar: never due, and no overflow.
        assert_eq!(next_backup_due(Some((at, true)), std::time::Duration::MAX), Some(chrono::DateTime::<chrono::Utc>::MAX_UTC));
    }
}
