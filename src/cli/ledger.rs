//! `careledger ledger verify` and `careledger ledger export-head`.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::cli::args::DataArgs;

/// `careledger ledger …`.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute every entry, root and signature; exit 1 and name each problem found.
    Verify(DataArgs),
    /// Print the latest signed block as JSON (to anchor it with an outside timestamp service).
    ExportHead(DataArgs),
}

/// Verifies the ledger (exit 1 and one line per problem when anything is wrong).
pub async fn verify(args: DataArgs) -> anyhow::Result<ExitCode> {
    let settings = args.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    let files = crate::files::FileStore::for_settings(&settings)?;
    let report = check(&settings, &db, &files).await?;
    // The health page and /metrics show the last result.
    let detail = if report.ok() {
        format!("{} entries, {} blocks, root {}", report.entries, report.blocks, report.root)
    } else {
        format!("{} problem(s) in {} entries, {} blocks", report.problems.len(), report.entries, report.blocks)
    };
    let now = crate::clock::format(chrono::Utc::now());
    if let Err(e) = crate::health::record_check(&db, "ledger_verify", report.ok(), &detail, None, &now).await {
        eprintln!("could not record the result for the health page: {e:?}");
    }
    Ok(print_report(&report, "ledger FAILED"))
}

/// Checks every entry, block, signature and file of the ledger, with a progress bar.
pub async fn check(
    settings: &crate::config::Settings,
    db: &crate::db::Db,
    files: &crate::files::FileStore,
) -> anyhow::Result<crate::ledger::verify::Report> {
    // Without the key (a data directory no server has used), entries are still checked; any
    // block is then reported as unverifiable.
    let keys = match crate::keys::load_existing_secret(&settings.data_dir, "ledger-signing.key")? {
        Some(seed) => Some(crate::keys::LedgerKeys::from_seed(&seed)?),
        None => None,
    };
    let bar = crate::cli::args::progress_bar("entries");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    // Never makes a key: a lost one is reported, not replaced.
    let vault = crate::vault::Vault::open(&settings.data_dir, settings.master_key.as_ref(), db, false).await?;
    let report = crate::app::verify_ledger(db, &vault, keys.as_ref().map(|k| &k.verifying), Some(files), &progress)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    bar.finish_and_clear();
    Ok(report)
}

/// Prints a ledger check: ok with its size, or each problem; the exit code it means.
pub fn print_report(report: &crate::ledger::verify::Report, failed: &str) -> ExitCode {
    if report.ok() {
        println!("ledger ok: {} entries, {} blocks, root {}", report.entries, report.blocks, report.root);
        ExitCode::SUCCESS
    } else {
        for p in &report.problems {
            println!("{p}");
        }
        println!("{failed}: {} problem(s) in {} entries, {} blocks", report.problems.len(), report.entries, report.blocks);
        ExitCode::FAILURE
    }
}

/// Prints the latest signed block as JSON with the public key.
pub async fn export_head(args: DataArgs) -> anyhow::Result<()> {
    let settings = args.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    let head = crate::ledger::store::head(&db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?.context("the ledger has no block yet")?;
    let seed = crate::keys::load_existing_secret(&settings.data_dir, "ledger-signing.key")?;
    let public_key = match seed {
        Some(s) => Some(hex::encode(crate::keys::LedgerKeys::from_seed(&s)?.verifying.as_bytes())),
        None => None,
    };
    let mut json = serde_json::to_value(&head)?;
    json["public_key"] = serde_json::json!(public_key);
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}
