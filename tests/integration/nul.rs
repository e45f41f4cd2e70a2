//! NUL and other control characters in any text (issue 9, finding 5): PostgreSQL cannot store
//! U+0000 in text, so it is refused with 422 (404 in a path) on both databases, before any
//! write; other control characters never cause a 5xx.

use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, browser, csrf_from, sign_in};
use crate::{app, dual};

async fn nul_is_refused_everywhere_the_same_on_both_databases(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("p@example.org").await;
    let record = app.record(&doctor, &patient.id, "Visit", "visit").await;
    let rid = record["id"].as_str().unwrap();
    let users_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&app.state.db.pool).await.unwrap();
    let entries_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(&app.state.db.pool).await.unwrap();
    let nul = "A\u{0}B";
    let bodies: Vec<(String, Option<&String>, Value, &str)> = vec![
        (
            "/api/v1/auth/register".to_string(),
            None,
            json!({"email": "n@example.org", "password": PASSWORD, "role": "patient", "full_name": nul}),
            "full_name",
        ),
        (
            "/api/v1/auth/register".to_string(),
            None,
            json!({"email": "n\u{0}@example.org", "password": PASSWORD, "role": "patient", "full_name": "N"}),
            "email",
        ),
        ("/api/v1/auth/login".to_string(), None, json!({"email": "p@example.org\u{0}", "password": PASSWORD}), "email"),
        ("/api/v1/records".to_string(), Some(&doctor.access), json!({"patient_id": patient.id, "title": nul, "notes": ""}), "title"),
        ("/api/v1/records".to_string(), Some(&doctor.access), json!({"patient_id": patient.id, "title": "T", "notes": nul}), "notes"),
        (
            "/api/v1/records".to_string(),
            Some(&doctor.access),
            json!({"patient_email": "p@example.org\u{0}", "title": "T", "notes": ""}),
            "patient_email",
        ),
        (format!("/api/v1/records/{rid}/amendments"), Some(&doctor.access), json!({"notes": "x", "reason": nul}), "reason"),
        (
            "/api/v1/me/password".to_string(),
            Some(&patient.access),
            json!({"current_password": PASSWORD, "new_password": "violet-harbor\u{0}-77"}),
            "new_password",
        ),
        ("/api/v1/me/mfa/totp/confirm".to_string(), Some(&patient.access), json!({"code": "12\u{0}456"}), "code"),
        (format!("/api/v1/admin/users/{}/role", doctor.id), Some(&admin.access), json!({"role": "lab\u{0}"}), "role"),
    ];
    for (path, token, body, field) in &bodies {
        let r = app.post(path, token.map(String::as_str), body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field.to_string()], "{path}: {}", r.text);
    }
    for (path, field) in [
        ("/api/v1/records?q=a%00b", "q"),
        ("/api/v1/admin/users?q=%00", "q"),
        ("/api/v1/ledger/consistency?first=%00&second=1", "first"),
        (&*format!("/api/v1/patients/{}/history?cursor=%00", patient.id), "cursor"),
    ] {
        let token = if path.contains("admin") { &admin.access } else { &patient.access };
        let r = app.get(path, Some(token)).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field.to_string()], "{path}");
    }
    for path in
        ["/api/v1/records/%00", "/api/v1/ledger/blocks/%00", "/api/v1/ledger/entries/%00", &*format!("/api/v1/records/{rid}/files/%00")]
    {
        app.get(path, Some(&admin.access)).await.assert_problem(404, "not_found");
    }
    // Pages: forms and queries.
    let b = browser();
    let html = b.get(app.url("/register")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&html);
    for (path, form) in [
        (
            "/register",
            vec![
                ("csrf_token", csrf.as_str()),
                ("email", "m@example.org"),
                ("password", PASSWORD),
                ("role", "patient"),
                ("full_name", nul),
            ],
        ),
        ("/login", vec![("csrf_token", csrf.as_str()), ("email", "p@example.org\u{0}"), ("password", PASSWORD)]),
    ] {
        let r = b.post(app.url(path)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422, "{path}");
        assert!(r.text().await.unwrap().contains("NUL"), "{path}");
    }
    let page = sign_in(&app, "p@example.org").await;
    assert_eq!(page.get(app.url("/history?q=%00")).send().await.unwrap().status(), 422);
    assert_eq!(page.get(app.url("/records/%00")).send().await.unwrap().status(), 404);
    // Nothing was written by any of it.
    let users_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&app.state.db.pool).await.unwrap();
    let entries_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!((users_before, entries_before), (users_after, entries_after));
    // Other control characters are stored as text and never make a 5xx.
    for text in ["\u{1}\u{1b}[31m", "tab\there", "\u{7f}\u{85}\u{2028}"] {
        let r = app
            .post("/api/v1/records", Some(&doctor.access), &json!({"patient_id": patient.id, "title": format!("T {text}"), "notes": text}))
            .await;
        assert_eq!(r.status, 201, "{text:?}: {}", r.text);
        // Searching for them finds by the words around them; a search with no word at all is a
        // clear 422 on `q`.
        let r = app.get(&format!("/api/v1/records?q={}", urlencode(text)), Some(&patient.access)).await;
        if text.chars().any(char::is_alphanumeric) {
            assert_eq!(r.status, 200, "{text:?}");
            assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1), "{text:?}: {}", r.text);
        } else {
            r.assert_problem(422, "validation_failed");
        }
    }
}
dual!(nul_is_refused_everywhere_the_same_on_both_databases);

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
