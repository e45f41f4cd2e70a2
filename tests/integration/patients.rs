//! Patient identity (issue 12, item 1): the front desk registers a patient, who sets their
//! password by a one-time link; staff find patients by name (partial, any case, with or without
//! accents), date of birth or MRN and see demographics only; who may not search is refused.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, browser, csrf_from, sign_in};
use crate::{app, dual};

async fn the_desk_registers_and_staff_find_patients(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let desk = app.staff("desk@example.org", "receptionist", "Rita Reception", &admin).await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let lab = app.staff("lab@example.org", "lab", "Lab Tech", &admin).await;
    let own = app.patient("self@example.org").await;

    let new = json!({"full_name": "José Álvarez", "email": "jose@example.org", "date_of_birth": "1971-04-05", "sex": "male",
        "phone": "+34 600 000 000", "address": "Calle Mayor 1, Madrid"});
    let r = app.post("/api/v1/patients", Some(&desk.access), &new).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mrn = r.body["patient"]["mrn"].as_str().unwrap().to_string();
    assert!(mrn.starts_with("MRN") && mrn.len() == 11, "{mrn}");
    let id = r.body["patient"]["id"].as_str().unwrap().to_string();
    let path = r.body["setup_path"].as_str().unwrap().to_string();
    let token = path.split("token=").nth(1).unwrap().to_string();
    app.post("/api/v1/patients", Some(&desk.access), &new).await.assert_problem(409, "email_taken");
    let r = app
        .post("/api/v1/patients", Some(&desk.access), &json!({"full_name": "", "email": "x", "date_of_birth": "2999-01-01", "sex": "?"}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["full_name", "email", "date_of_birth", "sex"]);
    for who in [&house, &lab, &own] {
        app.post("/api/v1/patients", Some(&who.access), &new).await.assert_problem(403, "forbidden");
    }

    // No password opens the account until the link sets one; the link works once.
    let login = |password: &str| json!({"email": "jose@example.org", "password": password});
    app.post("/api/v1/auth/login", None, &login(PASSWORD)).await.assert_problem(401, "invalid_credentials");
    app.post("/api/v1/auth/login", None, &login("!unset")).await.assert_problem(401, "invalid_credentials");
    let r = app.post("/api/v1/auth/set-password", None, &json!({"token": token, "password": "password"})).await;
    r.assert_problem(422, "validation_failed");
    let r = app.post("/api/v1/auth/set-password", None, &json!({"token": token, "password": PASSWORD})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.post("/api/v1/auth/set-password", None, &json!({"token": token, "password": PASSWORD})).await.assert_problem(404, "link_not_found");
    app.post("/api/v1/auth/set-password", None, &json!({"token": "forged", "password": PASSWORD}))
        .await
        .assert_problem(404, "link_not_found");
    let r = app.post("/api/v1/auth/login", None, &login(PASSWORD)).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Staff find them by part of the name (any case, accents or not), birth date or MRN.
    for q in ["jose", "ALVA", "José Álv", &mrn, &mrn.to_lowercase(), "1971-04-05"] {
        let found = app.get(&format!("/api/v1/patients?q={}", urlencode(q)), Some(&lab.access)).await;
        assert_eq!(found.status, 200, "{q}: {}", found.text);
        assert_eq!(found.body.as_array().unwrap().len(), 1, "{q}: {}", found.text);
        let p = &found.body[0];
        assert_eq!(
            (p["id"].as_str(), p["mrn"].as_str(), p["date_of_birth"].as_str()),
            (Some(id.as_str()), Some(mrn.as_str()), Some("1971-04-05"))
        );
        // Demographics only: no email, no contact details, nothing clinical.
        assert!(p.get("email").is_none() && p.get("phone").is_none() && p.get("address").is_none(), "{p}");
    }
    // A patient who registered themselves has a profile and an MRN too.
    let found = app.get("/api/v1/patients?q=pat%20ient", Some(&house.access)).await;
    assert_eq!(found.body[0]["id"], own.id.as_str(), "{}", found.text);
    assert!(found.body[0]["mrn"].as_str().unwrap().starts_with("MRN"));
    assert_eq!(app.get("/api/v1/patients?q=nobody", Some(&desk.access)).await.body, json!([]));
    app.get("/api/v1/patients?q=j", Some(&desk.access)).await.assert_problem(422, "validation_failed");
    app.get("/api/v1/patients?q=%25", Some(&desk.access)).await.assert_problem(422, "validation_failed");
    for who in [&own, &admin] {
        app.get("/api/v1/patients?q=jose", Some(&who.access)).await.assert_problem(403, "forbidden");
    }
    // Names that fold to nothing are refused, in search and at registration.
    app.get("/api/v1/patients?q=%CC%81%CC%81", Some(&desk.access)).await.assert_problem(422, "validation_failed");
    let ghost = json!({"full_name": "\u{200b}", "email": "ghost@example.org", "date_of_birth": "1970-01-01", "sex": "unknown"});
    app.post("/api/v1/patients", Some(&desk.access), &ghost).await.assert_problem(422, "validation_failed");
    // Erased: nothing of who they were stays in the profile, and an unused link opens nothing.
    let r = app
        .post(
            "/api/v1/patients",
            Some(&desk.access),
            &json!({"full_name": "Zelda Erasable", "email": "zelda@example.org", "date_of_birth": "1977-07-07", "sex": "female"}),
        )
        .await;
    let zelda = r.body["patient"]["id"].as_str().unwrap().to_string();
    let zelda_token = r.body["setup_path"].as_str().unwrap().split("token=").nth(1).unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/admin/patients/{zelda}/erase"),
            Some(&admin.access),
            &json!({"reason": "Patient's written request, ref 42"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.post("/api/v1/auth/set-password", None, &json!({"token": zelda_token, "password": PASSWORD}))
        .await
        .assert_problem(404, "link_not_found");
    let left: (String, Option<String>) = sqlx::query_as("SELECT name_search, date_of_birth FROM patient_profiles WHERE patient_id = $1")
        .bind(&zelda)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(left, (String::new(), None));
    assert_eq!(app.get("/api/v1/patients?q=zelda", Some(&desk.access)).await.body, json!([]));
    // Contact details are sealed at rest.
    let contact: Vec<Option<String>> =
        sqlx::query_scalar("SELECT contact FROM patient_profiles").fetch_all(&app.state.db.pool).await.unwrap();
    assert!(contact.iter().flatten().all(|c| !c.contains("Madrid") && !c.contains("600")), "{contact:?}");

    // The chart of a patient in their care shows the demographics; others get "not found".
    app.record(&house, &id, "First visit", "visit").await;
    let b = sign_in(&app, "house@example.org").await;
    let html = b.get(app.url(&format!("/patients?q={}", urlencode("álvarez")))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("/patients/{id}/chart")), "{html}");
    let html = b.get(app.url(&format!("/patients/{id}/chart"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&mrn) && html.contains("5 Apr 1971") && html.contains("Calle Mayor 1"), "{html}");

    // The desk registers from the page and gets a link to print; the link's page sets the password.
    let b = sign_in(&app, "desk@example.org").await;
    let html = b.get(app.url("/patients/register")).send().await.unwrap().text().await.unwrap();
    let form = [
        ("csrf_token", csrf_from(&html)),
        ("full_name", "Ana Núñez".to_string()),
        ("email", "ana@example.org".to_string()),
        ("date_of_birth", "1990-12-01".to_string()),
        ("sex", "female".to_string()),
    ];
    let r = b.post(app.url("/patients/register")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let link = html.split("/set-password?token=").nth(1).unwrap().split('<').next().unwrap().to_string();
    let visitor = browser();
    let page = visitor.get(app.url(&format!("/set-password?token={link}"))).send().await.unwrap().text().await.unwrap();
    let form = [("csrf_token", csrf_from(&page)), ("token", link.clone()), ("password", PASSWORD.to_string())];
    let r = visitor.post(app.url("/set-password")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "ana@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
dual!(the_desk_registers_and_staff_find_patients);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
