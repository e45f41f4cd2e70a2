//! Emergency access (issue 11, item 4): a doctor outside the care team opens a patient's
//! history for an hour with a reason of at least 20 characters; the patient sees it at the top
//! of their dashboard and in their access log; admins get a report of every use; it ends by
//! itself. Every refusal is checked from the side of the person refused.

use serde_json::{Value, json};

use crate::helpers::{Backend, csrf_from, sign_in};
use crate::{app, dual};

const REASON: &str = "Unconscious in A&E, no records on hand, suspected overdose";

async fn a_doctor_breaks_the_glass_for_an_hour_and_everyone_sees_it(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let er = app.staff("er@example.org", "doctor", "Erin Reyes", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let record = app.record(&house, &patient.id, "Allergy: penicillin", "diagnosis").await["id"].as_str().unwrap().to_string();
    let history = format!("/api/v1/patients/{}/history", patient.id);
    let open = format!("/api/v1/patients/{}/emergency-access", patient.id);
    app.get(&history, Some(&er.access)).await.assert_problem(404, "patient_not_found");

    // Refused: no reason, a short one, the wrong role, an unknown patient, no sign-in.
    let invisible = "\u{200b}\u{feff}\u{2060}\u{1}".repeat(8);
    let combining = format!("a{}", "\u{301}".repeat(25));
    let reversed = format!("\u{202e}{REASON}");
    for body in [
        json!({}),
        json!({"reason": ""}),
        json!({"reason": "   help needed now    "}),
        json!({"reason": 42}),
        json!({"reason": invisible}),
        json!({"reason": combining}),
        json!({"reason": reversed}),
    ] {
        let r = app.post(&open, Some(&er.access), &body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec!["reason".to_string()], "{body}");
    }
    let pharmacist = app.staff("ph@example.org", "pharmacist", "Phil Pharm", &admin).await;
    for who in [&patient, &admin, &pharmacist] {
        app.post(&open, Some(&who.access), &json!({"reason": REASON})).await.assert_problem(403, "forbidden");
    }
    let nobody = format!("/api/v1/patients/{}/emergency-access", uuid::Uuid::now_v7());
    app.post(&nobody, Some(&er.access), &json!({"reason": REASON})).await.assert_problem(404, "patient_not_found");
    let staff_id = format!("/api/v1/patients/{}/emergency-access", house.id);
    app.post(&staff_id, Some(&er.access), &json!({"reason": REASON})).await.assert_problem(404, "patient_not_found");
    app.post(&open, None, &json!({"reason": REASON})).await.assert_problem(401, "unauthenticated");
    app.get(&history, Some(&er.access)).await.assert_problem(404, "patient_not_found");
    // A doctor who reads the patient already has nothing to open.
    app.post(&open, Some(&house.access), &json!({"reason": REASON})).await.assert_problem(409, "already_has_access");

    // Opened: the whole history for an hour.
    let r = app.post(&open, Some(&er.access), &json!({"reason": format!("  {REASON}  ")})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["reason"], REASON);
    assert_eq!(r.body["doctor_name"], "Erin Reyes");
    assert_eq!(r.body["active"], true);
    let opened = careledger::clock::parse(r.body["opened_at"].as_str().unwrap()).unwrap();
    let ends = careledger::clock::parse(r.body["ends_at"].as_str().unwrap()).unwrap();
    assert!((ends - opened - chrono::Duration::hours(1)).num_seconds().abs() < 2, "an hour: {opened} to {ends}");
    assert_eq!(app.get(&history, Some(&er.access)).await.status, 200);
    assert_eq!(app.get(&format!("/api/v1/records/{record}"), Some(&er.access)).await.status, 200);
    assert_eq!(app.get(&format!("/api/v1/records/{record}/proof"), Some(&er.access)).await.status, 200);
    app.post(&open, Some(&er.access), &json!({"reason": REASON})).await.assert_problem(409, "already_has_access");
    // It opens nothing to anyone else: no referrals on an emergency's strength.
    let third = app.staff("third@example.org", "doctor", "Thea Third", &admin).await;
    app.post(
        &format!("/api/v1/patients/{}/care-team", patient.id),
        Some(&er.access),
        &json!({"doctor_id": third.id, "reason": "follow-up"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(&history, Some(&third.access)).await.assert_problem(404, "patient_not_found");

    // The patient sees it at the top of their dashboard and in their access log.
    let b = sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url("/patient/dashboard")).send().await.unwrap().text().await.unwrap();
    let notice = html.find("opened your records in an emergency").expect("the notice");
    assert!(notice < html.find("My records, newest first").unwrap(), "at the top");
    assert!(html.contains("Erin Reyes") && html.contains("Unconscious in A&#38;E"), "{html}");
    let log = app.get("/api/v1/me/access-log", Some(&patient.access)).await;
    let items = log.body["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["action"] == "emergency_access.open" && i["who"] == "Erin Reyes"), "{items:?}");
    assert!(items.iter().any(|i| i["action"] == "record.read" && i["who"] == "Erin Reyes"), "{items:?}");
    // ... and on their care team, as an emergency.
    let team = app.get(&format!("/api/v1/patients/{}/care-team", patient.id), Some(&patient.access)).await;
    assert!(team.body["items"].as_array().unwrap().iter().any(|m| m["doctor_id"] == er.id.as_str() && m["how"] == "emergency"));

    // Admins: a report of every use, with what was read while it was open.
    let report = app.get("/api/v1/admin/emergency-access", Some(&admin.access)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let rows = report.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["doctor_id"], er.id.as_str());
    assert_eq!(rows[0]["patient_id"], patient.id.as_str());
    assert_eq!(rows[0]["reason"], REASON);
    assert!(rows[0]["accesses"].as_i64().unwrap() >= 3, "{rows:?}");
    for who in [&er, &patient] {
        app.get("/api/v1/admin/emergency-access", Some(&who.access)).await.assert_problem(403, "forbidden");
    }
    let a = sign_in(&app, "admin@clinic.test").await;
    let html = a.get(app.url("/admin/emergency-access")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Erin Reyes") && html.contains("Unconscious in A&#38;E"), "{html}");

    // An hour later it has ended, at every copy, with no one doing anything.
    app.clock.advance(chrono::Duration::minutes(61));
    // (Access tokens last 15 minutes: sign in again.)
    let er = app.login("er@example.org").await;
    let admin = app.login("admin@clinic.test").await;
    app.get(&history, Some(&er.access)).await.assert_problem(404, "patient_not_found");
    app.get(&format!("/api/v1/records/{record}"), Some(&er.access)).await.assert_problem(404, "not_found");
    let report = app.get("/api/v1/admin/emergency-access", Some(&admin.access)).await;
    assert_eq!(report.body["items"][0]["active"], false);
    // It can be opened again (a new opening, reported again).
    assert_eq!(app.post(&open, Some(&er.access), &json!({"reason": REASON})).await.status, 201);

    // Everything it wrote is in the ledger and verifies.
    let report =
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}
dual!(a_doctor_breaks_the_glass_for_an_hour_and_everyone_sees_it);

async fn the_page_makes_the_doctor_type_the_reason(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    app.staff("er@example.org", "doctor", "Erin Reyes", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let b = sign_in(&app, "er@example.org").await;
    let html = b.get(app.url("/doctor/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("/emergency-access"));
    let html = b.get(app.url("/emergency-access")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("What is the emergency?"), "{html}");
    let csrf = csrf_from(&html);
    // No reason: the form again, saying why; nothing opened.
    let r = b
        .post(app.url("/emergency-access"))
        .form(&[("csrf_token", csrf.as_str()), ("patient", "pat@example.org"), ("reason", "urgent")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("at least 20 characters") && html.contains("pat@example.org"), "{html}");
    let r = b
        .post(app.url("/emergency-access"))
        .form(&[("csrf_token", csrf.as_str()), ("patient", "nobody@example.org"), ("reason", REASON)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("No active patient"));
    let report = app.get("/api/v1/admin/emergency-access", Some(&admin.access)).await;
    assert_eq!(report.body["items"], json!([]));
    // A forged form is refused.
    let r = b
        .post(app.url("/emergency-access"))
        .form(&[("csrf_token", "forged"), ("patient", "pat@example.org"), ("reason", REASON)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // With the reason: straight to the patient's history.
    let r = b
        .post(app.url("/emergency-access"))
        .form(&[("csrf_token", csrf.as_str()), ("patient", "pat@example.org"), ("reason", REASON)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/history?patient_id={}", patient.id).as_str());
    let report = app.get("/api/v1/admin/emergency-access", Some(&admin.access)).await;
    assert_eq!(report.body["items"].as_array().map(Vec::len), Some(1));
    let _: Value = report.body;
    // The trail names whose history it was, though the page's path names no patient.
    let all = app.get("/api/v1/audit?action=emergency_access.open", Some(&admin.access)).await;
    let rows = app.get(&format!("/api/v1/audit?action=emergency_access.open&patient_id={}", patient.id), Some(&admin.access)).await;
    assert_eq!(rows.body["items"].as_array().map(Vec::len), Some(1), "{}", all.text);
    assert_eq!(rows.body["items"].as_array().map(Vec::len), Some(1), "{}", rows.text);
    assert_eq!(rows.body["items"][0]["outcome"], "success");
    // Again, now that the history is open to this doctor: nothing to open, and said so.
    let r = b
        .post(app.url("/emergency-access"))
        .form(&[("csrf_token", csrf.as_str()), ("patient", "pat@example.org"), ("reason", REASON)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("already in your care") && html.contains(&format!("/history?patient_id={}", patient.id)), "{html}");
    let report = app.get("/api/v1/admin/emergency-access", Some(&admin.access)).await;
    assert_eq!(report.body["items"].as_array().map(Vec::len), Some(1), "no second opening");
    // Patients and admins are refused the page.
    let p = sign_in(&app, "pat@example.org").await;
    assert_eq!(p.get(app.url("/emergency-access")).send().await.unwrap().status(), 403);
}
dual!(the_page_makes_the_doctor_type_the_reason);
