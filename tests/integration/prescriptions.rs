//! Prescriptions (issue 12, item 4), each safety rule and lock from the refused side: an
//! interaction by name and by class, an allergy by class, a dose too high, an override without
//! a reason, a change after the hour and after dispensing, a change by someone else; reads under
//! the care-team rule; the signed token a pharmacist verifies, forged and stale.

use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, csrf_from, sign_in};
use crate::{app, dual};

fn item(drug: &str, dose_mg: f64, frequency_per_day: i64) -> Value {
    json!({"drug": drug, "dose_mg": dose_mg, "frequency_per_day": frequency_per_day, "duration_days": 30})
}

struct Clinic {
    admin: Session,
    house: Session,
    outsider: Session,
    pharmacist: Session,
    patient: Session,
    other: Session,
}

async fn clinic(app: &TestApp) -> Clinic {
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let outsider = app.staff("outsider@example.org", "doctor", "Out Sider", &admin).await;
    let pharmacist = app.staff("rx@example.org", "pharmacist", "Phil Pharm", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    app.record(&house, &patient.id, "First visit", "visit").await;
    Clinic { admin, house, outsider, pharmacist, patient, other }
}

async fn prescribe(app: &TestApp, doctor: &Session, patient: &str, items: Value, extra: Value) -> crate::helpers::Reply {
    let mut body = json!({"patient_id": patient, "items": items});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post("/api/v1/prescriptions", Some(&doctor.access), &body).await
}

fn warning_kinds(r: &crate::helpers::Reply) -> Vec<(String, String)> {
    r.body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["kind"].as_str().unwrap().into(), w["severity"].as_str().unwrap().into()))
        .collect()
}

async fn every_safety_rule_refuses_until_acknowledged_with_a_reason(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let p = c.patient.id.as_str();
    let r = app.post(&format!("/api/v1/patients/{p}/allergies"), Some(&c.house.access), &json!({"substance": "penicillin"})).await;
    assert_eq!(r.status, 201);

    // Allergy by class: amoxicillin is a penicillin.
    let r = prescribe(&app, &c.house, p, json!([item("Amoxicillin", 500.0, 3)]), json!({})).await;
    r.assert_problem(422, "safety_warnings");
    assert_eq!(warning_kinds(&r), [("allergy".into(), "high".into())]);
    assert_eq!(r.body["warnings"][0]["drugs"], json!(["Amoxicillin"]));
    // A strength after the name does not hide the drug: checked as amoxicillin, and the name
    // questioned.
    let r = prescribe(&app, &c.house, p, json!([item("Amoxicillin 500mg", 500.0, 3)]), json!({})).await;
    r.assert_problem(422, "safety_warnings");
    assert_eq!(warning_kinds(&r), [("allergy".into(), "high".into()), ("unknown_drug".into(), "moderate".into())]);
    // Interaction by name, between two items.
    let r = prescribe(&app, &c.house, p, json!([item("simvastatin", 20.0, 1), item("clarithromycin", 500.0, 2)]), json!({})).await;
    r.assert_problem(422, "safety_warnings");
    assert_eq!(warning_kinds(&r), [("interaction".into(), "high".into())]);
    // Dose too high: paracetamol 1 g six times a day.
    let r = prescribe(&app, &c.house, p, json!([item("acetaminophen", 1000.0, 6)]), json!({})).await;
    r.assert_problem(422, "safety_warnings");
    assert_eq!(warning_kinds(&r), [("dose".into(), "high".into())]);
    // Nothing was issued by any of them.
    let list = app.get(&format!("/api/v1/prescriptions?patient_id={p}"), Some(&c.house.access)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0, "{}", list.text);

    // A clean one is issued; then a drug that interacts by class with it is refused.
    let r = prescribe(&app, &c.house, p, json!([item("warfarin", 5.0, 1)]), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["warnings"], json!([]));
    assert_eq!(r.body["items"][0]["generic"], "warfarin");
    let r = prescribe(&app, &c.house, p, json!([item("naproxen", 250.0, 2)]), json!({})).await;
    r.assert_problem(422, "safety_warnings");
    assert_eq!(warning_kinds(&r), [("interaction".into(), "high".into())]);
    assert!(r.body["warnings"][0]["drugs"][1].as_str().unwrap().starts_with("warfarin"), "{}", r.text);
    // Acknowledged without a reason: still refused, naming the field.
    let r = prescribe(&app, &c.house, p, json!([item("naproxen", 250.0, 2)]), json!({"acknowledge_warnings": true})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["override_reason"]);
    let r =
        prescribe(&app, &c.house, p, json!([item("naproxen", 250.0, 2)]), json!({"acknowledge_warnings": true, "override_reason": "  "}))
            .await;
    r.assert_problem(422, "validation_failed");
    // With a reason: issued, the warnings and the reason kept.
    let r = prescribe(
        &app,
        &c.house,
        p,
        json!([item("naproxen", 250.0, 2)]),
        json!({"acknowledge_warnings": true, "override_reason": "Short course, INR checked twice weekly"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["override_reason"], "Short course, INR checked twice weekly");
    assert_eq!(r.body["warnings"][0]["kind"], "interaction");
    let id = r.body["id"].as_str().unwrap().to_string();
    let again = app.get(&format!("/api/v1/prescriptions/{id}"), Some(&c.patient.access)).await;
    assert_eq!(again.body["warnings"], r.body["warnings"]);

    // An unknown drug: issued, with a warning that nothing could be checked.
    let r = prescribe(&app, &c.house, p, json!([item("Zyloprimox", 10.0, 1)]), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["warnings"][0]["kind"], "unknown_drug");
    assert_eq!(r.body["items"][0]["generic"], Value::Null);

    // Bad items name their fields; wrong types and shapes are 422, never 500.
    let r =
        prescribe(&app, &c.house, p, json!([{"drug": "", "dose_mg": -1, "frequency_per_day": 0, "duration_days": 400}]), json!({})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["items[0].drug", "items[0].dose_mg", "items[0].frequency_per_day", "items[0].duration_days"]);
    prescribe(&app, &c.house, p, json!([]), json!({})).await.assert_problem(422, "validation_failed");
    prescribe(&app, &c.house, p, json!([{"drug": "warfarin", "dose_mg": "five"}]), json!({}))
        .await
        .assert_problem(422, "validation_failed");
    prescribe(&app, &c.house, "nobody", json!([item("warfarin", 5.0, 1)]), json!({})).await.assert_problem(422, "validation_failed");

    // Who may not prescribe, from their side.
    prescribe(&app, &c.outsider, p, json!([item("metformin", 500.0, 2)]), json!({})).await.assert_problem(404, "patient_not_found");
    prescribe(&app, &c.house, &uuid::Uuid::now_v7().to_string(), json!([item("metformin", 500.0, 2)]), json!({}))
        .await
        .assert_problem(404, "patient_not_found");
    for who in [&c.patient, &c.pharmacist, &c.admin] {
        prescribe(&app, who, p, json!([item("metformin", 500.0, 2)]), json!({})).await.assert_problem(403, "forbidden");
    }
    let report = app.verify().await;
    assert!(report.ok(), "{report:?}");
}
dual!(every_safety_rule_refuses_until_acknowledged_with_a_reason);

async fn the_author_changes_it_within_the_hour_and_never_after(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let p = c.patient.id.as_str();
    let r = prescribe(&app, &c.house, p, json!([item("metformin", 500.0, 2)]), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/prescriptions/{id}");
    assert_eq!(r.body["locked"], false);

    let r = app.patch(&path, Some(&c.house.access), &json!({"items": [item("metformin", 1000.0, 2)]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["items"][0]["dose_mg"], 1000.0);
    // A change is checked like a new prescription.
    app.patch(&path, Some(&c.house.access), &json!({"items": [item("metformin", 2000.0, 3)]})).await.assert_problem(422, "safety_warnings");
    // Only the author; others as they see it.
    app.patch(&path, Some(&c.outsider.access), &json!({"items": [item("metformin", 500.0, 1)]})).await.assert_problem(404, "not_found");
    app.patch(&path, Some(&c.patient.access), &json!({"items": [item("metformin", 500.0, 1)]})).await.assert_problem(403, "forbidden");
    // The edit history.
    let v = app.get(&format!("{path}/versions"), Some(&c.patient.access)).await;
    assert_eq!(v.status, 200, "{}", v.text);
    let versions = v.body.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["items"][0]["dose_mg"], 500.0);
    assert_ne!(versions[0]["signature"], versions[1]["signature"]);

    // After the hour: locked.
    app.clock.advance(chrono::Duration::minutes(61));
    let house = app.login("house@example.org").await;
    app.patch(&path, Some(&house.access), &json!({"items": [item("metformin", 500.0, 2)]}))
        .await
        .assert_problem(409, "prescription_locked");
    assert_eq!(app.get(&path, Some(&house.access)).await.body["locked"], true);

    // Dispensed within the hour: locked too. (The pharmacy's dispense endpoint comes with item
    // 5; the lock reads the status it will set.)
    let r = prescribe(&app, &house, p, json!([item("amlodipine", 5.0, 1)]), json!({})).await;
    let fresh = r.body["id"].as_str().unwrap().to_string();
    sqlx::query("UPDATE prescriptions SET status = 'dispensed' WHERE id = $1").bind(&fresh).execute(&app.state.db.pool).await.unwrap();
    app.patch(&format!("/api/v1/prescriptions/{fresh}"), Some(&house.access), &json!({"items": [item("amlodipine", 10.0, 1)]}))
        .await
        .assert_problem(409, "prescription_locked");
    let report = app.verify().await;
    assert!(report.ok(), "{report:?}");
}
dual!(the_author_changes_it_within_the_hour_and_never_after);

async fn reads_follow_the_care_team_rule_and_the_pharmacy_verifies_the_token(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let p = c.patient.id.as_str();
    let r = prescribe(&app, &c.house, p, json!([item("lisinopril", 10.0, 1)]), json!({})).await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let token = r.body["verification_token"].as_str().unwrap().to_string();
    let path = format!("/api/v1/prescriptions/{id}");

    for who in [&c.patient, &c.house, &c.pharmacist] {
        assert_eq!(app.get(&path, Some(&who.access)).await.status, 200);
    }
    app.get(&path, Some(&c.other.access)).await.assert_problem(404, "not_found");
    app.get(&path, Some(&c.outsider.access)).await.assert_problem(404, "not_found");
    app.get(&path, Some(&c.admin.access)).await.assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/prescriptions/{}", uuid::Uuid::now_v7()), Some(&c.pharmacist.access)).await.assert_problem(404, "not_found");
    // Lists: the patient's own; the other patient's empty; a doctor off the team refused.
    assert_eq!(app.get("/api/v1/prescriptions", Some(&c.patient.access)).await.body["items"][0]["id"], id.as_str());
    assert_eq!(app.get("/api/v1/prescriptions", Some(&c.other.access)).await.body["items"], json!([]));
    app.get(&format!("/api/v1/prescriptions?patient_id={p}"), Some(&c.outsider.access)).await.assert_problem(404, "patient_not_found");
    assert_eq!(app.get("/api/v1/prescriptions?status=open", Some(&c.pharmacist.access)).await.body["items"][0]["id"], id.as_str());
    app.get("/api/v1/prescriptions?status=lost", Some(&c.pharmacist.access)).await.assert_problem(422, "validation_failed");

    // The pharmacist verifies the printed token.
    let verify = |t: &str| format!("/api/v1/prescriptions/verify?token={}", urlencode(t));
    let v = app.get(&verify(&token), Some(&c.pharmacist.access)).await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(
        (v.body["genuine"].as_bool(), v.body["unchanged"].as_bool(), v.body["open"].as_bool()),
        (Some(true), Some(true), Some(true))
    );
    assert_eq!(v.body["prescription"]["items"][0]["drug"], "lisinopril");
    // Forged: one hex digit of the signature changed.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    let v = app.get(&verify(&forged), Some(&c.pharmacist.access)).await;
    assert_eq!(v.body["genuine"], false, "{}", v.text);
    assert_eq!(v.body["prescription"], Value::Null);
    for junk in ["garbage", &format!("{}.1.00", uuid::Uuid::now_v7())] {
        assert_eq!(app.get(&verify(junk), Some(&c.pharmacist.access)).await.body["genuine"], false);
    }
    app.get("/api/v1/prescriptions/verify", Some(&c.pharmacist.access)).await.assert_problem(422, "validation_failed");
    // Only the pharmacy verifies.
    for who in [&c.house, &c.patient] {
        app.get(&verify(&token), Some(&who.access)).await.assert_problem(403, "forbidden");
    }
    // Changed since printed: still genuine, no longer unchanged.
    let r = app.patch(&path, Some(&c.house.access), &json!({"items": [item("lisinopril", 20.0, 1)]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = app.get(&verify(&token), Some(&c.pharmacist.access)).await;
    assert_eq!((v.body["genuine"].as_bool(), v.body["unchanged"].as_bool()), (Some(true), Some(false)), "{}", v.text);
    let current = r.body["verification_token"].as_str().unwrap().to_string();
    assert_eq!(app.get(&verify(&current), Some(&c.pharmacist.access)).await.body["unchanged"], true);
    // A version's content altered in the database (its sealed body swapped for version 1's):
    // the signature no longer covers what is stored.
    sqlx::query(
        "UPDATE prescription_versions SET content_sha256 = (SELECT content_sha256 FROM prescription_versions WHERE prescription_id = $1 AND version = 1) \
         WHERE prescription_id = $1 AND version = 2",
    )
    .bind(&id)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let v = app.get(&verify(&current), Some(&c.pharmacist.access)).await;
    assert_eq!(v.body["genuine"], false, "{}", v.text);
    let report = app.verify().await;
    assert!(!report.ok(), "ledger verify must see the altered version");

    // Pages: the printable prescription holds the QR code of its verification link, and the
    // pharmacist's scan lands on the verdict.
    let b = sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url(&format!("/prescriptions/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("/prescriptions/verify?token="), "{html}");
    let b = sign_in(&app, "rx@example.org").await;
    let html = b.get(app.url(&format!("/prescriptions/verify?token={}", urlencode(&token)))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Genuine") && html.contains("changed since this copy was printed"), "{html}");
}
dual!(reads_follow_the_care_team_rule_and_the_pharmacy_verifies_the_token);

async fn a_doctor_prescribes_from_the_page_and_acknowledges_warnings_there(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let p = c.patient.id.as_str();
    let r = prescribe(&app, &c.house, p, json!([item("sildenafil", 50.0, 1)]), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let b = sign_in(&app, "house@example.org").await;
    let html = b.get(app.url(&format!("/prescriptions/new?patient_id={p}"))).send().await.unwrap().text().await.unwrap();
    let mut form = vec![
        ("csrf_token".to_string(), csrf_from(&html)),
        ("patient_id".into(), p.to_string()),
        ("drug_0".into(), "nitroglycerin".into()),
        ("dose_mg_0".into(), "0.4".into()),
        ("frequency_per_day_0".into(), "3".into()),
        ("duration_days_0".into(), "10".into()),
    ];
    let r = b.post(app.url("/prescriptions/new")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Safety warnings") && html.contains("sildenafil (already prescribed)"), "{html}");
    // Ticked without a reason: the reason is asked for.
    form.push(("acknowledge".into(), "yes".into()));
    let r = b.post(app.url("/prescriptions/new")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("override_reason is required"));
    form.push(("override_reason".into(), "Angina plan agreed; sildenafil stopped today".into()));
    let r = b.post(app.url("/prescriptions/new")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let html = b.get(app.url(&at)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("nitroglycerin") && html.contains("Angina plan agreed"), "{html}");
    // A number that is not one is named on its row.
    let html = b.get(app.url(&format!("/prescriptions/new?patient_id={p}"))).send().await.unwrap().text().await.unwrap();
    let bad =
        [("csrf_token", csrf_from(&html)), ("patient_id", p.to_string()), ("drug_0", "metformin".into()), ("dose_mg_0", "lots".into())];
    let r = b.post(app.url("/prescriptions/new")).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("dose_mg_0-error"));
}
dual!(a_doctor_prescribes_from_the_page_and_acknowledges_warnings_there);

async fn two_copies_prescribing_interacting_drugs_at_once_both_see_the_interaction(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let copy = crate::helpers::spawn_beside(&app, app.state.settings.database_url.expose().clone()).await;
    let p = c.patient.id.as_str();
    for round in 0..4 {
        // Warfarin at one copy and naproxen at the other, at once: the second to be checked
        // sees the first and is refused (never both issued without a warning).
        let a = json!({"patient_id": p, "items": [item("warfarin", 5.0, 1)]});
        let b = json!({"patient_id": p, "items": [item("naproxen", 250.0, 2)]});
        let (x, y) = tokio::join!(
            app.post("/api/v1/prescriptions", Some(&c.house.access), &a),
            copy.post("/api/v1/prescriptions", Some(&c.house.access), &b)
        );
        let mut codes = [x.status.as_u16(), y.status.as_u16()];
        codes.sort();
        assert_eq!(codes, [201, 422], "round {round}: {} / {}", x.text, y.text);
        let refused = if x.status == 422 { &x } else { &y };
        assert_eq!(refused.body["code"], "safety_warnings", "{}", refused.text);
        // Cancel what was issued, so the next round starts clean.
        sqlx::query("UPDATE prescriptions SET status = 'cancelled'").execute(&app.state.db.pool).await.unwrap();
    }
}
dual!(two_copies_prescribing_interacting_drugs_at_once_both_see_the_interaction);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
