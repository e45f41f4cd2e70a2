//! The application: shared state, the router (`build_app`) and a server bound to a port.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::accounts::tokens::TokenKeys;
use crate::config::{Secret, Settings};
use crate::db::Db;
use crate::http::metrics::Metrics;

/// What every handler can reach. Cheap to clone; holds no per-user truth (that is in the
/// database), so any number of copies can serve behind a load balancer.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Resolved settings.
    pub settings: Arc<Settings>,
    /// Access-token keys, derived once at start.
    pub tokens: Arc<TokenKeys>,
    /// Prometheus recorder for this app.
    pub metrics: Arc<Metrics>,
    /// An Argon2id hash of a random password, verified against when an email is unknown so
    /// that login time does not tell which accounts exist.
    pub dummy_hash: Arc<str>,
}

impl AppState {
    /// Connects to the database (running migrations) and loads the shared keys.
    pub async fn new(settings: Settings) -> anyhow::Result<Self> {
        let db = Db::connect(settings.database_url.expose(), settings.max_connections).await?;
        let secret = crate::keys::load_or_create_secret(&settings.data_dir, "token-signing.key")?;
        let dummy = crate::accounts::password::hash(Secret::new(crate::accounts::tokens::random_token()))
            .await
            .context("cannot prepare the password hasher")?;
        Ok(Self {
            db,
            settings: Arc::new(settings),
            tokens: Arc::new(TokenKeys::new(&secret)),
            metrics: Arc::new(Metrics::new()?),
            dummy_hash: dummy.into(),
        })
    }
}

/// The whole HTTP application for a state.
pub fn build_app(state: AppState) -> Router {
    crate::http::router(state)
}

/// A server bound to its port but not yet serving (tests bind port 0 and read the port).
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Builds the state and binds the listen address.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listen = settings.listen;
        let state = AppState::new(settings).await?;
        let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        Ok(Self { listener, router: build_app(state.clone()), state })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The state (tests use it to reach the database).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and returns.
    pub async fn serve_until<F>(self, shutdown: F) -> anyhow::Result<()>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
            .context("server failed")
    }
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
