//! The permission matrix: every role (and anonymous) against every route of the route table,
//! allow or refuse exactly as `accounts::permissions` says. A route missing from the table
//! cannot exist (routes are added only with a permission), and an API call missing from the
//! table or the OpenAPI document fails here.

use careledger::accounts::Role;
use careledger::accounts::permissions::{Permission, grants};
use careledger::http::routes::{Refusal, Surface};
use serde_json::json;

use crate::dual;
use crate::helpers::{Backend, browser, csrf_from, sign_in};

async fn every_role_against_every_route(backend: Backend) {
    // The auditor reads the trail after every call (well over a thousand reads in a minute):
    // the per-user limit, tested on its own elsewhere, is lifted here.
    let defaults = crate::helpers::Options::default();
    let options =
        crate::helpers::Options { limits: careledger::ratelimit::Limits { per_user_per_minute: 1_000_000, ..defaults.limits }, ..defaults };
    let Some(app) = crate::helpers::spawn_app_with(backend, options).await else { return };
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let mut api_tokens = vec![
        (Some(Role::Admin), Some(admin.access.clone())),
        (Some(Role::Doctor), Some(doctor.access.clone())),
        (Some(Role::Patient), Some(patient.access.clone())),
        (None, None),
    ];
    for role in [Role::Pharmacist, Role::Lab, Role::Receptionist] {
        let email = format!("{}@example.org", role.as_str());
        let s = app.staff(&email, role.as_str(), "Staff Member", &admin).await;
        api_tokens.push((Some(role), Some(s.access)));
    }
    let record = app.record(&doctor, &patient.id, "Matrix", "visit").await;
    let record_id = record["id"].as_str().unwrap().to_string();
    let up = app.attach(&doctor.access, &record_id, "labs.txt", b"lab values".to_vec()).await;
    let file_sha = up.body["sha256"].as_str().unwrap().to_string();
    let head = app.sealed_head().await;
    let block_hash = head["hash"].as_str().unwrap().to_string();
    // One of each clinical thing the FHIR reads name by id, all the patient's.
    let token_of = |role: Role| api_tokens.iter().find(|(r, _)| *r == Some(role)).and_then(|(_, t)| t.clone()).unwrap();
    let made = |r: crate::helpers::Reply| {
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().unwrap().to_string()
    };
    let allergy_id =
        made(app.post(&format!("/api/v1/patients/{}/allergies", patient.id), Some(&doctor.access), &json!({"substance": "Latex"})).await);
    let problem_id =
        made(app.post(&format!("/api/v1/patients/{}/problems", patient.id), Some(&doctor.access), &json!({"description": "Asthma"})).await);
    let rx =
        json!({"patient_id": patient.id, "items": [{"drug": "lisinopril", "dose_mg": 10, "frequency_per_day": 1, "duration_days": 30}]});
    let rx_id = made(app.post("/api/v1/prescriptions", Some(&doctor.access), &rx).await);
    let expiry = (app.clock.now() + chrono::Duration::days(200)).format("%Y-%m-%d").to_string();
    let stock = json!({"drug": "lisinopril", "batch": "M-1", "quantity": 100, "expiry": expiry, "reorder_level": 1});
    let batch_id = made(app.post("/api/v1/inventory", Some(&token_of(Role::Pharmacist)), &stock).await);
    let dispensation_id = made(
        app.post(
            &format!("/api/v1/prescriptions/{rx_id}/dispense"),
            Some(&token_of(Role::Pharmacist)),
            &json!({"items": [{"inventory_id": batch_id, "quantity": 30}]}),
        )
        .await,
    );
    let day = (app.clock.now() + chrono::Duration::days(1)).date_naive();
    let at = |h: u32| careledger::clock::format(day.and_hms_opt(h, 0, 0).unwrap().and_utc());
    let booking = json!({"doctor_id": doctor.id, "patient_id": patient.id, "start": at(9), "end": at(10)});
    let appointment_id = made(app.post("/api/v1/appointments", Some(&doctor.access), &booking).await);
    let order = json!({"patient_id": patient.id, "test_code": "2823-3", "test_name": "Potassium"});
    let order_id = made(app.post("/api/v1/lab-orders", Some(&doctor.access), &order).await);
    let result = json!({"value": "4.1", "unit": "mmol/L"});
    let r = app.post(&format!("/api/v1/lab-orders/{order_id}/results"), Some(&token_of(Role::Lab)), &result).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let consulted = app.staff("consulted@example.org", "doctor", "Con Sulted", &admin).await;
    let consent_id = made(app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": consulted.id})).await);
    app.state.audit.flush().await.unwrap();
    let audit_seq = app.get("/api/v1/audit?limit=1", Some(&admin.access)).await.body["items"][0]["seq"].to_string();
    let pending = app.register("pending@example.org", "lab", "Pending Lab").await;
    let pending_id = pending["id"].as_str().unwrap().to_string();

    // One browser per role, signed in, with its form token; anonymous with the pre-login one.
    let mut browsers = Vec::new();
    for (role, _) in &api_tokens {
        let b = match role {
            Some(r) => sign_in(&app, email_of(*r)).await,
            None => browser(),
        };
        let page = if role.is_some() { "/logout" } else { "/login" };
        let html = b.get(app.url(page)).send().await.unwrap().text().await.unwrap();
        browsers.push((*role, b, csrf_from(&html)));
    }

    // A second admin session reads the audit trail (the first may be signed out by the
    // logout routes).
    let auditor = app.login("admin@clinic.test").await;
    let mut table = careledger::router::route_table(app.state.clone());
    // Every route that touches patient data or changes access is audited.
    for spec in &table {
        let sensitive = !matches!(spec.permission, Permission::Public | Permission::SignedIn | Permission::Account)
            && !spec.path.starts_with("/api/v1/ledger/")
            && spec.path != "/api/v1/admin/integrity-alerts"
            && spec.path != "/admin/ledger"
            && !(spec.method == reqwest::Method::GET && ["/records/create", "/emergency-access"].contains(&spec.path));
        assert!(!sensitive || spec.audit.is_some(), "{} {} touches patient data or access and is not audited", spec.method, spec.path);
    }
    // Routes that end the session go last, so they do not sign anyone out early.
    table.sort_by_key(|s| s.path.contains("logout"));
    let mut checked = 0;
    for spec in &table {
        let path = match spec.path {
            "/api/v1/records/{id}"
            | "/records/{id}"
            | "/api/v1/records/{id}/amendments"
            | "/api/v1/records/{id}/versions"
            | "/api/v1/records/{id}/proof"
            | "/api/v1/records/{id}/files"
            | "/records/{id}/amend"
            | "/records/{id}/files" => spec.path.replace("{id}", &record_id),
            "/api/v1/records/{id}/files/{sha256}" => format!("/api/v1/records/{record_id}/files/{file_sha}"),
            "/records/{id}/files/{sha256}" => format!("/records/{record_id}/files/{file_sha}"),
            "/records/{id}/proof" => format!("/records/{record_id}/proof"),
            "/api/v1/ledger/blocks/{hash}" => spec.path.replace("{hash}", &block_hash),
            "/api/v1/ledger/entries/{index}" => spec.path.replace("{index}", "0"),
            "/fhir/r4/Patient/{id}" | "/fhir/r4/Patient/{id}/$everything" => spec.path.replace("{id}", &patient.id),
            "/fhir/r4/DocumentReference/{id}" => spec.path.replace("{id}", &record_id),
            "/fhir/r4/Practitioner/{id}" => spec.path.replace("{id}", &doctor.id),
            "/fhir/r4/AllergyIntolerance/{id}" => spec.path.replace("{id}", &allergy_id),
            "/fhir/r4/Condition/{id}" => spec.path.replace("{id}", &problem_id),
            "/fhir/r4/MedicationRequest/{id}" => spec.path.replace("{id}", &format!("{rx_id}-0")),
            "/fhir/r4/MedicationDispense/{id}" => spec.path.replace("{id}", &format!("{dispensation_id}-0")),
            "/fhir/r4/Appointment/{id}" => spec.path.replace("{id}", &appointment_id),
            "/fhir/r4/ServiceRequest/{id}" | "/fhir/r4/Observation/{id}" => spec.path.replace("{id}", &order_id),
            "/fhir/r4/Consent/{id}" => spec.path.replace("{id}", &consent_id),
            "/fhir/r4/Provenance/{id}" => spec.path.replace("{id}", &format!("{record_id}-1")),
            "/fhir/r4/AuditEvent/{id}" => spec.path.replace("{id}", &audit_seq),
            // Searches about the patient (doctors and other staff must name one).
            "/fhir/r4/DocumentReference"
            | "/fhir/r4/AllergyIntolerance"
            | "/fhir/r4/Condition"
            | "/fhir/r4/MedicationRequest"
            | "/fhir/r4/MedicationDispense"
            | "/fhir/r4/Appointment"
            | "/fhir/r4/ServiceRequest"
            | "/fhir/r4/Observation"
            | "/fhir/r4/Consent"
            | "/fhir/r4/AuditEvent" => {
                format!("{}?patient={}", spec.path, patient.id)
            }
            "/fhir/r4/Patient" => format!("{}?name=Pat", spec.path),
            "/fhir/r4/Provenance" => format!("{}?target=DocumentReference/{record_id}", spec.path),
            "/api/v1/patients/{id}/history"
            | "/api/v1/patients/{id}/care-team"
            | "/patients/{id}/care-team"
            | "/api/v1/patients/{id}/emergency-access"
            | "/api/v1/patients/{id}/allergies"
            | "/api/v1/patients/{id}/problems"
            | "/patients/{id}/chart"
            | "/patients/{id}/allergies"
            | "/patients/{id}/problems"
            | "/patients/{id}/lab-orders" => spec.path.replace("{id}", &patient.id),
            // The admin's attempts carry no reason or no confirmation: 422, nothing erased.
            "/api/v1/admin/patients/{id}/erase" | "/admin/patients/{id}/erase" => spec.path.replace("{id}", &patient.id),
            // A doctor who is not on the team: allowed callers get 404, refused ones 401/403.
            "/api/v1/patients/{id}/care-team/{doctor_id}" | "/patients/{id}/care-team/{doctor_id}/remove" => {
                spec.path.replace("{id}", &patient.id).replace("{doctor_id}", &uuid::Uuid::now_v7().to_string())
            }
            p if p.starts_with("/api/v1/admin/users/{id}/") || p == "/admin/users/{id}/role" || p == "/admin/users/{id}/reset-link" => {
                p.replace("{id}", &pending_id)
            }
            "/admin/users/{id}/{action}" => format!("/admin/users/{pending_id}/unlock"),
            // Someone else's or nobody's session: allowed callers get 404, refused ones 401/403.
            "/api/v1/me/sessions/{id}"
            | "/me/sessions/{id}/revoke"
            | "/api/v1/consents/{id}"
            | "/api/v1/shares/{id}"
            | "/me/shares/{id}/revoke"
            | "/api/v1/prescriptions/{id}"
            | "/api/v1/prescriptions/{id}/versions"
            | "/api/v1/prescriptions/{id}/dispense"
            | "/prescriptions/{id}/dispense"
            | "/api/v1/inventory/{id}"
            | "/api/v1/appointments/{id}"
            | "/api/v1/lab-orders/{id}"
            | "/api/v1/lab-orders/{id}/results"
            | "/lab-orders/{id}/results"
            | "/appointments/{id}/status"
            | "/prescriptions/{id}" => spec.path.replace("{id}", &uuid::Uuid::now_v7().to_string()),
            // A token no link has: anyone gets the same 404 page.
            "/share/{token}" => spec.path.replace("{token}", "bm90LWEtcmVhbC1zaGFyZS1saW5rLXRva2VuLWF0LWFsbA"),
            p if p.contains('{') => panic!("matrix: give the route {p} a real id to test with"),
            p => p.to_string(),
        };
        for (i, (role, token)) in api_tokens.iter().enumerate() {
            let allowed = match (spec.permission, role) {
                (Permission::Public, _) => true,
                (_, None) => false,
                (Permission::SignedIn | Permission::Account, Some(_)) => true,
                (p, Some(r)) => grants(*r).contains(&p),
            };
            let request_id = format!("matrix-{checked}");
            let status = match spec.surface {
                Surface::Api => {
                    let mut req = app.http.request(spec.method.clone(), app.url(&path)).header("x-request-id", &request_id);
                    if let Some(t) = token {
                        req = req.bearer_auth(t);
                    }
                    if spec.path.ends_with("/files") && spec.method == reqwest::Method::POST {
                        req = req.multipart(reqwest::multipart::Form::new().text("note", "matrix"));
                    } else if spec.method != reqwest::Method::GET {
                        req = req.json(&json!({}));
                    }
                    req.send().await.unwrap().status().as_u16()
                }
                Surface::Page => {
                    let (_, b, csrf) = &browsers[i];
                    let mut req = b.request(spec.method.clone(), app.url(&path)).header("x-request-id", &request_id);
                    if spec.method == reqwest::Method::POST && spec.path.ends_with("/files") {
                        req = req.multipart(reqwest::multipart::Form::new().text("csrf_token", csrf.clone()));
                    } else if spec.method == reqwest::Method::POST {
                        req = req.form(&[("csrf_token", csrf.as_str())]);
                    }
                    req.send().await.unwrap().status().as_u16()
                }
            };
            let who = role.map(Role::as_str).unwrap_or("anonymous");
            let what = format!("{who} {} {} ({})", spec.method, spec.path, spec.permission.name());
            assert!(status < 500, "{what}: {status}");
            if allowed && spec.permission == Permission::Public {
                // Public routes may still answer 401 for bad credentials (an empty login form).
                assert_ne!(status, 403, "{what} should be allowed");
            } else if allowed {
                assert!(![401, 403].contains(&status), "{what} should be allowed, got {status}");
                if spec.refusal != Refusal::Forbidden && spec.method == reqwest::Method::GET {
                    assert_eq!(status, 200, "{what} should be allowed");
                }
            } else {
                let expected = match (role, spec.surface, spec.refusal) {
                    (None, Surface::Api, _) => 401,
                    (None, Surface::Page, _) => 303,
                    (Some(_), _, Refusal::Forbidden) => 403,
                    (Some(_), _, Refusal::NotFound(_)) => 404,
                };
                assert_eq!(status, expected, "{what} should be refused");
            }
            // The audit trail holds the attempt, from the side of whoever made it: a refusal as
            // `denied` with the caller's role, an allowed call as anything but `denied`.
            if let (Some(audited), Some(r)) = (spec.audit, role)
                && spec.permission != Permission::Public
            {
                let rows = app.get(&format!("/api/v1/audit?request_id={request_id}"), Some(&auditor.access)).await;
                assert_eq!(rows.status, 200, "{}", rows.text);
                let items = rows.body["items"].as_array().unwrap();
                assert!(!items.is_empty(), "{what}: no audit row");
                for row in items {
                    assert_eq!(row["actor_role"], r.as_str(), "{what}: {row}");
                    assert!(row["action"].as_str().unwrap().starts_with(audited.action.split('.').next().unwrap()), "{what}: {row}");
                    if allowed {
                        assert_ne!(row["outcome"], "denied", "{what}: {row}");
                    } else {
                        assert_eq!(row["outcome"], "denied", "{what}: {row}");
                    }
                }
            }
            checked += 1;
        }
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "permission matrix: {} routes x {} callers = {checked} checks", table.len(), api_tokens.len());
    assert_eq!(checked, table.len() * 7);
}
dual!(every_role_against_every_route);

fn email_of(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin@clinic.test",
        Role::Doctor => "doc@example.org",
        Role::Patient => "pat@example.org",
        Role::Pharmacist => "pharmacist@example.org",
        Role::Lab => "lab@example.org",
        Role::Receptionist => "receptionist@example.org",
    }
}

#[tokio::test]
async fn every_api_call_is_in_the_route_table_and_the_openapi_document() {
    use utoipa::OpenApi;
    let Some(app) = crate::helpers::spawn_app(Backend::Sqlite).await else { return };
    let table = careledger::router::route_table(app.state.clone());
    let spec = serde_json::to_value(careledger::openapi::ApiDoc::openapi()).unwrap();
    let mut documented = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    let api: Vec<(String, String)> = table
        .iter()
        .filter(|s| s.path.starts_with("/api/") || s.path.starts_with("/fhir/"))
        .map(|s| (s.method.to_string(), s.path.to_string()))
        .collect();
    for d in &documented {
        assert!(api.contains(d), "{d:?} is documented but has no route with a permission");
    }
    for a in &api {
        assert!(documented.contains(a), "{a:?} has a route but is missing from the OpenAPI document");
    }
}
