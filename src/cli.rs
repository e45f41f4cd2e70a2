//! The command line: `careledger serve` and `careledger admin create`. Every flag can also be
//! given as a `CARELEDGER_*` environment variable.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Settings, StaffApproval};

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
    /// Load the demo clinic and add generated patients and records (demos and benchmarks).
    Demo(DemoArgs),
}

/// `careledger demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Generated patients to add.
    #[arg(long, default_value_t = 100)]
    pub patients: u64,
    /// Records per generated patient.
    #[arg(long, default_value_t = 10)]
    pub records_per_patient: u64,
    #[command(flatten)]
    pub data: DataArgs,
}

/// `careledger ledger …`.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute every entry, root and signature; exit 1 and name each problem found.
    Verify(DataArgs),
    /// Print the latest signed block as JSON (to anchor it with an outside timestamp service).
    ExportHead(DataArgs),
}

/// Where the data lives (shared by every subcommand that touches it).
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Folder for key files and, by default, the SQLite database.
    #[arg(long, env = "CARELEDGER_DATA_DIR", default_value = "./data")]
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
}

impl DataArgs {
    fn settings(self) -> Settings {
        // DESIGN.md names DATABASE_URL; the CARELEDGER_ prefixed name works too.
        let url = self.database_url.or_else(|| std::env::var("CARELEDGER_DATABASE_URL").ok());
        let mut settings = Settings::new(self.data_dir, url.filter(|u| !u.is_empty()));
        settings.file_store = self.file_store.filter(|u| !u.is_empty()).map(|url| {
            // The AWS_* variables every S3 tool reads, passed on as object_store options.
            let options =
                ["AWS_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ALLOW_HTTP"]
                    .iter()
                    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_ascii_lowercase(), v)))
                    .collect();
            crate::config::FileStoreSettings { url, options: crate::config::Secret::new(options) }
        });
        settings
    }
}

/// `careledger serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CARELEDGER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub data: DataArgs,
    /// Load a small demo clinic (once; safe to repeat) and print its logins.
    #[arg(long, env = "CARELEDGER_DEMO")]
    pub demo: bool,
    /// `on`: staff wait for an admin's approval (secure default); `off`: active at once (demos).
    #[arg(long, env = "CARELEDGER_STAFF_APPROVAL", value_enum, default_value_t = StaffApproval::On)]
    pub staff_approval: StaffApproval,
    /// Mark cookies Secure even when no proxy sends `X-Forwarded-Proto: https`.
    #[arg(long, env = "CARELEDGER_COOKIE_SECURE")]
    pub cookie_secure: bool,
    /// Largest number of database connections this copy opens.
    #[arg(long, env = "CARELEDGER_MAX_CONNECTIONS", default_value_t = 16)]
    pub max_connections: u32,
    /// `off` turns off the per-IP and per-user request limits (benchmarks, load tests);
    /// account lockout stays on.
    #[arg(long, env = "CARELEDGER_RATE_LIMITS", value_enum, default_value_t = Toggle::On)]
    pub rate_limits: Toggle,
    /// Unauthenticated sign-in requests (`/api/v1/auth/*`, sign-in and registration forms) per
    /// IP per 15 minutes.
    #[arg(long, env = "CARELEDGER_AUTH_RATE_LIMIT", default_value_t = 100)]
    pub auth_rate_limit: u32,
    /// Failed logins per IP per 15 minutes, across all accounts (shared by every copy).
    #[arg(long, env = "CARELEDGER_FAILED_LOGIN_LIMIT", default_value_t = 20)]
    pub failed_login_limit: u32,
    /// Requests per signed-in user per minute (counted per copy).
    #[arg(long, env = "CARELEDGER_USER_RATE_LIMIT", default_value_t = 600)]
    pub user_rate_limit: u32,
    /// Requests per IP per minute from callers who are not signed in, to every public route but
    /// /healthz, /readyz and /metrics (shared by every copy).
    #[arg(long, env = "CARELEDGER_PUBLIC_RATE_LIMIT", default_value_t = 300)]
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
    #[arg(long, env = "CARELEDGER_LEDGER_BLOCK_MS", default_value_t = 1000)]
    pub ledger_block_ms: u64,
    /// A block covers at most this many new entries (a busy log seals several blocks at once).
    #[arg(long, env = "CARELEDGER_LEDGER_BLOCK_MAX_ENTRIES", default_value_t = 1000)]
    pub ledger_block_max_entries: i64,
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
}

/// `on` or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Toggle {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// `careledger admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an active admin account.
    Create(AdminCreateArgs),
}

/// `careledger admin create`.
#[derive(Debug, Args)]
pub struct AdminCreateArgs {
    /// The admin's email.
    #[arg(long)]
    pub email: String,
    /// Read the password from standard input (the only way: never on the command line).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// The admin's display name.
    #[arg(long, default_value = "Administrator")]
    pub full_name: String,
    #[command(flatten)]
    pub data: DataArgs,
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
            Command::Serve(args) => serve(args).await.map(|()| ExitCode::SUCCESS),
            Command::Admin(AdminCommand::Create(args)) => admin_create(args).await.map(|()| ExitCode::SUCCESS),
            Command::Ledger(LedgerCommand::Verify(args)) => ledger_verify(args).await,
            Command::Ledger(LedgerCommand::ExportHead(args)) => ledger_export_head(args).await.map(|()| ExitCode::SUCCESS),
            Command::Demo(args) => demo(args).await.map(|()| ExitCode::SUCCESS),
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

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = args.data.settings();
    settings.listen = args.listen;
    settings.staff_approval = args.staff_approval;
    settings.cookie_secure = args.cookie_secure;
    settings.max_connections = args.max_connections.max(1);
    settings.limits = crate::ratelimit::Limits {
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
    if settings.metrics_token.as_ref().is_some_and(|t| t.expose().len() < 16) {
        anyhow::bail!("--metrics-token must be at least 16 characters");
    }
    if !settings.limits.enabled {
        tracing::warn!("--rate-limits off: per-IP and per-user limits are off (lockout stays on)");
    }
    if settings.smtp.is_none() {
        tracing::info!("no --smtp-url: lock notices and unlock links are not emailed (admins unlock accounts)");
    }
    if settings.staff_approval == StaffApproval::Off {
        tracing::warn!("--staff-approval off: staff accounts are active without an admin's approval");
    }
    let app = crate::Application::build(settings).await?;
    if args.demo {
        let logins = crate::demo::load(&app.state().db).await.context("cannot load the demo clinic")?;
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

fn print_demo_logins(logins: &crate::demo::DemoLogins) {
    println!("Demo clinic loaded. Sign in with any of these (password for all: {}):", logins.password);
    for (role, email) in &logins.accounts {
        println!("  {role:<8} {email}");
    }
    println!("The admin and the doctors set up two-factor sign-in (an authenticator app) at first sign-in.");
    println!("Demo data only: never use these accounts for real patients.");
}

fn progress_bar(unit: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)");
    indicatif::ProgressBar::new(0)
        .with_style(indicatif::ProgressStyle::with_template(&template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()))
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let settings = args.data.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    let bar = progress_bar("records");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let started = std::time::Instant::now();
    let made =
        crate::demo::generate(&db, args.patients, args.records_per_patient, &progress).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "generated {} patients and {} records in {secs:.1}s ({:.0} records/s); password of every generated patient: {}",
        made.patients,
        made.records,
        made.records as f64 / secs.max(0.001),
        crate::demo::DEMO_PASSWORD
    );
    Ok(())
}

async fn ledger_verify(args: DataArgs) -> anyhow::Result<ExitCode> {
    let settings = args.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    // Without the key (a data directory no server has used), entries are still checked; any
    // block is then reported as unverifiable.
    let keys = match crate::keys::load_existing_secret(&settings.data_dir, "ledger-signing.key")? {
        Some(seed) => Some(crate::ledger::service::LedgerKeys::from_seed(&seed)?),
        None => None,
    };
    let bar = progress_bar("entries");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let files = crate::files::FileStore::for_settings(&settings)?;
    let report = crate::ledger::verify::verify(&db, keys.as_ref().map(|k| &k.verifying), Some(&files), &progress)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    bar.finish_and_clear();
    if report.ok() {
        println!("ledger ok: {} entries, {} blocks, root {}", report.entries, report.blocks, report.root);
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &report.problems {
            println!("{p}");
        }
        println!("ledger FAILED: {} problem(s) in {} entries, {} blocks", report.problems.len(), report.entries, report.blocks);
        Ok(ExitCode::FAILURE)
    }
}

async fn ledger_export_head(args: DataArgs) -> anyhow::Result<()> {
    let settings = args.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    let head = crate::ledger::store::head(&db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?.context("the ledger has no block yet")?;
    let seed = crate::keys::load_existing_secret(&settings.data_dir, "ledger-signing.key")?;
    let public_key = match seed {
        Some(s) => Some(hex::encode(crate::ledger::service::LedgerKeys::from_seed(&s)?.verifying.as_bytes())),
        None => None,
    };
    let mut json = serde_json::to_value(&head)?;
    json["public_key"] = serde_json::json!(public_key);
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

async fn admin_create(args: AdminCreateArgs) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("cannot read the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let settings = args.data.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    match crate::accounts::service::create_admin(&db, &args.email, password, &args.full_name).await {
        Ok(user) => {
            println!("admin created: {} ({})", user.email, user.id);
            Ok(())
        }
        Err(crate::Error::EmailTaken) => anyhow::bail!("an account with this email already exists"),
        Err(crate::Error::Validation(errors)) => {
            let reasons: Vec<String> = errors.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
            anyhow::bail!("{}", reasons.join("; "))
        }
        Err(e) => Err(anyhow::anyhow!(e)),
    }
}
