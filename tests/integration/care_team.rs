//! The care team (issue 11, item 1): a doctor reads a patient's whole history while on the
//! team, and nothing of it otherwise; the patient sees the team and removes doctors; a doctor on
//! it refers; `--clinician-access clinic` opens every patient to every active doctor. Every
//! refusal is checked from the side of the person refused.

use serde_json::{Value, json};

use crate::helpers::{Backend, Options, Session, TestApp, csrf_from, sign_in, spawn_configured};
use crate::{app, dual};

/// A patient, two doctors, and a record (with a file) that the first doctor wrote.
struct Clinic {
    admin: Session,
    house: Session,
    visiting: Session,
    patient: Session,
    record: String,
    sha: String,
}

async fn clinic(app: &TestApp) -> Clinic {
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let visiting = app.staff("visiting@example.org", "doctor", "Lisa Cuddy", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let record = app.record(&house, &patient.id, "Lupus workup", "diagnosis").await["id"].as_str().unwrap().to_string();
    let up = app.attach(&house.access, &record, "labs.txt", b"ANA 1:640".to_vec()).await;
    assert_eq!(up.status, 201);
    let sha = up.body["sha256"].as_str().unwrap().to_string();
    Clinic { admin, house, visiting, patient, record, sha }
}

/// Everything a doctor may read of the clinic's patient, as status codes, and whether lists and
/// searches show the record.
async fn reads(app: &TestApp, c: &Clinic, doctor: &Session) -> (Vec<u16>, bool) {
    let (r, p) = (&c.record, &c.patient.id);
    let mut codes = Vec::new();
    for path in [
        format!("/api/v1/records/{r}"),
        format!("/api/v1/records/{r}/versions"),
        format!("/api/v1/records/{r}/proof"),
        format!("/api/v1/records/{r}/files"),
        format!("/api/v1/records/{r}/files/{}", c.sha),
        format!("/api/v1/patients/{p}/history"),
    ] {
        codes.push(app.get(&path, Some(&doctor.access)).await.status.as_u16());
    }
    let listed = app.get(&format!("/api/v1/records?patient_id={p}"), Some(&doctor.access)).await.body["items"].clone();
    let searched = app.get("/api/v1/records?q=lupus", Some(&doctor.access)).await.body["items"].clone();
    let shows = |items: &Value| items.as_array().unwrap().iter().any(|i| i["id"] == r.as_str());
    assert_eq!(shows(&listed), shows(&searched), "the list and the search follow one rule");
    (codes, shows(&listed))
}

const ALL_READ: [u16; 6] = [200; 6];
const NONE_READ: [u16; 6] = [404; 6];

async fn a_doctor_reads_the_history_only_while_on_the_care_team(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let (p, house, visiting) = (c.patient.id.clone(), &c.house, &c.visiting);
    app.sealed_head().await;

    // The author is on the team by writing; the other doctor sees nothing, as if it did not exist.
    assert_eq!(reads(&app, &c, house).await, (ALL_READ.to_vec(), true));
    assert_eq!(reads(&app, &c, visiting).await, (NONE_READ.to_vec(), false));
    let team = app.get(&format!("/api/v1/patients/{p}/care-team"), Some(&c.patient.access)).await;
    assert_eq!(team.status, 200, "{}", team.text);
    assert_eq!(team.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        (team.body["items"][0]["doctor_id"].as_str(), team.body["items"][0]["how"].as_str()),
        (Some(house.id.as_str()), Some("record"))
    );
    app.get(&format!("/api/v1/patients/{p}/care-team"), Some(&visiting.access)).await.assert_problem(404, "patient_not_found");

    // Someone outside the team can neither refer nor remove.
    let path = format!("/api/v1/patients/{p}/care-team");
    app.post(&path, Some(&visiting.access), &json!({"doctor_id": visiting.id, "reason": "I want in"}))
        .await
        .assert_problem(404, "patient_not_found");
    // A referral needs a reason, and an active doctor to refer to.
    let r = app.post(&path, Some(&house.access), &json!({"doctor_id": visiting.id})).await;
    assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["reason".to_string()]));
    app.post(&path, Some(&house.access), &json!({"doctor_id": p, "reason": "second opinion"}))
        .await
        .assert_problem(404, "doctor_not_found");
    app.post(&path, Some(&house.access), &json!({"doctor_id": "nope", "reason": "x"})).await.assert_problem(422, "validation_failed");
    app.post(&path, Some(&house.access), &json!({"doctor_id": 7})).await.assert_problem(422, "validation_failed");
    // The fields as an array, in order, are not the documented object: refused, nobody added.
    app.post(&path, Some(&house.access), &json!([visiting.id, "second opinion"])).await.assert_problem(422, "validation_failed");
    app.post(&path, Some(&house.access), &json!("x")).await.assert_problem(422, "validation_failed");

    // Referred: the second doctor reads every record of every author, files, versions, proofs.
    let r = app.post(&path, Some(&house.access), &json!({"doctor_id": visiting.id, "reason": "Rheumatology opinion"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.body["how"].as_str(), r.body["added_by"].as_str()), (Some("referral"), Some(house.id.as_str())));
    let again = app.post(&path, Some(&house.access), &json!({"doctor_id": visiting.id, "reason": "again"})).await;
    assert_eq!((again.status.as_u16(), again.body["id"].clone()), (200, r.body["id"].clone()), "already on the team: unchanged");
    assert_eq!(reads(&app, &c, visiting).await, (ALL_READ.to_vec(), true));
    // ... and the admin sees who added whom, without reading any record.
    let team = app.get(&format!("/api/v1/patients/{p}/care-team"), Some(&c.admin.access)).await;
    assert_eq!(team.body["items"].as_array().unwrap().len(), 2, "{}", team.text);
    assert_eq!(team.body["items"][1]["added_by_name"], "Gregory House");
    assert_eq!(team.body["items"][1]["reason"], "", "a referral's reason is clinical: not for admins");
    let as_patient = app.get(&format!("/api/v1/patients/{p}/care-team"), Some(&c.patient.access)).await;
    assert_eq!(as_patient.body["items"][1]["reason"], "Rheumatology opinion");
    app.get(&format!("/api/v1/records/{}", c.record), Some(&c.admin.access)).await.assert_problem(404, "not_found");

    // Only the patient removes a doctor; then that doctor reads nothing again, at once.
    let member = format!("/api/v1/patients/{p}/care-team/{}", visiting.id);
    let del = |token: String, path: String| {
        let http = app.http.clone();
        let url = app.url(&path);
        async move { http.delete(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(del(house.access.clone(), member.clone()).await, 403, "a doctor on the team may not remove another");
    assert_eq!(del(c.admin.access.clone(), member.clone()).await, 403, "admins see the team but do not change it");
    let other = app.patient("other@example.org").await;
    assert_eq!(del(other.access.clone(), member.clone()).await, 404, "another patient's team does not exist for them");
    assert_eq!(del(c.patient.access.clone(), member.clone()).await, 204);
    assert_eq!(del(c.patient.access.clone(), member.clone()).await, 404, "not on the team any more");
    assert_eq!(reads(&app, &c, visiting).await, (NONE_READ.to_vec(), false));
    // Taken off by the patient, the doctor cannot write their way back in.
    let r = app
        .post(
            "/api/v1/records",
            Some(&visiting.access),
            &json!({"patient_id": p, "title": "Follow-up", "notes": "", "record_type": "visit"}),
        )
        .await;
    r.assert_problem(403, "forbidden");
    // The patient can put them back (consent by the patient): reading again.
    let r = app.post(&path, Some(&c.patient.access), &json!({"doctor_id": visiting.id})).await;
    assert_eq!((r.status.as_u16(), r.body["how"].as_str()), (201, Some("patient")), "{}", r.text);
    assert_eq!(reads(&app, &c, visiting).await, (ALL_READ.to_vec(), true));

    // Each explicit change is a ledger entry, and verify checks them against the rows.
    app.sealed_head().await;
    let report =
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM ledger_entries WHERE kind LIKE 'care_team%' ORDER BY idx")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(kinds, ["care_team_added", "care_team_removed", "care_team_added"]);
    sqlx::query("UPDATE care_team SET reason = 'edited' WHERE how = 'referral'").execute(&app.state.db.pool).await.unwrap();
    let report =
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap();
    assert!(report.problems.iter().any(|p| p.contains("care_team_added") && p.contains("no longer matches")), "{:?}", report.problems);
}
dual!(a_doctor_reads_the_history_only_while_on_the_care_team);

async fn clinic_mode_opens_every_patient_to_every_active_doctor(backend: Backend) {
    let Some(app) = spawn_configured(backend, Options::default(), |s| {
        s.clinician_access = careledger::config::ClinicianAccess::Clinic;
    })
    .await
    else {
        return;
    };
    let c = clinic(&app).await;
    app.sealed_head().await;
    assert_eq!(reads(&app, &c, &c.visiting).await, (ALL_READ.to_vec(), true));
    // Still nobody else: not another patient, not an admin.
    let other = app.patient("other@example.org").await;
    app.get(&format!("/api/v1/records/{}", c.record), Some(&other.access)).await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/patients/{}/history", c.patient.id), Some(&other.access)).await.assert_problem(404, "patient_not_found");
    app.get(&format!("/api/v1/records/{}", c.record), Some(&c.admin.access)).await.assert_problem(404, "not_found");
    // The team is still kept (and shown), though in this mode it decides nothing.
    let team = app.get(&format!("/api/v1/patients/{}/care-team", c.patient.id), Some(&c.visiting.access)).await;
    assert_eq!((team.status.as_u16(), team.body["items"].as_array().map(Vec::len)), (200, Some(1)), "{}", team.text);
}
dual!(clinic_mode_opens_every_patient_to_every_active_doctor);

async fn the_care_team_page_lets_the_patient_remove_and_a_doctor_refer(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let p = c.patient.id.clone();
    // The doctor refers from the page (the same service as the API).
    let house = sign_in(&app, "house@example.org").await;
    let html = house.get(app.url(&format!("/patients/{p}/care-team"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Refer this patient") && html.contains("Lisa Cuddy"), "{html}");
    let csrf = csrf_from(&html);
    let url = app.url(&format!("/patients/{p}/care-team"));
    let r = house.post(&url).form(&[("csrf_token", csrf.as_str()), ("doctor_id", c.visiting.id.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 422, "no reason");
    assert!(r.text().await.unwrap().contains("a referral needs a reason"));
    let fields = [("csrf_token", csrf.as_str()), ("doctor_id", c.visiting.id.as_str()), ("reason", "Kidney consult")];
    let r = house.post(&url).form(&fields).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, format!("/patients/{p}/care-team?done=added").as_str())
    );
    // The patient sees both, and who added whom, and removes the referred doctor.
    let patient = sign_in(&app, "pat@example.org").await;
    let html = patient.get(app.url(&format!("/patients/{p}/care-team"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("My care team") && html.contains("Dr Lisa Cuddy") && html.contains("Kidney consult"), "{html}");
    let csrf = csrf_from(&html);
    // Mistakes are answered in the form's words, beside the fields (a third doctor, so that
    // the form has someone to offer).
    app.staff("third@example.org", "doctor", "Third Doctor", &c.admin).await;
    let r = patient
        .post(app.url(&format!("/patients/{p}/care-team")))
        .form(&[("csrf_token", csrf.as_str()), ("until", "2001-01-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Choose a doctor.") && html.contains("Choose a date from today on") && !html.contains("grantee_id"), "{html}");
    let remove = app.url(&format!("/patients/{p}/care-team/{}/remove", c.visiting.id));
    let r = patient.post(&remove).form(&[("csrf_token", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), 403, "CSRF-checked");
    let r = patient.post(&remove).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    app.get(&format!("/api/v1/records/{}", c.record), Some(&c.visiting.access)).await.assert_problem(404, "not_found");
    // The removed doctor's page of that patient is gone too; another patient's team is not theirs.
    let visiting = sign_in(&app, "visiting@example.org").await;
    let r = visiting.get(app.url(&format!("/patients/{p}/care-team"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = visiting.get(app.url(&format!("/records/{}", c.record))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let other = app.patient("other@example.org").await;
    let r = patient.get(app.url(&format!("/patients/{}/care-team", other.id))).send().await.unwrap();
    assert_eq!(r.status(), 404);
}
dual!(the_care_team_page_lets_the_patient_remove_and_a_doctor_refer);

async fn a_removal_at_one_copy_refuses_at_the_other_on_the_next_request(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let other = crate::helpers::spawn_beside(&app, app.state.settings.database_url.expose().clone()).await;
    let p = c.patient.id.clone();
    let r = app.post(&format!("/api/v1/patients/{p}/care-team"), Some(&c.patient.access), &json!({"doctor_id": c.visiting.id})).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let path = format!("/api/v1/records/{}", c.record);
    assert_eq!(other.get(&path, Some(&c.visiting.access)).await.status.as_u16(), 200, "added at one copy, reading at the other");
    let removed =
        app.http.delete(app.url(&format!("/api/v1/patients/{p}/care-team/{}", c.visiting.id))).bearer_auth(&c.patient.access).send().await;
    assert_eq!(removed.unwrap().status().as_u16(), 204);
    other.get(&path, Some(&c.visiting.access)).await.assert_problem(404, "not_found");
}
dual!(a_removal_at_one_copy_refuses_at_the_other_on_the_next_request);

async fn a_patient_grants_and_revokes_consent_and_it_expires(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let (visiting, patient) = (&c.visiting, &c.patient);
    let record = format!("/api/v1/records/{}", c.record);
    app.get(&record, Some(&visiting.access)).await.assert_problem(404, "not_found");

    // Refused: not a patient; nobody to grant to; an end in the past; wrong types.
    app.post("/api/v1/consents", Some(&c.house.access), &json!({"grantee_id": visiting.id})).await.assert_problem(403, "forbidden");
    app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": patient.id})).await.assert_problem(404, "doctor_not_found");
    let r = app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": visiting.id, "expires_at": "2001-01-01"})).await;
    assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["expires_at".to_string()]));
    app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": ["x"]})).await.assert_problem(422, "validation_failed");
    for far in ["9999-12-31T23:30:00-05:00", "+12345-06-01", "9999-12-31"] {
        let r = app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": visiting.id, "expires_at": far})).await;
        assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["expires_at".to_string()]), "{far}: {}", r.text);
    }
    // A consent is the patient's own: not a relabelled membership the doctor already has.
    let r = app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": c.house.id, "expires_at": "2099-01-01"})).await;
    r.assert_problem(409, "already_on_care_team");

    // Granted until tomorrow: the doctor reads, on every copy.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let r = app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": visiting.id, "expires_at": tomorrow})).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let first = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["status"], "active");
    let copy = crate::helpers::spawn_beside(&app, app.state.settings.database_url.expose().clone()).await;
    assert_eq!(copy.get(&record, Some(&visiting.access)).await.status.as_u16(), 200);
    // The doctor cannot revoke it, nor can another patient see or revoke it.
    let other = app.patient("other@example.org").await;
    let delete = |token: &str, id: &str| {
        let (http, url, token) = (app.http.clone(), app.url(&format!("/api/v1/consents/{id}")), token.to_string());
        async move { http.delete(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(delete(&other.access, &first).await, 404);
    assert_eq!(delete(&visiting.access, &first).await, 403);
    let theirs = app.get("/api/v1/consents", Some(&other.access)).await;
    assert_eq!(theirs.body["items"], json!([]));

    // The day after tomorrow it has expired: refused at the next request, listed as expired.
    app.clock.advance(chrono::Duration::days(2));
    let visiting = app.login("visiting@example.org").await;
    let patient = app.login("pat@example.org").await;
    app.get(&record, Some(&visiting.access)).await.assert_problem(404, "not_found");
    let list = app.get("/api/v1/consents", Some(&patient.access)).await;
    assert_eq!(
        (list.body["items"][0]["id"].as_str(), list.body["items"][0]["status"].as_str()),
        (Some(first.as_str()), Some("expired")),
        "{}",
        list.text
    );
    assert_eq!(delete(&patient.access, &first).await, 409, "an expired consent cannot be revoked again");

    // Granted again (no end), then revoked: refused at the other copy on its next request.
    let r = app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": visiting.id})).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let second = r.body["id"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    assert_eq!(copy.get(&record, Some(&visiting.access)).await.status.as_u16(), 200);
    assert_eq!(delete(&patient.access, &second).await, 204);
    copy.get(&record, Some(&visiting.access)).await.assert_problem(404, "not_found");
    let list = app.get("/api/v1/consents", Some(&patient.access)).await;
    let statuses: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["revoked", "expired"]);
    // Paged like every list: one at a time, newest first.
    let first_page = app.get("/api/v1/consents?limit=1", Some(&patient.access)).await;
    assert_eq!(first_page.body["items"][0]["status"], "revoked");
    let cursor = first_page.body["next_cursor"].as_str().unwrap().to_string();
    let next = app.get(&format!("/api/v1/consents?limit=1&cursor={cursor}"), Some(&patient.access)).await;
    assert_eq!((next.body["items"][0]["id"].as_str(), next.body["next_cursor"].clone()), (Some(first.as_str()), Value::Null));
    app.get("/api/v1/consents?limit=0", Some(&patient.access)).await.assert_problem(422, "validation_failed");
    // Every grant and revocation is in the ledger and checks out.
    app.sealed_head().await;
    let report =
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}
dual!(a_patient_grants_and_revokes_consent_and_it_expires);

async fn registration_records_the_privacy_notice_accepted(backend: Backend) {
    let app = app!(backend);
    let version = careledger::accounts::privacy::NOTICE_VERSION;
    // The notice is public, and the registration form says which version it accepts.
    let notice = app.http.get(app.url("/privacy")).send().await.unwrap();
    assert_eq!(notice.status(), 200);
    assert!(notice.text().await.unwrap().contains(&format!("Version {version}")));
    let form = app.http.get(app.url("/register")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("href=\"/privacy\"") && form.contains(version), "{form}");
    // Registering records the version and the time; an admin made on the command line has none.
    let patient = app.patient("pat@example.org").await;
    let admin = app.admin().await;
    let row = |id: String| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_as::<_, (Option<String>, Option<String>, String)>(
                "SELECT privacy_notice, privacy_accepted_at, created_at FROM users WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let (notice, at, created) = row(patient.id.clone()).await;
    assert_eq!((notice.as_deref(), at.as_deref()), (Some(version), Some(created.as_str())));
    assert_eq!(row(admin.id.clone()).await.0, None);
    // The person sees what they accepted.
    let b = sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url("/me/security")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("privacy notice</a> version {version}")), "{html}");
}
dual!(registration_records_the_privacy_notice_accepted);

async fn the_patients_removal_stands_against_referrals_races_and_forged_rows(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let p = c.patient.id.clone();
    let team = format!("/api/v1/patients/{p}/care-team");
    let members = || async {
        let r = app.get(&team, Some(&c.patient.access)).await;
        r.body["items"].as_array().unwrap().iter().map(|m| m["doctor_id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let remove = |doctor: String| {
        let (http, url, token) = (app.http.clone(), app.url(&format!("{team}/{doctor}")), c.patient.access.clone());
        async move { http.delete(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
    };
    // Referred, then taken off by the patient: a colleague's referral does not bring them back.
    let r = app.post(&team, Some(&c.house.access), &json!({"doctor_id": c.visiting.id, "reason": "Nephrology"})).await;
    assert_eq!(r.status.as_u16(), 201);
    assert_eq!(remove(c.visiting.id.clone()).await, 204);
    let r = app.post(&team, Some(&c.house.access), &json!({"doctor_id": c.visiting.id, "reason": "Please, again"})).await;
    r.assert_problem(409, "removed_by_patient");
    assert!(!members().await.contains(&c.visiting.id));
    // ... nor is the removed doctor offered on the referral form.
    let house = sign_in(&app, "house@example.org").await;
    let html = house.get(app.url(&format!("/patients/{p}/care-team"))).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains(&c.visiting.id), "{html}");

    // The patient adds them back; then a removal racing the doctor's new record: whichever
    // wins, the doctor is off the team afterwards (the write, if it went first, was theirs to make).
    for round in 0..8 {
        let r = app.post("/api/v1/consents", Some(&c.patient.access), &json!({"grantee_id": c.visiting.id})).await;
        assert_eq!(r.status.as_u16(), 201, "round {round}: {}", r.text);
        let body = json!({"patient_id": p, "title": format!("Visit {round}"), "notes": "", "record_type": "visit"});
        let (write, removed) = tokio::join!(app.post("/api/v1/records", Some(&c.visiting.access), &body), remove(c.visiting.id.clone()));
        assert!([201, 403].contains(&write.status.as_u16()), "round {round}: {}", write.text);
        assert_eq!(removed, 204, "round {round}");
        assert!(!members().await.contains(&c.visiting.id), "round {round}: the removal stands");
        app.get(&format!("/api/v1/patients/{p}/history"), Some(&c.visiting.access)).await.assert_problem(404, "patient_not_found");
    }

    // Memberships forged in SQL are named by verify: one "made by a record" that no record made,
    // and a referral without its ledger entry.
    app.sealed_head().await;
    let verify = || async {
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap()
    };
    let report = verify().await;
    assert!(report.ok(), "{:?}", report.problems);
    let outsider = app.staff("outsider@example.org", "doctor", "Out Sider", &c.admin).await;
    for (id, how) in [("forged-1", "record"), ("forged-2", "referral")] {
        sqlx::query(
            "INSERT INTO care_team (id, patient_id, doctor_id, added_by, how, reason, added_at) VALUES ($1, $2, $3, $3, $4, '', '2026-01-01T00:00:00.000000Z')",
        )
        .bind(id)
        .bind(&p)
        .bind(&outsider.id)
        .bind(how)
        .execute(&app.state.db.pool)
        .await
        .ok();
        let report = verify().await;
        assert!(report.problems.iter().any(|p| p.contains(id)), "{how}: {:?}", report.problems);
        sqlx::query("DELETE FROM care_team WHERE id = $1").bind(id).execute(&app.state.db.pool).await.unwrap();
    }
}
dual!(the_patients_removal_stands_against_referrals_races_and_forged_rows);

async fn in_clinic_mode_the_team_still_holds_the_patients_choices(backend: Backend) {
    let Some(app) = spawn_configured(backend, Options::default(), |s| {
        s.clinician_access = careledger::config::ClinicianAccess::Clinic;
    })
    .await
    else {
        return;
    };
    let c = clinic(&app).await;
    let p = c.patient.id.clone();
    let team = format!("/api/v1/patients/{p}/care-team");
    // A doctor who reads by the clinic's rule but is not on the team does not refer anyone.
    let r = app.post(&team, Some(&c.visiting.access), &json!({"doctor_id": c.visiting.id, "reason": "me"})).await;
    r.assert_problem(403, "forbidden");
    // The patient takes the house doctor off; writing (allowed by the clinic) does not put him back.
    let del = app.http.delete(app.url(&format!("{team}/{}", c.house.id))).bearer_auth(&c.patient.access).send().await.unwrap();
    assert_eq!(del.status(), 204);
    let body = json!({"patient_id": p, "title": "Follow-up", "notes": "", "record_type": "visit"});
    assert_eq!(app.post("/api/v1/records", Some(&c.house.access), &body).await.status.as_u16(), 201);
    let members = app.get(&team, Some(&c.patient.access)).await;
    assert_eq!(members.body["items"], json!([]), "{}", members.text);
    app.sealed_head().await;
    let report =
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}
dual!(in_clinic_mode_the_team_still_holds_the_patients_choices);

async fn a_removed_doctor_stays_removed_after_a_consent_ends_and_forgeries_are_named(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let p = c.patient.id.clone();
    let team = format!("/api/v1/patients/{p}/care-team");
    let remove = |doctor: String, token: String| {
        let (http, url) = (app.http.clone(), app.url(&format!("{team}/{doctor}")));
        async move { http.delete(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
    };
    // The house doctor refers while the patient removes him: a referral that lost the race is
    // refused, never committed after the removal. A new colleague each round.
    for round in 0..5 {
        if round > 0 {
            let r = app.post("/api/v1/consents", Some(&c.patient.access), &json!({"grantee_id": c.house.id})).await;
            assert_eq!(r.status.as_u16(), 201, "round {round}: {}", r.text);
        }
        let colleague = app.staff(&format!("colleague{round}@example.org"), "doctor", "A Colleague", &c.admin).await;
        let body = json!({"doctor_id": colleague.id, "reason": format!("round {round}")});
        let refer = app.post(&team, Some(&c.house.access), &body);
        let (referred, removed) = tokio::join!(refer, remove(c.house.id.clone(), c.patient.access.clone()));
        assert_eq!(removed, 204, "round {round}");
        // Refused either way when the removal came first: 403 (seen mid-way) or 404 (no longer his patient).
        assert!([201, 403, 404].contains(&referred.status.as_u16()), "round {round}: {}", referred.text);
        let late: i64 = sqlx::query_scalar(
            // In ledger order (the order of commits): no referral by the house doctor after his
            // removal's entry and before his next addition's.
            "SELECT COUNT(*) FROM care_team v JOIN care_team h ON h.patient_id = v.patient_id AND h.doctor_id = v.added_by \
             WHERE v.how = 'referral' AND h.removal_entry_index IS NOT NULL AND v.entry_index > h.removal_entry_index \
             AND NOT EXISTS (SELECT 1 FROM care_team h2 WHERE h2.patient_id = h.patient_id AND h2.doctor_id = h.doctor_id \
                             AND h2.entry_index > h.removal_entry_index AND h2.entry_index < v.entry_index)",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
        assert_eq!(late, 0, "round {round}: a referral committed after its referrer was removed");
    }
    // Removed, then let in until tomorrow: reads until then; after it, the removal stands again.
    let r = app.post("/api/v1/consents", Some(&c.patient.access), &json!({"grantee_id": c.house.id})).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    assert_eq!(remove(c.house.id.clone(), c.patient.access.clone()).await, 204);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let r = app.post("/api/v1/consents", Some(&c.patient.access), &json!({"grantee_id": c.house.id, "expires_at": today})).await;
    assert_eq!(r.status.as_u16(), 201, "a date covers the whole day, today included: {}", r.text);
    assert_eq!(app.get(&format!("/api/v1/patients/{p}/history"), Some(&c.house.access)).await.status.as_u16(), 200);
    app.clock.advance(chrono::Duration::days(2));
    let house = app.login("house@example.org").await;
    let body = json!({"patient_id": p, "title": "After the consent", "notes": "", "record_type": "visit"});
    app.post("/api/v1/records", Some(&house.access), &body).await.assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/patients/{p}/history"), Some(&house.access)).await.assert_problem(404, "patient_not_found");

    // Untampered, verify passes; a membership forged from one of his earlier records is named.
    app.sealed_head().await;
    let verify = || async {
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap()
    };
    let report = verify().await;
    assert!(report.ok(), "{:?}", report.problems);
    // (The expired consent is closed first, as the next join would.)
    sqlx::query("UPDATE care_team SET removed_at = expires_at WHERE doctor_id = $1 AND removed_at IS NULL AND expires_at IS NOT NULL")
        .bind(&c.house.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert!(verify().await.ok(), "closing an expired consent is bookkeeping");
    sqlx::query(
        "INSERT INTO care_team (id, patient_id, doctor_id, added_by, how, reason, added_at) \
         SELECT 'forged-3', patient_id, doctor_id, doctor_id, 'record', '', created_at FROM records WHERE id = $1",
    )
    .bind(&c.record)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let report = verify().await;
    assert!(report.problems.iter().any(|p| p.contains("forged-3")), "{:?}", report.problems);
}
dual!(a_removed_doctor_stays_removed_after_a_consent_ends_and_forgeries_are_named);
