//! Typed configuration: what `careledger serve` needs, with secrets that never print.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A value that must never reach a log or a panic message; `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }
    /// The secret itself, for the one place that must use it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// Where the master keys come from.
#[derive(Clone, Debug)]
pub enum MasterKeySource {
    /// A keyring file (one hex key per line, the current one first).
    File(std::path::PathBuf),
    /// The keys themselves, from `CARELEDGER_MASTER_KEY` (hex, comma- or line-separated).
    Inline(Secret<String>),
}

/// Whether newly registered staff wait for an admin (`on`, the secure default) or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StaffApproval {
    /// Staff accounts stay `pending_approval` until an admin approves them.
    On,
    /// Staff accounts are active at once (demos only).
    Off,
}

/// Every default of a setting that is also a flag, written once: `careledger serve`'s flags and
/// [`Settings::new`] both read them (the rate limits' are in `ratelimit`).
pub mod defaults {
    /// The clinic's name on printed pages until `--clinic-name` says otherwise.
    pub const CLINIC_NAME: &str = "careledger clinic";
    use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

    /// `--listen`.
    pub const LISTEN: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 8080));
    /// `--data-dir`.
    pub const DATA_DIR: &str = "./data";
    /// `--max-connections`.
    pub const MAX_CONNECTIONS: u32 = 16;
    /// `--ledger-block-ms`.
    pub const LEDGER_BLOCK_MS: u64 = 1000;
    /// `--ledger-block-max-entries`.
    pub const LEDGER_BLOCK_MAX_ENTRIES: i64 = 1000;
    /// `--audit-checkpoint-ms`: ten seconds.
    pub const AUDIT_CHECKPOINT_MS: u64 = 10_000;
    /// `--audit-retention-days`: seven years (HIPAA asks six, 45 CFR 164.316(b)(2)).
    pub const AUDIT_RETENTION_DAYS: u32 = 7 * 365 + 2;
}

/// Which doctors read a patient's history (issue 11): those on the patient's care team (the
/// default), or every active doctor of the clinic. Both are audited the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ClinicianAccess {
    /// Doctors on the patient's care team (joined by writing a record, by referral, or added
    /// by the patient).
    CareTeam,
    /// Every active doctor reads every patient (a clinic that works as one team).
    Clinic,
}

/// Everything the server needs to start, already resolved from flags and environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// Folder holding key files (and the SQLite database by default).
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://…` or `postgres://…`.
    pub database_url: Secret<String>,
    /// Staff approval policy.
    pub staff_approval: StaffApproval,
    /// Which doctors read a patient's history.
    pub clinician_access: ClinicianAccess,
    /// Mark cookies `Secure` even without `X-Forwarded-Proto: https` (TLS at a proxy).
    pub cookie_secure: bool,
    /// Largest pool of database connections this copy opens.
    pub max_connections: u32,
    /// Rate limits (IP and per-user; lockout is separate and always on).
    pub limits: crate::ratelimit::Limits,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<TlsFiles>,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<axum::http::HeaderValue>,
    /// Where to send account emails (lockout notices); none by default.
    pub smtp: Option<SmtpSettings>,
    /// Where attached files go: `None` for `<data-dir>/files`, or an `s3://bucket[/prefix]` URL.
    pub file_store: Option<FileStoreSettings>,
    /// A block is sealed this often when there are new entries (milliseconds).
    pub ledger_block_ms: u64,
    /// A block covers at most this many new entries.
    pub ledger_block_max_entries: i64,
    /// The audit trail's tree head goes into the ledger this often, when it grew (milliseconds).
    pub audit_checkpoint_ms: u64,
    /// Audit rows older than this many days have their fields cleared (their hashes stay).
    pub audit_retention_days: u32,
    /// The address people reach careledger at (`https://records.clinic.example`): links in
    /// emails, and the origin forms must come from. Without it, the request's Host is used.
    pub public_url: Option<url::Url>,
    /// Where the master keys come from (`--master-key-file`, `CARELEDGER_MASTER_KEY`); `None`:
    /// `<data-dir>/keys/master.key`.
    pub master_key: Option<MasterKeySource>,
    /// Serve `/metrics` on this address too, to any caller there (a scraper on another host).
    pub metrics_listen: Option<SocketAddr>,
    /// A bearer token that lets a scraper read `/metrics` on the main address from elsewhere.
    pub metrics_token: Option<Secret<String>>,
    /// A folder of the clinic's own drug knowledge-base files, added to the shipped ones.
    pub drug_data: Option<PathBuf>,
    /// The clinic's time zone: pages show times in it unless a person chose their own.
    pub time_zone: crate::clock::Zone,
    /// The clinic's name, on printed pages.
    pub clinic_name: String,
    /// Backups the server takes by itself (`--backup-every`); none by default.
    pub backups: Option<BackupPlan>,
}

/// Backups the server takes by itself: one every `every`, the newest `keep` kept.
#[derive(Clone, Debug)]
pub struct BackupPlan {
    /// How often (`--backup-every`).
    pub every: std::time::Duration,
    /// How many scheduled backups to keep (`--backup-keep`); older ones are deleted.
    pub keep: u32,
    /// Where they go (`--backup-to`).
    pub to: BackupTarget,
    /// How often each copy looks whether a backup is due (30 s; tests shorten it).
    pub check_every: std::time::Duration,
}

/// Where scheduled backups go.
#[derive(Clone, Debug)]
pub enum BackupTarget {
    /// A local folder (created with mode 0700 when missing).
    Folder(PathBuf),
    /// An S3-compatible bucket (`s3://bucket[/prefix]`, credentials from the AWS_* variables).
    Store(FileStoreSettings),
}

impl BackupTarget {
    /// Where, in words an admin reads (never the credentials).
    pub fn describe(&self) -> String {
        match self {
            Self::Folder(dir) => dir.display().to_string(),
            Self::Store(s) => s.url.clone(),
        }
    }
}

/// A file store named by URL, with its options (credentials among them, hence redacted).
#[derive(Clone, Debug)]
pub struct FileStoreSettings {
    /// `s3://bucket[/prefix]` or `file:///path`.
    pub url: String,
    /// object_store options such as `aws_endpoint`, `aws_access_key_id`.
    pub options: Secret<Vec<(String, String)>>,
}

/// An SMTP relay for account emails.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// `smtps://user:pass@host`, `smtp://host:587?tls=required`, or plain `smtp://host:25`.
    pub url: Secret<String>,
    /// The From address.
    pub from: String,
}

/// A PEM certificate chain and its private key.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// Private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl Settings {
    /// Settings for a data directory with the defaults of `careledger serve`.
    pub fn new(data_dir: PathBuf, database_url: Option<String>) -> Self {
        let database_url = database_url.unwrap_or_else(|| default_sqlite_url(&data_dir));
        Self {
            listen: defaults::LISTEN,
            data_dir,
            database_url: Secret::new(database_url),
            staff_approval: StaffApproval::On,
            clinician_access: ClinicianAccess::CareTeam,
            cookie_secure: false,
            max_connections: defaults::MAX_CONNECTIONS,
            limits: crate::ratelimit::Limits::default(),
            tls: None,
            cors_origins: Vec::new(),
            smtp: None,
            file_store: None,
            ledger_block_ms: defaults::LEDGER_BLOCK_MS,
            audit_checkpoint_ms: defaults::AUDIT_CHECKPOINT_MS,
            audit_retention_days: defaults::AUDIT_RETENTION_DAYS,
            ledger_block_max_entries: defaults::LEDGER_BLOCK_MAX_ENTRIES,
            public_url: None,
            master_key: None,
            metrics_listen: None,
            metrics_token: None,
            drug_data: None,
            time_zone: crate::clock::Zone::system(),
            clinic_name: defaults::CLINIC_NAME.into(),
            backups: None,
        }
    }

    /// An absolute link to a path of this site for an email, from `--public-url`; without it,
    /// the path and a word on where to open it.
    pub fn public_link(&self, path_and_query: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{}{path_and_query}", base.as_str().trim_end_matches('/')),
            None => format!("{path_and_query} (at the address of your clinic's careledger)"),
        }
    }
}

/// `sqlite://<data-dir>/careledger.db`, the embedded default of DESIGN.md.
pub fn default_sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}", data_dir.join("careledger.db").display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("postgres://u:hunter2@db/x".to_string());
        assert_eq!(format!("{s:?}"), "[redacted]");
        let settings = Settings::new(PathBuf::from("/tmp/x"), Some("postgres://u:pw@h/d".into()));
        assert!(!format!("{settings:?}").contains("pw@"));
    }
}
