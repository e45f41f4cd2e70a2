//! What several subcommands share: where the data lives, on/off switches, progress bars.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::config::Settings;

/// Where the data lives (shared by every subcommand that touches it).
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Folder for key files and, by default, the SQLite database.
    #[arg(long, env = "CARELEDGER_DATA_DIR", default_value = crate::config::defaults::DATA_DIR)]
    pub data_dir: PathBuf,
    /// Where attached files are stored: `s3://bucket[/prefix]` for any S3-compatible store,
    /// configured by the usual AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
    /// and AWS_ALLOW_HTTP variables; default the folder `<data-dir>/files`.
    #[arg(long, env = "CARELEDGER_FILE_STORE")]
    pub file_store: Option<String>,
    /// Database URL (`sqlite://PATH` or `postgres://…`); default `sqlite://<data-dir>/careledger.db`.
    /// Also read from `CARELEDGER_DATABASE_URL`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The master key file: hex keys of 256 bits, one per line, the first wrapping new data
    /// keys (`careledger keys rotate` rewrites it); default `<data-dir>/keys/master.key`,
    /// created with mode 0600 on first start. Or give the keys themselves in
    /// `CARELEDGER_MASTER_KEY` (hex, comma-separated).
    #[arg(long, env = "CARELEDGER_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
}

impl DataArgs {
    /// Settings for this data directory, database and file store, with every other default.
    pub fn settings(self) -> Settings {
        // DESIGN.md names DATABASE_URL; the CARELEDGER_ prefixed name works too.
        let url = self.database_url.or_else(|| std::env::var("CARELEDGER_DATABASE_URL").ok());
        let mut settings = Settings::new(self.data_dir, url.filter(|u| !u.is_empty()));
        // The file flag wins; the variable holds the keys themselves (never a flag: a command
        // line is visible to every user of the machine).
        settings.master_key = match (self.master_key_file, std::env::var("CARELEDGER_MASTER_KEY").ok().filter(|k| !k.trim().is_empty())) {
            (Some(path), _) => Some(crate::vault::MasterKeySource::File(path)),
            (None, Some(keys)) => Some(crate::vault::MasterKeySource::Inline(crate::config::Secret::new(keys))),
            (None, None) => None,
        };
        settings.file_store = self.file_store.filter(|u| !u.is_empty()).map(store_settings);
        settings
    }
}

/// An S3-compatible store named by URL, with the AWS_* variables every S3 tool reads passed on
/// as object_store options.
pub fn store_settings(url: String) -> crate::config::FileStoreSettings {
    let options = ["AWS_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ALLOW_HTTP"]
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_ascii_lowercase(), v)))
        .collect();
    crate::config::FileStoreSettings { url, options: crate::config::Secret::new(options) }
}

/// `on` or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Toggle {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// A progress bar on standard error (hidden when it is not a terminal).
pub fn progress_bar(unit: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)");
    indicatif::ProgressBar::new(0)
        .with_style(indicatif::ProgressStyle::with_template(&template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()))
}
