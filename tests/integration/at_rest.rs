//! Data at rest (issue 9, finding 3): the data directory and everything careledger writes in
//! it are private whatever the umask, a directory or key file others can read is refused, and
//! TOTP secrets are stored encrypted (clear ones from earlier releases are encrypted at start).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::json;

use crate::dual;
use crate::helpers::{Backend, Options, PASSWORD, TempDir, fresh_database, spawn_configured, spawn_on};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

async fn everything_careledger_writes_is_private_whatever_the_umask(backend: Backend) {
    // Started as a careless service manager would: umask 022.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    let Some(app) = spawn_configured(backend, Options::default(), |s| {
        s.data_dir = s.data_dir.join("clinic-data");
        if s.database_url.expose().starts_with("sqlite:") {
            s.database_url = careledger::config::Secret::new(careledger::config::default_sqlite_url(&s.data_dir));
        }
    })
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("p@example.org").await;
    let record = app.record(&doctor, &patient.id, "Scan", "imaging").await;
    let r = app.attach(&doctor.access, record["id"].as_str().unwrap(), "scan.pdf", b"%PDF-1.4 private scan".to_vec()).await;
    assert_eq!(r.status, 201);
    let sha = r.body["sha256"].as_str().unwrap().to_string();
    let data = app.state.settings.data_dir.clone();
    assert_eq!(mode(&data), 0o700, "data directory");
    let blobs = data.join("files").join("sealed").join(&patient.id);
    let mut checked = vec![data.join("keys"), data.join("files"), data.join("files").join("sealed"), blobs.clone()];
    for dir in &checked {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    checked.clear();
    for key in std::fs::read_dir(data.join("keys")).unwrap() {
        checked.push(key.unwrap().path());
    }
    assert!(checked.len() >= 3, "token, ledger and TOTP keys: {checked:?}");
    checked.push(blobs.join(&sha));
    if backend == Backend::Sqlite {
        for f in ["careledger.db", "careledger.db-wal", "careledger.db-shm"] {
            checked.push(data.join(f));
        }
    }
    for f in &checked {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    // The TOTP secret is not in the database in clear.
    let secret = app.mfa.lock().unwrap()["doc@example.org"].clone();
    let stored: String =
        sqlx::query_scalar("SELECT totp_secret FROM users WHERE email = 'doc@example.org'").fetch_one(&app.state.db.pool).await.unwrap();
    assert!(stored.starts_with("v1:") && !stored.contains(&secret), "{stored}");
    // And signing in with the app's code still works.
    app.login("doc@example.org").await;
}
dual!(everything_careledger_writes_is_private_whatever_the_umask);

async fn directories_and_key_files_others_can_read_are_refused(backend: Backend) {
    let dir = std::sync::Arc::new(TempDir::new());
    let Some(url) = fresh_database(backend, &dir.0).await else { return };
    let settings = || {
        let mut s = careledger::config::Settings::new(dir.0.clone(), Some(url.clone()));
        s.listen = "127.0.0.1:0".parse().unwrap();
        s
    };
    // A first start makes the key files.
    drop(careledger::Application::build(settings()).await.unwrap());
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = format!("{:#}", careledger::Application::build(settings()).await.err().expect("refused"));
    let fix = format!("chmod -R go-rwx {}", dir.0.display());
    assert!(err.contains(&format!("{} (mode 755)", dir.0.display())) && err.contains(&fix), "{err}");
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o700)).unwrap();
    // Every shared key file is named at once, with the one command that fixes them all.
    let keys: Vec<_> = std::fs::read_dir(dir.0.join("keys")).unwrap().map(|e| e.unwrap().path()).collect();
    for key in &keys {
        std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let err = format!("{:#}", careledger::Application::build(settings()).await.err().expect("refused"));
    for key in &keys {
        assert!(err.contains(&format!("{} (mode 644)", key.display())), "{err}");
    }
    assert!(err.contains(&fix), "{err}");
    for key in &keys {
        std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert!(careledger::Application::build(settings()).await.is_ok());
    // A SQLite file kept elsewhere (--database-url) that others can read is refused too.
    if backend == Backend::Sqlite {
        let elsewhere = TempDir::new();
        let db = elsewhere.0.join("old.db");
        std::fs::write(&db, b"").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut s = settings();
        s.database_url = careledger::config::Secret::new(format!("sqlite://{}", db.display()));
        let err = format!("{:#}", careledger::Application::build(s).await.err().expect("refused"));
        assert!(err.contains(&format!("{} (mode 644)", db.display())) && err.contains("chmod 600"), "{err}");
    }
}
dual!(directories_and_key_files_others_can_read_are_refused);

async fn totp_secrets_stored_in_clear_are_encrypted_at_start(backend: Backend) {
    let dir = std::sync::Arc::new(TempDir::new());
    let Some((url, pool)) = crate::upgrade::database_at(backend, &dir, 3).await else { return };
    let clear = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    crate::upgrade::insert_user_v1(&pool, &uuid::Uuid::now_v7().to_string(), "doc@example.org", "doctor", Some(clear)).await;
    pool.close().await;
    let app = spawn_on(backend, dir, url, Options::default()).await;
    let stored: String =
        sqlx::query_scalar("SELECT totp_secret FROM users WHERE email = 'doc@example.org'").fetch_one(&app.state.db.pool).await.unwrap();
    assert!(stored.starts_with("v1:") && !stored.contains(clear), "{stored}");
    let code = careledger::accounts::mfa::code_at(clear, app.clock.now()).unwrap();
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "doc@example.org", "password": PASSWORD, "totp_code": code})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
dual!(totp_secrets_stored_in_clear_are_encrypted_at_start);
