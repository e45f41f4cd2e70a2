//! Databases made by earlier releases upgrade in place: each test builds a database at an
//! older migration, fills it as that release would have, then starts today's careledger on it.

use serde_json::json;

use crate::dual;
use crate::helpers::{Backend, Options, PASSWORD, TempDir, fresh_database, spawn_on};

/// A fresh database with migrations up to `version` applied (as the release that ended there
/// left it), and a pool on it.
pub async fn database_at(backend: Backend, dir: &TempDir, version: i64) -> Option<(String, sqlx::AnyPool)> {
    sqlx::any::install_default_drivers();
    let url = fresh_database(backend, &dir.0).await?;
    if backend == Backend::Sqlite {
        // Private, as careledger made it (and requires it).
        use std::os::unix::fs::OpenOptionsExt;
        let path = url.trim_start_matches("sqlite://");
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).unwrap();
    }
    let connect = if backend == Backend::Sqlite { format!("{url}?mode=rwc") } else { url.clone() };
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&connect).await.expect("connect");
    if version == i64::MAX {
        // Every migration, as careledger applies them.
        careledger::db::migrate(&pool).await.expect("migrations");
    } else {
        assert!(version < 15, "a database at {version} is made with careledger::db::migrate");
        let migrator = sqlx::migrate::Migrator::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
            .await
            .expect("migrations folder");
        migrator.run_to(version, &pool).await.expect("older migrations");
    }
    Some((url, pool))
}

/// Makes a database's 0006 what its first text left (a plain index on the email skeleton, and
/// that text's checksum): the databases of releases 18a1724, f58fbcb and 2e0a1cc.
async fn as_first_0006(pool: &sqlx::AnyPool) {
    let first = hex::decode("3ad1aa6d816a23e90fd41047f9e2ecde1c212c5b22778893b27709580c82b97ac7bf84d513e30206ee71f90942f14f29").unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 6").bind(first).execute(pool).await.unwrap();
    sqlx::raw_sql("DROP INDEX users_email_skeleton; CREATE INDEX users_email_skeleton ON users (email_skeleton)")
        .execute(pool)
        .await
        .unwrap();
}

/// A user row as the first release wrote it.
pub async fn insert_user_v1(pool: &sqlx::AnyPool, id: &str, email: &str, role: &str, totp_secret: Option<&str>) {
    let hash = careledger::accounts::password::Hasher::default().hash(careledger::config::Secret::new(PASSWORD.to_string())).await.unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, full_name, status, created_at, totp_secret, totp_enabled) \
         VALUES ($1, $2, $3, $4, 'Old User', 'active', '2026-01-01T00:00:00.000000Z', $5, $6)",
    )
    .bind(id)
    .bind(email)
    .bind(hash)
    .bind(role)
    .bind(totp_secret)
    .bind(i64::from(totp_secret.is_some()))
    .execute(pool)
    .await
    .unwrap();
}

async fn sessions_from_before_assurance_end_for_mfa_accounts(backend: Backend) {
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, 1).await else { return };
    let (enrolled, plain) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    insert_user_v1(&pool, &enrolled, "doc@example.org", "doctor", Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).await;
    insert_user_v1(&pool, &plain, "p@example.org", "patient", None).await;
    for (sid, user) in [("0190d7c0-0000-7000-8000-000000000001", &enrolled), ("0190d7c0-0000-7000-8000-000000000002", &plain)] {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, kind, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, 'api', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', '2999-01-01T00:00:00.000000Z')",
        )
        .bind(sid)
        .bind(user)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let live: Vec<String> =
        sqlx::query_scalar("SELECT user_id FROM sessions WHERE revoked_at IS NULL").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(live, vec![plain.clone()], "the enrolled account's old session cannot show it passed MFA");
    // The plain account signs in as before.
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "p@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
dual!(sessions_from_before_assurance_end_for_mfa_accounts);

async fn look_alike_accounts_from_before_the_check_do_not_stop_the_upgrade(backend: Backend) {
    // Two accounts that look the same, both made by an earlier release: the skeleton index is
    // unique, so one keeps none (and start-up logs it), and both still sign in.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, 5).await else { return };
    insert_user_v1(&pool, &uuid::Uuid::now_v7().to_string(), "joe@clinic.example", "patient", None).await;
    insert_user_v1(&pool, &uuid::Uuid::now_v7().to_string(), "\u{0458}\u{043e}\u{0435}@clinic.example", "patient", None).await;
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let without: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_skeleton IS NULL").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(without, 1);
    for email in ["joe@clinic.example", "\u{0458}\u{043e}\u{0435}@clinic.example"] {
        let r = app.post("/api/v1/auth/login", None, &json!({"email": email, "password": PASSWORD})).await;
        assert_eq!(r.status, 200, "{email}: {}", r.text);
    }
}
dual!(look_alike_accounts_from_before_the_check_do_not_stop_the_upgrade);

/// The canonical (RFC 8785) bytes of a JSON object made of ASCII keys, strings and integers, as
/// the first release wrote them: keys sorted, no white space (serde_json's map is sorted).
fn jcs(value: &serde_json::Value) -> String {
    serde_json::to_string(value).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Appends an entry exactly as the first release did (bytes, leaf hash, next index): `head`
/// holds the entry's index, kind, ids, actor and time; its `subject` column is given apart.
async fn append_v1(pool: &sqlx::AnyPool, subject: &str, mut head: serde_json::Value, content: &serde_json::Value) {
    head["content_sha256"] = json!(sha256_hex(jcs(content).as_bytes()));
    let entry = jcs(&head);
    let leaf = sha256_hex(&[&[0u8][..], entry.as_bytes()].concat());
    let index = head["index"].as_i64().unwrap();
    sqlx::query("INSERT INTO ledger_entries (idx, kind, subject_id, entry, leaf_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(index)
        .bind(head["kind"].as_str().unwrap())
        .bind(subject)
        .bind(&entry)
        .bind(leaf)
        .bind(head["time"].as_str().unwrap())
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE ledger_state SET next_index = $1 WHERE id = 1").bind(index + 1).execute(pool).await.unwrap();
}

async fn a_clinic_written_by_the_first_release_reads_back_after_the_upgrade(backend: Backend) {
    // A database with only the first migration, written as the first release wrote it: an
    // admin approved a doctor (audit row and ledger entry), the doctor wrote a record (record
    // row, version row, ledger entry). No block was sealed yet.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, 1).await else { return };
    let (admin, doctor, patient, record) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    insert_user_v1(&pool, &admin, "admin@old.example", "admin", None).await;
    insert_user_v1(&pool, &doctor, "doctor@old.example", "doctor", None).await;
    insert_user_v1(&pool, &patient, "patient@old.example", "patient", None).await;
    let approved_at = "2026-01-02T09:00:00.000000Z";
    sqlx::query("INSERT INTO audit_events (id, at, actor_id, action, target_id, detail) VALUES ($1, $2, $3, 'approve', $4, 'doctor')")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(approved_at)
        .bind(&admin)
        .bind(&doctor)
        .execute(&pool)
        .await
        .unwrap();
    append_v1(
        &pool,
        &doctor,
        json!({"index": 0, "kind": "staff_approved", "ids": {"user_id": doctor}, "actor": admin, "time": approved_at}),
        &json!({"user_id": doctor, "change": "staff_approved", "role": "doctor"}),
    )
    .await;
    let written_at = "2026-01-03T10:30:00.000000Z";
    let (title, notes) = ("Annual check-up", "BP 120/80. Ausculta\u{e7}\u{e3}o normal.");
    sqlx::query(
        "INSERT INTO records (id, patient_id, doctor_id, title, notes, record_type, created_at, version) VALUES ($1, $2, $3, $4, $5, 'visit', $6, 1)",
    )
    .bind(&record)
    .bind(&patient)
    .bind(&doctor)
    .bind(title)
    .bind(notes)
    .bind(written_at)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO record_versions (record_id, version, title, notes, author_id, reason, created_at, entry_index) VALUES ($1, 1, $2, $3, $4, '', $5, 1)",
    )
    .bind(&record)
    .bind(title)
    .bind(notes)
    .bind(&doctor)
    .bind(written_at)
    .execute(&pool)
    .await
    .unwrap();
    let content = json!({
        "record_id": record, "patient_id": patient, "doctor_id": doctor, "record_type": "visit", "version": 1,
        "title": title, "notes": notes, "author_id": doctor, "reason": "", "time": written_at,
    });
    append_v1(
        &pool,
        &record,
        json!({"index": 1, "kind": "record_created", "ids": {"record_id": record, "patient_id": patient, "version": "1"}, "actor": doctor, "time": written_at}),
        &content,
    )
    .await;
    pool.close().await;

    // Today's careledger upgrades it in place, and everything reads back.
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let me = app.login("patient@old.example").await;
    let r = app.get(&format!("/api/v1/records/{record}"), Some(&me.access)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["title"].as_str(), r.body["notes"].as_str(), r.body["doctor_id"].as_str()),
        (Some(title), Some(notes), Some(doctor.as_str()))
    );
    let history = app.get(&format!("/api/v1/patients/{patient}/history"), Some(&me.access)).await;
    assert_eq!(history.body["items"].as_array().map(Vec::len), Some(1), "{}", history.text);
    // The text the first release stored in clear was encrypted by the upgrade (item 6), and is
    // found by search through the blind index the upgrade built.
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT title, notes FROM records UNION ALL SELECT title, notes FROM record_versions")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 2);
    for (t, n) in &stored {
        assert!(!t.contains("check-up") && !n.contains("BP 120") && t.starts_with("v1:"), "{t} {n}");
    }
    let found = app.get("/api/v1/records?q=ausculta", Some(&me.access)).await;
    assert_eq!(found.body["items"].as_array().map(Vec::len), Some(1), "{}", found.text);
    // The old entries are sealed by the new release and prove the old record.
    let proof = app.get(&format!("/api/v1/records/{record}/proof"), Some(&me.access)).await;
    assert_eq!(proof.status, 200, "{}", proof.text);
    assert_eq!(proof.body["leaf_index"], 1);
    let report = app.verify().await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.entries, 2);
    // The doctor who wrote it before care teams existed is on the patient's team.
    let team = app.get(&format!("/api/v1/patients/{patient}/care-team"), Some(&me.access)).await;
    assert_eq!(team.status, 200, "{}", team.text);
    assert_eq!(
        (team.body["items"][0]["doctor_id"].as_str(), team.body["items"][0]["how"].as_str()),
        (Some(doctor.as_str()), Some("record"))
    );
    assert_eq!(team.body["items"].as_array().map(Vec::len), Some(1));
    // And the upgraded database takes new accounts beside the old ones.
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "new@old.example", "password": PASSWORD, "role": "patient", "full_name": "New"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}
dual!(a_clinic_written_by_the_first_release_reads_back_after_the_upgrade);

async fn a_database_a_later_release_migrated_still_starts_this_one(backend: Backend) {
    // A later release has added its own migration (copies of both run side by side while the
    // balancer moves over): this release starts and serves on that database.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, i64::MAX).await else { return };
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, $2, $3, $4, $5)")
        .bind(99_990_i64)
        .bind("from a later release")
        .bind(true)
        .bind(vec![0u8; 48])
        .bind(0_i64)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let r = app
        .post("/api/v1/auth/register", None, &json!({"email": "p@example.org", "password": PASSWORD, "role": "patient", "full_name": "P"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}
dual!(a_database_a_later_release_migrated_still_starts_this_one);

async fn look_alikes_stored_under_the_first_skeleton_index_upgrade_to_the_unique_one(backend: Backend) {
    // Migration 0006 first landed with a plain index, so a database of that time may hold two
    // accounts with one skeleton; 0010 makes the index unique and keeps the oldest's.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, 6).await else { return };
    as_first_0006(&pool).await;
    let (first, second) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    insert_user_v1(&pool, &first, "joe@clinic.example", "patient", None).await;
    insert_user_v1(&pool, &second, "\u{0458}oe@clinic.example", "patient", None).await;
    sqlx::query("UPDATE users SET email_skeleton = 'joe@clinic.example'").execute(&pool).await.unwrap();
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let oldest: Option<String> =
        sqlx::query_scalar("SELECT email_skeleton FROM users WHERE id = $1").bind(&first).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(oldest.as_deref(), Some("joe@clinic.example"), "the oldest keeps its skeleton");
    let repeated: i64 = sqlx::query_scalar("SELECT COUNT(email_skeleton) - COUNT(DISTINCT email_skeleton) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(repeated, 0, "no skeleton twice");
    let _ = second;
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "\u{0458}oe@clinic.example", "password": PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
dual!(look_alikes_stored_under_the_first_skeleton_index_upgrade_to_the_unique_one);

async fn a_database_made_with_0006_as_it_first_landed_upgrades(backend: Backend) {
    // Releases 18a1724, f58fbcb and 2e0a1cc made 0006 with its first text (a plain index),
    // which is 0006 as it stands again (the databases of the unique-index text are the stop 19 and 21
    // test's).
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, 7).await else { return };
    as_first_0006(&pool).await;
    insert_user_v1(&pool, &uuid::Uuid::now_v7().to_string(), "p@example.org", "patient", None).await;
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "p@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "new@example.org", "password": PASSWORD, "role": "patient", "full_name": "New"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A database of f58fbcb or 2e0a1cc: 0006's first text, and 0010 already applied.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, 10).await else { return };
    let first = hex::decode("3ad1aa6d816a23e90fd41047f9e2ecde1c212c5b22778893b27709580c82b97ac7bf84d513e30206ee71f90942f14f29").unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 6").bind(first).execute(&pool).await.unwrap();
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let applied: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&app.state.db.pool).await.unwrap();
    // Every migration of this release, whichever is the last.
    let latest = sqlx::migrate::Migrator::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
        .await
        .expect("migrations folder")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap();
    assert!(latest >= 14, "the migrations folder holds {latest} as its last");
    assert_eq!(applied, latest);
}
dual!(a_database_made_with_0006_as_it_first_landed_upgrades);

/// A database made with the migrations below `below`, with the given files' texts put in
/// place of the ones that stand (tests/fixtures), and the migrations in `done` recorded as done
/// without being run (as `db::migrate` records 0015 where 0011's other text made its columns):
/// how an earlier main made it.
async fn database_made_with(
    backend: Backend,
    dir: &TempDir,
    below: &str,
    texts: &[(&str, &str)],
    done: &[i64],
) -> Option<(String, sqlx::AnyPool)> {
    let folder = dir.0.join("migrations-then");
    std::fs::create_dir_all(&folder).unwrap();
    let ours = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(ours.join("migrations")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < below {
            std::fs::copy(&path, folder.join(&name)).unwrap();
        }
    }
    for (name, fixture) in texts {
        std::fs::copy(ours.join("tests/fixtures").join(fixture), folder.join(name)).unwrap();
    }
    sqlx::any::install_default_drivers();
    let url = fresh_database(backend, &dir.0).await?;
    if backend == Backend::Sqlite {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(url.trim_start_matches("sqlite://")).unwrap();
    }
    let connect = if backend == Backend::Sqlite { format!("{url}?mode=rwc") } else { url.clone() };
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&connect).await.expect("connect");
    let migrator = sqlx::migrate::Migrator::new(folder.as_path()).await.unwrap();
    for version in done {
        migrator.run_to(version - 1, &pool).await.expect("the earlier migrations");
        let m = migrator.iter().find(|m| m.version == *version).expect("a migration recorded as done");
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, $2, $3, $4, 0)")
            .bind(m.version)
            .bind(m.description.to_string())
            .bind(true)
            .bind(m.checksum.to_vec())
            .execute(&pool)
            .await
            .unwrap();
    }
    migrator.run(&pool).await.expect("the earlier migrations");
    Some((url, pool))
}

/// Starts this release on an earlier main's database and checks that it upgraded: the sign-in
/// works, every migration is recorded with the checksum of its text as it stands, and the audit
/// trail writes, finds and verifies a row.
async fn upgrades_and_audits(backend: Backend, dir: std::sync::Arc<TempDir>, url: String, pool: sqlx::AnyPool) {
    insert_user_v1(&pool, &uuid::Uuid::now_v7().to_string(), "p@example.org", "patient", None).await;
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "p@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let migrator = sqlx::migrate::Migrator::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")).await.unwrap();
    let recorded: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations ORDER BY version").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(recorded.len(), migrator.iter().count());
    for (m, (version, checksum)) in migrator.iter().zip(&recorded) {
        assert_eq!((m.version, m.checksum.to_vec()), (*version, checksum.clone()));
    }
    // The trail works on it: the sign-in above is a row, found by search and verified.
    app.state.audit.flush().await.unwrap();
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sign_in' AND id IS NOT NULL AND fields_sha256 <> ''")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(rows, 1);
    careledger::audit::checkpoint(&app.state.ctx).await.unwrap();
    app.sealed_head().await;
    let report = app.verify().await;
    assert!(report.ok(), "{:?}", report.problems);
}

/// 0006 and 0011 as main had them at stop 20 and at the end of stop 22 (a plain index; no audit
/// row id or fields hash, which 0015 adds), the other texts of `db::LANDED_EDITS`.
const STOP_20_TEXTS: [(&str, &str); 2] =
    [("0006_email_skeleton.sql", "0006_stop20_text.sql"), ("0011_access_audit.sql", "0011_stop20_text.sql")];

async fn a_database_made_by_main_at_stop_19_upgrades(backend: Backend) {
    // Main at stop 19 (44b524f) had 0006 and 0011 as they stand and migrations to 0012; 0015,
    // whose columns 0011 already made, is recorded as done, not run.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_made_with(backend, &dir, "0013", &[], &[]).await else { return };
    upgrades_and_audits(backend, dir, url, pool).await;
}
dual!(a_database_made_by_main_at_stop_19_upgrades);

async fn a_database_made_by_main_at_stop_20_upgrades(backend: Backend) {
    // Main at stop 20 (e16500f) had 0006 and 0011 with their other texts (a plain index; no id
    // or fields hash, which 0015 added) and migrations to 0015: their records are set to the
    // texts as they stand.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_made_with(backend, &dir, "0016", &STOP_20_TEXTS, &[]).await else { return };
    upgrades_and_audits(backend, dir, url, pool).await;
}
dual!(a_database_made_by_main_at_stop_20_upgrades);

async fn a_database_made_by_main_at_stop_21_upgrades(backend: Backend) {
    // Main at stop 21 (db2739d) had 0006 and 0011 as they stand, 0015 recorded as done without
    // running (its columns made by 0011), and migrations to 0016.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_made_with(backend, &dir, "0017", &[], &[15]).await else { return };
    upgrades_and_audits(backend, dir, url, pool).await;
}
dual!(a_database_made_by_main_at_stop_21_upgrades);

async fn a_database_made_before_the_audit_row_ids_upgrades(backend: Backend) {
    // Main between 7a5bf3c and stop 19 had 0011's other text and no 0015: 0015 runs and adds
    // the columns.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_made_with(backend, &dir, "0012", &STOP_20_TEXTS, &[]).await else { return };
    upgrades_and_audits(backend, dir, url, pool).await;
}
dual!(a_database_made_before_the_audit_row_ids_upgrades);

async fn a_database_made_by_main_at_the_end_of_stop_22_upgrades(backend: Backend) {
    // Main at the end of stop 22 (9e006fc) had 0006 and 0011 with their other texts and
    // migrations to 0022: their records are set to the texts as they stand; 0023 runs.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_made_with(backend, &dir, "0023", &STOP_20_TEXTS, &[]).await else { return };
    upgrades_and_audits(backend, dir, url, pool).await;
}
dual!(a_database_made_by_main_at_the_end_of_stop_22_upgrades);

async fn a_database_made_by_main_at_the_end_of_stop_23_upgrades(backend: Backend) {
    // Main at 96abb06 (after stop 23's landing) had 0006 and 0011 as they stand, 0015 recorded
    // as done without running (its columns made by 0011), and migrations to 0023.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_made_with(backend, &dir, "0024", &[], &[15]).await else { return };
    upgrades_and_audits(backend, dir, url, pool).await;
}
dual!(a_database_made_by_main_at_the_end_of_stop_23_upgrades);

async fn a_database_made_by_main_at_stop_24_upgrades(backend: Backend) {
    // Main at stop 24's landing (d5a60ee) had 0006 and 0011 with their other texts (0015 run,
    // adding the audit rows' id and fields hash) and migrations to 0025: their records are set
    // to the texts as they stand; 0026 runs.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_made_with(backend, &dir, "0026", &STOP_20_TEXTS, &[]).await else { return };
    upgrades_and_audits(backend, dir, url, pool).await;
}
dual!(a_database_made_by_main_at_stop_24_upgrades);

async fn privilege_changes_kept_before_the_audit_trail_are_copied_into_it(backend: Backend) {
    // Before migration 0011, privilege changes were kept only in audit_events; the trail takes
    // them in once, at the first start, and they verify like any other row.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, 10).await else { return };
    let (admin, doctor) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    insert_user_v1(&pool, &admin, "old-admin@clinic.example", "admin", None).await;
    insert_user_v1(&pool, &doctor, "old-doctor@clinic.example", "doctor", None).await;
    // (Approvals and role changes also have ledger entries; these three need none.)
    for (i, (action, detail)) in [("deactivate", ""), ("reactivate", ""), ("unlock", "lock lifted")].iter().enumerate() {
        sqlx::query("INSERT INTO audit_events (id, at, actor_id, action, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(format!("2026-0{}-01T00:00:00.000000Z", i + 2))
            .bind(&admin)
            .bind(action)
            .bind(&doctor)
            .bind(detail)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let app = spawn_on(backend, dir.clone(), url.clone(), Options::default()).await;
    let rows: Vec<(i64, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT seq, action, resource_id, detail FROM audit_log ORDER BY seq").fetch_all(&app.state.db.pool).await.unwrap();
    let imported: Vec<(&str, Option<&str>)> = rows.iter().take(3).map(|(_, a, _, d)| (a.as_str(), d.as_deref())).collect();
    assert_eq!(imported, vec![("user.deactivate", None), ("user.reactivate", None), ("user.unlock", Some("lock lifted"))]);
    assert!(rows.iter().take(3).all(|(_, _, target, _)| target.as_deref() == Some(doctor.as_str())));
    careledger::audit::checkpoint(&app.state).await.unwrap();
    let report =
        careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {}).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    // A second start (another copy, a restart) copies nothing again.
    let again = crate::helpers::spawn_beside(&app, url).await;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'user.%'").fetch_one(&again.state.db.pool).await.unwrap();
    assert_eq!(count, 3);
}
dual!(privilege_changes_kept_before_the_audit_trail_are_copied_into_it);

async fn care_teams_survive_the_table_rebuild_for_emergency_access(backend: Backend) {
    // Migration 0012 rebuilds care_team (SQLite cannot change its CHECK): every membership,
    // ended or live, consent end dates included, comes through, and still decides access.
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = database_at(backend, &dir, 11).await else { return };
    let (patient, live, gone) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    insert_user_v1(&pool, &patient, "pat@clinic.example", "patient", None).await;
    insert_user_v1(&pool, &live, "live@clinic.example", "doctor", None).await;
    insert_user_v1(&pool, &gone, "gone@clinic.example", "doctor", None).await;
    for (id, doctor, removed, expires) in
        [("m1", &live, None, Some("2999-01-01T00:00:00.000000Z")), ("m2", &gone, Some("2026-05-01T00:00:00.000000Z"), None)]
    {
        sqlx::query(
            "INSERT INTO care_team (id, patient_id, doctor_id, added_by, how, reason, added_at, removed_at, removed_by, expires_at) \
             VALUES ($1, $2, $3, $2, 'patient', '', '2026-04-01T00:00:00.000000Z', $4, $5, $6)",
        )
        .bind(id)
        .bind(&patient)
        .bind(doctor)
        .bind(removed)
        .bind(removed.map(|_| patient.clone()))
        .bind(expires)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    type Row = (String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as("SELECT id, removed_at, removed_by, expires_at FROM care_team ORDER BY id")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], ("m1".into(), None, None, Some("2999-01-01T00:00:00.000000Z".into())));
    assert_eq!(rows[1].1.as_deref(), Some("2026-05-01T00:00:00.000000Z"));
    assert_eq!(rows[1].2.as_deref(), Some(patient.as_str()));
    // The live consent still opens the history, the ended membership does not; and the one
    // live membership per pair is still enforced.
    let p: careledger::ids::UserId = patient.parse().unwrap();
    let now = careledger::clock::format(app.clock.now());
    assert!(careledger::care_team::store::is_member(&app.state.db.pool, p, live.parse().unwrap(), &now).await.unwrap());
    assert!(!careledger::care_team::store::is_member(&app.state.db.pool, p, gone.parse().unwrap(), &now).await.unwrap());
    let twice = sqlx::query(
        "INSERT INTO care_team (id, patient_id, doctor_id, added_by, how, reason, added_at) VALUES ('m3', $1, $2, $1, 'patient', '', 'x')",
    )
    .bind(&patient)
    .bind(&live)
    .execute(&app.state.db.pool)
    .await;
    assert!(twice.is_err(), "a second live membership of the pair is refused");
}
dual!(care_teams_survive_the_table_rebuild_for_emergency_access);
