//! Dashboards (issue 12, item 8): each role lands on what it needs first, drawn from the same
//! services as the API: the patient's visits chart (SVG from the server), prescriptions, what
//! is coming and their latest results; the doctor's day, results and recent patients; the
//! admin's count of staff waiting for approval.

use serde_json::json;

use crate::helpers::{Backend, sign_in};
use crate::{app, dual};

async fn each_role_sees_what_it_needs_first(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let desk = app.staff("desk@example.org", "receptionist", "Rita Reception", &admin).await;
    let lab = app.staff("lab@example.org", "lab", "Lab Tech", &admin).await;
    let patient = app.patient("pat@example.org").await;
    app.register("waiting@example.org", "pharmacist", "Wait Ing").await;
    app.record(&house, &patient.id, "Visit one", "visit").await;
    app.record(&house, &patient.id, "Visit two", "visit").await;
    let rx =
        json!({"patient_id": patient.id, "items": [{"drug": "metformin", "dose_mg": 500, "frequency_per_day": 2, "duration_days": 30}]});
    assert_eq!(app.post("/api/v1/prescriptions", Some(&house.access), &rx).await.status, 201);
    let order = app
        .post("/api/v1/lab-orders", Some(&house.access), &json!({"patient_id": patient.id, "test_code": "4548-4", "test_name": "HbA1c"}))
        .await;
    let order = order.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/lab-orders/{order}/results"),
            Some(&lab.access),
            &json!({"value": "7.9", "unit": "%", "reference_range": "4.0-5.6"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Later today (or early tomorrow near midnight): what the doctor's day and the patient's
    // "coming up" show.
    let t = app.clock.now() + chrono::Duration::minutes(30);
    let start = chrono::DateTime::from_timestamp((t.timestamp() / 300 + 1) * 300, 0).unwrap();
    let booking = json!({"doctor_id": house.id, "patient_id": patient.id, "start": careledger::clock::format(start),
        "end": careledger::clock::format(start + chrono::Duration::minutes(20)), "room": "Room 4"});
    assert_eq!(app.post("/api/v1/appointments", Some(&desk.access), &booking).await.status, 201);

    let b = sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url("/patient/dashboard")).send().await.unwrap().text().await.unwrap();
    let month = app.clock.now().format("%b %Y").to_string();
    assert!(html.contains("<svg") && html.contains(&format!("<title>{month}: 2</title>")), "two visits this month: {html}");
    assert!(html.contains("metformin 500 mg") && html.contains("HbA1c") && html.contains("7.9 %") && html.contains("Room 4"), "{html}");

    let b = sign_in(&app, "house@example.org").await;
    let html = b.get(app.url("/doctor/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("HbA1c")
            && html.contains("high")
            && html.contains("Recent patients")
            && html.contains(&format!("/patients/{}/chart", patient.id)),
        "{html}"
    );
    if start.date_naive() == app.clock.now().date_naive() {
        assert!(html.contains("Today (1)"), "{html}");
    }

    let b = sign_in(&app, "admin@clinic.test").await;
    let html = b.get(app.url("/admin/users")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<strong>1</strong> waiting for approval"), "{html}");
}
dual!(each_role_sees_what_it_needs_first);
