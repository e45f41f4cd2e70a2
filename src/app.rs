//! The application: builds the state, the router (`build_app`) and a server bound to a port,
//! with its background jobs (sealer, housekeeping).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::{Secret, Settings};
use crate::context::Ctx;
use crate::db::Db;
use crate::hasher::Hasher;
use crate::http::metrics::Metrics;
use crate::http::state::AppState;
use crate::keys::{LedgerKeys, TokenKeys};
use crate::ratelimit::UserLimiter;

/// Building the state is the application's job: it opens the database, runs the start-up
/// upgrade steps of every domain and loads the keys.
impl AppState {
    /// Connects to the database (running migrations) and loads the shared keys.
    pub async fn new(settings: Settings) -> anyhow::Result<Self> {
        Self::with_clock(settings, Clock::system()).await
    }

    /// Like [`AppState::new`] with a given clock (tests).
    pub async fn with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        crate::datadir::private_umask();
        crate::datadir::prepare(&settings.data_dir)?;
        let db = Db::connect(settings.database_url.expose(), settings.max_connections).await?;
        let totp_key = crate::crypt::FieldKey::load(&settings.data_dir, "totp-secrets.key")?;
        let encrypted = crate::accounts::mfa::encrypt_clear_secrets(&db, &totp_key)
            .await
            .map_err(|e| anyhow::anyhow!("cannot encrypt stored TOTP secrets: {e:?}"))?;
        if encrypted > 0 {
            tracing::info!(encrypted, "TOTP secrets stored in clear by an earlier release are now encrypted");
        }
        let skeletons =
            crate::accounts::store::fill_skeletons(&db).await.map_err(|e| anyhow::anyhow!("cannot index email look-alikes: {e:?}"))?;
        if skeletons > 0 {
            tracing::info!(skeletons, "look-alike index filled for accounts made by an earlier release");
        }
        let profiles =
            crate::patients::service::backfill(&db).await.map_err(|e| anyhow::anyhow!("cannot give patients their profiles: {e:?}"))?;
        if profiles > 0 {
            tracing::info!(profiles, "patients made by an earlier release now have a profile and a medical record number");
        }
        crate::ledger::service::prepare(&db).await.map_err(|e| anyhow::anyhow!("cannot prepare the ledger: {e:?}"))?;
        let secret = crate::keys::load_or_create_secret(&settings.data_dir, "token-signing.key")?;
        let passwords = Hasher::default();
        let dummy =
            passwords.hash(Secret::new(crate::accounts::tokens::random_token())).await.context("cannot prepare the password hasher")?;
        let user_limiter = Arc::new(UserLimiter::new(&settings.limits));
        let mailer = settings.smtp.as_ref().map(crate::mail::Mailer::new).transpose()?;
        let ledger = Arc::new(LedgerKeys::load(&settings.data_dir)?);
        let files = crate::files::FileStore::for_settings(&settings)?;
        let drugs = crate::drugs::DrugBase::load(settings.drug_data.as_deref()).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("the drug knowledge base has errors (check the files with `careledger drugs check`):\n{}", lines.join("\n"))
        })?;
        let (drug_count, class_count, interaction_count) = drugs.counts();
        tracing::info!(drugs = drug_count, classes = class_count, interactions = interaction_count, "drug knowledge base loaded");
        let vault = Arc::new(crate::vault::Vault::open(&settings.data_dir, settings.master_key.as_ref(), &db, true).await?);
        let now = crate::clock::format(clock.now());
        let (records, sealed_files) = seal_earlier(&db, &vault, &files, &now)
            .await
            .map_err(|e| anyhow::anyhow!("cannot encrypt records stored in clear by an earlier release: {e:?}"))?;
        if records + sealed_files > 0 {
            tracing::info!(records, files = sealed_files, "records and files stored in clear by an earlier release are now encrypted");
        }
        let ctx = Ctx {
            db,
            clock,
            files,
            ledger,
            mailer,
            settings: Arc::new(settings),
            tokens: Arc::new(TokenKeys::new(&secret)),
            totp_key: Arc::new(totp_key),
            vault,
            passwords,
            dummy_hash: dummy.into(),
        };
        let imported = crate::audit::import_earlier(&ctx.db).await.map_err(|e| anyhow::anyhow!("cannot start the audit trail: {e:?}"))?;
        if imported > 0 {
            tracing::info!(imported, "privilege changes kept by an earlier release copied into the audit trail");
        }
        let audit = crate::audit::writer::AuditWriter::start(ctx.db.clone(), &ctx.settings.data_dir, ctx.clock.clone()).await?;
        let catalog = crate::i18n::Catalog::load();
        if let Some(problem) = catalog.problems().first() {
            anyhow::bail!("the page messages (locales/) have errors: {problem}");
        }
        Ok(Self {
            ctx,
            metrics: Arc::new(Metrics::new()?),
            user_limiter,
            public_limiter: Arc::default(),
            audit,
            drugs: Arc::new(drugs),
            catalog: Arc::new(catalog),
        })
    }
}

/// The whole HTTP application for a state.
pub fn build_app(state: AppState) -> Router {
    crate::router::router(state)
}

/// A server bound to its port but not yet serving (tests bind port 0 and read the port).
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    /// `--metrics-listen`: a second address serving only `/metrics`.
    metrics_listener: Option<TcpListener>,
}

impl Application {
    /// Builds the state and binds the listen address.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    /// Like [`Application::build`] with a given clock (tests).
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let listen = settings.listen;
        if let Some(plan) = &settings.backups {
            crate::backup::schedule::check_target(&settings, &plan.to)?;
        }
        let state = AppState::with_clock(settings, clock).await?;
        let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let metrics_listener = match state.settings.metrics_listen {
            Some(addr) => Some(TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} for metrics"))?),
            None => None,
        };
        Ok(Self { listener, router: build_app(state.clone()), state, metrics_listener })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The address `/metrics` is served on with `--metrics-listen`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The state (tests use it to reach the database).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (HTTPS when TLS files are configured) until `shutdown` completes, then finishes
    /// in-flight requests and returns.
    pub async fn serve_until<F>(self, shutdown: F) -> anyhow::Result<()>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let housekeeping = tokio::spawn(housekeeping(self.state.clone()));
        let sealer = tokio::spawn(sealer(self.state.clone()));
        let reporter = tokio::spawn(report_copy(self.state.clone()));
        let backups =
            self.state.settings.backups.clone().map(|plan| tokio::spawn(crate::backup::schedule::run(self.state.ctx.clone(), plan)));
        let metrics = self.metrics_listener.map(|listener| {
            let router = Router::new().route("/metrics", axum::routing::get(crate::http::ops::metrics_open)).with_state(self.state.clone());
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::warn!(error = %e, "the metrics listener stopped");
                }
            })
        });
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let served = match &self.state.settings.tls {
            None => axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await.context("server failed"),
            Some(files) => {
                let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                    .await
                    .with_context(|| format!("cannot load TLS certificate {} and key {}", files.cert.display(), files.key.display()))?;
                let handle = axum_server::Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    shutdown.await;
                    // Finish in-flight requests, as the plain-HTTP path does.
                    stopper.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
                });
                let listener = self.listener.into_std().context("cannot hand the socket to the TLS server")?;
                axum_server::from_tcp_rustls(listener, config)
                    .context("cannot start the TLS server")?
                    .handle(handle)
                    .serve(service)
                    .await
                    .context("TLS server failed")
            }
        };
        housekeeping.abort();
        sealer.abort();
        reporter.abort();
        if let Some(b) = backups {
            b.abort();
        }
        // What this copy journalled goes into the trail before it stops (a crash leaves it to
        // the next copy to start). Not for ever: with the database away the journal stays on
        // disk, and the next copy to start moves it.
        match tokio::time::timeout(std::time::Duration::from_secs(10), self.state.audit.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = ?e, "audit rows left in the journal for the next start"),
            Err(_) => tracing::warn!("audit rows not moved within 10 s; left in the journal for the next start"),
        }
        if let Some(m) = metrics {
            m.abort();
        }
        served
    }
}

/// Every 15 seconds: this copy tells the database it is running, with its request and error
/// counts (the health page lists every copy from there).
async fn report_copy(state: AppState) {
    let id = uuid::Uuid::now_v7().to_string();
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let started_at = crate::clock::format(state.clock.now());
    let mut tick = tokio::time::interval(crate::health::REPORT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last: Option<(std::time::Instant, u64, u64)> = None;
    loop {
        tick.tick().await;
        let (requests, errors) = state.metrics.totals();
        let (requests_per_min, errors_per_min) = match last {
            Some((at, r, e)) => {
                let minutes = at.elapsed().as_secs_f64() / 60.0;
                let rate =
                    |now: u64, before: u64| if minutes > 0.0 { (now.saturating_sub(before) as f64 / minutes).round() as u64 } else { 0 };
                (rate(requests, r), rate(errors, e))
            }
            None => (0, 0),
        };
        last = Some((std::time::Instant::now(), requests, errors));
        let report = crate::health::Report {
            id: id.clone(),
            host: host.clone(),
            started_at: started_at.clone(),
            requests,
            errors,
            requests_per_min,
            errors_per_min,
        };
        if let Err(e) = crate::health::report(&state.db, &report, &crate::clock::format(state.clock.now())).await {
            tracing::warn!(error = ?e, "could not report this copy to the database");
        }
    }
}

/// Every few minutes: drop ended rate-limit windows and forget quiet users' limiter state.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        tick.tick().await;
        state.user_limiter.retain_recent();
        state.public_limiter.retain_recent(state.clock.now());
        if let Err(e) = crate::ratelimit::prune(&state.db, state.clock.now()).await {
            tracing::warn!(error = %e, "could not prune rate-limit windows");
        }
        if let Err(e) = crate::audit::purge_expired(&state.ctx).await {
            tracing::warn!(error = %e, "could not purge audit rows past retention");
        }
        // Rows a copy of the previous release wrote in clear during a rolling upgrade.
        match seal_earlier(&state.db, &state.vault, &state.files, &crate::clock::format(state.clock.now())).await {
            Ok((records, files)) if records + files > 0 => {
                tracing::info!(records, files, "records written in clear by an earlier release encrypted");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not encrypt records written in clear"),
        }
    }
}

/// Encrypts the records (and care-team reasons), then the files, that an earlier release stored in clear (the start-up
/// upgrade; housekeeping repeats it during a rolling upgrade), then scrubs the tables so what the
/// clear rows held does not linger in the database's files. Returns how many of each.
async fn seal_earlier(
    db: &Db,
    vault: &crate::vault::Vault,
    files: &crate::files::FileStore,
    now: &str,
) -> Result<(u64, u64), crate::error::Error> {
    let records = crate::records::sealing::seal_earlier(db, vault, now).await?;
    let reasons = crate::care_team::store::seal_earlier(db, vault, now).await?;
    let files = crate::records::files::seal_earlier(db, vault, files, now).await?;
    if records + reasons + files > 0 {
        db.scrub(&["records", "record_versions", "record_files", "care_team"]).await?;
    }
    Ok((records + reasons, files))
}

/// Seals new ledger entries into a signed block every `ledger_block_ms` (when there are any),
/// after writing the audit trail's tree head into the ledger every `audit_checkpoint_ms`.
async fn sealer(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(state.settings.ledger_block_ms.max(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let checkpoint_every = std::time::Duration::from_millis(state.settings.audit_checkpoint_ms);
    let mut last_checkpoint = std::time::Instant::now();
    loop {
        tick.tick().await;
        if last_checkpoint.elapsed() >= checkpoint_every {
            match crate::audit::checkpoint(&state.ctx).await {
                Ok(_) => last_checkpoint = std::time::Instant::now(),
                Err(e) => tracing::warn!(error = %e, "could not checkpoint the audit trail"),
            }
        }
        if let Err(e) = crate::ledger::service::seal_now(&state.ctx).await {
            tracing::warn!(error = %e, "could not seal a ledger block");
        }
    }
}

/// Verifies the ledger against what every domain declares it has put there (`careledger ledger
/// verify`); with a file store, every attached file's bytes too. Adding a ledgered domain means
/// adding its declaration here.
pub async fn verify_ledger(
    db: &Db,
    vault: &crate::vault::Vault,
    key: Option<&ed25519_dalek::VerifyingKey>,
    files: Option<&crate::files::FileStore>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<crate::ledger::verify::Report, crate::error::Error> {
    let declarations = vec![
        crate::records::service::ledgered(db, vault).await?,
        crate::records::files::ledgered(db, vault, files).await?,
        crate::accounts::admin::ledgered(db).await?,
        crate::care_team::ledgered(db, vault).await?,
        crate::audit::ledgered(db).await?,
        crate::erasure::ledgered(db).await?,
        crate::chart::service::ledgered(db, vault).await?,
        crate::prescriptions::service::ledgered(db, vault, key).await?,
        crate::pharmacy::service::ledgered(db, vault).await?,
        crate::lab::service::ledgered(db, vault).await?,
        crate::appointments::service::ledgered(db, vault).await?,
    ];
    crate::ledger::verify::verify(db, key, declarations, progress).await
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}
