//! `careledger keys rotate`: a new master key, and every patient's data key re-wrapped under
//! it, while the servers run.
//!
//! The order makes every step safe to interrupt. (1) The new key is written first in the
//! keyring file, the old one kept after it: from then on every copy wraps new data keys under
//! the new key (a copy re-reads the file before wrapping) and still opens keys wrapped under
//! either. (2) The data keys still under an older key are re-wrapped in batches, each batch one
//! transaction, each row compare-and-set on its old key id, so a data key is always wrapped
//! under a key the file holds. (3) Only when none is left is the old key taken out of the file.
//! A rerun after an interruption sees a keyring of several keys and goes on with (2) under the
//! first one, without making yet another key.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use sqlx::Row;

use crate::cli::args::DataArgs;
use crate::config::Secret;
use crate::vault::{self, MasterKeySource, Vault};

/// `careledger keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new master key and re-wrap every patient's data key under it (servers may run).
    Rotate(RotateArgs),
}

/// `careledger keys rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Data keys re-wrapped per transaction.
    #[arg(long, default_value_t = 500)]
    pub batch_size: i64,
    /// Stop after this many batches, as an interruption would (for testing resumption).
    #[arg(long, hide = true)]
    pub stop_after_batches: Option<u64>,
    /// Milliseconds to wait, once nothing is left under an older key, for wraps a copy began
    /// under the old keyring (longer than a write can wait for the database's lock).
    #[arg(long, hide = true, default_value_t = 10_000)]
    pub settle_ms: u64,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Runs the rotation; exit 0 when every data key is under the new master key.
pub async fn rotate(args: RotateArgs) -> anyhow::Result<ExitCode> {
    let settings = args.data.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    // Never makes a first key: a server makes it (rotation needs one to rotate from).
    if settings.master_key.is_none() {
        let default = settings.data_dir.join("keys").join(vault::MASTER_KEY_FILE);
        anyhow::ensure!(
            default.exists(),
            "{} does not exist: start careledger once (it makes the first key), or give --master-key-file",
            default.display()
        );
    }
    let vault = Vault::open(&settings.data_dir, settings.master_key.as_ref(), &db, false).await?;
    let file = match vault.source() {
        MasterKeySource::File(path) => Some(path.clone()),
        MasterKeySource::Inline(_) => None,
    };
    match &file {
        Some(path) => {
            let ring = vault::read_ring_hex(path)?;
            if ring.len() == 1 {
                let mut keys = vec![vault::random_key_hex()];
                keys.extend(ring);
                vault::write_ring_file(path, &keys)?;
                eprintln!("A new master key is first in {}; re-wrapping the data keys under it.", path.display());
            } else {
                eprintln!("{} already holds a new key first (an earlier rotation was interrupted): finishing it.", path.display());
            }
            vault.reload().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        None => {
            anyhow::ensure!(
                vault.key_ids().len() > 1,
                "CARELEDGER_MASTER_KEY holds one key: give every copy the new key first, then the old one \
                 (CARELEDGER_MASTER_KEY=<new>,<old>), and run this again"
            );
        }
    }
    let current = vault.key_ids().first().cloned().context("empty keyring")?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patient_keys WHERE wrapped_key IS NOT NULL AND master_key_id <> $1")
        .bind(&current)
        .fetch_one(&db.pool)
        .await?;
    let bar = crate::cli::args::progress_bar("data keys");
    bar.set_length(total.max(0) as u64);
    let mut rewrapped = 0u64;
    let mut batches = 0u64;
    let mut settled = false;
    loop {
        let n = with_retries(|| rewrap_batch(&db, &vault, &current, args.batch_size.max(1))).await?;
        rewrapped += n;
        bar.inc(n);
        if n > 0 {
            batches += 1;
            if args.stop_after_batches.is_some_and(|stop| batches >= stop) {
                bar.abandon();
                eprintln!(
                    "Stopped after {batches} batch(es) ({rewrapped} data keys) as asked; run `careledger keys rotate` again to finish."
                );
                return Ok(ExitCode::from(3));
            }
            continue;
        }
        if settled {
            break;
        }
        // Nothing left: wait once for wraps begun under the old keyring (a copy that read it
        // just before step 1 and was storing a first data key: longer than its write can wait
        // for the database's lock), then look again.
        tokio::time::sleep(std::time::Duration::from_millis(args.settle_ms)).await;
        settled = true;
    }
    bar.finish_and_clear();
    let retired: Vec<String> = vault.key_ids().into_iter().skip(1).collect();
    match &file {
        Some(path) => {
            let ring = vault::read_ring_hex(path)?;
            let keys: Vec<Secret<String>> = ring.iter().take(1).map(|k| Secret::new(k.expose().clone())).collect();
            vault::write_ring_file(path, &keys)?;
            // A straggler stored under a retiring key after all: the ring goes back as it was
            // (nothing unreadable), and a rerun finishes.
            let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patient_keys WHERE wrapped_key IS NOT NULL AND master_key_id <> $1")
                .bind(&current)
                .fetch_one(&db.pool)
                .await?;
            if left > 0 {
                vault::write_ring_file(path, &ring)?;
                anyhow::bail!("{left} data key(s) were stored under the old key while rotating; the old key is kept: run this again");
            }
            println!(
                "keys rotated: {rewrapped} data keys re-wrapped under master key {current}; retired {} (removed from {})",
                retired.join(", "),
                path.display()
            );
        }
        None => println!(
            "keys rotated: {rewrapped} data keys re-wrapped under master key {current}; remove the retired key(s) {} from \
             CARELEDGER_MASTER_KEY on every copy",
            retired.join(", ")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a database step again (up to five times, waiting longer each time) when it fails, as
/// it may while the servers hold the database's write lock.
async fn with_retries<F, Fut>(step: F) -> anyhow::Result<u64>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<u64>>,
{
    let mut wait = std::time::Duration::from_millis(200);
    for _ in 0..4 {
        match step().await {
            Ok(n) => return Ok(n),
            Err(e) => {
                tracing::warn!(error = %e, "a batch failed; trying again");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
    step().await
}

/// Re-wraps up to `limit` data keys not yet under `current`, in one transaction; returns how
/// many. Each update is conditional on the key id read, so a key re-wrapped or destroyed
/// meanwhile is left as it is.
async fn rewrap_batch(db: &crate::db::Db, vault: &Vault, current: &str, limit: i64) -> anyhow::Result<u64> {
    let rows = sqlx::query(
        "SELECT patient_id, wrapped_key, master_key_id FROM patient_keys \
         WHERE wrapped_key IS NOT NULL AND master_key_id <> $1 ORDER BY patient_id LIMIT $2",
    )
    .bind(current)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = db.pool.begin().await?;
    for r in &rows {
        let patient: String = r.try_get("patient_id")?;
        let wrapped: String = r.try_get("wrapped_key")?;
        let old: String = r.try_get("master_key_id")?;
        let (new_wrapped, new_id) = vault.rewrap(&wrapped, &old, &patient).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        sqlx::query("UPDATE patient_keys SET wrapped_key = $1, master_key_id = $2 WHERE patient_id = $3 AND master_key_id = $4 AND wrapped_key = $5")
            .bind(&new_wrapped)
            .bind(&new_id)
            .bind(&patient)
            .bind(&old)
            .bind(&wrapped)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}
