//! Look-alike accounts (issue 9, finding 4): an address that could pass for a patient's is
//! refused at registration, and a record written by email never reaches an impostor.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, browser, csrf_from};
use crate::{app, dual};

const REAL: &str = "maria.santos@clinic.example";

fn impostors() -> Vec<String> {
    vec![
        "maria.santos\u{200B}@clinic.example".into(), // zero-width space
        "m\u{0430}ria.santos@clinic.example".into(),  // Cyrillic a
        "maria\u{2024}santos@clinic.example".into(),  // one dot leader
        "maria.santos\u{202E}@clinic.example".into(), // right-to-left override
        "maria.santos@cl\u{0456}nic.example".into(),  // Cyrillic i in the domain
        "\u{FF4D}aria.santos@clinic.example".into(),  // fullwidth m
    ]
}

async fn look_alike_addresses_are_refused_and_records_by_email_reach_only_the_real_patient(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let maria = app.register(REAL, "patient", "Maria Santos").await;
    for fake in impostors() {
        let r = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": fake, "password": PASSWORD, "role": "patient", "full_name": "Maria Santos"}),
            )
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec!["email"], "{fake:?}");
        // A record addressed to it is refused, never delivered to anyone.
        let r = app
            .post("/api/v1/records", Some(&doctor.access), &json!({"patient_email": fake, "title": "Biopsy result", "notes": "n"}))
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec!["patient_email"], "{fake:?}");
    }
    // Look-alikes made of allowed characters only: another script throughout, a dotless ı, a
    // loose combining mark. Refused once an account that looks the same exists.
    app.register("joe.sax@clinic.example", "patient", "Joe Sax").await;
    for fake in [
        "mar\u{0131}a.santos@clinic.example",
        "mari\u{0307}a.santos@clinic.example",
        "\u{0458}\u{043e}\u{0435}.\u{0455}\u{0430}\u{0445}@clinic.example",
    ] {
        let r = app
            .post("/api/v1/auth/register", None, &json!({"email": fake, "password": PASSWORD, "role": "patient", "full_name": "Impostor"}))
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec!["email"], "{fake:?}: {}", r.text);
    }
    // The same address in other cases or Unicode forms is the same account.
    app.post(
        "/api/v1/auth/register",
        None,
        &json!({"email": "MARIA.Santos@Clinic.EXAMPLE", "password": PASSWORD, "role": "patient", "full_name": "M"}),
    )
    .await
    .assert_problem(409, "email_taken");
    let r = app
        .post("/api/v1/records", Some(&doctor.access), &json!({"patient_email": "Maria.Santos@CLINIC.example", "title": "T", "notes": ""}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["patient_id"], maria["id"]);
    // The registration page refuses it too.
    let b = browser();
    let html = b.get(app.url("/register")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&html);
    let fake = &impostors()[1];
    let r = b
        .post(app.url("/register"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", fake.as_str()),
            ("password", PASSWORD),
            ("role", "patient"),
            ("full_name", "Maria Santos"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("mixes alphabets"));
    // An account made before these checks can still sign in (its address is only folded).
    sqlx::query("UPDATE users SET email = $1 WHERE email = 'doc@example.org'")
        .bind("d\u{043E}c@example.org")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let code = app.next_code("doc@example.org").unwrap();
    let r =
        app.post("/api/v1/auth/login", None, &json!({"email": "D\u{041E}C@example.org", "password": PASSWORD, "totp_code": code})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
dual!(look_alike_addresses_are_refused_and_records_by_email_reach_only_the_real_patient);
