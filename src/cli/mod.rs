//! The command line, a file per subcommand (`serve`, `admin`, `ledger`, `keys`, `demo`, `backup`; `drugs`
//! lives with its domain). Every flag can also be given as a `CARELEDGER_*` environment variable; each default is written once (in
//! `config::defaults` or `ratelimit`).

pub mod admin;
pub mod args;
pub mod backup;
pub mod demo;
pub mod demo_data;
pub mod keys;
pub mod ledger;
pub mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use admin::AdminCommand;
use demo::DemoArgs;
use keys::KeysCommand;
use ledger::LedgerCommand;
use serve::ServeArgs;

/// careledger: medical records with a provable ledger of care.
#[derive(Debug, Parser)]
#[command(name = "careledger", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log format.
    #[arg(long, global = true, env = "CARELEDGER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Log output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

/// Subcommands.
// Built once per run from the command line; boxing the large `serve` arguments would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Administer accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Check or export the integrity ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Manage the encryption keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Load the demo clinic and add generated patients and records (demos and benchmarks).
    Demo(DemoArgs),
    /// Check the drug knowledge base's files.
    #[command(subcommand)]
    Drugs(crate::drugs::cli::DrugsCommand),
    /// Write a backup of the database and files (safe while the server runs).
    Backup(backup::BackupArgs),
    /// Restore a backup into a new, empty database (SQLite or PostgreSQL), then check the ledger.
    Restore(backup::RestoreArgs),
}

/// Runs a parsed command line; errors print as one line and exit 1.
pub fn run(cli: Cli) -> ExitCode {
    init_tracing(cli.log_format);
    // Before anything is created: every file and folder this process makes is private.
    crate::datadir::private_umask();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await.map(|()| ExitCode::SUCCESS),
            Command::Admin(AdminCommand::Create(args)) => admin::create(args).await.map(|()| ExitCode::SUCCESS),
            Command::Ledger(LedgerCommand::Verify(args)) => ledger::verify(args).await,
            Command::Ledger(LedgerCommand::ExportHead(args)) => ledger::export_head(args).await.map(|()| ExitCode::SUCCESS),
            Command::Keys(KeysCommand::Rotate(args)) => keys::rotate(args).await,
            Command::Demo(args) => demo::run(args).await.map(|()| ExitCode::SUCCESS),
            Command::Drugs(crate::drugs::cli::DrugsCommand::Check(args)) => Ok(crate::drugs::cli::check(&args)),
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CARELEDGER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
