//! Lab orders and results (issue 12, item 7), from the refused side: results posted by anyone
//! but lab staff, a second result, orders by doctors off the care team, reads by other patients;
//! out-of-range results flagged; the chart and the lab's page.

use serde_json::json;

use crate::helpers::{Backend, csrf_from, sign_in};
use crate::{app, dual};

async fn doctors_order_the_lab_posts_once_and_the_patient_sees_the_flag(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let outsider = app.staff("outsider@example.org", "doctor", "Out Sider", &admin).await;
    let lab = app.staff("lab@example.org", "lab", "Lab Tech", &admin).await;
    let pharmacist = app.staff("rx@example.org", "pharmacist", "Phil Pharm", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    app.record(&house, &patient.id, "Visit", "visit").await;

    let order = json!({"patient_id": patient.id, "test_code": "2823-3", "test_name": "Potassium", "notes": "On lisinopril"});
    let r = app.post("/api/v1/lab-orders", Some(&house.access), &order).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "open");
    let id = r.body["id"].as_str().unwrap().to_string();
    app.post("/api/v1/lab-orders", Some(&outsider.access), &order).await.assert_problem(404, "patient_not_found");
    for who in [&lab, &patient, &pharmacist] {
        app.post("/api/v1/lab-orders", Some(&who.access), &order).await.assert_problem(403, "forbidden");
    }
    let r = app
        .post("/api/v1/lab-orders", Some(&house.access), &json!({"patient_id": patient.id, "test_code": "", "test_name": "x".repeat(201)}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["test_code", "test_name"]);

    // The lab sees the open order; others do not see it.
    let open = app.get("/api/v1/lab-orders?status=open", Some(&lab.access)).await;
    assert_eq!(open.body[0]["test_name"], "Potassium", "{}", open.text);
    let path = format!("/api/v1/lab-orders/{id}");
    app.get(&path, Some(&other.access)).await.assert_problem(404, "not_found");
    app.get(&path, Some(&outsider.access)).await.assert_problem(404, "not_found");
    app.get(&path, Some(&pharmacist.access)).await.assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/lab-orders?patient_id={}", patient.id), Some(&outsider.access))
        .await
        .assert_problem(404, "patient_not_found");
    assert_eq!(app.get("/api/v1/lab-orders", Some(&other.access)).await.body, json!([]));

    // Only the lab posts, once; the value is flagged against its range.
    let result = json!({"value": "5.9", "unit": "mmol/L", "reference_range": "3.5-5.1"});
    for who in [&house, &patient] {
        app.post(&format!("{path}/results"), Some(&who.access), &result).await.assert_problem(403, "forbidden");
    }
    app.post(&format!("{path}/results"), Some(&lab.access), &json!({"value": "", "unit": "mmol/L", "flag": "weird"}))
        .await
        .assert_problem(422, "validation_failed");
    let r = app.post(&format!("{path}/results"), Some(&lab.access), &result).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.body["result"]["flag"].as_str(), r.body["result"]["out_of_range"].as_bool()), (Some("high"), Some(true)));
    app.post(&format!("{path}/results"), Some(&lab.access), &result).await.assert_problem(409, "already_resulted");
    app.post(&format!("/api/v1/lab-orders/{}/results", uuid::Uuid::now_v7()), Some(&lab.access), &result)
        .await
        .assert_problem(404, "not_found");

    // The patient and the doctor see it.
    let mine = app.get(&format!("/api/v1/lab-orders?patient_id={}", patient.id), Some(&patient.access)).await;
    assert_eq!(mine.body[0]["result"]["value"], "5.9", "{}", mine.text);
    assert_eq!(app.get(&path, Some(&house.access)).await.body["result"]["unit"], "mmol/L");

    // Taken off the care team, the doctor no longer sees the order, even in their own list.
    let r = app.delete(&format!("/api/v1/patients/{}/care-team/{}", patient.id, house.id), Some(&patient.access)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(app.get("/api/v1/lab-orders", Some(&house.access)).await.body, json!([]));
    app.get(&path, Some(&house.access)).await.assert_problem(404, "not_found");
    let r = app.post(&format!("/api/v1/patients/{}/care-team", patient.id), Some(&patient.access), &json!({"doctor_id": house.id})).await;
    assert!(r.status.is_success(), "{}", r.text);
    // Sealed at rest; in the ledger.
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM lab_orders UNION ALL SELECT body FROM lab_results")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert!(bodies.iter().all(|b| !b.contains("Potassium") && !b.contains("mmol")), "{bodies:?}");
    let report = app.verify().await;
    assert!(report.ok(), "{report:?}");

    // Pages: the chart shows the flagged result and orders another; the lab posts it.
    let b = sign_in(&app, "house@example.org").await;
    let chart = app.url(&format!("/patients/{}/chart", patient.id));
    let html = b.get(&chart).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Potassium") && html.contains("5.9 mmol/L") && html.contains("high"), "{html}");
    let form = [("csrf_token", csrf_from(&html)), ("test_code", "718-7".to_string()), ("test_name", "Haemoglobin".to_string())];
    let r = b.post(app.url(&format!("/patients/{}/lab-orders", patient.id))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let b = sign_in(&app, "lab@example.org").await;
    let html = b.get(app.url("/lab")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Haemoglobin"), "{html}");
    let new_id = app.get("/api/v1/lab-orders?status=open", Some(&lab.access)).await.body[0]["id"].as_str().unwrap().to_string();
    let form = [
        ("csrf_token", csrf_from(&html)),
        ("value", "13.9".to_string()),
        ("unit", "g/dL".to_string()),
        ("reference_range", "13.5-17.5".to_string()),
    ];
    let r = b.post(app.url(&format!("/lab-orders/{new_id}/results"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let done = app.get(&format!("/api/v1/lab-orders/{new_id}"), Some(&patient.access)).await;
    assert_eq!((done.body["result"]["flag"].as_str(), done.body["result"]["out_of_range"].as_bool()), (Some("normal"), Some(false)));
}
dual!(doctors_order_the_lab_posts_once_and_the_patient_sees_the_flag);
