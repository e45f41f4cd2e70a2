//! `careledger backup` and `careledger restore`: a clinic's database and files in one file
//! that any backend restores (see `backup`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::args::DataArgs;

/// `careledger backup --out FILE`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The backup file to write (refused if it exists). Safe while the server runs.
    #[arg(long)]
    out: PathBuf,
}

/// `careledger restore --from FILE`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The backup file to restore into the (new, empty) database this names.
    #[arg(long = "from")]
    from: PathBuf,
}

/// The backup key from the clinic's ledger key (the same data directory, or a copy of its keys).
fn key(data_dir: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let seed = crate::keys::load_existing_secret(data_dir, "ledger-signing.key")?.with_context(|| {
        format!(
            "no ledger key in {}: backups and restores need the clinic's key files (its data directory)",
            data_dir.join("keys").display()
        )
    })?;
    crate::backup::backup_key(seed.expose()).map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// Writes a backup (to `FILE.partial`, linked to FILE when complete) and records the result for the
/// health page.
pub async fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let settings = args.data.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    anyhow::ensure!(!args.out.exists(), "{} exists already: choose a new file", args.out.display());
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    let files = crate::files::FileStore::for_settings(&settings)?;
    let key = key(&settings.data_dir)?;
    // `FILE.partial`, made new (never someone else's file), then linked to FILE, which fails
    // rather than replace a file that appeared meanwhile.
    let partial = {
        let mut p = args.out.clone().into_os_string();
        p.push(".partial");
        PathBuf::from(p)
    };
    let bar = crate::cli::args::progress_bar("rows and files");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let started = std::time::Instant::now();
    let now = crate::clock::format(chrono::Utc::now());
    let written = async {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)
            .await
            .with_context(|| format!("cannot make {} (another backup to the same file may be running)", partial.display()))?;
        let mut out = tokio::io::BufWriter::new(file);
        let summary = crate::backup::write(&db, &files, &key, &now, &mut out, &progress).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        out.into_inner().sync_all().await?;
        tokio::fs::hard_link(&partial, &args.out)
            .await
            .with_context(|| format!("cannot put the backup at {} (does it exist already?)", args.out.display()))?;
        tokio::fs::remove_file(&partial).await?;
        anyhow::Ok(summary)
    }
    .await;
    bar.finish_and_clear();
    let at = crate::clock::format(chrono::Utc::now());
    match written {
        Ok(s) => {
            let detail =
                format!("{} rows in {} tables, {} files, {:.1} s", s.rows(), s.tables.len(), s.files, started.elapsed().as_secs_f64());
            if let Err(e) = crate::health::record_backup(&db, true, &detail, Some(i64::try_from(s.bytes).unwrap_or(i64::MAX)), &at).await {
                eprintln!("could not record the backup for the health page: {e:?}");
            }
            println!("backup ok: {detail}, {} bytes → {}", s.bytes, args.out.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            let _ = crate::health::record_backup(&db, false, &format!("{e:#}"), None, &at).await;
            Err(e)
        }
    }
}

/// Restores a backup into an empty database, then checks the whole ledger.
pub async fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let settings = args.data.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let key = key(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    let files = crate::files::FileStore::for_settings(&settings)?;
    let bar = crate::cli::args::progress_bar("tables");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let started = std::time::Instant::now();
    let restored = crate::backup::restore(&db, &files, &key, &args.from, &progress).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    bar.finish_and_clear();
    let summary = match restored {
        Ok(s) => s,
        Err(refusal) => {
            println!("restore refused: {refusal}");
            return Ok(ExitCode::FAILURE);
        }
    };
    println!(
        "restored: {} rows in {} tables, {} files in {:.1} s",
        summary.rows(),
        summary.tables.len(),
        summary.files,
        started.elapsed().as_secs_f64()
    );
    // The check a restore ends with: every entry, block and signature, against the rows restored.
    let report = crate::cli::ledger::check(&settings, &db, &files).await?;
    Ok(crate::cli::ledger::print_report(&report, "ledger FAILED after the restore"))
}
