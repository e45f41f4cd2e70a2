//! Backups that move a clinic between databases (issue 14, item 2): `careledger backup` while
//! records are being written, `careledger restore` of it into a new PostgreSQL database with a
//! copy of the clinic's key files, and every row, file, proof and the ledger still checking
//! there; a truncated, altered or foreign backup refused before anything is written.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::helpers::{Backend, TempDir, careledger_on, fresh_database, spawn_app, spawn_on};

/// Rows per table, as a backup file lists them.
fn rows_in(backup: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    let mut table = String::new();
    for line in backup.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if let Some(t) = v["table"].as_str() {
            table = t.to_string();
            counts.insert(table.clone(), 0);
        } else if v.get("row").is_some() {
            *counts.get_mut(&table).unwrap() += 1;
        }
    }
    counts
}

/// A new data directory holding a copy of `from`'s key files (what a restore needs).
fn with_keys_of(from: &std::path::Path) -> TempDir {
    let dir = TempDir::new();
    let keys = dir.0.join("keys");
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700).create(&keys).unwrap();
    for entry in std::fs::read_dir(from.join("keys")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), keys.join(entry.file_name())).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_clinic_moves_from_sqlite_to_postgres_through_a_backup() {
    let Some(app) = spawn_app(Backend::Sqlite).await else { return };
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    let record = app.record(&doc, &pat.id, "Knee pain", "visit").await;
    let record_id = record["id"].as_str().unwrap().to_string();
    let r = app.attach(&doc.access, &record_id, "scan.txt", b"an MRI report".to_vec()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.get(&format!("/api/v1/records/{record_id}"), Some(&pat.access)).await;
    // Audit rows reach the database within a second (each copy journals them first).
    app.state.audit.flush().await.unwrap();

    // Another application's table in the same database is not careledger's to back up.
    sqlx::query("CREATE TABLE other_app (id INTEGER)").execute(&app.state.db.pool).await.unwrap();
    // The backup, while the doctor keeps writing.
    let file = app.data_dir.0.join("clinic.backup");
    let done = std::sync::atomic::AtomicBool::new(false);
    let backup = async {
        let out = app.careledger(&["backup", "--out", file.to_str().unwrap()]).output().await.unwrap();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        out
    };
    let writes = async {
        let mut n = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            app.record(&doc, &pat.id, &format!("Follow-up {n}"), "note").await;
            n += 1;
        }
        n
    };
    let (out, written) = tokio::join!(backup, writes);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("backup ok:"), "{stdout}");
    assert!(written > 0, "records were written during the backup");
    let text = std::fs::read_to_string(&file).unwrap();
    let in_backup = rows_in(&text);
    assert!(in_backup["records"] >= 1 && in_backup["users"] == 3 && in_backup["audit_log"] > 0, "{in_backup:?}");
    assert!(text.contains("\"file\":\"sealed/"), "the attached file is in the backup");
    assert!(!text.contains("other_app"), "only careledger's tables");
    assert!(!text.contains("an MRI report") && !text.contains("Knee pain"), "rows and files stay encrypted as at rest");
    // The health page knows.
    let status = app.get("/api/v1/admin/status", Some(&admin.access)).await;
    assert_eq!(status.body["last_backup"]["ok"], true, "{}", status.text);

    // Restored into a new PostgreSQL database, with a copy of the key files and a new file store.
    let target = with_keys_of(&app.data_dir.0);
    let Some(url) = fresh_database(Backend::Postgres, &target.0).await else { return };
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE other_app (id INTEGER)").execute(&mut conn).await.unwrap();
        sqlx::query("INSERT INTO other_app (id) VALUES (1)").execute(&mut conn).await.unwrap();
    }
    let out = careledger_on(&target.0, &url, &["restore", "--from", file.to_str().unwrap()]).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("restored:") && stdout.contains("ledger ok:"), "{stdout}");

    // Every table holds what the backup held (counted before any server runs on it).
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        for (table, n) in &in_backup {
            let here: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{table}\""))).fetch_one(&mut conn).await.unwrap();
            assert_eq!(here as u64, *n, "{table}");
        }
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM other_app").fetch_one(&mut conn).await.unwrap();
        assert_eq!(kept, 1, "another application's table is left as it was");
    }
    // A server on it: the patient signs in and reads the record, its file and its proof.
    let moved = spawn_on(Backend::Postgres, Arc::new(target), url.clone(), Default::default()).await;
    let pat2 = moved.login("pat@example.org").await;
    let r = moved.get(&format!("/api/v1/records/{record_id}"), Some(&pat2.access)).await;
    assert_eq!((r.status.as_u16(), r.body["title"].as_str()), (200, Some("Knee pain")), "{}", r.text);
    let files = moved.get(&format!("/api/v1/records/{record_id}/files"), Some(&pat2.access)).await;
    let sha = files.body[0]["sha256"].as_str().unwrap_or_default().to_string();
    let got =
        moved.http.get(moved.url(&format!("/api/v1/records/{record_id}/files/{sha}"))).bearer_auth(&pat2.access).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"an MRI report");
    let proof = moved.get(&format!("/api/v1/records/{record_id}/proof"), Some(&pat2.access)).await;
    assert_eq!(proof.status, 200, "{}", proof.text);

    // Refused: into a database that is not empty.
    let out = careledger_on(&moved.data_dir.0, &url, &["restore", "--from", file.to_str().unwrap()]).output().await.unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stdout).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Refused before writing anything: truncated, altered, or made with other keys.
    let cut = app.data_dir.0.join("cut.backup");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let changed = app.data_dir.0.join("changed.backup");
    // A table's line changed, the rest untouched.
    let forged = text.replacen("\"table\":\"users\"", "\"table\":\"users\",\"x\":1", 1);
    assert_ne!(forged, text);
    std::fs::write(&changed, forged).unwrap();
    let altered_row = {
        // One character of a row changed (a row line: its first value).
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let i = lines.iter().position(|l| l.starts_with("{\"row\":[\"")).unwrap();
        lines[i] = lines[i].replacen("[\"", "[\"x", 1);
        let p = app.data_dir.0.join("row.backup");
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        p
    };
    let stranger = TempDir::new();
    for (dir, path, why) in [
        (with_keys_of(&app.data_dir.0), &cut, "truncated"),
        (with_keys_of(&app.data_dir.0), &altered_row, "altered"),
        (with_keys_of(&app.data_dir.0), &changed, "altered"),
    ] {
        let Some(url) = fresh_database(Backend::Postgres, &dir.0).await else { return };
        let out = careledger_on(&dir.0, &url, &["restore", "--from", path.to_str().unwrap()]).output().await.unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(!out.status.success() && said.contains(why), "{why}: {said}{}", String::from_utf8_lossy(&out.stderr));
        let restored = spawn_on(Backend::Postgres, Arc::new(dir), url, Default::default()).await;
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&restored.state.db.pool).await.unwrap();
        assert_eq!(users, 0, "{why}: nothing was restored");
    }
    // A data directory with other keys: no ledger key at all, then keys of another clinic.
    let Some(url) = fresh_database(Backend::Sqlite, &stranger.0).await else { return };
    let out = careledger_on(&stranger.0, &url, &["restore", "--from", file.to_str().unwrap()]).output().await.unwrap();
    assert!(!out.status.success(), "no keys: {}", String::from_utf8_lossy(&out.stdout));
    let other = spawn_app(Backend::Sqlite).await.unwrap();
    let other_dir = with_keys_of(&other.data_dir.0);
    let Some(url) = fresh_database(Backend::Sqlite, &other_dir.0).await else { return };
    let out = careledger_on(&other_dir.0, &url, &["restore", "--from", file.to_str().unwrap()]).output().await.unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!out.status.success() && said.contains("other keys"), "{said}");
}
