//! Several copies of careledger over one database and one data directory: what a hospital
//! group runs behind a load balancer. Also the command line itself (`admin create`, `serve`).

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::dual;
use crate::helpers::{Backend, Options, PASSWORD, TempDir, browser, csrf_from, fresh_database, spawn_on};

async fn tokens_work_at_every_copy(backend: Backend) {
    let dir = Arc::new(TempDir::new());
    let Some(url) = fresh_database(backend, &dir.0).await else { return };
    let a = spawn_on(backend, dir.clone(), url.clone(), Options::default()).await;
    let b = spawn_on(backend, dir.clone(), url, Options::default()).await;
    let s = a.patient("p@example.org").await;
    assert_eq!(b.get("/api/v1/me", Some(&s.access)).await.status, 200);
    let r = b.post("/api/v1/auth/refresh", None, &json!({"refresh_token": s.refresh})).await;
    assert_eq!(r.status, 200);
    a.post("/api/v1/auth/refresh", None, &json!({"refresh_token": s.refresh})).await.assert_problem(401, "refresh_token_reused");
    // The reuse revoked the family at every copy.
    b.get("/api/v1/me", Some(&s.access)).await.assert_problem(401, "invalid_token");
    let s = b.login("p@example.org").await;
    assert_eq!(b.post("/api/v1/auth/logout", Some(&s.access), &json!({})).await.status, 204);
    a.get("/api/v1/me", Some(&s.access)).await.assert_problem(401, "invalid_token");
}
dual!(tokens_work_at_every_copy);

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_careledger"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `careledger serve` child process whose output goes to a file; killed when dropped.
struct Server {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Server {
    async fn start(dir: &TempDir, url: &str, name: &str) -> Self {
        Self::start_with(dir, url, name, &[]).await
    }

    async fn start_with(dir: &TempDir, url: &str, name: &str, extra: &[&str]) -> Self {
        let port = free_port();
        let log = dir.0.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let mut child = bin()
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(&dir.0)
            .args(["--database-url", url])
            .args(extra)
            .env("CARELEDGER_LOG", "warn")
            .env_remove("DATABASE_URL")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
                if r.status() == 200 {
                    return Self { child, base, log };
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("{name} did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn admin_create(dir: &TempDir, url: &str, email: &str, password: &str) -> std::process::Output {
    let mut child = bin()
        .args(["admin", "create", "--email", email, "--password-stdin", "--data-dir"])
        .arg(&dir.0)
        .args(["--database-url", url])
        .env("CARELEDGER_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

async fn api(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let mut req = client.request(method, url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// Enrols an account in TOTP at a running server; returns its recovery codes.
async fn enrol(http: &reqwest::Client, server: &Server, token: &str) -> Vec<String> {
    let (status, e) = api(http, reqwest::Method::POST, server.url("/api/v1/me/mfa/totp"), Some(token), json!({})).await;
    assert_eq!(status, 200, "{e}");
    let code = careledger::accounts::mfa::code_at(e["secret"].as_str().unwrap(), chrono::Utc::now()).unwrap();
    let (status, r) = api(http, reqwest::Method::POST, server.url("/api/v1/me/mfa/totp/confirm"), Some(token), json!({"code": code})).await;
    assert_eq!(status, 200, "{r}");
    r["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
}

async fn two_processes_share_one_database(backend: Backend) {
    let dir = TempDir::new();
    let Some(url) = fresh_database(backend, &dir.0).await else { return };
    // The command line makes admins; a weak password or a taken email is refused plainly.
    let weak = admin_create(&dir, &url, "weak@clinic.test", "admin");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"), "{weak:?}");
    let made = admin_create(&dir, &url, "boss@clinic.test", PASSWORD);
    assert!(made.status.success(), "{made:?}");
    assert!(String::from_utf8_lossy(&made.stdout).contains("admin created: boss@clinic.test"));
    let again = admin_create(&dir, &url, "BOSS@clinic.test", PASSWORD);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // Two copies, both asked for the demo: it is loaded once and both print the logins.
    let a = Server::start(&dir, &url, "a").await;
    let mut b = Server::start(&dir, &url, "b").await;
    for s in [&a, &b] {
        let out = s.output();
        assert!(out.contains("maria.santos@demo.careledger.test") && out.contains(careledger::cli::demo_data::DEMO_PASSWORD), "{out}");
    }
    let http = reqwest::Client::new();
    let post = reqwest::Method::POST;
    let (_, maria) = api(
        &http,
        post.clone(),
        b.url("/api/v1/auth/login"),
        None,
        json!({"email": "maria.santos@demo.careledger.test", "password": careledger::cli::demo_data::DEMO_PASSWORD}),
    )
    .await;
    let maria_token = maria["access_token"].as_str().unwrap().to_string();
    let (_, before) = api(&http, reqwest::Method::GET, b.url("/api/v1/records"), Some(&maria_token), json!(null)).await;
    assert_eq!(before["items"].as_array().unwrap().len(), 6, "demo loaded exactly once");

    // A doctor registers at B, the admin approves at A, the doctor writes on A's page.
    let (status, doc) = api(
        &http,
        post.clone(),
        b.url("/api/v1/auth/register"),
        None,
        json!({"email": "new.doctor@clinic.test", "password": PASSWORD, "role": "doctor", "full_name": "Noor Haddad"}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, boss) =
        api(&http, post.clone(), a.url("/api/v1/auth/login"), None, json!({"email": "boss@clinic.test", "password": PASSWORD})).await;
    // Admins enrol in MFA before anything else: at copy B, and copy A honours it.
    let (status, refused) =
        api(&http, reqwest::Method::GET, a.url("/api/v1/admin/users"), boss["access_token"].as_str(), json!(null)).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("mfa_enrollment_required")));
    enrol(&http, &b, boss["access_token"].as_str().unwrap()).await;
    let (status, _) = api(
        &http,
        post.clone(),
        a.url(&format!("/api/v1/admin/users/{}/approve", doc["id"].as_str().unwrap())),
        boss["access_token"].as_str(),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    // The doctor enrols through B's API and signs in on A's page with a recovery code (real
    // processes share real time, so a second TOTP code would mean waiting for the next step).
    let (_, doc_login) =
        api(&http, post.clone(), b.url("/api/v1/auth/login"), None, json!({"email": "new.doctor@clinic.test", "password": PASSWORD})).await;
    let recovery = enrol(&http, &b, doc_login["access_token"].as_str().unwrap()).await;
    let doctor = browser();
    let html = doctor.get(a.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = doctor
        .post(a.url("/login"))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("email", "new.doctor@clinic.test"),
            ("password", PASSWORD),
            ("totp_code", recovery[0].as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/doctor/dashboard");
    let record_path = crate::helpers::write_on_page(
        &a.base,
        &doctor,
        "maria.santos@demo.careledger.test",
        "Follow-up after copy A",
        "Written through copy A's page.",
    )
    .await;

    // The patient sees it on copy B's dashboard and through B's API.
    let patient = browser();
    let html = patient.get(b.url("/login")).send().await.unwrap().text().await.unwrap();
    patient
        .post(b.url("/login"))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("email", "maria.santos@demo.careledger.test"),
            ("password", careledger::cli::demo_data::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let dashboard = patient.get(b.url("/patient/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(dashboard.contains(&record_path) && dashboard.contains("Follow-up after copy A"), "{dashboard}");
    let (status, record) = api(&http, reqwest::Method::GET, b.url(&format!("/api/v1{record_path}")), Some(&maria_token), json!(null)).await;
    assert_eq!(status, 200);
    assert_eq!(record["notes"], "Written through copy A's page.");
    assert_eq!(record["doctor_name"], "Noor Haddad");
    // A token issued by A works at B.
    let (status, _) = api(&http, reqwest::Method::GET, b.url("/api/v1/me"), boss["access_token"].as_str(), json!(null)).await;
    assert_eq!(status, 200);

    // SIGTERM: B finishes and exits 0; A keeps serving.
    let killed = Command::new("kill").args(["-TERM", &b.child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = b.child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(exited.map(|s| s.code()), Some(Some(0)), "{}", b.output());
    assert_eq!(http.get(a.url("/healthz")).send().await.unwrap().status(), 200);
    drop(a);
}
dual!(two_processes_share_one_database);

/// Creates records at `base` as fast as it answers; returns the ids answered 201. Stops when the
/// server is gone (the connection fails) or after 20 s.
async fn write_until_killed(http: reqwest::Client, base: String, token: String, tag: String) -> Vec<String> {
    let mut acknowledged = Vec::new();
    let started = std::time::Instant::now();
    for n in 0.. {
        if started.elapsed() > Duration::from_secs(20) {
            break;
        }
        let body = json!({"patient_email": "maria.santos@demo.careledger.test", "title": format!("Crash test {tag}-{n}"),
            "notes": "Written while the server may be killed.", "record_type": "note"});
        let Ok(r) = http.post(format!("{base}/api/v1/records")).bearer_auth(&token).json(&body).send().await else { break };
        if r.status() != 201 {
            continue;
        }
        // A 201 whose body was cut by the kill was never read by the client: not acknowledged.
        let Ok(record) = r.json::<serde_json::Value>().await else { break };
        acknowledged.push(record["id"].as_str().unwrap().to_string());
    }
    acknowledged
}

/// Issue 5's crash test, all twenty rounds (about 12 s per database; `CARELEDGER_CRASH_ROUNDS`
/// changes the count): `kill -9` while four clients create records; after the restarts every
/// record that was answered 201 is there, and `careledger ledger verify` passes.
async fn kill_9_loses_no_acknowledged_write(backend: Backend) {
    let dir = TempDir::new();
    let Some(url) = fresh_database(backend, &dir.0).await else { return };
    let rounds: u64 = std::env::var("CARELEDGER_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20);
    let http = reqwest::Client::new();
    // Limits off: four writers go faster than one person's 600 requests a minute.
    let unlimited = ["--rate-limits", "off"];
    let mut server = Server::start_with(&dir, &url, "crash-0", &unlimited).await;
    let (_, login) = api(
        &http,
        reqwest::Method::POST,
        server.url("/api/v1/auth/login"),
        None,
        json!({"email": "dr.okafor@demo.careledger.test", "password": careledger::cli::demo_data::DEMO_PASSWORD}),
    )
    .await;
    // The session lives in the database, so the token outlives every killed process.
    let token = login["access_token"].as_str().unwrap().to_string();
    enrol(&http, &server, &token).await;
    let mut acknowledged = Vec::new();
    for round in 0..rounds {
        let writers: Vec<_> = (0..4)
            .map(|w| tokio::spawn(write_until_killed(http.clone(), server.base.clone(), token.clone(), format!("{round}.{w}"))))
            .collect();
        tokio::time::sleep(Duration::from_millis(400 + 137 * (round % 5))).await;
        drop(server); // SIGKILL, then reaped
        let before = acknowledged.len();
        for w in writers {
            acknowledged.extend(w.await.unwrap());
        }
        assert!(acknowledged.len() > before, "round {round}: no write was acknowledged before the kill");
        server = Server::start_with(&dir, &url, &format!("restart-{round}"), &unlimited).await;
    }
    let mut missing = Vec::new();
    for id in &acknowledged {
        let (status, _) = api(&http, reqwest::Method::GET, server.url(&format!("/api/v1/records/{id}")), Some(&token), json!(null)).await;
        if status != 200 {
            assert_eq!(status, 404, "checking {id}");
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged records lost, first: {:?}",
        missing.len(),
        acknowledged.len(),
        &missing[..missing.len().min(5)]
    );
    // Every acknowledged write has its audit row: the response left only after the row was
    // journalled, and each start moved the journals of the copy killed before it into the
    // trail, so no kill lost one (issue 11: no audit row lost on a crash after the response).
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let audited: std::collections::HashSet<String> =
        sqlx::query_scalar::<_, Option<String>>("SELECT resource_id FROM audit_log WHERE action = 'record.create' AND outcome = 'success'")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .flatten()
            .collect();
    pool.close().await;
    let unaudited: Vec<&String> = acknowledged.iter().filter(|id| !audited.contains(*id)).collect();
    assert!(unaudited.is_empty(), "{} of {} acknowledged writes have no audit row", unaudited.len(), acknowledged.len());
    drop(server);
    let verify = bin()
        .args(["ledger", "verify", "--data-dir"])
        .arg(&dir.0)
        .args(["--database-url", &url])
        .env("CARELEDGER_LOG", "warn")
        .output()
        .unwrap();
    assert!(verify.status.success(), "ledger verify after {rounds} kills: {}", String::from_utf8_lossy(&verify.stderr));
    eprintln!(
        "crash test ({backend:?}): {rounds} kill -9 rounds, {} acknowledged writes, none lost, each audited, ledger verifies",
        acknowledged.len()
    );
}
dual!(kill_9_loses_no_acknowledged_write);
