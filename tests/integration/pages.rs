//! The pages, driven like a browser: cookies, CSRF tokens, redirects, errors beside fields.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, browser, csrf_from, sign_in};
use crate::{app, dual};

async fn get_page(app: &TestApp, b: &reqwest::Client, path: &str) -> (u16, String) {
    let r = b.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post_form(app: &TestApp, b: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    b.post(app.url(path)).form(form).send().await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

async fn doctor_writes_on_a_page_and_patient_reads_it(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;

    let doctor = sign_in(&app, "doc@example.org").await;
    let (status, html) = get_page(&app, &doctor, "/doctor/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("Dr Dana Doctor") && html.contains("href=\"/records/create\""), "{html}");
    let (_, form) = get_page(&app, &doctor, "/records/create").await;
    let csrf = csrf_from(&form);
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("patient_email", "pat@example.org"),
        ("title", "Sprained <ankle>"),
        ("record_type", "visit"),
        ("notes", "RICE for 3 days"),
    ];
    // Addressed by email, the record waits for the doctor to see who the patient is.
    let r = post_form(&app, &doctor, "/records/create", &fields).await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("Pat Ient") && confirm.contains(&pat.id) && confirm.contains("pat@example.org"), "{confirm}");
    assert!(!confirm.contains("<ankle>"), "escaped");
    assert_eq!(app.get("/api/v1/records", Some(&pat.access)).await.body["items"].as_array().unwrap().len(), 0, "nothing written yet");
    // "Change" goes back to the filled-in form.
    let mut change = crate::helpers::hidden_fields(&confirm);
    change.push(("edit".into(), "1".into()));
    let r = doctor.post(app.url("/records/create")).form(&change).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let back = r.text().await.unwrap();
    assert!(back.contains("value=\"pat@example.org\"") && back.contains("RICE for 3 days") && !back.contains("Is this the right patient?"));
    let r = doctor.post(app.url("/records/create")).form(&crate::helpers::hidden_fields(&confirm)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let saved = location(&r);
    assert!(saved.starts_with("/records/") && saved.ends_with("?done=created"), "{saved}");
    let html = doctor.get(app.url(&saved)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("class=\"success\"") && html.contains("Record saved"), "{html}");
    let record_path = saved.split('?').next().unwrap().to_string();
    let listed = app.get("/api/v1/records", Some(&pat.access)).await.body["items"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1);
    assert_eq!(format!("/records/{}", listed[0]["id"].as_str().unwrap()), record_path);
    let (status, html) = get_page(&app, &doctor, &record_path).await;
    assert_eq!(status, 200);
    // Escaped, never raw HTML from a record.
    assert!(html.contains("Sprained &#60;ankle&#62;") || html.contains("Sprained &lt;ankle&gt;"), "{html}");
    assert!(!html.contains("<ankle>"));
    let (_, html) = get_page(&app, &doctor, "/doctor/dashboard").await;
    assert!(html.contains(&record_path));

    let patient = sign_in(&app, "pat@example.org").await;
    let (status, html) = get_page(&app, &patient, "/patient/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains(&record_path) && !html.contains("RICE") && html.contains("Sprained"), "{html}");
    let (status, html) = get_page(&app, &patient, &record_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("RICE for 3 days"));
    // History with filters as a form.
    let (status, html) = get_page(&app, &patient, "/history?q=ankle&type=visit").await;
    assert_eq!(status, 200);
    assert!(html.contains(&record_path));
    // The filter offers the patient's doctors by name; the doctor's, their patients.
    let (_, html) = get_page(&app, &patient, &format!("/history?provider={}", doc.id)).await;
    assert!(html.contains(&format!("<option value=\"{}\" selected>Dana Doctor</option>", doc.id)), "{html}");
    assert!(html.contains(&record_path));
    let (_, html) = get_page(&app, &doctor, "/history").await;
    assert!(html.contains(&format!("<option value=\"{}\">Pat Ient</option>", pat.id)), "{html}");
    let (_, html) = get_page(&app, &patient, "/history?q=fracture").await;
    assert!(!html.contains(&record_path) && html.contains("No records match this search."), "{html}");
    let (status, html) = get_page(&app, &patient, "/history?q=%21%21%21").await;
    assert_eq!(status, 422);
    assert!(html.contains("punctuation alone is not searched") && html.contains("Correct the search above"), "{html}");
    let (status, html) = get_page(&app, &patient, "/history?from=not-a-date").await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"from-error\"") && html.contains("aria-invalid=\"true\""));
    // A patient on the doctor's pages is sent home or refused.
    let r = patient.get(app.url("/doctor/dashboard")).send().await.unwrap();
    assert_eq!(location(&r), "/patient/dashboard");
    let (status, _) = get_page(&app, &patient, "/records/create").await;
    assert_eq!(status, 403);
}
dual!(doctor_writes_on_a_page_and_patient_reads_it);

async fn other_peoples_records_are_not_found(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    app.patient("other@example.org").await;
    let record = app.record(&doc, &pat.id, "Private", "note").await;
    let other = sign_in(&app, "other@example.org").await;
    let (status, html) = get_page(&app, &other, &format!("/records/{}", record["id"].as_str().unwrap())).await;
    assert_eq!(status, 404);
    assert!(!html.contains("Private"));
    let (status, _) = get_page(&app, &other, &format!("/records/{}", uuid::Uuid::now_v7())).await;
    assert_eq!(status, 404);
    let admin_b = sign_in(&app, "admin@clinic.test").await;
    let (status, _) = get_page(&app, &admin_b, &format!("/records/{}", record["id"].as_str().unwrap())).await;
    assert_eq!(status, 404);
}
dual!(other_peoples_records_are_not_found);

async fn forms_without_a_valid_csrf_token_are_refused(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    app.doctor("doc@example.org", &admin).await;
    app.patient("pat@example.org").await;
    let b = browser();
    // No token at all, a made-up one, and one without the cookie it belongs to.
    let r = post_form(&app, &b, "/login", &[("email", "pat@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), 403);
    let r = post_form(&app, &b, "/login", &[("csrf_token", "forged"), ("email", "pat@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), 403);
    let (_, html) = get_page(&app, &b, "/login").await;
    let token = csrf_from(&html);
    let stranger = browser();
    let r = post_form(&app, &stranger, "/login", &[("csrf_token", &token), ("email", "pat@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), 403);
    let r = post_form(
        &app,
        &stranger,
        "/register",
        &[("csrf_token", &token), ("email", "x@example.org"), ("password", PASSWORD), ("role", "patient"), ("full_name", "X")],
    )
    .await;
    assert_eq!(r.status(), 403);
    // Signed in: the session's token is needed, not the pre-login one.
    let doctor = sign_in(&app, "doc@example.org").await;
    let r = post_form(
        &app,
        &doctor,
        "/records/create",
        &[("csrf_token", &token), ("patient_email", "pat@example.org"), ("title", "T"), ("record_type", "visit"), ("notes", "")],
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = post_form(&app, &doctor, "/logout", &[("csrf_token", "nope")]).await;
    assert_eq!(r.status(), 403);
    // Nothing was written, and the session still works.
    let pat = app.login("pat@example.org").await;
    assert_eq!(app.get("/api/v1/records", Some(&pat.access)).await.body["items"].as_array().unwrap().len(), 0);
    let (status, _) = get_page(&app, &doctor, "/doctor/dashboard").await;
    assert_eq!(status, 200);
    // A proper sign-out ends the session.
    let (_, html) = get_page(&app, &doctor, "/logout").await;
    let r = post_form(&app, &doctor, "/logout", &[("csrf_token", &csrf_from(&html))]).await;
    assert_eq!(r.status(), 303);
    let r = doctor.get(app.url("/doctor/dashboard")).send().await.unwrap();
    assert_eq!(crate::helpers::redirect_path(&r), "/login");
}
dual!(forms_without_a_valid_csrf_token_are_refused);

async fn register_and_login_pages(backend: Backend) {
    let app = app!(backend);
    let b = browser();
    let (status, html) = get_page(&app, &b, "/").await;
    assert_eq!(status, 200);
    assert!(html.contains("action=\"/login\"") && html.contains("href=\"/register\""));
    let (_, html) = get_page(&app, &b, "/register").await;
    assert!(!html.contains("value=\"admin\""), "no admin option");
    let csrf = csrf_from(&html);
    // A weak password: the form comes back with the reason beside the field, input kept.
    let r = post_form(
        &app,
        &b,
        "/register",
        &[
            ("csrf_token", &csrf),
            ("full_name", "Lena Novak"),
            ("email", "lena@example.org"),
            ("password", "password1"),
            ("role", "patient"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"password-error\"") && html.contains("at least 10"), "{html}");
    assert!(html.contains("value=\"lena@example.org\""));
    // A patient registers and lands on their dashboard, signed in.
    let r = post_form(
        &app,
        &b,
        "/register",
        &[("csrf_token", &csrf), ("full_name", "Lena Novak"), ("email", "lena@example.org"), ("password", PASSWORD), ("role", "patient")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/patient/dashboard");
    let (status, html) = get_page(&app, &b, "/patient/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("Lena Novak") && html.contains("No records yet."));
    // The same email again is refused beside the email field.
    let b2 = browser();
    let (_, html) = get_page(&app, &b2, "/register").await;
    let r = post_form(
        &app,
        &b2,
        "/register",
        &[
            ("csrf_token", &csrf_from(&html)),
            ("full_name", "L"),
            ("email", "LENA@example.org"),
            ("password", PASSWORD),
            ("role", "patient"),
        ],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("id=\"email-error\""));
    // A doctor registers on the page and sees the pending notice; the API still refuses them.
    let b3 = browser();
    let (_, html) = get_page(&app, &b3, "/register").await;
    let r = post_form(
        &app,
        &b3,
        "/register",
        &[
            ("csrf_token", &csrf_from(&html)),
            ("full_name", "Erik Lindqvist"),
            ("email", "erik@example.org"),
            ("password", PASSWORD),
            ("role", "doctor"),
        ],
    )
    .await;
    assert_eq!(location(&r), "/doctor/dashboard");
    // Doctors enrol in two-factor sign-in before anything else: every page sends them there.
    for path in ["/doctor/dashboard", "/records/create", "/history"] {
        let r = b3.get(app.url(path)).send().await.unwrap();
        assert_eq!(location(&r), format!("/me/mfa?next={}", path.replace('/', "%2F")), "{path}");
    }
    // After enrolment the page offers to go on to the page first asked for.
    let (_, html) = get_page(&app, &b3, "/me/mfa?next=%2Fhistory").await;
    assert!(html.contains("name=\"next\" value=\"/history\""), "{html}");
    let (_, html) = get_page(&app, &b3, "/me/mfa?next=%2F%2Fevil.example").await;
    assert!(html.contains("name=\"next\" value=\"\""), "another site is not offered: {html}");
    let (status, html) = get_page(&app, &b3, "/me/mfa").await;
    assert_eq!(status, 200);
    assert!(html.contains("must use two-factor"), "{html}");
    let r = post_form(&app, &b3, "/me/mfa", &[("csrf_token", &csrf_from(&html))]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("action=\"/me/mfa/confirm\""), "{html}");
    let key_start = html.find("Key: <code>").unwrap() + "Key: <code>".len();
    let secret = html[key_start..].split('<').next().unwrap().to_string();
    let r = post_form(&app, &b3, "/me/mfa/confirm", &[("csrf_token", &csrf_from(&html)), ("code", "000000")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"code-error\""));
    let code = careledger::accounts::mfa::code_at(&secret, app.clock.now()).unwrap();
    let r = post_form(&app, &b3, "/me/mfa/confirm", &[("csrf_token", &csrf_from(&html)), ("code", &code)]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("<li><code>").count(), 10, "ten recovery codes: {html}");
    // Now the pending notice shows, and clinical pages are refused while pending.
    let (_, html) = get_page(&app, &b3, "/doctor/dashboard").await;
    assert!(html.contains("waiting for an administrator"), "{html}");
    assert!(!html.contains("href=\"/records/create\""));
    let (status, _) = get_page(&app, &b3, "/records/create").await;
    assert_eq!(status, 403);
    app.clock.advance(chrono::Duration::seconds(30));
    let code = careledger::accounts::mfa::code_at(&secret, app.clock.now()).unwrap();
    app.post("/api/v1/auth/login", None, &json!({"email": "erik@example.org", "password": PASSWORD, "totp_code": code}))
        .await
        .assert_problem(403, "account_pending_approval");
    // Wrong password on the login page: an error, not a session.
    let b4 = browser();
    let (_, html) = get_page(&app, &b4, "/login").await;
    let r = post_form(
        &app,
        &b4,
        "/login",
        &[("csrf_token", &csrf_from(&html)), ("email", "lena@example.org"), ("password", "not-my-password-1")],
    )
    .await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("not correct"));
    let r = b4.get(app.url("/patient/dashboard")).send().await.unwrap();
    assert_eq!(crate::helpers::redirect_path(&r), "/login");
    // Signed-in pages need a session.
    for path in ["/doctor/dashboard", "/patient/dashboard", "/records/create", "/history", "/logout"] {
        let r = browser().get(app.url(path)).send().await.unwrap();
        assert_eq!((r.status().as_u16(), crate::helpers::redirect_path(&r)), (303, "/login".to_string()), "{path}");
    }
}
dual!(register_and_login_pages);
