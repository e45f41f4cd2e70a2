//! `careledger serve`: its flags, how they become [`Settings`], and the running server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cli::args::{DataArgs, Toggle};
use crate::cli::demo_data;
use crate::config::{ClinicianAccess, Settings, StaffApproval, defaults};
use crate::ratelimit;

/// `careledger serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CARELEDGER_LISTEN", default_value_t = defaults::LISTEN)]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub data: DataArgs,
    /// Load a small demo clinic (once; safe to repeat) and print its logins.
    #[arg(long, env = "CARELEDGER_DEMO")]
    pub demo: bool,
    /// `on`: staff wait for an admin's approval (secure default); `off`: active at once (demos).
    #[arg(long, env = "CARELEDGER_STAFF_APPROVAL", value_enum, default_value_t = StaffApproval::On)]
    pub staff_approval: StaffApproval,
    /// `care-team`: doctors read the history of patients whose care team they are on (the
    /// default); `clinic`: every active doctor reads every patient.
    #[arg(long, env = "CARELEDGER_CLINICIAN_ACCESS", value_enum, default_value_t = ClinicianAccess::CareTeam)]
    pub clinician_access: ClinicianAccess,
    /// Mark cookies Secure even when no proxy sends `X-Forwarded-Proto: https`.
    #[arg(long, env = "CARELEDGER_COOKIE_SECURE")]
    pub cookie_secure: bool,
    /// Largest number of database connections this copy opens.
    #[arg(long, env = "CARELEDGER_MAX_CONNECTIONS", default_value_t = defaults::MAX_CONNECTIONS)]
    pub max_connections: u32,
    /// `off` turns off the per-IP and per-user request limits (benchmarks, load tests);
    /// account lockout stays on.
    #[arg(long, env = "CARELEDGER_RATE_LIMITS", value_enum, default_value_t = Toggle::On)]
    pub rate_limits: Toggle,
    /// Unauthenticated sign-in requests (`/api/v1/auth/*`, sign-in and registration forms) per
    /// IP per 15 minutes.
    #[arg(long, env = "CARELEDGER_AUTH_RATE_LIMIT", default_value_t = ratelimit::DEFAULT_AUTH_PER_IP)]
    pub auth_rate_limit: u32,
    /// Failed logins per IP per 15 minutes, across all accounts (shared by every copy).
    #[arg(long, env = "CARELEDGER_FAILED_LOGIN_LIMIT", default_value_t = ratelimit::DEFAULT_FAILED_LOGINS_PER_IP)]
    pub failed_login_limit: u32,
    /// Requests per signed-in user per minute (counted per copy).
    #[arg(long, env = "CARELEDGER_USER_RATE_LIMIT", default_value_t = ratelimit::DEFAULT_PER_USER_PER_MINUTE)]
    pub user_rate_limit: u32,
    /// Requests per IP per minute from callers who are not signed in, to every public route but
    /// /healthz, /readyz and /metrics (shared by every copy).
    #[arg(long, env = "CARELEDGER_PUBLIC_RATE_LIMIT", default_value_t = ratelimit::DEFAULT_PUBLIC_PER_IP)]
    pub public_rate_limit: u32,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "CARELEDGER_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key for --tls-cert.
    #[arg(long, env = "CARELEDGER_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// An origin allowed to call the API from a browser (CORS), e.g. https://portal.example;
    /// repeat the flag or separate with commas. None by default.
    #[arg(long = "cors-origin", env = "CARELEDGER_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Seal new ledger entries into a signed block this often (milliseconds).
    #[arg(long, env = "CARELEDGER_LEDGER_BLOCK_MS", default_value_t = defaults::LEDGER_BLOCK_MS)]
    pub ledger_block_ms: u64,
    /// A block covers at most this many new entries (a busy log seals several blocks at once).
    #[arg(long, env = "CARELEDGER_LEDGER_BLOCK_MAX_ENTRIES", default_value_t = defaults::LEDGER_BLOCK_MAX_ENTRIES)]
    pub ledger_block_max_entries: i64,
    /// Write the audit trail's tree head into the ledger this often when it grew
    /// (milliseconds); rows newer than the last head are protected by the next one.
    #[arg(long, env = "CARELEDGER_AUDIT_CHECKPOINT_MS", default_value_t = defaults::AUDIT_CHECKPOINT_MS)]
    pub audit_checkpoint_ms: u64,
    /// Keep audit rows this many days (default seven years, at least 365); older rows have their
    /// fields cleared, and their time and hashes stay so the trail still verifies.
    #[arg(long, env = "CARELEDGER_AUDIT_RETENTION_DAYS", default_value_t = defaults::AUDIT_RETENTION_DAYS,
        value_parser = clap::value_parser!(u32).range(365..))]
    pub audit_retention_days: u32,
    /// SMTP relay for account emails (lockout notices): `smtps://user:pass@host`,
    /// `smtp://host:587?tls=required`. None by default.
    #[arg(long, env = "CARELEDGER_SMTP_URL", hide_env_values = true, requires = "smtp_from")]
    pub smtp_url: Option<String>,
    /// From address of account emails, e.g. `careledger <no-reply@clinic.example>`.
    #[arg(long, env = "CARELEDGER_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// The address people reach careledger at, e.g. `https://records.clinic.example`: links in
    /// emails, and the only origin forms are accepted from. Default: the request's Host.
    #[arg(long, env = "CARELEDGER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Also serve `/metrics` on this address, to any caller there (e.g. `10.0.0.5:9100` on a
    /// monitoring network). On the main address `/metrics` answers only loopback callers, or
    /// a scraper with --metrics-token.
    #[arg(long, env = "CARELEDGER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// A bearer token that lets a scraper elsewhere read `/metrics` on the main address.
    #[arg(long, env = "CARELEDGER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// A folder of the clinic's own drug knowledge-base files (`*.csv`, the formats of
    /// `assets/drugs/`), added to the shipped ones at start; any error stops the start. Check
    /// them first with `careledger drugs check`.
    #[arg(long, env = "CARELEDGER_DRUG_DATA")]
    pub drug_data: Option<PathBuf>,
    /// The clinic's time zone for pages and emails (an IANA name such as `Europe/Madrid`);
    /// default: this machine's. Each person may choose their own on their security page.
    #[arg(long, env = "CARELEDGER_TIME_ZONE")]
    pub time_zone: Option<crate::clock::Zone>,
    /// The clinic's name, printed at the top of records, charts and prescriptions.
    #[arg(long, env = "CARELEDGER_CLINIC_NAME", default_value = defaults::CLINIC_NAME)]
    pub clinic_name: String,
    /// Take a backup this often while serving (`24h`, `6h`, `90m`; `1m` to `366d`), the first
    /// at once when there is none yet. With several copies, one at a time takes it (a lease in
    /// the database). Off by default.
    #[arg(long, env = "CARELEDGER_BACKUP_EVERY", value_parser = parse_every)]
    pub backup_every: Option<std::time::Duration>,
    /// Keep this many scheduled backups; older ones are deleted after each new one.
    #[arg(long, env = "CARELEDGER_BACKUP_KEEP", default_value_t = 7, requires = "backup_every",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub backup_keep: u32,
    /// Where scheduled backups go: a folder, or `s3://bucket[/prefix]` for an S3-compatible
    /// store (the AWS_* variables as for --file-store). Default `<data-dir>/backups`.
    #[arg(long, env = "CARELEDGER_BACKUP_TO", requires = "backup_every")]
    pub backup_to: Option<String>,
}

/// `--backup-every`: a duration such as `24h`, `6h 30m`, `90m`, at least a minute.
fn parse_every(text: &str) -> Result<std::time::Duration, String> {
    let every = humantime::parse_duration(text.trim()).map_err(|e| format!("{e} (write e.g. 24h, 6h or 90m)"))?;
    if every < std::time::Duration::from_secs(60) {
        return Err("at least 1m".into());
    }
    if every > std::time::Duration::from_secs(366 * 86_400) {
        return Err("at most a year (366d)".into());
    }
    Ok(every)
}

/// The flags of `serve`, checked and resolved: this is the one place a flag becomes a setting.
impl TryFrom<ServeArgs> for Settings {
    type Error = anyhow::Error;

    fn try_from(args: ServeArgs) -> anyhow::Result<Settings> {
        let mut settings = args.data.settings();
        settings.listen = args.listen;
        settings.staff_approval = args.staff_approval;
        settings.clinician_access = args.clinician_access;
        settings.cookie_secure = args.cookie_secure;
        settings.max_connections = args.max_connections.max(1);
        settings.limits = ratelimit::Limits {
            enabled: args.rate_limits == Toggle::On,
            auth_per_ip: args.auth_rate_limit,
            failed_logins_per_ip: args.failed_login_limit,
            per_user_per_minute: args.user_rate_limit,
            public_per_ip: args.public_rate_limit,
        };
        settings.tls = match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(crate::config::TlsFiles { cert, key }),
            _ => None,
        };
        settings.cors_origins = args
            .cors_origins
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| {
                let o = o.trim().trim_end_matches('/');
                anyhow::ensure!(o.starts_with("https://") || o.starts_with("http://"), "--cors-origin {o}: give a scheme and host");
                axum::http::HeaderValue::from_str(o).with_context(|| format!("--cors-origin {o} is not a valid origin"))
            })
            .collect::<anyhow::Result<_>>()?;
        settings.ledger_block_ms = args.ledger_block_ms.max(10);
        settings.ledger_block_max_entries = args.ledger_block_max_entries.max(1);
        settings.audit_checkpoint_ms = args.audit_checkpoint_ms.max(10);
        settings.audit_retention_days = args.audit_retention_days;
        settings.smtp = match (args.smtp_url, args.smtp_from) {
            (Some(url), Some(from)) => Some(crate::config::SmtpSettings { url: crate::config::Secret::new(url), from }),
            _ => None,
        };
        settings.public_url = match args.public_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => {
                let url = url::Url::parse(u).with_context(|| format!("--public-url {u} is not a URL"))?;
                anyhow::ensure!(matches!(url.scheme(), "http" | "https") && url.host().is_some(), "--public-url {u}: give http(s)://host");
                Some(url)
            }
            None => None,
        };
        settings.metrics_listen = args.metrics_listen;
        settings.metrics_token = args.metrics_token.filter(|t| !t.is_empty()).map(crate::config::Secret::new);
        settings.drug_data = args.drug_data;
        if let Some(zone) = args.time_zone {
            settings.time_zone = zone;
        }
        settings.clinic_name =
            Some(args.clinic_name.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| defaults::CLINIC_NAME.into());
        settings.backups = match args.backup_every {
            Some(every) => {
                let to = match args.backup_to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    Some(url) if url.starts_with("s3://") => {
                        crate::config::BackupTarget::Store(crate::cli::args::store_settings(url.into()))
                    }
                    Some(url) if url.contains("://") => anyhow::bail!("--backup-to {url}: give a folder or an s3:// URL"),
                    Some(dir) => crate::config::BackupTarget::Folder(dir.into()),
                    None => crate::config::BackupTarget::Folder(settings.data_dir.join("backups")),
                };
                Some(crate::config::BackupPlan { every, keep: args.backup_keep, to, check_every: std::time::Duration::from_secs(30) })
            }
            None => None,
        };
        if settings.metrics_token.as_ref().is_some_and(|t| t.expose().len() < 16) {
            anyhow::bail!("--metrics-token must be at least 16 characters");
        }
        Ok(settings)
    }
}

/// `careledger serve`: starts the server with the resolved settings, loads the demo clinic if
/// asked, and serves until SIGTERM or SIGINT.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let demo = args.demo;
    let settings = Settings::try_from(args)?;
    if !settings.limits.enabled {
        tracing::warn!("--rate-limits off: per-IP and per-user limits are off (lockout stays on)");
    }
    if settings.smtp.is_none() {
        tracing::info!("no --smtp-url: lock notices and unlock links are not emailed (admins unlock accounts)");
    }
    if settings.clinician_access == ClinicianAccess::Clinic {
        tracing::info!("--clinician-access clinic: every active doctor reads every patient's history");
    }
    if settings.staff_approval == StaffApproval::Off {
        tracing::warn!("--staff-approval off: staff accounts are active without an admin's approval");
    }
    let app = crate::Application::build(settings).await?;
    if demo {
        let state = app.state();
        let clinic =
            demo_data::Clinic { db: &state.db, vault: &state.vault, clock: &state.clock, signer: &state.ledger, drugs: &state.drugs };
        let logins = demo_data::load(clinic).await.context("cannot load the demo clinic")?;
        print_demo_logins(&logins);
    }
    let addr = app.local_addr()?;
    let scheme = if app.state().settings.tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, scheme, "careledger listening");
    println!("careledger is listening on {scheme}://{addr}");
    app.serve_until(crate::app::shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

fn print_demo_logins(logins: &demo_data::DemoLogins) {
    println!("Demo clinic loaded. Sign in with any of these (password for all: {}):", logins.password);
    for (role, email) in &logins.accounts {
        println!("  {role:<8} {email}");
    }
    println!("The admin and the doctors set up two-factor sign-in (an authenticator app) at first sign-in.");
    println!("Demo data only: never use these accounts for real patients.");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn backup_intervals_are_a_minute_to_a_year() {
        assert_eq!(super::parse_every("24h").unwrap(), std::time::Duration::from_secs(86_400));
        assert_eq!(super::parse_every("6h 30m").unwrap(), std::time::Duration::from_secs(23_400));
        for refused in ["0", "1s", "59s", "abc", "", "367d", "99999999999h"] {
            assert!(super::parse_every(refused).is_err(), "{refused}");
        }
    }
}
