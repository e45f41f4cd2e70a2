//! Erasure (issue 11, item 8): an admin erases a patient; their data key and files are
//! destroyed, their records answer 410 `erased`, the erasure is a ledger entry, `ledger verify`
//! still passes and a proof handed out before still checks against the signed heads after.

use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, sign_in};
use crate::rfc9162;
use crate::{app, dual};

async fn patient_with_everything(app: &TestApp, doctor: &Session, patient: &Session) -> String {
    let r = app
        .post(
            "/api/v1/records",
            Some(&doctor.access),
            &json!({"patient_id": patient.id, "title": "Asthma review", "notes": "Peak flow 410."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/records/{id}/amendments"), Some(&doctor.access), &json!({"notes": "Peak flow 420.", "reason": "misread"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app.attach(&doctor.access, &id, "spiro.pdf", b"%PDF-1.4 spirometry".to_vec()).await;
    assert_eq!(r.status, 201);
    id
}

fn inclusion_checks(p: &Value) -> bool {
    use base64::Engine;
    let entry = base64::engine::general_purpose::STANDARD.decode(p["entry_base64"].as_str().unwrap()).unwrap();
    let path: Vec<_> = p["audit_path"].as_array().unwrap().iter().map(|h| rfc9162::unhex(h.as_str().unwrap())).collect();
    let root = rfc9162::unhex(p["root_hash"].as_str().unwrap());
    rfc9162::inclusion_ok(p["leaf_index"].as_u64().unwrap(), p["tree_size"].as_u64().unwrap(), &rfc9162::leaf(&entry), &path, &root)
}

async fn erasure_destroys_the_data_and_the_ledger_still_verifies(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    let id = patient_with_everything(&app, &doctor, &patient).await;
    let kept = app.record(&doctor, &other.id, "Other patient's visit", "visit").await["id"].as_str().unwrap().to_string();
    // A referral with a reason (sealed under the patient's key, so erased with it).
    let colleague = app.doctor("colleague@example.org", &admin).await;
    let r = app
        .post(
            &format!("/api/v1/patients/{}/care-team", patient.id),
            Some(&doctor.access),
            &json!({"doctor_id": colleague.id, "reason": "asthma clinic"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.sealed_head().await;
    let proof = app.get(&format!("/api/v1/records/{id}/proof"), Some(&patient.access)).await;
    assert_eq!(proof.status, 200, "{}", proof.text);
    assert!(inclusion_checks(&proof.body));
    let path = format!("/api/v1/admin/patients/{}/erase", patient.id);
    let reason = json!({"reason": "Patient's written request ref. DPO-2026-117"});

    // Refused: other roles, a short or missing reason, unknown or malformed ids, a doctor's id,
    // a body that is not JSON. None of it erases anything.
    app.post(&path, Some(&doctor.access), &reason).await.assert_problem(403, "forbidden");
    app.post(&path, Some(&patient.access), &reason).await.assert_problem(403, "forbidden");
    app.post(&path, None, &reason).await.assert_problem(401, "unauthenticated");
    let r = app.post(&path, Some(&admin.access), &json!({"reason": "asked"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "reason");
    app.post(&path, Some(&admin.access), &json!({})).await.assert_problem(422, "validation_failed");
    app.post(&path, Some(&admin.access), &json!({"reason": 5})).await.assert_problem(422, "validation_failed");
    let r =
        app.http.post(app.url(&path)).bearer_auth(&admin.access).header("content-type", "application/json").body("{").send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    for bad in [uuid::Uuid::now_v7().to_string(), "not-an-id".into(), doctor.id.clone()] {
        app.post(&format!("/api/v1/admin/patients/{bad}/erase"), Some(&admin.access), &reason)
            .await
            .assert_problem(404, "patient_not_found");
    }
    let r = app.get(&format!("/api/v1/records/{id}"), Some(&doctor.access)).await;
    assert_eq!(r.status, 200, "nothing erased yet: {}", r.text);

    // Erased.
    let r = app.post(&path, Some(&admin.access), &reason).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!((r.body["records"].as_i64(), r.body["files_deleted"].as_u64()), (Some(1), Some(1)), "{}", r.text);
    app.post(&path, Some(&admin.access), &reason).await.assert_problem(410, "erased");

    // Their records are gone for everyone who could read them; the doctor's list lost them.
    for p in [
        format!("/api/v1/records/{id}"),
        format!("/api/v1/records/{id}/versions"),
        format!("/api/v1/records/{id}/files"),
        format!("/api/v1/records/{id}/proof"),
        format!("/api/v1/patients/{}/history", patient.id),
    ] {
        app.get(&p, Some(&doctor.access)).await.assert_problem(410, "erased");
    }
    // To anyone who could not read them, they stay as unknown as any other record.
    let outsider = app.doctor("outsider@example.org", &admin).await;
    for p in [format!("/api/v1/records/{id}"), format!("/api/v1/records/{id}/proof")] {
        app.get(&p, Some(&outsider.access)).await.assert_problem(404, "not_found");
    }
    app.get(&format!("/api/v1/records/{id}/proof"), Some(&other.access)).await.assert_problem(404, "not_found");
    // Nothing more happens to the erased account: no referral, no reactivation.
    app.post(
        &format!("/api/v1/patients/{}/care-team", patient.id),
        Some(&doctor.access),
        &json!({"doctor_id": outsider.id, "reason": "second opinion"}),
    )
    .await
    .assert_problem(410, "erased");
    app.post(&format!("/api/v1/admin/users/{}/reactivate", patient.id), Some(&admin.access), &json!({}))
        .await
        .assert_problem(410, "erased");
    let list = app.get("/api/v1/records", Some(&doctor.access)).await;
    let ids: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![kept.as_str()], "{}", list.text);
    assert_eq!(app.get(&format!("/api/v1/records/{kept}"), Some(&other.access)).await.status, 200);
    // The patient's sessions ended; their password no longer signs in.
    app.get("/api/v1/records", Some(&patient.access)).await.assert_problem(401, "invalid_token");
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "pat@example.org", "password": crate::helpers::PASSWORD})).await;
    assert_eq!(r.status, 401, "{}", r.text);
    // The key is destroyed, the files deleted, the personal data off the account.
    let pool = &app.state.db.pool;
    let wrapped: Option<String> =
        sqlx::query_scalar("SELECT wrapped_key FROM patient_keys WHERE patient_id = $1").bind(&patient.id).fetch_one(pool).await.unwrap();
    assert!(wrapped.is_none());
    let folder = app.data_dir.0.join("files").join("sealed").join(&patient.id);
    assert!(std::fs::read_dir(&folder).map(|d| d.count()).unwrap_or(0) == 0, "no file left in {}", folder.display());
    let (email, name): (String, String) =
        sqlx::query_as("SELECT email, full_name FROM users WHERE id = $1").bind(&patient.id).fetch_one(pool).await.unwrap();
    assert!(!email.contains("pat@") && name == "Erased patient", "{email} {name}");
    let terms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM record_terms WHERE record_id = $1").bind(&id).fetch_one(pool).await.unwrap();
    assert_eq!(terms, 0);
    // Nor is the old email left in the database's files (SQLite: file and WAL; every test
    // patient is named "Pat Ient", so the name proves nothing here).
    if backend == Backend::Sqlite {
        for f in ["careledger.db", "careledger.db-wal"] {
            let bytes = std::fs::read(app.data_dir.0.join(f)).unwrap_or_default();
            let gone = b"pat@example.org";
            assert!(!bytes.windows(gone.len()).any(|w| w == gone), "the old email is still in {f}");
        }
    }

    // The ledger: the erasure is an entry, everything still verifies, and the proof handed out
    // before still checks against the signed heads after (consistency from its tree to now).
    let head = app.sealed_head().await;
    let report = app.verify().await;
    assert!(report.ok(), "{:?}", report.problems);
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM ledger_entries ORDER BY idx").fetch_all(pool).await.unwrap();
    assert_eq!(kinds.iter().filter(|k| *k == "patient_erased").count(), 1, "{kinds:?}");
    assert!(inclusion_checks(&proof.body));
    let (m, n) = (proof.body["tree_size"].as_u64().unwrap(), head["tree_size"].as_u64().unwrap());
    let c = app.get(&format!("/api/v1/ledger/consistency?first={m}&second={n}"), None).await;
    let path: Vec<_> = c.body["proof"].as_array().unwrap().iter().map(|h| rfc9162::unhex(h.as_str().unwrap())).collect();
    let (r1, r2) = (rfc9162::unhex(proof.body["root_hash"].as_str().unwrap()), rfc9162::unhex(head["root_hash"].as_str().unwrap()));
    assert!(rfc9162::consistency_ok(m, n, &r1, &r2, &path), "the earlier proof's root is a prefix of today's");
    // The erasure row edited in SQL: verify names it.
    sqlx::query("UPDATE patient_erasures SET reason = 'changed later'").execute(pool).await.unwrap();
    let report = app.verify().await;
    assert!(report.problems.iter().any(|p| p.contains("erasure of patient")), "{:?}", report.problems);

    // The trail keeps the erasure and the refusals, under the patient.
    app.state.audit.flush().await.unwrap();
    let outcomes: Vec<String> =
        sqlx::query_scalar("SELECT outcome FROM audit_log WHERE action = 'patient.erase' AND patient_id = $1 ORDER BY seq")
            .bind(&patient.id)
            .fetch_all(pool)
            .await
            .unwrap();
    assert!(outcomes.contains(&"success".to_string()) && outcomes.contains(&"denied".to_string()), "{outcomes:?}");
}
dual!(erasure_destroys_the_data_and_the_ledger_still_verifies);

async fn the_erasure_page_asks_for_the_email_back(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    patient_with_everything(&app, &doctor, &patient).await;
    let b = sign_in(&app, "admin@clinic.test").await;
    let url = app.url(&format!("/admin/patients/{}/erase", patient.id));
    let html = b.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("pat@example.org") && html.contains("cannot be undone"), "{html}");
    let csrf = crate::helpers::csrf_from(&html);
    let r = b
        .post(&url)
        .form(&[("csrf_token", csrf.as_str()), ("reason", "Written request DPO-9"), ("confirm_email", "someone@else.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Type the patient"));
    assert!(!careledger::accounts::store::is_erased(&app.state.db, patient.id.parse().unwrap()).await.unwrap());
    let r = b
        .post(&url)
        .form(&[("csrf_token", csrf.as_str()), ("reason", "Written request DPO-9"), ("confirm_email", "PAT@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("was erased"));
    assert!(careledger::accounts::store::is_erased(&app.state.db, patient.id.parse().unwrap()).await.unwrap());
    // Once erased, the page says so; the users list offers nothing more for the account.
    assert_eq!(b.get(&url).send().await.unwrap().status(), 410);
    let users = b.get(app.url("/admin/users?role=patient")).send().await.unwrap().text().await.unwrap();
    assert!(users.contains("erased") && !users.contains(&format!("/admin/patients/{}/erase", patient.id)), "{users}");
    assert!(!users.contains(&format!("/admin/users/{}/reactivate", patient.id)), "{users}");
    // A doctor may not open the page at all.
    let d = sign_in(&app, "doc@example.org").await;
    assert_eq!(d.get(&url).send().await.unwrap().status(), 403);
}
dual!(the_erasure_page_asks_for_the_email_back);
