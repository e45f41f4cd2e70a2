//! The sign-in defences from the attacker's side: MFA, replay, recovery codes, lockout, limits.

use careledger::ratelimit::Limits;
use serde_json::json;

use crate::helpers::{Backend, Options, PASSWORD, TestApp, spawn_app_with, spawn_beside};
use crate::{app, dual};

fn login_body(email: &str, password: &str, code: Option<&str>) -> serde_json::Value {
    json!({"email": email, "password": password, "totp_code": code})
}

async fn totp_enrolment_login_replay_and_recovery(backend: Backend) {
    let app = app!(backend);
    let s = app.patient("p@example.org").await;
    // Enrolment needs a pending secret and the right code.
    app.post("/api/v1/me/mfa/totp/confirm", Some(&s.access), &json!({"code": "123456"})).await.assert_problem(409, "mfa_not_started");
    let e = app.post("/api/v1/me/mfa/totp", Some(&s.access), &json!({})).await;
    let secret = e.body["secret"].as_str().unwrap().to_string();
    let r = app.post("/api/v1/me/mfa/totp/confirm", Some(&s.access), &json!({"code": "000000"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["code"]);
    let code = careledger::accounts::mfa::code_at(&secret, app.clock.now()).unwrap();
    let r = app.post("/api/v1/me/mfa/totp/confirm", Some(&s.access), &json!({"code": code})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let recovery: Vec<String> = r.body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().into()).collect();
    assert_eq!(recovery.len(), 10);
    assert_eq!(app.get("/api/v1/me", Some(&s.access)).await.body["mfa_enabled"], true);
    app.post("/api/v1/me/mfa/totp", Some(&s.access), &json!({})).await.assert_problem(409, "mfa_already_enabled");

    // Login now needs the code; the enrolment code itself cannot be replayed.
    app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await.assert_problem(401, "mfa_required");
    app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, Some(&code))).await.assert_problem(401, "invalid_mfa_code");
    app.clock.advance(chrono::Duration::seconds(30));
    let fresh = careledger::accounts::mfa::code_at(&secret, app.clock.now()).unwrap();
    let ok = app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, Some(&fresh))).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, Some(&fresh)))
        .await
        .assert_problem(401, "invalid_mfa_code");
    // The wrong password with the right code is still just wrong credentials.
    app.post("/api/v1/auth/login", None, &login_body("p@example.org", "wrong-password-42", Some(&fresh)))
        .await
        .assert_problem(401, "invalid_credentials");
    // A recovery code works once (any case, with or without the dash).
    let rc = recovery[0].to_uppercase().replace('-', "");
    assert_eq!(app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, Some(&rc))).await.status, 200);
    app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, Some(&recovery[0])))
        .await
        .assert_problem(401, "invalid_mfa_code");
    assert_eq!(app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, Some(&recovery[1]))).await.status, 200);
    // Turning MFA off needs a current, unused code.
    let token = ok.body["access_token"].as_str().unwrap();
    let r = app.http.delete(app.url("/api/v1/me/mfa/totp")).bearer_auth(token).json(&json!({"code": fresh})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    app.clock.advance(chrono::Duration::seconds(30));
    let now_code = careledger::accounts::mfa::code_at(&secret, app.clock.now()).unwrap();
    let r = app.http.delete(app.url("/api/v1/me/mfa/totp")).bearer_auth(token).json(&json!({"code": now_code})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await.status, 200);
    app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, Some(&recovery[2]))).await;
}
dual!(totp_enrolment_login_replay_and_recovery);

async fn doctors_and_admins_must_enrol_first(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.register("doc@example.org", "doctor", "Dr No").await;
    app.post(&format!("/api/v1/admin/users/{}/approve", doc["id"].as_str().unwrap()), Some(&admin.access), &json!({})).await;
    let s = app.login("doc@example.org").await;
    let patient = app.patient("p@example.org").await;
    // Everything but enrolment, /me and logout is refused until enrolment.
    app.get("/api/v1/records", Some(&s.access)).await.assert_problem(403, "mfa_enrollment_required");
    app.post("/api/v1/records", Some(&s.access), &json!({"patient_id": patient.id, "title": "T"}))
        .await
        .assert_problem(403, "mfa_enrollment_required");
    app.get(&format!("/api/v1/patients/{}/history", patient.id), Some(&s.access)).await.assert_problem(403, "mfa_enrollment_required");
    // Break-glass too, and the refused attempt is in the audit trail as such.
    app.post(
        &format!("/api/v1/patients/{}/emergency-access", patient.id),
        Some(&s.access),
        &json!({"reason": "Collapsed in the waiting room, unresponsive"}),
    )
    .await
    .assert_problem(403, "mfa_enrollment_required");
    let rows =
        app.get(&format!("/api/v1/audit?actor_id={}&action=emergency_access.open", doc["id"].as_str().unwrap()), Some(&admin.access)).await;
    assert_eq!(rows.body["items"][0]["outcome"], "denied", "{}", rows.text);
    assert_eq!(rows.body["items"][0]["patient_id"], patient.id.as_str(), "{}", rows.text);
    assert_eq!(app.get("/api/v1/me", Some(&s.access)).await.body["mfa_enabled"], false);
    app.enrol(&s).await;
    assert_eq!(app.get("/api/v1/records", Some(&s.access)).await.status, 200);
    // Patients may enrol, but need not.
    assert_eq!(app.get("/api/v1/records", Some(&patient.access)).await.status, 200);
    let fresh_admin = careledger::accounts::service::create_admin(&app.state.db, &app.state.clock, "a2@clinic.test", PASSWORD.into(), "A2")
        .await
        .unwrap();
    assert!(!fresh_admin.mfa_enabled);
    let a2 = app.login("a2@clinic.test").await;
    app.get("/api/v1/admin/users", Some(&a2.access)).await.assert_problem(403, "mfa_enrollment_required");
    for path in ["/api/v1/audit", "/api/v1/audit/export", "/api/v1/admin/emergency-access"] {
        app.get(path, Some(&a2.access)).await.assert_problem(403, "mfa_enrollment_required");
    }
    assert_eq!(app.post("/api/v1/auth/logout", Some(&a2.access), &json!({})).await.status, 204);
}
dual!(doctors_and_admins_must_enrol_first);

/// Five wrong passwords from an unknown device lock the account; to whoever sent them, every
/// answer is the plain 401 of a wrong password (the lock does not show).
async fn lock_after_five_failures(app: &TestApp, email: &str) {
    for _ in 0..5 {
        let r = app.post("/api/v1/auth/login", None, &login_body(email, "wrong-password-42", None)).await;
        r.assert_problem(401, "invalid_credentials");
    }
    // Locked: even the right password from an unknown device answers the same.
    let code = app.next_code(email);
    let r = app.post("/api/v1/auth/login", None, &login_body(email, PASSWORD, code.as_deref())).await;
    r.assert_problem(401, "invalid_credentials");
}

async fn lockout_and_unlock(backend: Backend) {
    let app = app!(backend);
    app.admin().await;
    app.patient("p@example.org").await;
    // Failures that are not in a row do not lock.
    for _ in 0..4 {
        app.post("/api/v1/auth/login", None, &login_body("p@example.org", "nope-nope-nope-1", None)).await;
    }
    app.login("p@example.org").await;
    lock_after_five_failures(&app, "p@example.org").await;
    // 15 minutes later it opens by itself, and the user is told.
    app.clock.advance(chrono::Duration::minutes(16));
    let r = app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["notice"].as_str().unwrap().contains("paused"), "{}", r.text);
    let r = app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await;
    assert!(r.body.get("notice").is_none(), "told once");
    // An admin unlocks at once; only an admin may. (The admin signs in again: the clock moved
    // past their access token's 15 minutes.)
    let admin = app.login("admin@clinic.test").await;
    lock_after_five_failures(&app, "p@example.org").await;
    let me = app.patient("q@example.org").await;
    let pid = app.get("/api/v1/admin/users?limit=200", Some(&admin.access)).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "p@example.org")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(&format!("/api/v1/admin/users/{pid}/unlock"), Some(&me.access), &json!({})).await.assert_problem(403, "forbidden");
    let r = app.post(&format!("/api/v1/admin/users/{pid}/unlock"), Some(&admin.access), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await.status, 200);
    app.post(&format!("/api/v1/admin/users/{}/unlock", uuid::Uuid::now_v7()), Some(&admin.access), &json!({}))
        .await
        .assert_problem(404, "user_not_found");
    // A wrong second factor counts as a failure too.
    app.doctor("doc@example.org", &admin).await;
    for _ in 0..5 {
        app.post("/api/v1/auth/login", None, &login_body("doc@example.org", PASSWORD, Some("000000")))
            .await
            .assert_problem(401, "invalid_mfa_code");
    }
    let code = app.next_code("doc@example.org");
    app.post("/api/v1/auth/login", None, &login_body("doc@example.org", PASSWORD, code.as_deref()))
        .await
        .assert_problem(401, "invalid_credentials");
}
dual!(lockout_and_unlock);

async fn lockout_is_shared_between_copies(backend: Backend) {
    let app = app!(backend);
    app.patient("p@example.org").await;
    let url = app.state.settings.database_url.expose().clone();
    let other = spawn_beside(&app, url).await;
    // Failures spread over two copies add up.
    for (i, copy) in [&app, &other, &app, &other, &app].into_iter().enumerate() {
        let r = copy.post("/api/v1/auth/login", None, &login_body("p@example.org", "wrong-password-42", None)).await;
        assert_eq!(r.status, 401, "attempt {i}");
    }
    for copy in [&app, &other] {
        copy.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None))
            .await
            .assert_problem(401, "invalid_credentials");
    }
}
dual!(lockout_is_shared_between_copies);

fn limits(auth: u32, failed: u32, per_user: u32) -> Options {
    Options {
        limits: Limits {
            enabled: true,
            auth_per_ip: auth,
            failed_logins_per_ip: failed,
            per_user_per_minute: per_user,
            public_per_ip: 1_000_000,
        },
        ..Options::default()
    }
}

async fn auth_requests_are_limited_per_ip(backend: Backend) {
    let Some(app) = spawn_app_with(backend, limits(6, 20, 600)).await else { return };
    app.patient("p@example.org").await; // 2: register and login
    for _ in 0..4 {
        assert_eq!(app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await.status, 200);
    }
    let r = app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await;
    r.assert_problem(429, "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    app.post("/api/v1/auth/register", None, &json!({"email": "x@example.org", "password": PASSWORD, "role": "patient", "full_name": "X"}))
        .await
        .assert_problem(429, "rate_limited");
    // The next window opens again.
    app.clock.advance(chrono::Duration::minutes(15));
    assert_eq!(app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await.status, 200);
}
dual!(auth_requests_are_limited_per_ip);

async fn failed_logins_are_limited_per_ip_across_accounts(backend: Backend) {
    let Some(app) = spawn_app_with(backend, limits(1000, 6, 600)).await else { return };
    for n in 0..4 {
        app.patient(&format!("p{n}@example.org")).await;
    }
    // Six failures spread over accounts (none reaches the account lockout).
    for n in 0..6 {
        let email = format!("p{}@example.org", n % 3);
        app.post("/api/v1/auth/login", None, &login_body(&email, "wrong-password-42", None))
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let r = app.post("/api/v1/auth/login", None, &login_body("p3@example.org", PASSWORD, None)).await;
    r.assert_problem(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    // While the IP is limited, every account answers the same 429: it tells nothing about them.
    app.post("/api/v1/auth/login", None, &login_body("nobody@example.org", PASSWORD, None)).await.assert_problem(429, "rate_limited");
}
dual!(failed_logins_are_limited_per_ip_across_accounts);

async fn signed_in_users_are_limited_per_minute(backend: Backend) {
    let Some(app) = spawn_app_with(backend, limits(1000, 20, 5)).await else { return };
    let s = app.patient("p@example.org").await; // the helper's /me is the first
    let other = app.patient("q@example.org").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.get("/api/v1/me", Some(&s.access)).await.status.as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2, "{statuses:?}");
    let r = app.get("/api/v1/me", Some(&s.access)).await;
    r.assert_problem(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    // Another user is not affected.
    assert_eq!(app.get("/api/v1/me", Some(&other.access)).await.status, 200);
}
dual!(signed_in_users_are_limited_per_minute);

async fn rate_limits_off_keeps_lockout(backend: Backend) {
    let options = Options {
        limits: Limits { enabled: false, auth_per_ip: 1, failed_logins_per_ip: 1, per_user_per_minute: 1, public_per_ip: 1 },
        ..Options::default()
    };
    let Some(app) = spawn_app_with(backend, options).await else { return };
    let s = app.patient("p@example.org").await;
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/me", Some(&s.access)).await.status, 200);
        assert_eq!(app.post("/api/v1/auth/login", None, &login_body("p@example.org", PASSWORD, None)).await.status, 200);
    }
    lock_after_five_failures(&app, "p@example.org").await;
}
dual!(rate_limits_off_keeps_lockout);

/// A minimal SMTP server (RFC 5321) on loopback that hands every message's DATA to a channel.
pub async fn fake_smtp() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 localhost ESMTP test\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            let _ = tx.send(data.take().unwrap_or_default());
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 localhost\r\n"
                    } else if upper.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, rx)
}

async fn lockout_is_emailed_when_smtp_is_configured(backend: Backend) {
    let (port, mut inbox) = fake_smtp().await;
    let Some(app) = crate::helpers::spawn_configured(backend, Options::default(), |s| {
        s.smtp = Some(careledger::config::SmtpSettings {
            url: careledger::config::Secret::new(format!("smtp://127.0.0.1:{port}")),
            from: "careledger <no-reply@clinic.test>".into(),
        });
    })
    .await
    else {
        return;
    };
    app.patient("p@example.org").await;
    lock_after_five_failures(&app, "p@example.org").await;
    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv()).await.expect("an email").unwrap();
    assert!(mail.contains("To: p@example.org"), "{mail}");
    assert!(mail.contains("Subject: Your careledger account was locked"), "{mail}");
    // Quoted-printable (RFC 2045): undo soft line breaks before reading the text.
    assert!(mail.replace("=\n", "").contains("failed attempts in a row"), "{mail}");
}
dual!(lockout_is_emailed_when_smtp_is_configured);
