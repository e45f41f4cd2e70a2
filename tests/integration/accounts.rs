//! Registration, login, tokens, logout, staff approval — and every refusal.

use careledger::config::StaffApproval;
use serde_json::json;

use crate::helpers::{Backend, Options, PASSWORD, spawn_app_with};
use crate::{app, dual};

async fn patient_registers_signs_in_and_sees_self(backend: Backend) {
    let app = app!(backend);
    let user = app.register("Maria.Santos@Example.org", "patient", "Maria Santos").await;
    assert_eq!(user["status"], "active");
    assert_eq!(user["role"], "patient");
    assert_eq!(user["email"], "maria.santos@example.org");
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    // Emails compare case-insensitively at login too.
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "MARIA.santos@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 900);
    let me = app.get("/api/v1/me", r.body["access_token"].as_str()).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], user["id"]);
    assert_eq!(me.body["full_name"], "Maria Santos");
    assert_eq!(me.body["status"], "active");
}
dual!(patient_registers_signs_in_and_sees_self);

async fn registration_refusals(backend: Backend) {
    let app = app!(backend);
    let base = json!({"email": "a@example.org", "password": PASSWORD, "role": "patient", "full_name": "A B"});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let r = app.post("/api/v1/auth/register", None, &with("role", json!("admin"))).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["role"]);
    let r = app.post("/api/v1/auth/register", None, &with("role", json!("surgeon"))).await;
    r.assert_problem(422, "validation_failed");
    let r = app.post("/api/v1/auth/register", None, &with("password", json!("password1234"))).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["password"]);
    assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("too weak"), "{}", r.text);
    let r = app.post("/api/v1/auth/register", None, &with("password", json!("x7#Qz"))).await;
    assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("at least 10"), "{}", r.text);
    let r = app.post("/api/v1/auth/register", None, &with("email", json!("not-an-email"))).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["email"]);
    let r = app.post("/api/v1/auth/register", None, &with("full_name", json!("  "))).await;
    assert_eq!(r.error_fields(), vec!["full_name"]);
    // Missing and mistyped fields name the field.
    let r = app.post("/api/v1/auth/register", None, &json!({"email": "a@example.org", "role": "patient", "full_name": "A"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["password"]);
    let r = app.post("/api/v1/auth/register", None, &with("role", json!(7))).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["role"]);
    // Not JSON at all; not declared as JSON; not an object.
    app.post_raw("/api/v1/auth/register", None, "application/json", b"{\"email\": ".to_vec()).await.assert_problem(400, "malformed_body");
    app.post_raw("/api/v1/auth/register", None, "text/plain", base.to_string().into_bytes())
        .await
        .assert_problem(415, "unsupported_media_type");
    app.post_raw("/api/v1/auth/register", None, "application/json", b"[1,2]".to_vec()).await.assert_problem(422, "validation_failed");
    // Nothing was written by any of that: the address is still free.
    app.register("a@example.org", "patient", "A B").await;
    let r = app.post("/api/v1/auth/register", None, &with("email", json!("A@EXAMPLE.ORG"))).await;
    r.assert_problem(409, "email_taken");
}
dual!(registration_refusals);

async fn login_refusals(backend: Backend) {
    let app = app!(backend);
    app.register("p@example.org", "patient", "P").await;
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "p@example.org", "password": "wrong-password-123"})).await;
    r.assert_problem(401, "invalid_credentials");
    assert!(r.headers.get("www-authenticate").is_some());
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "nobody@example.org", "password": PASSWORD})).await;
    r.assert_problem(401, "invalid_credentials");
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "p@example.org"})).await;
    r.assert_problem(422, "validation_failed");
}
dual!(login_refusals);

async fn staff_wait_for_approval(backend: Backend) {
    let app = app!(backend);
    let doctor = app.register("doc@example.org", "doctor", "Dr Who").await;
    assert_eq!(doctor["status"], "pending_approval");
    let id = doctor["id"].as_str().unwrap();
    // A pending doctor cannot sign in to the API (right password: 403; wrong: still 401).
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "doc@example.org", "password": PASSWORD})).await;
    r.assert_problem(403, "account_pending_approval");
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "doc@example.org", "password": "nope-nope-nope-1"})).await;
    r.assert_problem(401, "invalid_credentials");
    for role in ["pharmacist", "lab", "receptionist"] {
        let u = app.register(&format!("{role}@example.org"), role, "Staff").await;
        assert_eq!(u["status"], "pending_approval", "{role}");
    }
    // Neither a patient nor anyone anonymous may approve or list.
    let patient = app.patient("p@example.org").await;
    let approve = format!("/api/v1/admin/users/{id}/approve");
    app.post(&approve, Some(&patient.access), &json!({})).await.assert_problem(403, "forbidden");
    app.post(&approve, None, &json!({})).await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/admin/users?status=pending_approval", Some(&patient.access)).await.assert_problem(403, "forbidden");
    // The admin lists pending staff, oldest first, and approves.
    let admin = app.admin().await;
    let r = app.get("/api/v1/admin/users?status=pending_approval&limit=2", Some(&admin.access)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let emails: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, vec!["doc@example.org", "pharmacist@example.org"]);
    let next = r.body["next_cursor"].as_str().unwrap();
    let r = app.get(&format!("/api/v1/admin/users?status=pending_approval&limit=2&cursor={next}"), Some(&admin.access)).await;
    let emails: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, vec!["lab@example.org", "receptionist@example.org"]);
    assert!(r.body["next_cursor"].is_null());
    app.get("/api/v1/admin/users?status=sleeping", Some(&admin.access)).await.assert_problem(422, "validation_failed");
    let r = app.post(&approve, Some(&admin.access), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["id"], id);
    // Approving again is harmless; unknown and malformed ids are 404.
    assert_eq!(app.post(&approve, Some(&admin.access), &json!({})).await.body["status"], "active");
    let unknown = uuid::Uuid::now_v7();
    app.post(&format!("/api/v1/admin/users/{unknown}/approve"), Some(&admin.access), &json!({}))
        .await
        .assert_problem(404, "user_not_found");
    app.post("/api/v1/admin/users/x'%20OR%201=1/approve", Some(&admin.access), &json!({})).await.assert_problem(404, "user_not_found");
    // Now the doctor signs in.
    let s = app.login("doc@example.org").await;
    assert_eq!(app.get("/api/v1/me", Some(&s.access)).await.body["status"], "active");
    let pending = app.get("/api/v1/admin/users?status=pending_approval", Some(&admin.access)).await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 3);
}
dual!(staff_wait_for_approval);

async fn staff_approval_off_activates_staff(backend: Backend) {
    let Some(app) = spawn_app_with(backend, Options { staff_approval: StaffApproval::Off, ..Options::default() }).await else { return };
    let doctor = app.register("doc@example.org", "doctor", "Dr Who").await;
    assert_eq!(doctor["status"], "active");
    app.login("doc@example.org").await;
    // Still no admin by registration.
    let r = app
        .post("/api/v1/auth/register", None, &json!({"email": "x@example.org", "password": PASSWORD, "role": "admin", "full_name": "X"}))
        .await;
    r.assert_problem(422, "validation_failed");
}
dual!(staff_approval_off_activates_staff);

async fn refresh_tokens_are_single_use(backend: Backend) {
    let app = app!(backend);
    let s = app.patient("p@example.org").await;
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": s.refresh})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let next_refresh = r.body["refresh_token"].as_str().unwrap().to_string();
    let next_access = r.body["access_token"].as_str().unwrap().to_string();
    assert_ne!(next_refresh, s.refresh);
    assert_eq!(app.get("/api/v1/me", Some(&next_access)).await.status, 200);
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": next_refresh})).await;
    assert_eq!(r.status, 200);
    let third_refresh = r.body["refresh_token"].as_str().unwrap().to_string();
    let third_access = r.body["access_token"].as_str().unwrap().to_string();
    // Unknown and mistyped tokens are plain refusals.
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": "made-up"})).await.assert_problem(401, "invalid_refresh_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": 12})).await.assert_problem(422, "validation_failed");
    // A spent token presented again is theft: the whole family is revoked, the current
    // refresh and access tokens included; other sessions are untouched.
    let other = app.login("p@example.org").await;
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": s.refresh})).await.assert_problem(401, "refresh_token_reused");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": third_refresh})).await.assert_problem(401, "invalid_refresh_token");
    app.get("/api/v1/me", Some(&third_access)).await.assert_problem(401, "invalid_token");
    assert_eq!(app.get("/api/v1/me", Some(&other.access)).await.status, 200);
}
dual!(refresh_tokens_are_single_use);

async fn logout_revokes_access_and_refresh(backend: Backend) {
    let app = app!(backend);
    let s = app.patient("p@example.org").await;
    let other = app.login("p@example.org").await;
    let r = app.post("/api/v1/auth/logout", Some(&s.access), &json!({})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.get("/api/v1/me", Some(&s.access)).await.assert_problem(401, "invalid_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": s.refresh})).await.assert_problem(401, "invalid_refresh_token");
    app.post("/api/v1/auth/logout", Some(&s.access), &json!({})).await.assert_problem(401, "invalid_token");
    // Another device's session is untouched.
    assert_eq!(app.get("/api/v1/me", Some(&other.access)).await.status, 200);
}
dual!(logout_revokes_access_and_refresh);

async fn forged_expired_and_missing_tokens(backend: Backend) {
    let app = app!(backend);
    let s = app.patient("p@example.org").await;
    app.get("/api/v1/me", None).await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/me", Some("garbage")).await.assert_problem(401, "invalid_token");
    let r = app.http.get(app.url("/api/v1/me")).header("authorization", format!("Basic {}", s.access)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Same claims, signed with another key: forged.
    let claims = json!({"sub": s.id, "sid": uuid::Uuid::now_v7().to_string(), "role": "admin", "iss": "careledger",
        "iat": chrono::Utc::now().timestamp(), "exp": chrono::Utc::now().timestamp() + 600});
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"not-the-server-key-not-the-server-key"),
    )
    .unwrap();
    app.get("/api/v1/me", Some(&forged)).await.assert_problem(401, "invalid_token");
    // The real key, but expired (and a real key with a session that does not exist).
    let key = hex::decode(std::fs::read_to_string(app.data_dir.0.join("keys/token-signing.key")).unwrap().trim()).unwrap();
    let sid = {
        let parts: Vec<&str> = s.access.split('.').collect();
        use base64::Engine;
        let payload: serde_json::Value =
            serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload["sid"].as_str().unwrap().to_string()
    };
    let sign = |claims: serde_json::Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&key),
        )
        .unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    let expired = sign(json!({"sub": s.id, "sid": sid, "role": "patient", "iss": "careledger", "iat": now - 2000, "exp": now - 1000}));
    app.get("/api/v1/me", Some(&expired)).await.assert_problem(401, "invalid_token");
    let valid = sign(json!({"sub": s.id, "sid": sid, "role": "patient", "iss": "careledger", "iat": now, "exp": now + 60}));
    assert_eq!(app.get("/api/v1/me", Some(&valid)).await.status, 200, "control: a correctly signed token works");
    let wrong_user = sign(
        json!({"sub": uuid::Uuid::now_v7().to_string(), "sid": sid, "role": "admin", "iss": "careledger", "iat": now, "exp": now + 60}),
    );
    app.get("/api/v1/me", Some(&wrong_user)).await.assert_problem(401, "invalid_token");
    // "alg": "none" is refused.
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", s.access.split('.').nth(1).unwrap());
    app.get("/api/v1/me", Some(&none)).await.assert_problem(401, "invalid_token");
}
dual!(forged_expired_and_missing_tokens);
