//! Backups that move a clinic between databases (issue 14, item 2): `careledger backup` while
//! records are being written, `careledger restore` of it into a new PostgreSQL database with a
//! copy of the clinic's key files, and every row, file, proof and the ledger still checking
//! there; a truncated, altered or foreign backup refused before anything is written.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::dual;
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

/// The clinic's backup key, as a restore derives it from the data directory's ledger key.
fn clinic_key(app: &crate::helpers::TestApp) -> Vec<u8> {
    let seed = careledger::keys::load_existing_secret(&app.data_dir.0, "ledger-signing.key").unwrap().unwrap();
    careledger::backup::backup_key(seed.expose()).unwrap()
}

/// A schedule of one backup an hour, keeping `keep`, looked at every 50 ms.
fn hourly(keep: u32, to: careledger::config::BackupTarget) -> careledger::config::BackupPlan {
    careledger::config::BackupPlan {
        every: std::time::Duration::from_secs(3600),
        keep,
        to,
        check_every: std::time::Duration::from_millis(50),
    }
}

/// Waits (up to 30 s) until `done` says so, and returns its last answer.
async fn until<T, F: std::future::Future<Output = Option<T>>>(what: &str, mut done: impl FnMut() -> F) -> T {
    for _ in 0..600 {
        if let Some(t) = done().await {
            return t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("gave up waiting: {what}");
}

/// Waits until a backup newer than `after` is recorded (the file is in place a moment before its
/// result is), and returns its time: the clock must not move before then, or the schedule would
/// count the next one from the moved clock.
async fn recorded_after(app: &crate::helpers::TestApp, after: Option<String>) -> String {
    until("the backup's result", || {
        let after = after.clone();
        async move {
            let last = careledger::health::last_check(&app.state.db, "backup").await.unwrap()?;
            (Some(&last.at) != after.as_ref()).then_some(last.at)
        }
    })
    .await
}

/// The scheduled backups in a store, oldest first.
async fn scheduled(store: &Arc<dyn object_store::ObjectStore>) -> Vec<String> {
    careledger::backup::schedule::list(store).await.unwrap()
}

async fn the_server_takes_backups_on_schedule_and_keeps_the_newest(backend: Backend) {
    let folder = TempDir::new();
    let to = folder.0.join("backups");
    let plan = hourly(2, careledger::config::BackupTarget::Folder(to.clone()));
    let Some(app) = crate::helpers::spawn_configured(backend, crate::helpers::Options::default(), |s| s.backups = Some(plan)).await else {
        return;
    };
    let store = careledger::backup::schedule::open_target(&careledger::config::BackupTarget::Folder(to.clone())).unwrap();
    // Other files in the folder are never touched.
    std::fs::write(to.join("notes.txt"), "the clinic's own notes").unwrap();
    std::fs::write(to.join("careledger-before-upgrade.backup"), "a backup made by hand").unwrap();
    // What a copy killed in the middle of a backup left: removed with the next rotation.
    std::fs::write(to.join("careledger-20261127T000000Z.backup#1"), "half a backup").unwrap();
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    app.record(&doc, &pat.id, "Knee pain", "visit").await;

    // None existed: the first is taken at start, and shows on the health page.
    let first = until("the first scheduled backup", || async { scheduled(&store).await.first().cloned() }).await;
    let status = until("the backup's result", || async {
        let r = app.get("/api/v1/admin/status", Some(&admin.access)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body.get("last_backup").is_some().then_some(r.body)
    })
    .await;
    let path = to.join(&first);
    assert_eq!(status["last_backup"]["ok"], true, "{status}");
    assert_eq!(status["last_backup"]["size"].as_u64(), Some(std::fs::metadata(&path).unwrap().len()), "{status}");
    assert!(status["last_backup"]["detail"].as_str().unwrap().contains(&first), "{status}");
    let plan = &status["backup_schedule"];
    assert_eq!((plan["every_hours"].as_f64(), plan["keep"].as_u64()), (Some(1.0), Some(2)), "{status}");
    assert_eq!(plan["to"], to.display().to_string());
    assert!(plan["next_at"].as_str().unwrap() > status["last_backup"]["at"].as_str().unwrap(), "{status}");
    // It is a whole backup under the clinic's key.
    let header = careledger::backup::check(&path, &clinic_key(&app)).await.unwrap().expect("a complete backup");
    assert_eq!(header["format"], "careledger-backup");

    // Not again within the hour, though every copy looks every 50 ms.
    let at = recorded_after(&app, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(scheduled(&store).await, vec![first.clone()]);
    // An hour later, a second; another hour, a third, and the oldest goes (two are kept).
    app.clock.advance(chrono::Duration::minutes(61));
    until("the second backup", || async { (scheduled(&store).await.len() == 2).then_some(()) }).await;
    recorded_after(&app, Some(at)).await;
    app.clock.advance(chrono::Duration::minutes(61));
    let kept = until("the third backup and the first deleted", || async {
        let names = scheduled(&store).await;
        (names.len() == 2 && !names.contains(&first)).then_some(names)
    })
    .await;
    assert!(kept.iter().all(|n| n > &first), "{kept:?}");
    assert!(to.join("notes.txt").exists() && to.join("careledger-before-upgrade.backup").exists(), "other files stay");
    assert!(!to.join("careledger-20261127T000000Z.backup#1").exists(), "a cut-short attempt's staging file is gone");

    // A backup that cannot be written is a failure admins see, with the last good one.
    std::fs::remove_dir_all(&to).unwrap();
    std::fs::write(&to, "a file where the folder was").unwrap();
    app.clock.advance(chrono::Duration::minutes(61));
    // Three hours on the clock: the admin's access token has expired.
    let admin = app.login("admin@clinic.test").await;
    let status = until("the failure's report", || async {
        let r = app.get("/api/v1/admin/status", Some(&admin.access)).await;
        (r.body["last_backup"]["ok"] == false).then_some(r.body)
    })
    .await;
    assert!(status["last_backup"]["detail"].as_str().unwrap().contains("failed"), "{status}");
    assert_eq!(status["last_good_backup"]["ok"], true, "{status}");
    let b = crate::helpers::sign_in(&app, "admin@clinic.test").await;
    let html = b.get(app.url("/admin/status")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("FAILED") && html.contains("Last good backup") && html.contains("Every 1 h, keeping the newest 2"), "{html}");
    // The metric Prometheus alerts on still says when the clinic last had a good backup.
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let line = metrics.lines().find(|l| l.starts_with("careledger_last_backup_timestamp_seconds")).unwrap().to_string();
    assert!(!line.ends_with(" 0"), "{line}");
}
dual!(the_server_takes_backups_on_schedule_and_keeps_the_newest);

async fn scheduled_backups_go_to_an_s3_compatible_store(backend: Backend) {
    let Some((mut moto, options)) = crate::helpers::s3_bucket("clinic-backups").await else { return };
    let target = careledger::config::BackupTarget::Store(careledger::config::FileStoreSettings {
        url: "s3://clinic-backups/nightly".into(),
        options: careledger::config::Secret::new(options.clone()),
    });
    let plan = hourly(1, target.clone());
    let Some(app) = crate::helpers::spawn_configured(backend, crate::helpers::Options::default(), |s| s.backups = Some(plan)).await else {
        let _ = moto.kill();
        return;
    };
    let store = careledger::backup::schedule::open_target(&target).unwrap();
    let first = until("the first backup in the bucket", || async { scheduled(&store).await.first().cloned() }).await;
    recorded_after(&app, None).await;
    app.clock.advance(chrono::Duration::minutes(61));
    let names = until("the second, and the first deleted", || async {
        let names = scheduled(&store).await;
        (names.len() == 1 && names[0] != first).then_some(names)
    })
    .await;
    // What the bucket holds is a whole backup under the clinic's key.
    use object_store::ObjectStoreExt;
    let bytes = store.get(&object_store::path::Path::from(names[0].as_str())).await.unwrap().bytes().await.unwrap();
    let copy = app.data_dir.0.join("downloaded.backup");
    std::fs::write(&copy, &bytes).unwrap();
    assert!(careledger::backup::check(&copy, &clinic_key(&app)).await.unwrap().is_ok());
    let _ = moto.kill();
    let _ = moto.wait();
}
dual!(scheduled_backups_go_to_an_s3_compatible_store);

async fn one_copy_at_a_time_holds_a_lease(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let db = &app.state.db;
    let at = |m: u32| format!("2026-11-28T10:{m:02}:00.000000Z");
    let claim = |who: &'static str, now: u32, until: u32| {
        let (now, until) = (at(now), at(until));
        async move { careledger::leases::claim(db, "backup", who, &now, &until).await.unwrap() }
    };
    assert!(claim("a", 0, 5).await, "free: a takes it");
    assert!(!claim("b", 1, 6).await, "a holds it until 10:05");
    assert!(claim("a", 2, 7).await, "a renews it");
    assert!(!claim("b", 6, 11).await, "renewed: still a's at 10:06");
    assert!(claim("b", 8, 13).await, "lapsed at 10:07 (a died): b takes it over");
    careledger::leases::release(db, "backup", "a").await.unwrap();
    assert!(!claim("a", 9, 14).await, "a cannot give back what b holds");
    careledger::leases::release(db, "backup", "b").await.unwrap();
    assert!(claim("a", 9, 14).await, "given back: free again");
}
dual!(one_copy_at_a_time_holds_a_lease);

#[tokio::test]
async fn backups_cannot_be_scheduled_into_the_file_store() {
    let dir = TempDir::new();
    let mut settings = careledger::config::Settings::new(dir.0.clone(), None);
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.backups = Some(hourly(3, careledger::config::BackupTarget::Folder(dir.0.join("files").join("backups"))));
    let refused = careledger::Application::build(settings).await.err().expect("refused");
    assert!(format!("{refused:#}").contains("cannot go inside the file store"), "{refused:#}");
    // Spelt another way, or through a symbolic link, it is still the file store; a file is no folder.
    std::fs::create_dir_all(dir.0.join("files")).unwrap();
    let link = dir.0.join("link-to-files");
    std::os::unix::fs::symlink(dir.0.join("files"), &link).unwrap();
    let a_file = dir.0.join("a-file");
    std::fs::write(&a_file, "not a folder").unwrap();
    for (to, said) in
        [(dir.0.join("x").join("..").join("files"), "inside the file store"), (link, "inside the file store"), (a_file, "not a folder")]
    {
        let mut settings = careledger::config::Settings::new(dir.0.clone(), None);
        settings.listen = "127.0.0.1:0".parse().unwrap();
        settings.backups = Some(hourly(3, careledger::config::BackupTarget::Folder(to.clone())));
        let refused = careledger::Application::build(settings).await.err().expect("refused");
        assert!(format!("{refused:#}").contains(said), "{}: {refused:#}", to.display());
    }
    assert_eq!(std::fs::read_dir(dir.0.join("files")).unwrap().count(), 0, "nothing written into the file store");
}

/// A backup written before migration 0026 (schema 25, no `leases` table: what the previous
/// release wrote) restores into this release, and the ledger checks.
async fn a_backup_from_before_the_leases_table_restores(backend: Backend) {
    use hmac::{KeyInit, Mac};
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    let record_id = app.record(&doc, &pat.id, "Knee pain", "visit").await["id"].as_str().unwrap().to_string();
    let now = app.data_dir.0.join("now.backup");
    let out = app.careledger(&["backup", "--out", now.to_str().unwrap()]).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The same content as the release before 0026 wrote it, signed with the clinic's key.
    let text = std::fs::read_to_string(&now).unwrap();
    let mut lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines.pop(); // the seal
    assert!(lines[0]["schema"].as_i64().unwrap() >= 26, "{}", lines[0]);
    lines[0]["schema"] = serde_json::json!(25);
    lines[0]["tables"].as_array_mut().unwrap().retain(|t| t != "leases");
    let mut kept = Vec::new();
    let mut in_leases = false;
    for v in lines {
        if let Some(t) = v["table"].as_str() {
            in_leases = t == "leases";
        }
        if !in_leases {
            kept.push(serde_json::to_string(&v).unwrap());
        }
    }
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&clinic_key(&app)).unwrap();
    let mut older = String::new();
    for line in &kept {
        mac.update(line.as_bytes());
        mac.update(b"\n");
        older.push_str(line);
        older.push('\n');
    }
    older.push_str(&serde_json::json!({ "mac": hex::encode(mac.finalize().into_bytes()) }).to_string());
    older.push('\n');
    assert!(!older.contains("\"leases\""));
    let before = app.data_dir.0.join("before-0026.backup");
    std::fs::write(&before, older).unwrap();

    let target = with_keys_of(&app.data_dir.0);
    let Some(url) = fresh_database(backend, &target.0).await else { return };
    let out = careledger_on(&target.0, &url, &["restore", "--from", before.to_str().unwrap()]).output().await.unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success() && said.contains("ledger ok:"), "{said}{}", String::from_utf8_lossy(&out.stderr));
    let moved = spawn_on(backend, Arc::new(target), url, Default::default()).await;
    let pat2 = moved.login("pat@example.org").await;
    let r = moved.get(&format!("/api/v1/records/{record_id}"), Some(&pat2.access)).await;
    assert_eq!((r.status.as_u16(), r.body["title"].as_str()), (200, Some("Knee pain")), "{}", r.text);
}
dual!(a_backup_from_before_the_leases_table_restores);
