//! Scheduled backups (`serve --backup-every`): every copy looks now and then whether a backup is
//! due (the last one is older than the schedule says); the copy that takes the `backup` lease
//! writes it into a folder or an S3-compatible bucket, deletes the scheduled backups beyond
//! `--backup-keep`, and records the result where admins see it (the health page and
//! `GET /api/v1/admin/status`). Backups are written through object_store's multipart writer, so
//! a backup is either whole under its name or not there at all.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use object_store::ObjectStore;
use object_store::path::Path;
use tokio::io::AsyncWriteExt;

use crate::config::{BackupPlan, BackupTarget};
use crate::context::Ctx;
use crate::error::Error;

/// The lease's name.
const LEASE: &str = "backup";
/// How long a lease lasts unless renewed (renewed every third of it while a backup runs).
const LEASE_FOR: Duration = Duration::from_secs(300);
/// What scheduled backups are called: `careledger-20261128T034811Z.backup`.
const PREFIX: &str = "careledger-";
const SUFFIX: &str = ".backup";

/// A backup's name for the time it was taken (UTC, sortable).
pub fn name_at(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format("%Y%m%dT%H%M%SZ"))
}

/// Whether `name` is one this schedule wrote (the only files it will ever delete).
pub fn is_scheduled_name(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|s| s.strip_suffix(SUFFIX))
        .is_some_and(|stamp| stamp.len() == 16 && chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").is_ok())
}

/// The store a target names (a folder is made when missing, private to careledger).
pub fn open_target(target: &BackupTarget) -> anyhow::Result<Arc<dyn ObjectStore>> {
    Ok(match target {
        BackupTarget::Folder(dir) => crate::files::FileStore::local(dir)?.object_store(),
        BackupTarget::Store(s) => crate::files::FileStore::from_url(&s.url, s.options.expose())?.object_store(),
    })
}

/// Refuses a target that would put backups among the stored files (each backup would then
/// hold the ones before it), and checks that it opens (a folder is made).
pub fn check_target(settings: &crate::config::Settings, target: &BackupTarget) -> anyhow::Result<()> {
    let clash = match (target, &settings.file_store) {
        (BackupTarget::Folder(dir), None) => {
            let files = settings.data_dir.join("files");
            let absolute = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
            absolute(dir).starts_with(absolute(&files))
        }
        (BackupTarget::Store(b), Some(f)) => {
            let (b, f) = (b.url.trim_end_matches('/'), f.url.trim_end_matches('/'));
            b == f || b.starts_with(&format!("{f}/"))
        }
        _ => false,
    };
    anyhow::ensure!(!clash, "--backup-to {}: backups cannot go inside the file store; choose another place", target.describe());
    if let BackupTarget::Folder(dir) = target {
        anyhow::ensure!(!dir.exists() || dir.is_dir(), "--backup-to {}: this is a file, not a folder", target.describe());
    }
    open_target(target).map_err(|e| anyhow::anyhow!("--backup-to {}: {e:#}", target.describe()))?;
    // Spelt another way (`x/../files`, a symbolic link), the folder may still be the file store's.
    if let (BackupTarget::Folder(dir), None) = (target, &settings.file_store) {
        let files = settings.data_dir.join("files");
        let inside = match (std::fs::canonicalize(dir), std::fs::canonicalize(&files)) {
            (Ok(d), Ok(f)) => d.starts_with(f),
            _ => false,
        };
        anyhow::ensure!(
            !inside,
            "--backup-to {}: this folder is inside the file store ({}); choose another place",
            target.describe(),
            files.display()
        );
    }
    Ok(())
}

/// Runs the schedule for as long as the server does (a task of `serve`).
pub async fn run(state: Ctx, plan: BackupPlan) {
    let holder = uuid::Uuid::now_v7().to_string();
    let mut tick = tokio::time::interval(plan.check_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = once(&state, &plan, &holder).await {
            tracing::warn!(error = ?e, "could not run the backup schedule");
        }
    }
}

/// One look: takes a backup if one is due and this copy gets the lease. Returns whether it did.
async fn once(state: &Ctx, plan: &BackupPlan, holder: &str) -> Result<bool, Error> {
    let db = &state.db;
    let due = |last: Option<crate::health::CheckResult>| {
        let last = last.and_then(|c| crate::clock::parse(&c.at).map(|at| (at, c.ok)));
        crate::health::next_backup_due(last, plan.every).is_none_or(|at| at <= state.clock.now())
    };
    if !due(crate::health::last_check(db, "backup").await?) {
        return Ok(false);
    }
    let lease_until = || {
        let now = state.clock.now();
        (crate::clock::format(now), crate::clock::format(now + chrono::Duration::from_std(LEASE_FOR).unwrap_or_default()))
    };
    let (now, until) = lease_until();
    if !crate::leases::claim(db, LEASE, holder, &now, &until).await? {
        return Ok(false);
    }
    // Another copy may have finished one between the look and the lease.
    if !due(crate::health::last_check(db, "backup").await?) {
        crate::leases::release(db, LEASE, holder).await?;
        return Ok(false);
    }
    // Renewed while the backup runs, so a long one is not taken over; lapses if this copy dies.
    let renewer = {
        let (db, holder, clock) = (db.clone(), holder.to_string(), state.clock.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(LEASE_FOR / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                let now = clock.now();
                let until = crate::clock::format(now + chrono::Duration::from_std(LEASE_FOR).unwrap_or_default());
                if let Err(e) = crate::leases::claim(&db, LEASE, &holder, &crate::clock::format(now), &until).await {
                    tracing::warn!(error = ?e, "could not renew the backup lease");
                }
            }
        })
    };
    let started = std::time::Instant::now();
    let taken_at = state.clock.now();
    let result = take(state, plan, taken_at).await;
    renewer.abort();
    let at = crate::clock::format(state.clock.now());
    match &result {
        Ok((name, s)) => {
            let detail = format!(
                "{name} in {}: {} rows in {} tables, {} files, {:.1} s",
                plan.to.describe(),
                s.rows(),
                s.tables.len(),
                s.files,
                started.elapsed().as_secs_f64()
            );
            tracing::info!(backup = %name, to = %plan.to.describe(), bytes = s.bytes, rows = s.rows(), files = s.files, "scheduled backup written");
            crate::health::record_backup(db, true, &detail, Some(i64::try_from(s.bytes).unwrap_or(i64::MAX)), &at).await?;
        }
        Err(e) => {
            tracing::error!(error = ?e, "scheduled backup failed");
            let detail = format!("scheduled backup into {} failed: {}", plan.to.describe(), failure_words(e));
            crate::health::record_backup(db, false, &detail, None, &at).await?;
        }
    }
    crate::leases::release(db, LEASE, holder).await?;
    result.map(|_| true)
}

/// A failure in words for admins (an internal error's chain, which names no patient data).
fn failure_words(e: &Error) -> String {
    match e {
        Error::Internal(e) => format!("{e:#}"),
        other => format!("{other}"),
    }
}

/// Writes one backup under its time's name, then deletes scheduled backups beyond `keep`.
async fn take(state: &Ctx, plan: &BackupPlan, at: DateTime<Utc>) -> Result<(String, super::Summary), Error> {
    let store = open_target(&plan.to).map_err(Error::Internal)?;
    let seed = crate::keys::load_existing_secret(&state.settings.data_dir, "ledger-signing.key")
        .map_err(Error::Internal)?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no ledger key in the data directory")))?;
    let key = super::backup_key(seed.expose())?;
    let name = name_at(at);
    let mut out = object_store::buffered::BufWriter::new(store.clone(), Path::from(name.as_str()));
    let written = super::write(&state.db, &state.files, &key, &crate::clock::format(at), &mut out, &|_, _| {}).await;
    let summary = match written {
        Ok(s) => {
            // A failed shutdown has cleaned up already (and the writer cannot be aborted after it).
            if let Err(e) = out.shutdown().await {
                return Err(Error::Internal(anyhow::anyhow!("cannot finish {name}: {e}")));
            }
            s
        }
        Err(e) => {
            let _ = out.abort().await;
            return Err(e);
        }
    };
    prune(&store, &plan.to, plan.keep).await?;
    Ok((name, summary))
}

/// The scheduled backups in a store, oldest first (other files there are not looked at).
pub async fn list(store: &Arc<dyn ObjectStore>) -> Result<Vec<String>, Error> {
    use futures_util::TryStreamExt;
    let found: Vec<object_store::ObjectMeta> =
        store.list(None).try_collect().await.map_err(|e| Error::Internal(anyhow::anyhow!("cannot list the backups: {e}")))?;
    let mut names: Vec<String> =
        found.into_iter().map(|m| m.location.to_string()).filter(|n| !n.contains('/') && is_scheduled_name(n)).collect();
    names.sort();
    Ok(names)
}

/// Whether `name` is what a scheduled backup cut short left behind: object_store's staging file
/// for a folder (`careledger-<time>.backup#<n>`), made by a copy that died mid-write.
fn is_staging_name(name: &str) -> bool {
    name.split_once('#').is_some_and(|(base, n)| is_scheduled_name(base) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Deletes the oldest scheduled backups beyond the newest `keep`, and what an earlier attempt
/// cut short left behind (this copy holds the lease: no other backup is being written).
async fn prune(store: &Arc<dyn ObjectStore>, target: &BackupTarget, keep: u32) -> Result<(), Error> {
    // object_store does not list its own staging files: a folder is read directly. (An S3
    // upload cut short leaves no object, only parts the bucket's lifecycle rules expire.)
    if let BackupTarget::Folder(dir) = target {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::Internal(anyhow::anyhow!("cannot read {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            if entry.file_name().to_str().is_some_and(is_staging_name)
                && let Err(e) = std::fs::remove_file(entry.path())
            {
                tracing::warn!(error = %e, "could not delete a backup cut short");
            }
        }
    }
    let names = list(store).await?;
    let extra = names.len().saturating_sub(keep as usize);
    for name in &names[..extra] {
        use object_store::ObjectStoreExt;
        match store.delete(&Path::from(name.as_str())).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(Error::Internal(anyhow::anyhow!("cannot delete the old backup {name}: {e}"))),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_only_ours_are_ours() {
        let a = name_at("2026-11-28T03:48:11Z".parse().unwrap());
        let b = name_at("2026-11-28T13:00:00Z".parse().unwrap());
        assert_eq!(a, "careledger-20261128T034811Z.backup");
        assert!(a < b);
        assert!(is_scheduled_name(&a));
        for other in
            ["careledger-manual.backup", "careledger-20261128T034811Z.backup.partial", "notes.txt", "careledger-20261399T000000Z.backup"]
        {
            assert!(!is_scheduled_name(other), "{other}");
        }
        assert!(is_staging_name("careledger-20261128T034811Z.backup#3"));
        for other in ["careledger-20261128T034811Z.backup", "careledger-manual.backup#1", "careledger-20261128T034811Z.backup#", "notes#1"]
        {
            assert!(!is_staging_name(other), "{other}");
        }
    }
}
