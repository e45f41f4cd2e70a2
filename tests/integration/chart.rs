//! Allergies and problems (issue 12, item 2): doctors who may read the patient's history write
//! them; the patient and those doctors read them; everyone else is refused, from their side;
//! the text is sealed and every entry is in the ledger.

use serde_json::json;

use crate::helpers::{Backend, csrf_from, sign_in};
use crate::{app, dual};

async fn allergies_and_problems_follow_the_care_team_rule(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let outsider = app.staff("outsider@example.org", "doctor", "Out Sider", &admin).await;
    let pharmacist = app.staff("rx@example.org", "pharmacist", "Phil Pharm", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    app.record(&house, &patient.id, "First visit", "visit").await;
    let allergies = format!("/api/v1/patients/{}/allergies", patient.id);
    let problems = format!("/api/v1/patients/{}/problems", patient.id);

    let r = app.post(&allergies, Some(&house.access), &json!({"substance": "Penicillin", "reaction": "Hives", "severity": "Severe"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["substance"], "Penicillin");
    assert_eq!(r.body["severity"], "severe");
    let r =
        app.post(&problems, Some(&house.access), &json!({"description": "Type 2 diabetes", "code": "E11.9", "onset": "2020-03-01"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "active");

    // Read by the patient and the care team.
    for who in [&patient, &house] {
        let r = app.get(&allergies, Some(&who.access)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["items"][0]["substance"], "Penicillin");
        assert_eq!(r.body["items"][0]["author_name"], "Gregory House");
        let r = app.get(&problems, Some(&who.access)).await;
        assert_eq!(r.body["items"][0]["code"], "E11.9");
    }
    // Refused: a doctor off the team (as if no such patient), another patient, roles without
    // the permission; writes likewise.
    app.get(&allergies, Some(&outsider.access)).await.assert_problem(404, "patient_not_found");
    app.get(&allergies, Some(&other.access)).await.assert_problem(404, "patient_not_found");
    app.get(&problems, Some(&pharmacist.access)).await.assert_problem(404, "patient_not_found");
    app.get(&allergies, Some(&admin.access)).await.assert_problem(404, "patient_not_found");
    app.post(&allergies, Some(&outsider.access), &json!({"substance": "Latex"})).await.assert_problem(404, "patient_not_found");
    app.post(&allergies, Some(&patient.access), &json!({"substance": "Latex"})).await.assert_problem(403, "forbidden");
    app.post(&problems, Some(&pharmacist.access), &json!({"description": "x"})).await.assert_problem(403, "forbidden");
    let unknown = format!("/api/v1/patients/{}/allergies", uuid::Uuid::now_v7());
    app.post(&unknown, Some(&house.access), &json!({"substance": "Latex"})).await.assert_problem(404, "patient_not_found");
    app.post("/api/v1/patients/not-an-id/allergies", Some(&house.access), &json!({"substance": "Latex"}))
        .await
        .assert_problem(404, "patient_not_found");

    // Bad input names its field; nothing is written.
    let r = app.post(&allergies, Some(&house.access), &json!({"substance": "  ", "severity": "deadly"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["substance", "severity"]);
    let r = app.post(&problems, Some(&house.access), &json!({"description": "Asthma", "onset": "2999-01-01", "status": "cured"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["onset", "status"]);
    app.post(&allergies, Some(&house.access), &json!({"substance": 5})).await.assert_problem(422, "validation_failed");
    app.post(&problems, Some(&house.access), &json!({"description": "Old", "onset": "0000-01-01"}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(&problems, Some(&house.access), &json!({"description": "Old", "onset": "2020-1-1"}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(&allergies, Some(&house.access), &json!(["Latex"])).await.assert_problem(422, "validation_failed");
    assert_eq!(app.get(&allergies, Some(&patient.access)).await.body["items"].as_array().unwrap().len(), 1);

    // Sealed at rest, and in the ledger.
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM allergies UNION ALL SELECT body FROM problems").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().all(|b| !b.contains("Penicillin") && !b.contains("diabetes")), "{bodies:?}");
    let report = app.verify().await;
    assert!(report.ok(), "{report:?}");

    // The chart page shows both, and a doctor adds from it.
    let b = sign_in(&app, "house@example.org").await;
    let chart = app.url(&format!("/patients/{}/chart", patient.id));
    let html = b.get(&chart).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Penicillin") && html.contains("Type 2 diabetes") && html.contains("First visit"), "{html}");
    let form = [("csrf_token", csrf_from(&html)), ("substance", "Ibuprofen".into()), ("severity", "mild".into())];
    let r = b.post(app.url(&format!("/patients/{}/allergies", patient.id))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = b.get(&chart).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Ibuprofen"), "{html}");
    let form = [("csrf_token", csrf_from(&html)), ("description", "".into())];
    let r = b.post(app.url(&format!("/patients/{}/problems", patient.id))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("description is required"));
    // A doctor off the team gets the page a missing patient gets.
    let b = sign_in(&app, "outsider@example.org").await;
    assert_eq!(b.get(&chart).send().await.unwrap().status(), 404);
}
dual!(allergies_and_problems_follow_the_care_team_rule);
