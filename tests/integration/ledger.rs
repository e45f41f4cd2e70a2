//! The integrity ledger from the outside: proofs checked by an independent verifier, signed
//! blocks, amendments, tampering caught and named, appends from two copies at once.

use base64::Engine;
use ed25519_dalek::Verifier;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, spawn_beside};
use crate::rfc9162;
use crate::{app, dual};

/// Checks a block against the public key: its signature over the canonical header (RFC 8785:
/// keys sorted, no spaces) and its hash over the header with the signature.
async fn check_block(app: &TestApp, block: &Value) {
    let key = app.get("/api/v1/ledger/public-key", None).await.body["public_key"].as_str().unwrap().to_string();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&hex::decode(key).unwrap().try_into().unwrap()).unwrap();
    let header = format!(
        r#"{{"created_at":"{}","height":{},"prev_hash":"{}","root_hash":"{}","tree_size":{}}}"#,
        block["created_at"].as_str().unwrap(),
        block["height"],
        block["prev_hash"].as_str().unwrap(),
        block["root_hash"].as_str().unwrap(),
        block["tree_size"]
    );
    let sig: [u8; 64] = hex::decode(block["signature"].as_str().unwrap()).unwrap().try_into().unwrap();
    key.verify(header.as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig)).expect("block signature verifies");
    let with_sig = format!(
        r#"{{"created_at":"{}","height":{},"prev_hash":"{}","root_hash":"{}","signature":"{}","tree_size":{}}}"#,
        block["created_at"].as_str().unwrap(),
        block["height"],
        block["prev_hash"].as_str().unwrap(),
        block["root_hash"].as_str().unwrap(),
        block["signature"].as_str().unwrap(),
        block["tree_size"]
    );
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(with_sig.as_bytes())), block["hash"].as_str().unwrap());
}

/// Fetches a record's proof and checks it independently; returns the decoded entry.
async fn check_proof(app: &TestApp, who: &Session, record_id: &str) -> Value {
    let r = app.get(&format!("/api/v1/records/{record_id}/proof"), Some(&who.access)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = &r.body;
    let entry = base64::engine::general_purpose::STANDARD.decode(p["entry_base64"].as_str().unwrap()).unwrap();
    let leaf = rfc9162::leaf(&entry);
    assert_eq!(hex::encode(leaf), p["leaf_hash"].as_str().unwrap());
    let path: Vec<_> = p["audit_path"].as_array().unwrap().iter().map(|h| rfc9162::unhex(h.as_str().unwrap())).collect();
    let root = rfc9162::unhex(p["root_hash"].as_str().unwrap());
    let (index, size) = (p["leaf_index"].as_u64().unwrap(), p["tree_size"].as_u64().unwrap());
    assert!(rfc9162::inclusion_ok(index, size, &leaf, &path, &root), "inclusion proof verifies: {}", r.text);
    // A proof for another leaf, or a changed entry, does not.
    assert!(!rfc9162::inclusion_ok(index, size, &rfc9162::leaf(b"forged"), &path, &root));
    // The root is the one a signed block vouches for.
    let block = app.get(&format!("/api/v1/ledger/blocks/{}", p["block_hash"].as_str().unwrap()), None).await;
    assert_eq!(block.status, 200);
    assert_eq!(block.body["root_hash"], p["root_hash"]);
    check_block(app, &block.body).await;
    serde_json::from_slice(&entry).unwrap()
}

async fn setup(app: &TestApp) -> (Session, Session, Session) {
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    (admin, doctor, patient)
}

async fn proofs_check_out_independently(backend: Backend) {
    let app = app!(backend);
    let (_, doctor, patient) = setup(&app).await;
    let other = app.patient("other@example.org").await;
    let a = app.record(&doctor, &patient.id, "Asthma review", "visit").await;
    let b = app.record(&doctor, &patient.id, "Spirometry", "procedure").await;
    let a_id = a["id"].as_str().unwrap();
    let entry = check_proof(&app, &patient, a_id).await;
    assert_eq!(entry["kind"], "record_created");
    assert_eq!(entry["ids"]["record_id"], a_id);
    assert!(entry["content_sha256"].as_str().unwrap().len() == 64);
    assert!(!entry.to_string().contains("Asthma"), "entries carry hashes, never content");
    check_proof(&app, &doctor, b["id"].as_str().unwrap()).await;
    // Whoever may not read the record may not have its proof.
    app.get(&format!("/api/v1/records/{a_id}/proof"), Some(&other.access)).await.assert_problem(404, "not_found");
    // Heads chain, and a consistency proof links an old head to a new one.
    let head1 = app.get("/api/v1/ledger/head", None).await.body;
    check_block(&app, &head1).await;
    for n in 0..5 {
        app.record(&doctor, &patient.id, &format!("Follow-up {n}"), "note").await;
    }
    let head2 = app.sealed_head().await;
    assert!(head2["prev_hash"].as_str().is_some());
    let (m, n) = (head1["tree_size"].as_u64().unwrap(), head2["tree_size"].as_u64().unwrap());
    assert!(n > m);
    let c = app.get(&format!("/api/v1/ledger/consistency?first={m}&second={n}"), None).await;
    assert_eq!(c.status, 200, "{}", c.text);
    let proof: Vec<_> = c.body["proof"].as_array().unwrap().iter().map(|h| rfc9162::unhex(h.as_str().unwrap())).collect();
    let (r1, r2) = (rfc9162::unhex(head1["root_hash"].as_str().unwrap()), rfc9162::unhex(head2["root_hash"].as_str().unwrap()));
    assert!(rfc9162::consistency_ok(m, n, &r1, &r2, &proof), "consistency proof verifies");
    assert!(!rfc9162::consistency_ok(m, n, &rfc9162::leaf(b"other history"), &r2, &proof));
    app.get(&format!("/api/v1/ledger/consistency?first={n}&second={m}"), None).await.assert_problem(422, "validation_failed");
    app.get("/api/v1/ledger/consistency?first=1&second=999999", None).await.assert_problem(422, "validation_failed");
    // Blocks list newest first with their entry ranges; the chain links back to genesis.
    let blocks = app.get("/api/v1/ledger/blocks?limit=200", None).await;
    let items = blocks.body["items"].as_array().unwrap();
    for pair in items.windows(2) {
        assert_eq!(pair[0]["prev_hash"], pair[1]["hash"]);
        assert_eq!(pair[0]["first_index"], pair[1]["end_index"]);
    }
    assert_eq!(items.last().unwrap()["prev_hash"], "0".repeat(64));
    app.get("/api/v1/ledger/blocks/abc", None).await.assert_problem(404, "block_not_found");
}
dual!(proofs_check_out_independently);

async fn amendments_make_versions_each_proven(backend: Backend) {
    let app = app!(backend);
    let (admin, doctor, patient) = setup(&app).await;
    let other_doctor = app.doctor("doc2@example.org", &admin).await;
    let rec = app.record(&doctor, &patient.id, "Chest pain", "visit").await;
    let id = rec["id"].as_str().unwrap();
    let path = format!("/api/v1/records/{id}/amendments");
    let r = app.post(&path, Some(&doctor.access), &json!({"notes": "ECG normal; troponin negative.", "reason": "Results arrived"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["title"], "Chest pain");
    let got = app.get(&format!("/api/v1/records/{id}"), Some(&patient.access)).await;
    assert_eq!(got.body["notes"], "ECG normal; troponin negative.");
    assert_eq!(got.body["version"], 2);
    let versions = app.get(&format!("/api/v1/records/{id}/versions"), Some(&patient.access)).await;
    let v = versions.body.as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["notes"], "Notes for Chest pain");
    assert_eq!(v[1]["reason"], "Results arrived");
    assert_ne!(v[0]["entry_index"], v[1]["entry_index"]);
    // The proof is for the latest version.
    let entry = check_proof(&app, &patient, id).await;
    assert_eq!(entry["kind"], "record_amended");
    assert_eq!(entry["ids"]["version"], "2");
    // Only the author amends: roles that write no records get 403 (whatever the id), doctors
    // who may not see it 404; input is checked.
    app.post(&path, Some(&patient.access), &json!({"title": "x", "reason": "r"})).await.assert_problem(403, "forbidden");
    app.post(&path, Some(&other_doctor.access), &json!({"title": "x", "reason": "r"})).await.assert_problem(404, "not_found");
    let r = app.post(&path, Some(&doctor.access), &json!({"title": "x"})).await;
    r.assert_problem(422, "validation_failed");
    let r = app.post(&path, Some(&doctor.access), &json!({"reason": "nothing changes"})).await;
    assert_eq!(r.error_fields(), vec!["title"]);
    app.post(&path, Some(&doctor.access), &json!({"title": "", "reason": "r"})).await.assert_problem(422, "validation_failed");
    assert_eq!(app.get(&format!("/api/v1/records/{id}/versions"), Some(&patient.access)).await.body.as_array().unwrap().len(), 2);
}
dual!(amendments_make_versions_each_proven);

async fn verify(app: &TestApp) -> careledger::ledger::verify::Report {
    app.verify().await
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&app.state.db.pool).await.unwrap();
}

/// A small clinic's worth of ledger: three records, one amended, and a sealed head.
async fn written(backend: Backend) -> Option<(TestApp, Vec<String>)> {
    let app = crate::helpers::spawn_app(backend).await?;
    let (_, doctor, patient) = setup(&app).await;
    let mut ids = Vec::new();
    for t in ["Annual check-up", "Influenza", "Knee X-ray"] {
        ids.push(app.record(&doctor, &patient.id, t, "visit").await["id"].as_str().unwrap().to_string());
    }
    app.post(&format!("/api/v1/records/{}/amendments", ids[0]), Some(&doctor.access), &json!({"notes": "BP 118/76", "reason": "typo"}))
        .await;
    app.sealed_head().await;
    let report = verify(&app).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.entries, 5, "the doctor's approval, 3 records, 1 amendment: {report:?}");
    Some((app, ids))
}

async fn tampering_is_caught_and_named(backend: Backend) {
    // Notes changed directly in SQL (the record, and a proven version).
    let Some((app, ids)) = written(backend).await else { return };
    exec(&app, &format!("UPDATE records SET notes = 'edited' WHERE id = '{}'", ids[1])).await;
    let r = verify(&app).await;
    assert!(r.problems.iter().any(|p| p.contains(&ids[1]) && p.contains("latest proven version")), "{:?}", r.problems);
    exec(&app, &format!("UPDATE record_versions SET title = 'edited' WHERE record_id = '{}'", ids[2])).await;
    let r = verify(&app).await;
    assert!(r.problems.iter().any(|p| p.contains(&ids[2]) && p.contains("record_created") && p.starts_with("entry ")), "{:?}", r.problems);

    // Who approved the doctor changed in SQL: the entry's content (account, change, role) still
    // matches the audit row, but the entry names another actor.
    exec(&app, "UPDATE audit_events SET actor_id = (SELECT id FROM users WHERE email = 'pat@example.org') WHERE action = 'approve'").await;
    let r = verify(&app).await;
    assert!(r.problems.iter().any(|p| p.contains("staff_approved") && p.contains("author, time or ids changed")), "{:?}", r.problems);

    // A row deleted from the log.
    let Some((app, _)) = written(backend).await else { return };
    exec(&app, "DELETE FROM ledger_entries WHERE idx = 3").await;
    let r = verify(&app).await;
    assert!(r.problems.iter().any(|p| p.contains("entry 3") && p.contains("missing")), "{:?}", r.problems);

    // Two entries swapped.
    let Some((app, _)) = written(backend).await else { return };
    exec(&app, "UPDATE ledger_entries SET idx = -1 WHERE idx = 2").await;
    exec(&app, "UPDATE ledger_entries SET idx = 2 WHERE idx = 3").await;
    exec(&app, "UPDATE ledger_entries SET idx = 3 WHERE idx = -1").await;
    let r = verify(&app).await;
    assert!(r.problems.iter().any(|p| p.starts_with("entry 2") && p.contains("swapped")), "{:?}", r.problems);

    // A block header edited.
    let Some((app, _)) = written(backend).await else { return };
    exec(&app, "UPDATE ledger_blocks SET tree_size = tree_size - 1 WHERE height = (SELECT MAX(height) FROM ledger_blocks)").await;
    let r = verify(&app).await;
    assert!(r.problems.iter().any(|p| p.starts_with("block ") && p.contains("edited")), "{:?}", r.problems);
    assert!(r.problems.iter().any(|p| p.starts_with("block ") && p.contains("signature")), "{:?}", r.problems);
}
dual!(tampering_is_caught_and_named);

async fn the_command_line_verifies_and_exports(backend: Backend) {
    let Some((app, ids)) = written(backend).await else { return };
    let run = |args: &[&str]| {
        let mut c = app.careledger(args);
        async move { c.output().await.unwrap() }
    };
    let ok = run(&["ledger", "verify"]).await;
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{out}");
    assert!(out.starts_with("ledger ok: 5 entries, "), "{out}");
    let head = run(&["ledger", "export-head"]).await;
    let json: Value = serde_json::from_slice(&head.stdout).unwrap();
    assert_eq!(json["tree_size"], 5);
    assert_eq!(json["public_key"].as_str().unwrap().len(), 64);
    exec(&app, &format!("UPDATE records SET title = 'Changed' WHERE id = '{}'", ids[0])).await;
    let bad = run(&["ledger", "verify"]).await;
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains(&ids[0]) && out.contains("ledger FAILED"), "{out}");
}
dual!(the_command_line_verifies_and_exports);

async fn two_copies_append_at_once_without_gaps(backend: Backend) {
    let app = app!(backend);
    let (admin, doctor, patient) = setup(&app).await;
    let doctor2 = app.doctor("doc2@example.org", &admin).await;
    let other = spawn_beside(&app, app.state.settings.database_url.expose().clone()).await;
    let mut tasks = Vec::new();
    let patient_id = patient.id.as_str();
    for (copy, who) in [(&app, &doctor), (&other, &doctor2), (&app, &doctor2), (&other, &doctor)] {
        for n in 0..10 {
            tasks.push(async move {
                let r = copy
                    .post(
                        "/api/v1/records",
                        Some(&who.access),
                        &json!({"patient_id": patient_id, "title": format!("Concurrent {n}"), "notes": ""}),
                    )
                    .await;
                assert_eq!(r.status, 201, "{}", r.text);
            });
        }
    }
    futures_join_all(tasks).await;
    other.sealed_head().await;
    let report = verify(&app).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.entries, 2 + 40, "2 doctor approvals, 40 records: {report:?}");
}
dual!(two_copies_append_at_once_without_gaps);

async fn futures_join_all<F: std::future::Future<Output = ()>>(tasks: Vec<F>) {
    let mut set = Vec::new();
    for t in tasks {
        set.push(Box::pin(t));
    }
    // Poll all together on this task.
    let mut pending: Vec<_> = set.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    done = false;
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
}

async fn staff_approvals_are_entries(backend: Backend) {
    let app = app!(backend);
    let (admin, _doctor, _) = setup(&app).await;
    let head = app.sealed_head().await;
    assert_eq!(head["tree_size"], 1, "one approval so far");
    let e = app.get("/api/v1/ledger/entries/0", Some(&admin.access)).await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert_eq!(e.body["kind"], "staff_approved");
    app.get("/api/v1/ledger/entries/99", Some(&admin.access)).await.assert_problem(404, "entry_not_found");
    app.get("/api/v1/ledger/entries/x", Some(&admin.access)).await.assert_problem(404, "entry_not_found");
}
dual!(staff_approvals_are_entries);

async fn files_are_stored_by_hash_and_checked_on_the_way_out(backend: Backend) {
    let app = app!(backend);
    let (admin, doctor, patient) = setup(&app).await;
    let other = app.patient("other@example.org").await;
    let rec = app.record(&doctor, &patient.id, "Chest X-ray", "imaging").await;
    let id = rec["id"].as_str().unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n".to_vec();
    let r = app.attach(&doctor.access, id, "../report \"final\".pdf", pdf.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&pdf));
    assert_eq!(r.body["sha256"], sha.as_str());
    assert_eq!(r.body["content_type"], "application/pdf");
    assert_eq!(r.body["size"], pdf.len());
    assert_eq!(r.body["filename"], "report \"final\".pdf");
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    assert_eq!(app.attach(&doctor.access, id, "scan.png", png).await.body["content_type"], "image/png");
    // Refusals: not the author, wrong type, empty, duplicate, too big, no file field.
    app.attach(&patient.access, id, "x.txt", b"hello".to_vec()).await.assert_problem(403, "forbidden");
    app.attach(&other.access, id, "x.txt", b"hello".to_vec()).await.assert_problem(403, "forbidden");
    app.attach(&doctor.access, id, "tool.exe", b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).await.assert_problem(415, "unsupported_media_type");
    app.attach(&doctor.access, id, "empty.txt", vec![]).await.assert_problem(422, "validation_failed");
    app.attach(&doctor.access, id, "again.pdf", pdf.clone()).await.assert_problem(409, "file_already_attached");
    app.attach(&doctor.access, id, "huge.txt", vec![b'a'; 26 * 1024 * 1024]).await.assert_problem(413, "payload_too_large");
    let r = app
        .http
        .post(app.url(&format!("/api/v1/records/{id}/files")))
        .bearer_auth(&doctor.access)
        .multipart(reqwest::multipart::Form::new().text("note", "no file"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The patient lists and downloads; someone else cannot.
    let list = app.get(&format!("/api/v1/records/{id}/files"), Some(&patient.access)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    let r = app.http.get(app.url(&format!("/api/v1/records/{id}/files/{sha}"))).bearer_auth(&patient.access).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    app.get(&format!("/api/v1/records/{id}/files/{sha}"), Some(&other.access)).await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/records/{id}/files/{}", "0".repeat(64)), Some(&patient.access)).await.assert_problem(404, "file_not_found");
    let report = verify(&app).await;
    assert!(report.ok(), "{:?}", report.problems);
    // Bytes changed on disk: refused, alerted, and named by verify.
    let path = app.data_dir.0.join("files").join("sealed").join(&patient.id).join(&sha);
    std::fs::write(&path, b"%PDF-1.4 tampered").unwrap();
    app.get(&format!("/api/v1/records/{id}/files/{sha}"), Some(&patient.access)).await.assert_problem(409, "file_integrity_failed");
    let alerts = app.get("/api/v1/admin/integrity-alerts", Some(&admin.access)).await;
    assert_eq!(alerts.status, 200, "{}", alerts.text);
    assert!(alerts.body[0]["subject_id"].as_str().unwrap().contains(&sha));
    app.get("/api/v1/admin/integrity-alerts", Some(&patient.access)).await.assert_problem(403, "forbidden");
    let report = verify(&app).await;
    assert!(
        report.problems.iter().any(|p| p.contains("file_attached") && p.contains(&sha) && p.contains("no longer match")),
        "{:?}",
        report.problems
    );
    // Who attached it changed in SQL: not in the attachment's content, but in its entry.
    exec(&app, &format!("UPDATE record_files SET uploaded_by = '{}' WHERE sha256 = '{sha}'", patient.id)).await;
    let report = verify(&app).await;
    assert!(report.problems.iter().any(|p| p.contains(&sha) && p.contains("author, time or ids changed")), "{:?}", report.problems);
}
dual!(files_are_stored_by_hash_and_checked_on_the_way_out);

async fn pages_show_the_proof_and_the_ledger(backend: Backend) {
    let app = app!(backend);
    let (_, doctor, patient) = setup(&app).await;
    let rec = app.record(&doctor, &patient.id, "Fracture follow-up", "visit").await;
    let id = rec["id"].as_str().unwrap();
    app.attach(&doctor.access, id, "xray.png", b"\x89PNG\r\n\x1a\nrest".to_vec()).await;
    let b = crate::helpers::sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url(&format!("/records/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Proof that this record was not altered") && html.contains(&format!("/records/{id}/proof")), "{html}");
    assert!(html.contains("xray.png"));
    let proof: Value = b.get(app.url(&format!("/records/{id}/proof"))).send().await.unwrap().json().await.unwrap();
    assert!(proof["leaf_index"].as_i64().is_some() && proof["audit_path"].is_array());
    let file_link = format!("/records/{id}/files/");
    let start = html.find(&file_link).unwrap();
    let href = html[start..].split('"').next().unwrap();
    let r = b.get(app.url(href)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    let admin = crate::helpers::sign_in(&app, "admin@clinic.test").await;
    let html = admin.get(app.url("/admin/ledger")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Blocks, newest first") && html.contains("Integrity alerts"), "{html}");
    assert_eq!(b.get(app.url("/admin/ledger")).send().await.unwrap().status(), 403);
}
dual!(pages_show_the_proof_and_the_ledger);

async fn the_generator_writes_proven_records(backend: Backend) {
    let dir = crate::helpers::TempDir::new();
    let Some(url) = crate::helpers::fresh_database(backend, &dir.0).await else { return };
    let run = |args: &[&str]| {
        let mut c = crate::helpers::careledger_on(&dir.0, &url, args);
        async move { c.output().await.unwrap() }
    };
    let out = run(&["demo", "--patients", "3", "--records-per-patient", "4"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("generated 3 patients and 12 records"), "{text}");
    // Again: the demo clinic is not loaded twice, and new patients get new addresses.
    assert!(run(&["demo", "--patients", "1", "--records-per-patient", "2"]).await.status.success());
    let verify = run(&["ledger", "verify"]).await;
    let text = String::from_utf8_lossy(&verify.stdout);
    // The sealer only runs in a server, so verify sees entries without blocks yet.
    assert!(
        verify.status.success() && text.starts_with("ledger ok: 65 entries"),
        "30 demo records, 3 allergies, 4 problems, 4 prescriptions, 3 lab orders, 1 result, 6 appointments + 12 + 2: {text} {verify:?}"
    );
}
dual!(the_generator_writes_proven_records);

async fn files_in_an_s3_compatible_store(backend: Backend) {
    let Some((mut moto, options)) = crate::helpers::s3_bucket("careledger-test").await else { return };
    let Some(app) = crate::helpers::spawn_configured(backend, crate::helpers::Options::default(), |s| {
        s.file_store = Some(careledger::config::FileStoreSettings {
            url: "s3://careledger-test/clinic-files".into(),
            options: careledger::config::Secret::new(options.clone()),
        });
    })
    .await
    else {
        let _ = moto.kill();
        return;
    };
    let (_, doctor, patient) = setup(&app).await;
    let rec = app.record(&doctor, &patient.id, "Echocardiogram", "imaging").await;
    let id = rec["id"].as_str().unwrap();
    let text = b"LVEF 60%, no regional wall motion abnormality.".to_vec();
    let r = app.attach(&doctor.access, id, "echo.txt", text.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let sha = r.body["sha256"].as_str().unwrap().to_string();
    // It comes back checked, and it lives in the bucket, not the local folder.
    assert!(!app.data_dir.0.join("files").join("sealed").exists(), "not in the local folder");
    let r = app.http.get(app.url(&format!("/api/v1/records/{id}/files/{sha}"))).bearer_auth(&patient.access).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), text);
    assert!(verify(&app).await.ok());
    // Changed in the bucket behind careledger's back: refused and reported.
    let bucket = careledger::files::FileStore::from_url("s3://careledger-test/clinic-files", &options).unwrap();
    bucket.put_sealed(patient.id.parse().unwrap(), &sha, b"LVEF 20%".to_vec()).await.unwrap();
    app.get(&format!("/api/v1/records/{id}/files/{sha}"), Some(&patient.access)).await.assert_problem(409, "file_integrity_failed");
    assert!(verify(&app).await.problems.iter().any(|p| p.contains(&sha)));
    let _ = moto.kill();
    let _ = moto.wait();
}
dual!(files_in_an_s3_compatible_store);

async fn reads_never_seal_or_sign(backend: Backend) {
    // A sealer that ticks once an hour: only its first tick (at start, on an empty log) ran.
    let Some(app) = crate::helpers::spawn_configured(backend, crate::helpers::Options::default(), |s| s.ledger_block_ms = 3_600_000).await
    else {
        return;
    };
    let (_, doctor, patient) = setup(&app).await;
    let id = app.record(&doctor, &patient.id, "Asthma review", "visit").await["id"].as_str().unwrap().to_string();
    let blocks =
        || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ledger_blocks").fetch_one(&app.state.db.pool).await.unwrap() };
    // Heads and block lists read what is signed: nothing, and they sign nothing.
    app.get("/api/v1/ledger/head", None).await.assert_problem(404, "ledger_empty");
    assert_eq!(app.get("/api/v1/ledger/blocks", None).await.body["items"], json!([]));
    // A proof of the unsealed record waits for the sealer; when none comes in time it says so
    // (the clock moves past the wait instead of the test sleeping through it).
    let (http, url, token) = (app.http.clone(), app.url(&format!("/api/v1/records/{id}/proof")), patient.access.clone());
    let pending = tokio::spawn(async move { http.get(url).bearer_auth(token).send().await.unwrap() });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.clock.advance(chrono::Duration::minutes(5));
    let r = pending.await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1", "an expected wait, not a failure: try again after a tick");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "not_sealed_yet", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("being sealed"), "{body}");
    // The record's page says the same to a browser (not "something went wrong").
    let b = crate::helpers::sign_in(&app, "pat@example.org").await;
    let (page_url, page_client, clock) = (app.url(&format!("/records/{id}")), b.clone(), app.clock.clone());
    let page = tokio::spawn(async move { page_client.get(page_url).send().await.unwrap() });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    clock.advance(chrono::Duration::minutes(5));
    let r = page.await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (503, "1"));
    let html = r.text().await.unwrap();
    assert!(html.contains("being sealed") && !html.contains("went wrong"), "{html}");
    assert_eq!(blocks().await, 0, "no read sealed or signed a block");
    // Once the sealer has run, the same proof answers.
    careledger::ledger::service::seal_now(&app.state).await.unwrap();
    assert_eq!(blocks().await, 1);
    let fresh = app.login("pat@example.org").await;
    let proof = app.get(&format!("/api/v1/records/{id}/proof"), Some(&fresh.access)).await;
    assert_eq!(proof.status, 200, "{}", proof.text);
}
dual!(reads_never_seal_or_sign);
