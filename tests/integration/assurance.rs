//! A session's own second-factor assurance, from the attacker's side (issue 9, finding 1): a
//! session that signed in with the password alone never gains more than enrolment rights,
//! whatever the account does later from elsewhere.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, sign_in};
use crate::{app, dual};

/// Registers and approves a doctor who has not enrolled yet.
async fn approved_unenrolled_doctor(app: &TestApp, email: &str) -> crate::helpers::Session {
    let admin = app.admin().await;
    let doc = app.register(email, "doctor", "Dr Target").await;
    let r = app.post(&format!("/api/v1/admin/users/{}/approve", doc["id"].as_str().unwrap()), Some(&admin.access), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.login(email).await
}

async fn a_password_only_session_gains_nothing_when_the_account_enrols_elsewhere(backend: Backend) {
    let app = app!(backend);
    let patient = app.patient("p@example.org").await;
    // The attacker knows the password: session Y (API) and a page session, both before enrolment.
    let y = approved_unenrolled_doctor(&app, "doc@example.org").await;
    let y_page = sign_in(&app, "doc@example.org").await;
    let write = json!({"patient_id": patient.id, "title": "Forged", "notes": "n"});
    app.post("/api/v1/records", Some(&y.access), &write).await.assert_problem(403, "mfa_enrollment_required");
    // The real doctor signs in (session X) and enrols.
    let x = app.login("doc@example.org").await;
    app.enrol(&x).await;
    // Y: no rights at all (its session ended), and its refresh token is dead.
    app.post("/api/v1/records", Some(&y.access), &write).await.assert_problem(401, "invalid_token");
    app.get("/api/v1/records", Some(&y.access)).await.assert_problem(401, "invalid_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": y.refresh})).await.assert_problem(401, "invalid_refresh_token");
    let r = y_page.get(app.url("/doctor/dashboard")).send().await.unwrap();
    assert_eq!(crate::helpers::redirect_path(&r), "/login", "the page session ended too");
    let r = y_page.get(app.url("/records/create")).send().await.unwrap();
    assert_eq!(crate::helpers::redirect_path(&r), "/login");
    // X completed enrolment with a code, so X is upgraded and writes.
    assert_eq!(app.post("/api/v1/records", Some(&x.access), &write).await.status, 201);
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": x.refresh})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let x2 = r.body["access_token"].as_str().unwrap();
    assert_eq!(app.post("/api/v1/records", Some(x2), &write).await.status, 201, "the refreshed token keeps X's assurance");
    // Only the doctor's own sessions were touched.
    assert_eq!(app.get("/api/v1/records", Some(&patient.access)).await.status, 200);
}
dual!(a_password_only_session_gains_nothing_when_the_account_enrols_elsewhere);

async fn enrolling_on_a_page_upgrades_that_page_and_ends_the_rest(backend: Backend) {
    let app = app!(backend);
    let y = approved_unenrolled_doctor(&app, "doc@example.org").await;
    let b = sign_in(&app, "doc@example.org").await;
    let r = b.get(app.url("/doctor/dashboard")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/me/mfa?next=%2Fdoctor%2Fdashboard", "held at enrolment, then back");
    let html = b.get(app.url("/me/mfa")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::helpers::csrf_from(&html);
    let html = b.post(app.url("/me/mfa")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap().text().await.unwrap();
    let secret = html.split("<code>").nth(1).and_then(|s| s.split("</code>").next()).expect("secret on the page").replace(' ', "");
    let code = careledger::accounts::mfa::code_at(&secret, app.clock.now()).unwrap();
    let r = b.post(app.url("/me/mfa/confirm")).form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(b.get(app.url("/doctor/dashboard")).send().await.unwrap().status(), 200, "the enrolling page session is upgraded");
    app.get("/api/v1/me", Some(&y.access)).await.assert_problem(401, "invalid_token");
}
dual!(enrolling_on_a_page_upgrades_that_page_and_ends_the_rest);

async fn turning_mfa_off_ends_other_sessions_and_holds_this_one_at_enrolment(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let patient = app.patient("p@example.org").await;
    let a = app.doctor("doc@example.org", &admin).await;
    let b = app.login("doc@example.org").await;
    let page = sign_in(&app, "doc@example.org").await;
    let write = json!({"patient_id": patient.id, "title": "T", "notes": "n"});
    assert_eq!(app.post("/api/v1/records", Some(&b.access), &write).await.status, 201);
    let code = app.next_code("doc@example.org").unwrap();
    let r = app.http.delete(app.url("/api/v1/me/mfa/totp")).bearer_auth(&a.access).json(&json!({"code": code})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    app.post("/api/v1/records", Some(&b.access), &write).await.assert_problem(401, "invalid_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": b.refresh})).await.assert_problem(401, "invalid_refresh_token");
    assert_eq!(crate::helpers::redirect_path(&page.get(app.url("/doctor/dashboard")).send().await.unwrap()), "/login");
    // The session that turned it off had passed the second factor, but that factor is gone.
    app.post("/api/v1/records", Some(&a.access), &write).await.assert_problem(403, "mfa_enrollment_required");
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": a.refresh})).await;
    assert_eq!(r.status, 200);
    app.post("/api/v1/records", Some(r.body["access_token"].as_str().unwrap()), &write)
        .await
        .assert_problem(403, "mfa_enrollment_required");
    // Enrolling again from it restores it.
    app.enrol(&a).await;
    assert_eq!(app.post("/api/v1/records", Some(&a.access), &write).await.status, 201);
}
dual!(turning_mfa_off_ends_other_sessions_and_holds_this_one_at_enrolment);

async fn recovery_codes_pass_the_second_factor_and_can_turn_it_off(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let patient = app.patient("p@example.org").await;
    let first = app.login("admin@clinic.test").await;
    let doc = app.register("doc@example.org", "doctor", "Dr R").await;
    app.post(&format!("/api/v1/admin/users/{}/approve", doc["id"].as_str().unwrap()), Some(&admin.access), &json!({})).await;
    let s = app.login("doc@example.org").await;
    let recovery = app.enrol(&s).await;
    let write = json!({"patient_id": patient.id, "title": "T", "notes": "n"});
    // A lost phone: the doctor signs in with a recovery code; that session passed the second factor.
    let r =
        app.post("/api/v1/auth/login", None, &json!({"email": "doc@example.org", "password": PASSWORD, "totp_code": recovery[0]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rc = r.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.post("/api/v1/records", Some(&rc), &write).await.status, 201);
    // And may turn TOTP off with another recovery code (to enrol a new phone), which ends the others.
    let r = app.http.delete(app.url("/api/v1/me/mfa/totp")).bearer_auth(&rc).json(&json!({"code": recovery[0]})).send().await.unwrap();
    assert_eq!(r.status(), 422, "a spent recovery code is refused");
    let r = app.http.delete(app.url("/api/v1/me/mfa/totp")).bearer_auth(&rc).json(&json!({"code": recovery[1]})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    app.get("/api/v1/me", Some(&s.access)).await.assert_problem(401, "invalid_token");
    app.post("/api/v1/records", Some(&rc), &write).await.assert_problem(403, "mfa_enrollment_required");
    // Another account's sessions are untouched.
    assert_eq!(app.get("/api/v1/admin/users", Some(&first.access)).await.status, 200);
}
dual!(recovery_codes_pass_the_second_factor_and_can_turn_it_off);

async fn a_password_only_session_of_an_enrolled_account_is_over(backend: Backend) {
    // What a race between a password-only sign-in and enrolment could leave behind: a session
    // row without the second factor for an account that has it. It must not work, for any role.
    let app = app!(backend);
    let s = app.patient("p@example.org").await;
    app.enrol(&s).await;
    let fresh = app.login("p@example.org").await;
    assert_eq!(app.get("/api/v1/me", Some(&fresh.access)).await.status, 200);
    sqlx::query("UPDATE sessions SET mfa = 0 WHERE user_id = $1").bind(&fresh.id).execute(&app.state.db.pool).await.unwrap();
    app.get("/api/v1/me", Some(&fresh.access)).await.assert_problem(401, "invalid_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": fresh.refresh})).await.assert_problem(401, "invalid_refresh_token");
}
dual!(a_password_only_session_of_an_enrolled_account_is_over);

async fn a_pending_enrolment_belongs_to_the_session_that_began_it(backend: Backend) {
    // The review of the fix: a password-only page session could read the secret the real
    // doctor was enrolling with, then sign in with its codes.
    let app = app!(backend);
    let victim = approved_unenrolled_doctor(&app, "doc@example.org").await;
    let attacker_page = sign_in(&app, "doc@example.org").await;
    let attacker_api = app.login("doc@example.org").await;
    let r = app.post("/api/v1/me/mfa/totp", Some(&victim.access), &json!({})).await;
    let secret = r.body["secret"].as_str().unwrap().to_string();
    let html = attacker_page.get(app.url("/me/mfa")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains(&secret), "another session never sees the pending secret");
    // Nor can another session confirm it, even with the right code.
    let code = careledger::accounts::mfa::code_at(&secret, app.clock.now()).unwrap();
    app.post("/api/v1/me/mfa/totp/confirm", Some(&attacker_api.access), &json!({"code": code}))
        .await
        .assert_problem(409, "mfa_not_started");
    assert_eq!(app.post("/api/v1/me/mfa/totp/confirm", Some(&victim.access), &json!({"code": code})).await.status, 200);
    app.get("/api/v1/me", Some(&attacker_api.access)).await.assert_problem(401, "invalid_token");
    // Starting again elsewhere replaces the enrolment; the first session's one is gone.
    let other = app.approved_unenrolled_doctor_again("doc2@example.org").await;
    let second = app.login("doc2@example.org").await;
    let first = app.post("/api/v1/me/mfa/totp", Some(&other.access), &json!({})).await.body["secret"].as_str().unwrap().to_string();
    app.post("/api/v1/me/mfa/totp", Some(&second.access), &json!({})).await;
    app.clock.advance(chrono::Duration::seconds(30));
    let code = careledger::accounts::mfa::code_at(&first, app.clock.now()).unwrap();
    app.post("/api/v1/me/mfa/totp/confirm", Some(&other.access), &json!({"code": code})).await.assert_problem(409, "mfa_not_started");
}
dual!(a_pending_enrolment_belongs_to_the_session_that_began_it);

impl TestApp {
    /// Another approved doctor who has not enrolled, signed in with the password (the admin
    /// exists already).
    async fn approved_unenrolled_doctor_again(&self, email: &str) -> crate::helpers::Session {
        let admin = self.login("admin@clinic.test").await;
        let doc = self.register(email, "doctor", "Dr Two").await;
        let r = self.post(&format!("/api/v1/admin/users/{}/approve", doc["id"].as_str().unwrap()), Some(&admin.access), &json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        self.login(email).await
    }
}
