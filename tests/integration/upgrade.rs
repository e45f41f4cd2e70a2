//! Databases made by earlier releases upgrade in place: each test builds a database at an
//! older migration, fills it as that release would have, then starts today's careledger on it.

use serde_json::json;

use crate::dual;
use crate::helpers::{Backend, Options, PASSWORD, TempDir, fresh_database, spawn_on};

/// A fresh database with migrations up to `version` applied (as the release that ended there
/// left it), and a pool on it.
pub async fn database_at(backend: Backend, dir: &TempDir, version: i64) -> Option<(String, sqlx::AnyPool)> {
    let url = fresh_database(backend, &dir.0).await?;
    if backend == Backend::Sqlite {
        // Private, as careledger made it (and requires it).
        use std::os::unix::fs::OpenOptionsExt;
        let path = url.trim_start_matches("sqlite://");
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).unwrap();
    }
    let connect = if backend == Backend::Sqlite { format!("{url}?mode=rwc") } else { url.clone() };
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&connect).await.expect("connect");
    let migrator =
        sqlx::migrate::Migrator::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")).await.expect("migrations folder");
    migrator.run_to(version, &pool).await.expect("older migrations");
    Some((url, pool))
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
