//! Field encryption (issue 11, item 6): record text, amendment text, file names and bytes are
//! sealed under per-patient data keys; nothing of them is readable in the database's files,
//! its WAL or the file store; search goes through the blind index; rows earlier releases wrote
//! in clear are sealed by the upgrade; `careledger keys rotate` re-wraps every data key while
//! the server runs, and an interrupted rotation leaves everything readable and finishes on a
//! second run.

use serde_json::json;

use crate::helpers::{Backend, Session, TestApp, spawn_beside};
use crate::{app, dual};

const TITLE: &str = "Quokkafinch syndrome review";
const NOTES: &str = "Marmalodont titre rising; start zebravir twice daily.";
const AMENDED: &str = "Pangolimab dose halved after review.";
const REASON: &str = "Ocelotrine interaction found";
const FILE: &[u8] = b"Narwhaltapir antibody panel: negative.";
const FILE_NAME: &str = "vireoscan-report.txt";
const REFERRAL: &str = "Griffonella workup, please see soon";
const EMERGENCY: &str = "Unconscious, Hippogrifoma suspected, no history on hand";
/// Every secret above, as bytes, for the greps.
const SECRETS: [&str; 8] =
    ["Quokkafinch", "Marmalodont", "Pangolimab", "Ocelotrine", "Narwhaltapir", "vireoscan", "Griffonella", "Hippogrifoma"];

async fn setup(app: &TestApp) -> (Session, Session, Session) {
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    (admin, doctor, patient)
}

/// A record with notes, amended, with a file: every kind of sealed text.
async fn full_record(app: &TestApp, doctor: &Session, patient: &Session) -> String {
    let r = app
        .post(
            "/api/v1/records",
            Some(&doctor.access),
            &json!({"patient_id": patient.id, "title": TITLE, "notes": NOTES, "record_type": "lab_result"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = app.post(&format!("/api/v1/records/{id}/amendments"), Some(&doctor.access), &json!({"notes": AMENDED, "reason": REASON})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app.attach(&doctor.access, &id, FILE_NAME, FILE.to_vec()).await;
    assert_eq!(r.status, 201);
    // The care team's free text: a referral's reason and an emergency access's.
    let admin = app.login("admin@clinic.test").await;
    let colleague = app.doctor("colleague@example.org", &admin).await;
    let er = app.doctor("er@example.org", &admin).await;
    let r = app
        .post(
            &format!("/api/v1/patients/{}/care-team", patient.id),
            Some(&doctor.access),
            &json!({"doctor_id": colleague.id, "reason": REFERRAL}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app.post(&format!("/api/v1/patients/{}/emergency-access", patient.id), Some(&er.access), &json!({"reason": EMERGENCY})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    id
}

/// Reads the record back through the API as the patient: everything in clear.
async fn reads_back(app: &TestApp, patient: &Session, id: &str) {
    let r = app.get(&format!("/api/v1/records/{id}"), Some(&patient.access)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!((r.body["title"].as_str(), r.body["notes"].as_str()), (Some(TITLE), Some(AMENDED)));
    let v = app.get(&format!("/api/v1/records/{id}/versions"), Some(&patient.access)).await;
    assert_eq!(v.body[0]["notes"], NOTES, "{}", v.text);
    assert_eq!(v.body[1]["reason"], REASON, "{}", v.text);
    let files = app.get(&format!("/api/v1/records/{id}/files"), Some(&patient.access)).await;
    assert_eq!(files.body[0]["filename"], FILE_NAME, "{}", files.text);
    // The reasons read back in clear where they are shown.
    let team = app.get(&format!("/api/v1/patients/{}/care-team", patient.id), Some(&patient.access)).await;
    let reasons: Vec<&str> = team.body["items"].as_array().unwrap().iter().map(|m| m["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains(&REFERRAL) && reasons.contains(&EMERGENCY), "{}", team.text);
    let sha = files.body[0]["sha256"].as_str().unwrap();
    let r = app.http.get(app.url(&format!("/api/v1/records/{id}/files/{sha}"))).bearer_auth(&patient.access).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), FILE);
    // Search by a word and by a prefix, through the blind index, in the current text (the
    // notes of version 1 were amended away).
    for (q, n) in [("pangolimab", 1), ("QUOKKA", 1), ("halved%20dose", 1), ("marmalodont", 0)] {
        let found = app.get(&format!("/api/v1/records?q={q}"), Some(&patient.access)).await;
        assert_eq!(found.body["items"].as_array().map(Vec::len), Some(n), "q={q}: {}", found.text);
    }
}

/// Every file under a folder, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let lower: Vec<u8> = haystack.to_ascii_lowercase();
    lower.windows(needle.len()).any(|w| w == needle.to_ascii_lowercase().as_bytes())
}

/// No secret in the file store, nor (SQLite) in the database file or its WAL; on PostgreSQL,
/// none in any column of the tables that hold them.
async fn nothing_in_clear(app: &TestApp, backend: Backend) {
    let data = &app.data_dir.0;
    let mut looked = 0;
    let mut paths = files_under(&data.join("files"));
    if backend == Backend::Sqlite {
        for f in ["careledger.db", "careledger.db-wal"] {
            let p = data.join(f);
            assert!(p.exists(), "{} exists", p.display());
            paths.push(p);
        }
    }
    for p in &paths {
        let bytes = std::fs::read(p).unwrap();
        looked += bytes.len();
        for s in SECRETS {
            assert!(!contains(&bytes, s), "{s} found in clear in {}", p.display());
        }
    }
    // The sealed blob at least (and on SQLite the database and its WAL).
    let least = if backend == Backend::Sqlite { 10_000 } else { FILE.len() };
    assert!(looked > least, "the greps read real files ({looked} bytes)");
    for sql in [
        "SELECT title || ' ' || notes AS t FROM records",
        "SELECT title || ' ' || notes || ' ' || reason AS t FROM record_versions",
        "SELECT filename AS t FROM record_files",
        "SELECT term AS t FROM record_terms",
        "SELECT reason AS t FROM care_team",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&app.state.db.pool).await.unwrap();
        assert!(!rows.is_empty(), "{sql}");
        for row in rows {
            for s in SECRETS {
                assert!(!contains(row.as_bytes(), s), "{s} in clear: {sql}");
            }
        }
    }
}

async fn nothing_is_stored_in_clear(backend: Backend) {
    let app = app!(backend);
    let (_, doctor, patient) = setup(&app).await;
    let id = full_record(&app, &doctor, &patient).await;
    // The WAL as the writes left it (no checkpoint asked for): it must hold only ciphertext.
    nothing_in_clear(&app, backend).await;
    reads_back(&app, &patient, &id).await;
    // The patient's data key is stored wrapped, not as the key.
    let wrapped: Vec<String> = sqlx::query_scalar("SELECT wrapped_key FROM patient_keys").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(wrapped.len(), 1);
    assert!(wrapped[0].starts_with("v1:"));
    // Another patient's search does not find this patient's words, and a doctor off the care
    // team finds nothing either.
    let other = app.patient("other@example.org").await;
    let r = app.get("/api/v1/records?q=pangolimab", Some(&other.access)).await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(0), "{}", r.text);
    // The ledger still verifies (it proves the clear text the rows open to).
    let report = app.verify().await;
    assert!(report.ok(), "{:?}", report.problems);
    // Sealed text moved to another record does not open there: verify names it.
    let second = app.record(&doctor, &patient.id, "Other", "visit").await["id"].as_str().unwrap().to_string();
    let notes: String = sqlx::query_scalar("SELECT notes FROM record_versions WHERE record_id = $1 AND version = 1")
        .bind(&id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE record_versions SET notes = $1 WHERE record_id = $2")
        .bind(&notes)
        .bind(&second)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let report = app.verify().await;
    assert!(report.problems.iter().any(|p| p.contains(&second)), "{:?}", report.problems);
}
dual!(nothing_is_stored_in_clear);

async fn rows_written_in_clear_before_are_sealed_by_the_upgrade(backend: Backend) {
    let app = app!(backend);
    let (_, doctor, patient) = setup(&app).await;
    let id = full_record(&app, &doctor, &patient).await;
    let pool = &app.state.db.pool;
    let sha: String = sqlx::query_scalar("SELECT sha256 FROM record_files").fetch_one(pool).await.unwrap();
    // Put the data as the release before this one left it: text in clear (sealed = 0), no
    // data key, no blind index, the file in clear under its hash in the store's root.
    sqlx::query("UPDATE records SET title = $1, notes = $2, sealed = 0").bind(TITLE).bind(AMENDED).execute(pool).await.unwrap();
    sqlx::query("UPDATE record_versions SET title = $1, notes = $2, reason = '', sealed = 0 WHERE version = 1")
        .bind(TITLE)
        .bind(NOTES)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE record_versions SET title = $1, notes = $2, reason = $3, sealed = 0 WHERE version = 2")
        .bind(TITLE)
        .bind(AMENDED)
        .bind(REASON)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE record_files SET filename = $1, sealed = 0").bind(FILE_NAME).execute(pool).await.unwrap();
    sqlx::query("UPDATE care_team SET reason = $1, sealed = 0 WHERE how = 'referral'").bind(REFERRAL).execute(pool).await.unwrap();
    sqlx::query("UPDATE care_team SET reason = $1, sealed = 0 WHERE how = 'emergency'").bind(EMERGENCY).execute(pool).await.unwrap();
    sqlx::query("DELETE FROM record_terms").execute(pool).await.unwrap();
    sqlx::query("DELETE FROM patient_keys").execute(pool).await.unwrap();
    let files = app.data_dir.0.join("files");
    std::fs::remove_dir_all(files.join("sealed")).unwrap();
    std::fs::create_dir_all(files.join(&sha[..2])).unwrap();
    std::fs::write(files.join(&sha[..2]).join(&sha), FILE).unwrap();
    // Rows in clear are still served (a copy of the earlier release may be writing them
    // during a rolling upgrade).
    let r = app.get(&format!("/api/v1/records/{id}"), Some(&patient.access)).await;
    assert_eq!(r.body["notes"], AMENDED, "{}", r.text);
    // A copy of this release starting seals them, and scrubs what the clear rows left.
    let upgraded = spawn_beside(&app, app.state.settings.database_url.expose().clone()).await;
    let unsealed: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM records WHERE sealed = 0) + (SELECT COUNT(*) FROM record_versions WHERE sealed = 0) \
         + (SELECT COUNT(*) FROM record_files WHERE sealed = 0)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(unsealed, 0);
    assert!(!files.join(&sha[..2]).join(&sha).exists(), "the clear blob is gone");
    nothing_in_clear(&upgraded, backend).await;
    reads_back(&upgraded, &patient, &id).await;
    let report = upgraded.verify().await;
    assert!(report.ok(), "{:?}", report.problems);
}
dual!(rows_written_in_clear_before_are_sealed_by_the_upgrade);

fn master_ids(app: &TestApp) -> Vec<String> {
    app.state.vault.key_ids()
}

fn ring_lines(app: &TestApp) -> usize {
    let text = std::fs::read_to_string(app.data_dir.0.join("keys").join("master.key")).unwrap();
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).count()
}

async fn key_rotation_runs_beside_the_server_and_resumes(backend: Backend) {
    let app = app!(backend);
    let (_, doctor, first) = setup(&app).await;
    let mut patients = vec![first];
    for n in 0..3 {
        patients.push(app.patient(&format!("p{n}@example.org")).await);
    }
    let mut ids = Vec::new();
    for p in &patients {
        let r = app.post("/api/v1/records", Some(&doctor.access), &json!({"patient_id": p.id, "title": TITLE, "notes": NOTES})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_string());
    }
    let old = master_ids(&app);
    assert_eq!(old.len(), 1);
    let url = app.state.settings.database_url.expose().clone();
    // Awaited, not blocking: the server under test runs on this test's runtime, and a write it
    // had begun must be able to commit while the command runs beside it.
    let rotate = |extra: &[&str]| {
        let args: Vec<&str> = ["keys", "rotate", "--batch-size", "1", "--settle-ms", "300"].iter().chain(extra).copied().collect();
        let mut c = app.careledger(&args);
        async move { c.output().await }
    };
    // Interrupted after one data key of four.
    let out = rotate(&["--stop-after-batches", "1"]).await.unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(ring_lines(&app), 2, "new key first, old key kept");
    let under: Vec<(String, i64)> = sqlx::query_as("SELECT master_key_id, COUNT(*) FROM patient_keys GROUP BY master_key_id ORDER BY 2")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(under.len(), 2, "half-way: {under:?}");
    assert_eq!(under[0].1, 1);
    // The running server reads every record, whichever key wraps its patient's data key.
    for (p, id) in patients.iter().zip(&ids) {
        let r = app.get(&format!("/api/v1/records/{id}"), Some(&p.access)).await;
        assert_eq!((r.status.as_u16(), r.body["notes"].as_str()), (200, Some(NOTES)), "{}", r.text);
    }
    // A patient's first record now gets a data key wrapped under the new key.
    let late = app.patient("late@example.org").await;
    let r = app.post("/api/v1/records", Some(&doctor.access), &json!({"patient_id": late.id, "title": "Late", "notes": NOTES})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let new_id = master_ids(&app)[0].clone();
    assert_ne!(new_id, old[0]);
    let late_key: String = sqlx::query_scalar("SELECT master_key_id FROM patient_keys WHERE patient_id = $1")
        .bind(&late.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(late_key, new_id);
    // Run again: it finishes without making yet another key, and retires the old one.
    let out = rotate(&[]).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("3 data keys re-wrapped") && stdout.contains(&new_id), "{stdout}");
    assert_eq!(ring_lines(&app), 1);
    let ids_left: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT master_key_id FROM patient_keys").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(ids_left, vec![new_id.clone()]);
    // A copy started now holds only the new key, and reads everything.
    let fresh = spawn_beside(&app, url.clone()).await;
    assert_eq!(master_ids(&fresh), vec![new_id]);
    for (p, id) in patients.iter().zip(&ids) {
        let r = fresh.get(&format!("/api/v1/records/{id}"), Some(&p.access)).await;
        assert_eq!((r.status.as_u16(), r.body["notes"].as_str()), (200, Some(NOTES)), "{}", r.text);
    }
    let verify = app.careledger(&["ledger", "verify"]).output().await.unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}
dual!(key_rotation_runs_beside_the_server_and_resumes);

async fn a_lost_key_file_is_refused_not_replaced(backend: Backend) {
    let app = app!(backend);
    let (_, doctor, patient) = setup(&app).await;
    full_record(&app, &doctor, &patient).await;
    let keys = app.data_dir.0.join("keys");
    let run = |args: &[&str]| {
        let mut c = app.careledger(args);
        async move { c.output().await.unwrap() }
    };
    for lost in ["master.key", "search-index.key"] {
        let saved = std::fs::read(keys.join(lost)).unwrap();
        std::fs::remove_file(keys.join(lost)).unwrap();
        // A server does not start (it would answer every read with an error and wrap new data
        // keys under a key the other copies lack), and no tool makes a key in its place.
        let out = run(&["serve", "--listen", "127.0.0.1:0"]).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{lost}: {err}");
        assert!(err.contains(lost) && err.contains("missing") && err.contains("restore"), "{lost}: {err}");
        // `ledger verify` needs the master key (not the index's): without it, it fails.
        let out = run(&["ledger", "verify"]).await;
        if lost == "master.key" {
            assert_eq!(out.status.code(), Some(1), "{lost}: {}", String::from_utf8_lossy(&out.stdout));
        }
        assert!(!keys.join(lost).exists(), "{lost} was not made anew");
        std::fs::write(keys.join(lost), saved).unwrap();
    }
    // A keyring that lacks the key data keys are wrapped under: refused, naming the key.
    let ring = std::fs::read_to_string(keys.join("master.key")).unwrap();
    std::fs::write(keys.join("master.key"), format!("{}\n", "cd".repeat(32))).unwrap();
    let out = run(&["serve", "--listen", "127.0.0.1:0"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&app.state.vault.key_ids()[0]) && err.contains("does not hold"), "{err}");
    std::fs::write(keys.join("master.key"), ring).unwrap();
    let out = run(&["ledger", "verify"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
dual!(a_lost_key_file_is_refused_not_replaced);

async fn a_master_key_from_the_environment_or_a_file(backend: Backend) {
    // Given in CARELEDGER_MASTER_KEY (keys themselves), rotation needs the new key first.
    let app = app!(backend);
    let key = "ab".repeat(32);
    let out = app.careledger(&["keys", "rotate"]).env("CARELEDGER_MASTER_KEY", &key).output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CARELEDGER_MASTER_KEY=<new>,<old>"), "{}", String::from_utf8_lossy(&out.stderr));
    // A key file that is not a key refuses to start, naming the file (never its content).
    let bad = app.data_dir.0.join("bad.key");
    std::fs::write(&bad, "not a key").unwrap();
    let out = app.careledger(&["keys", "rotate", "--master-key-file", bad.to_str().unwrap()]).output().await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.key") && !err.contains("not a key"), "{err}");
    // The default key file is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(app.data_dir.0.join("keys").join("master.key")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
dual!(a_master_key_from_the_environment_or_a_file);
