//! Records through the API: writing, reading, history, filters, paging — and every refusal.

use serde_json::json;

use crate::helpers::Backend;
use crate::{app, dual};

async fn doctor_writes_and_patient_reads(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    // By id, with the default type.
    let r = app
        .post("/api/v1/records", Some(&doctor.access), &json!({"patient_id": patient.id, "title": "Annual check-up", "notes": "BP 120/80"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let first = r.body.clone();
    assert_eq!(first["record_type"], "visit");
    assert_eq!(first["patient_id"], patient.id.as_str());
    assert_eq!(first["doctor_id"], doctor.id.as_str());
    assert_eq!(first["title"], "Annual check-up");
    assert!(chrono::DateTime::parse_from_rfc3339(first["created_at"].as_str().unwrap()).is_ok());
    // By email (any case), with a type.
    let r = app
        .post(
            "/api/v1/records",
            Some(&doctor.access),
            &json!({"patient_email": "PAT@example.org", "title": "Influenza", "notes": "", "record_type": "diagnosis"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let second = r.body.clone();
    // The patient reads each, lists them and sees the history newest first.
    let got = app.get(&format!("/api/v1/records/{}", first["id"].as_str().unwrap()), Some(&patient.access)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["notes"], "BP 120/80");
    let list = app.get("/api/v1/records", Some(&patient.access)).await;
    let ids: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![second["id"].as_str().unwrap(), first["id"].as_str().unwrap()]);
    assert!(list.body["next_cursor"].is_null());
    let history = app.get(&format!("/api/v1/patients/{}/history", patient.id), Some(&patient.access)).await;
    assert_eq!(history.status, 200);
    assert_eq!(history.body["items"][0]["id"], second["id"]);
    assert_eq!(history.body["items"].as_array().unwrap().len(), 2);
    // The doctor sees them as the author, and the patient's history as their doctor.
    assert_eq!(app.get(&format!("/api/v1/records/{}", second["id"].as_str().unwrap()), Some(&doctor.access)).await.status, 200);
    let dh = app.get(&format!("/api/v1/patients/{}/history", patient.id), Some(&doctor.access)).await;
    assert_eq!(dh.status, 200);
    assert_eq!(dh.body["items"].as_array().unwrap().len(), 2);
}
dual!(doctor_writes_and_patient_reads);

async fn access_refusals(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let other_doctor = app.doctor("doc2@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other_patient = app.patient("other@example.org").await;
    let record = app.record(&doctor, &patient.id, "Asthma review", "visit").await;
    let path = format!("/api/v1/records/{}", record["id"].as_str().unwrap());
    // A patient may not write records.
    app.post("/api/v1/records", Some(&patient.access), &json!({"patient_id": patient.id, "title": "Self-diagnosis"}))
        .await
        .assert_problem(403, "forbidden");
    // Nobody but the patient and the author sees the record: exactly like a missing one.
    for who in [&other_patient, &other_doctor, &admin] {
        app.get(&path, Some(&who.access)).await.assert_problem(404, "not_found");
    }
    let missing = app.get(&format!("/api/v1/records/{}", uuid::Uuid::now_v7()), Some(&patient.access)).await;
    missing.assert_problem(404, "not_found");
    app.get("/api/v1/records/not-an-id", Some(&patient.access)).await.assert_problem(404, "not_found");
    app.get(&path, None).await.assert_problem(401, "unauthenticated");
    // Lists show only one's own.
    let l = app.get("/api/v1/records", Some(&other_patient.access)).await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 0);
    let l = app.get(&format!("/api/v1/records?patient_id={}", patient.id), Some(&other_patient.access)).await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 0);
    let l = app.get(&format!("/api/v1/records?patient_id={}", patient.id), Some(&other_doctor.access)).await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 0);
    app.get("/api/v1/records", Some(&admin.access)).await.assert_problem(403, "forbidden");
    // History: only the patient and a doctor with the patient in their care.
    let h = format!("/api/v1/patients/{}/history", patient.id);
    for who in [&other_patient, &other_doctor, &admin] {
        app.get(&h, Some(&who.access)).await.assert_problem(404, "patient_not_found");
    }
    app.get(&format!("/api/v1/patients/{}/history", uuid::Uuid::now_v7()), Some(&doctor.access))
        .await
        .assert_problem(404, "patient_not_found");
    app.get("/api/v1/patients/nope/history", Some(&doctor.access)).await.assert_problem(404, "patient_not_found");
    // Records are only for active patients: unknown ids and emails, and a doctor's email, are 404.
    for body in [
        json!({"patient_id": uuid::Uuid::now_v7().to_string(), "title": "T"}),
        json!({"patient_id": "garbage", "title": "T"}),
        json!({"patient_email": "nobody@example.org", "title": "T"}),
        json!({"patient_email": "doc2@example.org", "title": "T"}),
        json!({"patient_id": other_doctor.id, "title": "T"}),
    ] {
        app.post("/api/v1/records", Some(&doctor.access), &body).await.assert_problem(404, "patient_not_found");
    }
    // Other staff may not write records either.
    let lab = app.register("lab@example.org", "lab", "Lab").await;
    app.post(&format!("/api/v1/admin/users/{}/approve", lab["id"].as_str().unwrap()), Some(&admin.access), &json!({})).await;
    let lab = app.login("lab@example.org").await;
    app.post("/api/v1/records", Some(&lab.access), &json!({"patient_id": patient.id, "title": "T"})).await.assert_problem(403, "forbidden");
    app.get(&path, Some(&lab.access)).await.assert_problem(404, "not_found");
    // Records are immutable: no method changes them.
    for method in [reqwest::Method::PUT, reqwest::Method::PATCH, reqwest::Method::DELETE] {
        let r = app.http.request(method, app.url(&path)).bearer_auth(&doctor.access).json(&json!({"title": "x"})).send().await.unwrap();
        assert_eq!(r.status(), 405);
    }
    assert_eq!(app.get(&path, Some(&patient.access)).await.body["title"], "Asthma review");
}
dual!(access_refusals);

async fn record_input_refusals(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let post = |body: serde_json::Value| {
        let app = &app;
        let token = doctor.access.clone();
        async move { app.post("/api/v1/records", Some(&token), &body).await }
    };
    let cases = [
        (json!({"patient_id": patient.id, "title": ""}), "title"),
        (json!({"patient_id": patient.id, "title": "x".repeat(201)}), "title"),
        (json!({"patient_id": patient.id, "title": "T", "notes": "n".repeat(50_001)}), "notes"),
        (json!({"patient_id": patient.id, "title": "T", "record_type": "gossip"}), "record_type"),
        (json!({"patient_id": patient.id, "patient_email": "pat@example.org", "title": "T"}), "patient_id"),
        (json!({"title": "T"}), "patient_id"),
        (json!({"patient_id": patient.id, "title": 5}), "title"),
        (json!({"patient_id": patient.id}), "title"),
        (json!({"patient_email": "not an email", "title": "T"}), "patient_email"),
    ];
    for (body, field) in cases {
        let r = post(body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field], "{}", r.text);
    }
    // The limits themselves are accepted (200 characters; 50,000 characters of notes).
    let r = post(json!({"patient_id": patient.id, "title": "é".repeat(200), "notes": "n".repeat(50_000)})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A 2 MB body is refused before parsing, as is a non-JSON one.
    let big = format!("{{\"patient_id\":\"{}\",\"title\":\"T\",\"notes\":\"{}\"}}", patient.id, "a".repeat(2 * 1024 * 1024));
    app.post_raw("/api/v1/records", Some(&doctor.access), "application/json", big.into_bytes())
        .await
        .assert_problem(413, "payload_too_large");
    app.post_raw("/api/v1/records", Some(&doctor.access), "application/json", b"{not json".to_vec())
        .await
        .assert_problem(400, "malformed_body");
    app.post_raw("/api/v1/records", Some(&doctor.access), "application/x-www-form-urlencoded", b"title=x".to_vec())
        .await
        .assert_problem(415, "unsupported_media_type");
    // Only the one valid record was written.
    let l = app.get("/api/v1/records", Some(&patient.access)).await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
}
dual!(record_input_refusals);

async fn filters_and_pagination(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let doctor2 = app.doctor("doc2@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let patient2 = app.patient("pat2@example.org").await;
    let a = app.record(&doctor, &patient.id, "Knee X-ray", "imaging").await;
    let b = app.record(&doctor, &patient.id, "Blood count 100% normal", "lab_result").await;
    let _c = app.record(&doctor, &patient2.id, "Migraine", "diagnosis").await;
    let d = app.record(&doctor2, &patient.id, "Knee arthroscopy", "procedure").await;
    let titles = |r: &crate::helpers::Reply| -> Vec<String> {
        r.body["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_string()).collect()
    };
    let pa = Some(patient.access.as_str());
    assert_eq!(titles(&app.get("/api/v1/records?type=imaging", pa).await), vec!["Knee X-ray"]);
    assert_eq!(titles(&app.get("/api/v1/records?q=KNEE", pa).await), vec!["Knee arthroscopy", "Knee X-ray"]);
    assert_eq!(titles(&app.get("/api/v1/records?q=notes%20for%20knee%20x", pa).await), vec!["Knee X-ray"]);
    // Search is by words (the blind index): punctuation is not searchable, and a q without a
    // word is refused rather than matching everything.
    assert_eq!(titles(&app.get("/api/v1/records?q=100%25", pa).await), vec!["Blood count 100% normal"]);
    assert_eq!(titles(&app.get("/api/v1/records?q=arthro", pa).await), vec!["Knee arthroscopy"], "a prefix of a word");
    assert!(titles(&app.get("/api/v1/records?q=scopy", pa).await).is_empty(), "not the middle of a word");
    assert!(titles(&app.get("/api/v1/records?q=knee%20migraine", pa).await).is_empty(), "every word must match");
    for q in ["%25", "_", "%20-%20"] {
        let r = app.get(&format!("/api/v1/records?q={q}"), pa).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "q", "{}", r.text);
    }
    assert_eq!(titles(&app.get(&format!("/api/v1/records?provider={}", doctor2.id), pa).await), vec!["Knee arthroscopy"]);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(titles(&app.get(&format!("/api/v1/records?from={today}&to={today}"), pa).await).len(), 3);
    assert!(titles(&app.get(&format!("/api/v1/records?from={tomorrow}"), pa).await).is_empty());
    let b_at = b["created_at"].as_str().unwrap();
    let r = app.get(&format!("/api/v1/records?to={}", urlencode(b_at)), pa).await;
    assert_eq!(titles(&r), vec!["Blood count 100% normal", "Knee X-ray"], "to is inclusive");
    let r = app.get(&format!("/api/v1/records?from={}", urlencode(b_at)), pa).await;
    assert_eq!(titles(&r), vec!["Knee arthroscopy", "Blood count 100% normal"], "from is inclusive");
    // The doctor filters by patient.
    let da = Some(doctor.access.as_str());
    assert_eq!(titles(&app.get(&format!("/api/v1/records?patient_id={}", patient2.id), da).await), vec!["Migraine"]);
    // Paging: limit 1 walks all three of the patient's records once each, newest first.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/records?limit=1&cursor={c}"),
            None => "/api/v1/records?limit=1".to_string(),
        };
        let r = app.get(&path, pa).await;
        assert_eq!(r.status, 200, "{}", r.text);
        seen.extend(r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let expected: Vec<String> = [&d, &b, &a].iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(seen, expected);
    let h = app.get(&format!("/api/v1/patients/{}/history?limit=2", patient.id), pa).await;
    assert_eq!(h.body["items"].as_array().unwrap().len(), 2);
    assert!(h.body["next_cursor"].is_string());
    // Bad filters are 422 naming the field.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=bogus", "cursor"),
        ("from=yesterday", "from"),
        ("to=2026-13-45", "to"),
        ("type=gossip", "type"),
        ("patient_id=x", "patient_id"),
        ("provider=x", "provider"),
    ] {
        let r = app.get(&format!("/api/v1/records?{query}"), pa).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field], "{query}");
    }
    let long_q = "q".repeat(201);
    app.get(&format!("/api/v1/records?q={long_q}"), pa).await.assert_problem(422, "validation_failed");
    app.get(&format!("/api/v1/patients/{}/history?limit=-1", patient.id), pa).await.assert_problem(422, "validation_failed");
}
dual!(filters_and_pagination);

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A").replace('+', "%2B")
}

async fn the_author_amends_and_attaches_from_the_record_page(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let other = app.staff("other@example.org", "doctor", "Other Doc", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let id = app.record(&house, &patient.id, "Knee pain", "visit").await["id"].as_str().unwrap().to_string();
    let b = crate::helpers::sign_in(&app, "house@example.org").await;
    let page = app.url(&format!("/records/{id}"));
    let html = b.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Amend") && html.contains("Attach a file"), "{html}");
    let csrf = crate::helpers::csrf_from(&html);
    // Without a reason: the form comes back with what was typed.
    let form = [("csrf_token", csrf.as_str()), ("title", "Knee pain, right"), ("notes", "Typed notes"), ("reason", "")];
    let r = b.post(app.url(&format!("/records/{id}/amend"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Typed notes") && html.contains("reason-error"), "{html}");
    let form = [("csrf_token", csrf.as_str()), ("title", "Knee pain, right"), ("notes", "Typed notes"), ("reason", "wrong side")];
    let r = b.post(app.url(&format!("/records/{id}/amend"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&format!("/api/v1/records/{id}"), Some(&patient.access)).await.body["version"], 2);
    // A file, the token first; without the token, refused.
    let upload = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(b"ANA 1:640".to_vec()).file_name("labs.txt"));
    let r = b.post(app.url(&format!("/records/{id}/files"))).multipart(upload).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let files = app.get(&format!("/api/v1/records/{id}/files"), Some(&patient.access)).await;
    assert_eq!(files.body[0]["filename"], "labs.txt", "{}", files.text);
    let forged = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt"));
    assert_eq!(b.post(app.url(&format!("/records/{id}/files"))).multipart(forged).send().await.unwrap().status(), 403);
    // Another doctor sees no forms and may not amend.
    app.post(&format!("/api/v1/patients/{}/care-team", patient.id), Some(&patient.access), &serde_json::json!({"doctor_id": other.id}))
        .await;
    let b = crate::helpers::sign_in(&app, "other@example.org").await;
    let html = b.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Attach a file"), "{html}");
    let csrf = crate::helpers::csrf_from(&html);
    let form = [("csrf_token", csrf.as_str()), ("title", "x"), ("notes", "x"), ("reason", "mine now")];
    assert_eq!(b.post(app.url(&format!("/records/{id}/amend"))).form(&form).send().await.unwrap().status(), 403);
}
dual!(the_author_amends_and_attaches_from_the_record_page);
