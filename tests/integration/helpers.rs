//! `spawn_app()`: a real careledger on a random port over a fresh database, and a typed client.

use std::path::PathBuf;
use std::sync::Once;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use careledger::clock::Clock;
use careledger::config::{Settings, StaffApproval};
use careledger::ratelimit::Limits;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The database behind a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A password zxcvbn scores 4, used by every test account.
pub const PASSWORD: &str = "quartz-meadow-lantern-91";

static SKIP_NOTICE: Once = Once::new();

/// The server URL of the PostgreSQL cluster for tests, if there is one. Under
/// `CARELEDGER_REQUIRE_POSTGRES=1` a missing URL fails the test instead of skipping it.
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("CARELEDGER_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        let required = std::env::var("CARELEDGER_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        assert!(!required, "CARELEDGER_REQUIRE_POSTGRES=1 but CARELEDGER_TEST_DATABASE_URL is not set");
        SKIP_NOTICE.call_once(|| {
            use std::io::Write;
            // Written straight to stderr so the test harness does not swallow it.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** PostgreSQL half SKIPPED: CARELEDGER_TEST_DATABASE_URL is not set. \
                 Run .ci/run (or see README) to test on PostgreSQL too. ***\n"
            );
        });
    }
    url
}

/// HTTP clients (the tests' and the S3 file store's) use rustls with the ring provider, which
/// must be installed once per process before any client is built.
pub fn tls_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A fresh, empty database URL for one test, or `None` when PostgreSQL is not configured.
pub async fn fresh_database(backend: Backend, data_dir: &std::path::Path) -> Option<String> {
    tls_provider();
    match backend {
        Backend::Sqlite => Some(format!("sqlite://{}", data_dir.join("careledger.db").display())),
        Backend::Postgres => {
            let admin = postgres_admin_url()?;
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let name = format!("cl_test_{}", uuid::Uuid::now_v7().simple());
            let mut conn = sqlx::AnyConnection::connect(&admin).await.expect("connect to PostgreSQL");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).expect("URL has a database");
            Some(format!("{base}/{name}"))
        }
    }
}

/// A temporary data directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("careledger-test-{}", uuid::Uuid::now_v7()));
        // Private, as careledger requires of a data directory.
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(&dir).expect("create temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running app and a client for it.
pub struct TestApp {
    pub base: String,
    pub data_dir: std::sync::Arc<TempDir>,
    pub state: careledger::AppState,
    pub http: reqwest::Client,
    /// The app's clock: tests move it instead of sleeping.
    pub clock: Clock,
    /// TOTP secrets of the accounts this test enrolled, by email.
    pub mfa: Arc<Mutex<HashMap<String, String>>>,
    /// Where `/metrics` is served with `--metrics-listen`.
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// Options for `spawn_app_with`.
#[derive(Clone, Copy)]
pub struct Options {
    pub staff_approval: StaffApproval,
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        // Tests make many anonymous requests from one address; the public limit has its own tests.
        Self { staff_approval: StaffApproval::On, limits: Limits { public_per_ip: 1_000_000, ..Limits::default() } }
    }
}

/// The careledger binary with `args`, then `--data-dir DIR --database-url URL`, quiet logs. Run it
/// awaited (`.output().await`): a server under test shares the test's runtime, and a blocking
/// wait could hold back a write it had begun (the 'database is locked' flake).
pub fn careledger_on(dir: &std::path::Path, url: &str, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_careledger"));
    c.args(args).arg("--data-dir").arg(dir).args(["--database-url", url]).env("CARELEDGER_LOG", "warn");
    c
}

/// Starts careledger on port 0 over a fresh database. `None` when the backend is unavailable
/// (PostgreSQL not configured and not required).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, Options::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> Option<TestApp> {
    spawn_configured(backend, options, |_| {}).await
}

/// Starts an app with settings adjusted by `configure` (TLS, CORS, …).
pub async fn spawn_configured(backend: Backend, options: Options, configure: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let dir = std::sync::Arc::new(TempDir::new());
    let url = fresh_database(backend, &dir.0).await?;
    Some(spawn_with_clock(dir, url, options, Clock::system(), Default::default(), configure).await)
}

/// Starts another app over an existing database and data directory (a second copy).
pub async fn spawn_on(_backend: Backend, dir: std::sync::Arc<TempDir>, url: String, options: Options) -> TestApp {
    spawn_with_clock(dir, url, options, Clock::system(), Default::default(), |_| {}).await
}

/// A copy sharing another copy's clock and enrolled secrets (as copies share real time).
pub async fn spawn_beside(other: &TestApp, url: String) -> TestApp {
    spawn_beside_with(other, url, Options::default()).await
}

/// Like [`spawn_beside`] with options.
pub async fn spawn_beside_with(other: &TestApp, url: String, options: Options) -> TestApp {
    spawn_with_clock(other.data_dir.clone(), url, options, other.clock.clone(), other.mfa.clone(), |_| {}).await
}

async fn spawn_with_clock(
    dir: std::sync::Arc<TempDir>,
    url: String,
    options: Options,
    clock: Clock,
    mfa: Arc<Mutex<HashMap<String, String>>>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings::new(dir.0.clone(), Some(url));
    settings.listen = "127.0.0.1:0".parse().expect("addr");
    settings.staff_approval = options.staff_approval;
    settings.limits = options.limits;
    settings.max_connections = 5;
    // Seal often, so tests that need a signed head wait little for the background sealer.
    settings.ledger_block_ms = 50;
    // Audit checkpoints are ledger entries: tests that count entries want none appearing on
    // their own, so the audit tests write them when they want them (audit::checkpoint).
    settings.audit_checkpoint_ms = 3_600_000;
    configure(&mut settings);
    let scheme = if settings.tls.is_some() { "https" } else { "http" };
    let app = careledger::Application::build_with_clock(settings, clock.clone()).await.expect("app starts");
    let addr = app.local_addr().expect("bound");
    let metrics_addr = app.metrics_addr();
    let state = app.state().clone();
    tokio::spawn(app.serve_until(std::future::pending()));
    TestApp {
        base: format!("{scheme}://{addr}"),
        data_dir: dir,
        state,
        clock,
        mfa,
        metrics_addr,
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
    }
}

/// A response reduced to what tests check.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn from_response(r: reqwest::Response) -> Self {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self { status, headers, body, text }
    }

    /// Asserts a problem+json refusal with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"), "body: {}", self.text);
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
    }

    /// The fields named in a 422's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"].as_array().map(|a| a.iter().filter_map(|e| e["field"].as_str().map(String::from)).collect()).unwrap_or_default()
    }
}

/// A signed-in API user.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub email: String,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::from_response(req.send().await.expect("request")).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::from_response(req.send().await.expect("request")).await
    }

    /// The careledger binary on this app's data directory and database (see [`careledger_on`]).
    pub fn careledger(&self, args: &[&str]) -> tokio::process::Command {
        careledger_on(&self.data_dir.0, self.state.settings.database_url.expose(), args)
    }

    /// Attaches a file to a record (`POST /api/v1/records/{id}/files`, multipart field `file`).
    pub async fn attach(&self, token: &str, record_id: &str, name: &str, bytes: Vec<u8>) -> Reply {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let req = self.http.post(self.url(&format!("/api/v1/records/{record_id}/files"))).bearer_auth(token).multipart(form);
        Reply::from_response(req.send().await.expect("request")).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let mut req = self.http.patch(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::from_response(req.send().await.expect("request")).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let mut req = self.http.put(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::from_response(req.send().await.expect("request")).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.http.delete(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::from_response(req.send().await.expect("request")).await
    }

    pub async fn post_raw(&self, path: &str, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Reply {
        let mut req = self.http.post(self.url(path)).header("content-type", content_type).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::from_response(req.send().await.expect("request")).await
    }

    /// Registers through the API and returns the user JSON.
    pub async fn register(&self, email: &str, role: &str, name: &str) -> Value {
        let r =
            self.post("/api/v1/auth/register", None, &json!({"email": email, "password": PASSWORD, "role": role, "full_name": name})).await;
        assert_eq!(r.status, StatusCode::CREATED, "register {email}: {}", r.text);
        r.body
    }

    /// The next TOTP code for an enrolled account: the clock moves one step first, since a
    /// code is accepted only once.
    pub fn next_code(&self, email: &str) -> Option<String> {
        let secret = self.mfa.lock().unwrap().get(email).cloned()?;
        self.clock.advance(chrono::Duration::seconds(30));
        Some(careledger::accounts::mfa::code_at(&secret, self.clock.now()).unwrap())
    }

    /// Turns on TOTP for a signed-in account; returns the recovery codes.
    pub async fn enrol(&self, s: &Session) -> Vec<String> {
        let r = self.post("/api/v1/me/mfa/totp", Some(&s.access), &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let secret = r.body["secret"].as_str().unwrap().to_string();
        assert!(r.body["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/"));
        assert!(r.body["qr_svg"].as_str().unwrap().contains("<svg"));
        let code = careledger::accounts::mfa::code_at(&secret, self.clock.now()).unwrap();
        let r = self.post("/api/v1/me/mfa/totp/confirm", Some(&s.access), &json!({"code": code})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        self.mfa.lock().unwrap().insert(s.email.clone(), secret);
        r.body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
    }

    /// An access token for `email` signed in with `password` (no second factor).
    pub async fn login_with(&self, email: &str, password: &str) -> String {
        let r = self.post("/api/v1/auth/login", None, &json!({"email": email, "password": password})).await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.text);
        r.body["access_token"].as_str().expect("access").to_string()
    }

    pub async fn login(&self, email: &str) -> Session {
        let code = self.next_code(email);
        let r = self.post("/api/v1/auth/login", None, &json!({"email": email, "password": PASSWORD, "totp_code": code})).await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.text);
        let me = self.get("/api/v1/me", r.body["access_token"].as_str()).await;
        Session {
            id: me.body["id"].as_str().expect("id").to_string(),
            email: email.to_string(),
            access: r.body["access_token"].as_str().expect("access").to_string(),
            refresh: r.body["refresh_token"].as_str().expect("refresh").to_string(),
        }
    }

    /// Makes an active admin the way the command line does, and signs in.
    /// `ledger verify` over this app's database, keys and file store.
    pub async fn verify(&self) -> careledger::ledger::verify::Report {
        careledger::app::verify_ledger(
            &self.state.db,
            &self.state.vault,
            Some(&self.state.ledger.verifying),
            Some(&self.state.files),
            &|_, _| {},
        )
        .await
        .unwrap()
    }

    pub async fn admin(&self) -> Session {
        careledger::accounts::service::create_admin(&self.state.db, &self.state.clock, "admin@clinic.test", PASSWORD.into(), "Ada Admin")
            .await
            .expect("admin created");
        let s = self.login("admin@clinic.test").await;
        self.enrol(&s).await;
        s
    }

    /// A registered, signed-in patient.
    pub async fn patient(&self, email: &str) -> Session {
        self.register(email, "patient", "Pat Ient").await;
        self.login(email).await
    }

    /// A registered, approved, signed-in doctor.
    pub async fn doctor(&self, email: &str, admin: &Session) -> Session {
        self.staff(email, "doctor", "Dana Doctor", admin).await
    }

    /// The signed head once the background sealer has covered every committed entry (reads
    /// never seal).
    pub async fn sealed_head(&self) -> Value {
        let committed: i64 = sqlx::query_scalar("SELECT next_index FROM ledger_state WHERE id = 1")
            .fetch_one(&self.state.db.pool)
            .await
            .expect("ledger state");
        for _ in 0..400 {
            let r = self.get("/api/v1/ledger/head", None).await;
            if r.status == StatusCode::OK && r.body["tree_size"].as_i64() == Some(committed) {
                return r.body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no block covers the {committed} committed entries after 10 s");
    }

    /// Writes a record through the API; returns it.
    pub async fn record(&self, doctor: &Session, patient_id: &str, title: &str, record_type: &str) -> Value {
        let r = self
            .post(
                "/api/v1/records",
                Some(&doctor.access),
                &json!({"patient_id": patient_id, "title": title, "notes": format!("Notes for {title}"), "record_type": record_type}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    tls_provider();
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// The value of the first `csrf_token` hidden field in a page.
pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_string()
}

/// Runs a test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! dual {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// `let app = app!(backend);` — returns from the test when the backend is not configured.
#[macro_export]
macro_rules! app {
    ($backend:expr) => {
        match $crate::helpers::spawn_app($backend).await {
            Some(app) => app,
            None => return,
        }
    };
}

/// Signs in through the login page; returns the browser.
pub async fn sign_in(app: &TestApp, email: &str) -> reqwest::Client {
    let b = browser();
    let html = b.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&html);
    let code = app.next_code(email).unwrap_or_default();
    let r = b
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf.as_str()), ("email", email), ("password", PASSWORD), ("totp_code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login {email}");
    let set_cookie: Vec<String> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let session = set_cookie.iter().find(|c| c.starts_with("careledger_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    assert!(!session.contains("Secure"), "no TLS here, so no Secure flag");
    b
}

impl TestApp {
    /// A registered, approved, signed-in staff member of any role.
    pub async fn staff(&self, email: &str, role: &str, name: &str, admin: &Session) -> Session {
        let user = self.register(email, role, name).await;
        let id = user["id"].as_str().expect("id");
        let r = self.post(&format!("/api/v1/admin/users/{id}/approve"), Some(&admin.access), &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let s = self.login(email).await;
        if matches!(role, "doctor" | "admin") {
            self.enrol(&s).await;
        }
        s
    }
}

/// The hidden fields of the page's record form, unescaped: what a browser would post back (the
/// record confirmation step carries the whole record this way).
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let start = html.find("<form method=\"post\" action=\"/records/create\"").expect("the record form");
    let html = &html[start..start + html[start..].find("</form>").expect("form end")];
    let unescape = |s: &str| {
        s.replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    };
    let mut out = Vec::new();
    for part in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let Some((name, rest)) = part.split_once('"') else { continue };
        let Some(value) = rest.split("value=\"").nth(1).and_then(|v| v.split('"').next()) else { continue };
        out.push((name.to_string(), unescape(value)));
    }
    out
}

/// Writes a record through the page form for a patient named by email: the form, then the
/// confirmation that shows the patient back, then the record. Returns the record's path.
pub async fn write_on_page(base: &str, b: &reqwest::Client, patient_email: &str, title: &str, notes: &str) -> String {
    let html = b.get(format!("{base}/records/create")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&html);
    let r = b
        .post(format!("{base}/records/create"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("patient_email", patient_email),
            ("title", title),
            ("record_type", "visit"),
            ("notes", notes),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the confirmation step");
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("Is this the right patient?"), "{confirm}");
    let r = b.post(format!("{base}/records/create")).form(&hidden_fields(&confirm)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap();
    assert!(to.ends_with("?done=created"), "the record page says it was saved: {to}");
    to.split('?').next().unwrap_or_default().to_string()
}

/// The path a redirect leads to, without its query (`/login?next=…` is `/login`).
pub fn redirect_path(r: &reqwest::Response) -> String {
    let to = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    to.split('?').next().unwrap_or_default().to_string()
}

/// An app whose emails go to a local SMTP sink (links on `https://records.clinic.test`), with
/// the sink's messages; `configure` adjusts the rest.
pub async fn spawn_with_mail(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
) -> Option<(TestApp, tokio::sync::mpsc::UnboundedReceiver<String>)> {
    let (port, inbox) = crate::security::fake_smtp().await;
    let app = spawn_configured(backend, Options::default(), |s| {
        s.smtp = Some(careledger::config::SmtpSettings {
            url: careledger::config::Secret::new(format!("smtp://127.0.0.1:{port}")),
            from: "careledger <no-reply@clinic.test>".into(),
        });
        s.public_url = Some(url::Url::parse("https://records.clinic.test").unwrap());
        configure(s);
    })
    .await?;
    Some((app, inbox))
}

/// An S3 emulator (moto, from PyPI) on a free loopback port, with one bucket; `None` (and a
/// notice) when it is not installed, unless CARELEDGER_REQUIRE_S3=1.
pub fn s3_emulator() -> Option<(std::process::Child, u16)> {
    tls_provider();
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let installed = std::process::Command::new("python3")
        .args(["-c", "import moto.server"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(std::env::var("CARELEDGER_REQUIRE_S3").as_deref() != Ok("1"), "CARELEDGER_REQUIRE_S3=1 but moto is not installed");
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "*** S3 file-store test SKIPPED: moto (pip install 'moto[server]') is not installed ***");
        return None;
    }
    let child = std::process::Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    Some((child, port))
}

/// An S3 emulator with `bucket` made, and the object_store options that reach it; `None` when
/// moto is not installed (see [`s3_emulator`]).
pub async fn s3_bucket(bucket: &str) -> Option<(std::process::Child, Vec<(String, String)>)> {
    let (moto, port) = s3_emulator()?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if http.put(format!("{endpoint}/{bucket}")).send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "moto did not start");
    let options = [
        ("aws_endpoint", endpoint.as_str()),
        ("aws_access_key_id", "test"),
        ("aws_secret_access_key", "test"),
        ("aws_region", "us-east-1"),
        ("aws_allow_http", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Some((moto, options))
}
