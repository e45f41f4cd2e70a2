//! The pharmacy (issue 12, item 5): stock by batch, low-stock and expiry lists, and dispensing,
//! from the refused side: expired stock, too little stock, a batch of another drug, a second
//! dispense, a change after dispensing, roles that are not the pharmacy, and two pharmacists
//! dispensing the same prescription at once at two copies of careledger on one database.

use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, csrf_from, sign_in};
use crate::{app, dual};

struct Pharmacy {
    house: Session,
    pharmacist: Session,
    patient: Session,
}

async fn pharmacy(app: &TestApp) -> Pharmacy {
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let pharmacist = app.staff("rx@example.org", "pharmacist", "Phil Pharm", &admin).await;
    let patient = app.patient("pat@example.org").await;
    app.record(&house, &patient.id, "First visit", "visit").await;
    Pharmacy { house, pharmacist, patient }
}

async fn batch(app: &TestApp, who: &Session, drug: &str, number: &str, quantity: i64, expiry: &str) -> Value {
    let r = app
        .post(
            "/api/v1/inventory",
            Some(&who.access),
            &json!({"drug": drug, "batch": number, "quantity": quantity, "expiry": expiry, "reorder_level": 10}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

async fn prescription(app: &TestApp, p: &Pharmacy, drug: &str) -> String {
    // Later ones repeat the first (a duplicate the checks flag): acknowledged as refills.
    let body = json!({"patient_id": p.patient.id, "items": [{"drug": drug, "dose_mg": 500, "frequency_per_day": 2, "duration_days": 30}],
        "acknowledge_warnings": true, "override_reason": "Refill"});
    let r = app.post("/api/v1/prescriptions", Some(&p.house.access), &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_string()
}

fn day(app: &TestApp, days: i64) -> String {
    (app.clock.now() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

async fn stock_is_kept_by_batch_and_only_by_the_pharmacy(backend: Backend) {
    let app = app!(backend);
    let p = pharmacy(&app).await;
    let b = batch(&app, &p.pharmacist, "Acetaminophen", "PX-1", 100, &day(&app, 365)).await;
    assert_eq!(b["drug"], "paracetamol", "kept under the knowledge base's generic name");
    batch(&app, &p.pharmacist, "metformin", "MF-7", 5, &day(&app, 10)).await;
    app.post(
        "/api/v1/inventory",
        Some(&p.pharmacist.access),
        &json!({"drug": "paracetamol", "batch": "PX-1", "quantity": 1, "expiry": day(&app, 5)}),
    )
    .await
    .assert_problem(409, "batch_exists");
    let r = app
        .post("/api/v1/inventory", Some(&p.pharmacist.access), &json!({"drug": "", "batch": "x", "quantity": -1, "expiry": "soon"}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["drug", "quantity", "expiry"]);
    app.post(
        "/api/v1/inventory",
        Some(&p.pharmacist.access),
        &json!({"drug": "x", "batch": "x", "quantity": "lots", "expiry": "2030-01-01"}),
    )
    .await
    .assert_problem(422, "validation_failed");

    let low = app.get("/api/v1/inventory?low_stock=true", Some(&p.pharmacist.access)).await;
    assert_eq!(low.body.as_array().unwrap().iter().map(|b| b["batch"].as_str().unwrap()).collect::<Vec<_>>(), ["MF-7"]);
    let soon = app.get("/api/v1/inventory?expiring_within_days=30", Some(&p.pharmacist.access)).await;
    assert_eq!(soon.body.as_array().unwrap().iter().map(|b| b["batch"].as_str().unwrap()).collect::<Vec<_>>(), ["MF-7"]);
    let by_drug = app.get("/api/v1/inventory?drug=APAP", Some(&p.pharmacist.access)).await;
    assert_eq!(by_drug.body[0]["batch"], "PX-1");
    app.get("/api/v1/inventory?expiring_within_days=-3", Some(&p.pharmacist.access)).await.assert_problem(422, "validation_failed");

    let id = b["id"].as_str().unwrap();
    let r = app.patch(&format!("/api/v1/inventory/{id}"), Some(&p.pharmacist.access), &json!({"quantity": 8})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["low"], true);
    app.patch(&format!("/api/v1/inventory/{}", uuid::Uuid::now_v7()), Some(&p.pharmacist.access), &json!({"quantity": 8}))
        .await
        .assert_problem(404, "batch_not_found");
    app.patch(&format!("/api/v1/inventory/{id}"), Some(&p.pharmacist.access), &json!({})).await.assert_problem(422, "validation_failed");
    for who in [&p.house, &p.patient] {
        app.get("/api/v1/inventory", Some(&who.access)).await.assert_problem(403, "forbidden");
        app.patch(&format!("/api/v1/inventory/{id}"), Some(&who.access), &json!({"quantity": 1000})).await.assert_problem(403, "forbidden");
    }
    // The pharmacy page lists them and adds a batch.
    let b = sign_in(&app, "rx@example.org").await;
    let html = b.get(app.url("/pharmacy")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("MF-7") && html.contains("Low stock (2)"), "{html}");
    let form = [
        ("csrf_token", csrf_from(&html)),
        ("drug", "ibuprofen".into()),
        ("batch", "IB-3".into()),
        ("quantity", "40".into()),
        ("expiry", day(&app, 200)),
    ];
    assert_eq!(b.post(app.url("/pharmacy/inventory")).form(&form).send().await.unwrap().status(), 303);
    let form = [
        ("csrf_token", csrf_from(&html)),
        ("drug", "ibuprofen".into()),
        ("batch", "IB-4".into()),
        ("quantity", "many".into()),
        ("expiry", day(&app, 200)),
    ];
    let r = b.post(app.url("/pharmacy/inventory")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("quantity-error"));
}
dual!(stock_is_kept_by_batch_and_only_by_the_pharmacy);

async fn a_dispense_takes_stock_and_locks_the_prescription_once(backend: Backend) {
    let app = app!(backend);
    let p = pharmacy(&app).await;
    let good = batch(&app, &p.pharmacist, "metformin", "MF-1", 60, &day(&app, 200)).await["id"].as_str().unwrap().to_string();
    // A batch already past its day cannot go on the shelf; one whose expiry is corrected to a
    // past day stays, and cannot be dispensed.
    let r = app
        .post(
            "/api/v1/inventory",
            Some(&p.pharmacist.access),
            &json!({"drug": "metformin", "batch": "MF-9", "quantity": 5, "expiry": day(&app, -1)}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    app.post(
        "/api/v1/inventory",
        Some(&p.pharmacist.access),
        &json!({"drug": "metformin", "batch": "MF-9", "quantity": 5, "expiry": "2030-2-1"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let old = batch(&app, &p.pharmacist, "metformin", "MF-0", 60, &day(&app, 100)).await["id"].as_str().unwrap().to_string();
    let r = app.patch(&format!("/api/v1/inventory/{old}"), Some(&p.pharmacist.access), &json!({"expiry": day(&app, -1)})).await;
    assert_eq!(r.body["expired"], true, "{}", r.text);
    let other_drug = batch(&app, &p.pharmacist, "ibuprofen", "IB-1", 60, &day(&app, 200)).await["id"].as_str().unwrap().to_string();
    let rx = prescription(&app, &p, "metformin").await;
    let dispense = |items: Value| {
        let path = format!("/api/v1/prescriptions/{rx}/dispense");
        let token = p.pharmacist.access.clone();
        let app = &app;
        async move { app.post(&path, Some(&token), &json!({"items": items})).await }
    };
    // Refused, each leaving everything as it was.
    dispense(json!([{"inventory_id": old, "quantity": 10}])).await.assert_problem(409, "batch_expired");
    dispense(json!([{"inventory_id": good, "quantity": 61}])).await.assert_problem(409, "insufficient_stock");
    let r = dispense(json!([{"inventory_id": other_drug, "quantity": 1}])).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["items[0].inventory_id"]);
    dispense(json!([])).await.assert_problem(422, "validation_failed");
    dispense(json!([{"inventory_id": good, "quantity": 0}])).await.assert_problem(422, "validation_failed");
    dispense(json!([{"inventory_id": uuid::Uuid::now_v7().to_string(), "quantity": 1}])).await.assert_problem(422, "validation_failed");
    let r = app
        .post(
            &format!("/api/v1/prescriptions/{rx}/dispense"),
            Some(&p.house.access),
            &json!({"items": [{"inventory_id": good, "quantity": 1}]}),
        )
        .await;
    r.assert_problem(403, "forbidden");
    let stock = app.get("/api/v1/inventory?drug=metformin", Some(&p.pharmacist.access)).await;
    assert!(stock.body.as_array().unwrap().iter().all(|b| b["quantity"] == 60), "{}", stock.text);
    assert_eq!(app.get(&format!("/api/v1/prescriptions/{rx}"), Some(&p.pharmacist.access)).await.body["status"], "open");

    let r = dispense(json!([{"inventory_id": good, "quantity": 56}])).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["items"][0]["batch"], "MF-1");
    let rx_now = app.get(&format!("/api/v1/prescriptions/{rx}"), Some(&p.patient.access)).await;
    assert_eq!((rx_now.body["status"].as_str(), rx_now.body["locked"].as_bool()), (Some("dispensed"), Some(true)));
    let stock = app.get("/api/v1/inventory?drug=metformin", Some(&p.pharmacist.access)).await;
    let left: Vec<i64> =
        stock.body.as_array().unwrap().iter().filter(|b| b["batch"] == "MF-1").map(|b| b["quantity"].as_i64().unwrap()).collect();
    assert_eq!(left, [4]);
    // Once only; and the prescriber can no longer change it.
    dispense(json!([{"inventory_id": good, "quantity": 1}])).await.assert_problem(409, "already_dispensed");
    let change = json!({"items": [{"drug": "metformin", "dose_mg": 1000, "frequency_per_day": 2, "duration_days": 30}]});
    app.patch(&format!("/api/v1/prescriptions/{rx}"), Some(&p.house.access), &change).await.assert_problem(409, "prescription_locked");
    // The pharmacist verifying the printed code now learns it is not open.
    let token = rx_now.body["verification_token"].as_str().unwrap();
    let v = app.get(&format!("/api/v1/prescriptions/verify?token={token}"), Some(&p.pharmacist.access)).await;
    assert_eq!((v.body["genuine"].as_bool(), v.body["open"].as_bool()), (Some(true), Some(false)), "{}", v.text);
    let report = app.verify().await;
    assert!(report.ok(), "{report:?}");

    // From the prescription's page.
    let rx2 = prescription(&app, &p, "metformin").await;
    let b = sign_in(&app, "rx@example.org").await;
    let html = b.get(app.url(&format!("/prescriptions/{rx2}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("MF-1 · 4 left") && !html.contains("MF-0"), "only usable batches are offered: {html}");
    let form = [("csrf_token", csrf_from(&html)), ("batch_0", good.clone()), ("quantity_0", "4".into())];
    let r = b.post(app.url(&format!("/prescriptions/{rx2}/dispense"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = b.get(app.url(r.headers()["location"].to_str().unwrap())).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Dispensed: the stock is taken"), "{html}");
}
dual!(a_dispense_takes_stock_and_locks_the_prescription_once);

async fn two_pharmacists_at_two_copies_dispense_the_same_prescription_once(backend: Backend) {
    let app = app!(backend);
    let p = pharmacy(&app).await;
    let admin = app.login("admin@clinic.test").await;
    let second = app.staff("rx2@example.org", "pharmacist", "Second Pharm", &admin).await;
    let copy = crate::helpers::spawn_beside(&app, app.state.settings.database_url.expose().clone()).await;
    let good = batch(&app, &p.pharmacist, "metformin", "MF-1", 100, &day(&app, 200)).await["id"].as_str().unwrap().to_string();
    for round in 0..5 {
        let rx = prescription(&app, &p, "metformin").await;
        let body = json!({"items": [{"inventory_id": good, "quantity": 10}]});
        let path = format!("/api/v1/prescriptions/{rx}/dispense");
        let (a, b) = tokio::join!(app.post(&path, Some(&p.pharmacist.access), &body), copy.post(&path, Some(&second.access), &body));
        let mut codes = [a.status.as_u16(), b.status.as_u16()];
        codes.sort();
        assert_eq!(codes, [201, 409], "round {round}: {} / {}", a.text, b.text);
        let loser = if a.status == 409 { &a } else { &b };
        assert_eq!(loser.body["code"], "already_dispensed", "{}", loser.text);
    }
    let stock = app.get("/api/v1/inventory?drug=metformin", Some(&p.pharmacist.access)).await;
    assert_eq!(stock.body[0]["quantity"], 50, "ten units per prescription, five prescriptions: {}", stock.text);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dispensations").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(count, 5);
}
dual!(two_pharmacists_at_two_copies_dispense_the_same_prescription_once);
