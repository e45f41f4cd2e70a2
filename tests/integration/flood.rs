//! A flood of anonymous requests (issue 9, finding 2): limited per IP and shared by copies,
//! while health checks and signed-in people go on being answered.

use careledger::ratelimit::Limits;
use serde_json::json;

use crate::dual;
use crate::helpers::{Backend, Options, spawn_beside_with, spawn_configured};

fn public_limit(n: u32) -> Options {
    Options { limits: Limits { public_per_ip: n, ..Limits::default() }, ..Options::default() }
}

async fn anonymous_callers_are_limited_per_ip_and_copies_share_the_count(backend: Backend) {
    let Some(app) = spawn_configured(backend, public_limit(1_000_000), |_| {}).await else { return };
    let patient = app.patient("p@example.org").await;
    let url = app.state.settings.database_url.expose().clone();
    let a = spawn_beside_with(&app, url.clone(), public_limit(20)).await;
    let b = spawn_beside_with(&app, url, public_limit(20)).await;
    // Start at the beginning of a one-minute window (the sign-ups above fall in the one before).
    let into = app.clock.now().timestamp().rem_euclid(60);
    app.clock.advance(chrono::Duration::seconds(60 - into));
    // 20 anonymous requests in this minute, spread over two copies and several public routes.
    for i in 0..20 {
        let (copy, path) = match i % 3 {
            0 => (&a, "/api/v1/ledger/public-key"),
            1 => (&b, "/"),
            _ => (&a, "/login"),
        };
        assert_eq!(copy.get(path, None).await.status, 200, "request {i} to {path}");
    }
    let r = b.get("/api/v1/ledger/public-key", None).await;
    r.assert_problem(429, "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(a.get("/login", None).await.status, 429, "pages too");
    assert_eq!(a.get("/api/v1/ledger/blocks", None).await.status, 429, "the other copy knows");
    // A forged token does not make a caller signed in.
    assert_eq!(a.get("/api/v1/ledger/public-key", Some("forged.token.here")).await.status, 429);
    // Signed-in people count against their own limit, not the address's.
    assert_eq!(a.get("/api/v1/ledger/public-key", Some(&patient.access)).await.status, 200);
    assert_eq!(a.get("/api/v1/me", Some(&patient.access)).await.status, 200);
    // Health checks are never limited.
    assert_eq!(a.get("/healthz", None).await.status, 200);
    assert_eq!(b.get("/readyz", None).await.status, 200);
    // The next minute opens again.
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(b.get("/api/v1/ledger/public-key", None).await.status, 200);
}
dual!(anonymous_callers_are_limited_per_ip_and_copies_share_the_count);

async fn a_flood_of_anonymous_proofs_leaves_health_and_signed_in_people_answering(backend: Backend) {
    let Some(app) = spawn_configured(backend, public_limit(1_000_000), |s| s.max_connections = 3).await else { return };
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("p@example.org").await;
    for n in 0..5 {
        app.record(&doctor, &patient.id, &format!("Visit {n}"), "visit").await;
    }
    let size = app.sealed_head().await["tree_size"].as_u64().unwrap();
    let url = app.state.settings.database_url.expose().clone();
    let flooded = std::sync::Arc::new(
        spawn_beside_with(&app, url, {
            let mut o = public_limit(50);
            o.limits.per_user_per_minute = 100_000;
            o
        })
        .await,
    );
    // 32 anonymous loops of consistency proofs, as the outside review ran them.
    let mut loops = Vec::new();
    for _ in 0..32 {
        let f = flooded.clone();
        loops.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..8 {
                statuses.push(f.get(&format!("/api/v1/ledger/consistency?first=1&second={size}"), None).await.status.as_u16());
            }
            statuses
        }));
    }
    // Meanwhile the health checks and a signed-in person are answered.
    for _ in 0..5 {
        assert_eq!(flooded.get("/readyz", None).await.status, 200);
        assert_eq!(flooded.get("/healthz", None).await.status, 200);
        assert_eq!(flooded.get("/api/v1/records", Some(&patient.access)).await.status, 200);
    }
    let mut all = Vec::new();
    for l in loops {
        all.extend(l.await.unwrap());
    }
    assert!(all.iter().all(|s| *s == 200 || *s == 429), "only answers or refusals, never 5xx: {all:?}");
    assert!(all.iter().filter(|s| **s == 200).count() <= 50, "{all:?}");
    assert!(all.iter().filter(|s| **s == 429).count() >= 32 * 8 - 50);
    assert_eq!(
        flooded
            .post("/api/v1/records", Some(&doctor.access), &json!({"patient_id": patient.id, "title": "After", "notes": ""}))
            .await
            .status,
        201
    );
}
dual!(a_flood_of_anonymous_proofs_leaves_health_and_signed_in_people_answering);

async fn readyz_answers_while_every_pooled_connection_is_busy(backend: Backend) {
    let Some(app) = spawn_configured(backend, Options::default(), |s| s.max_connections = 2).await else { return };
    let held = (app.state.db.pool.acquire().await.unwrap(), app.state.db.pool.acquire().await.unwrap());
    let started = std::time::Instant::now();
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "did not wait for the busy pool");
    assert_eq!(app.get("/healthz", None).await.status, 200);
    drop(held);
}
dual!(readyz_answers_while_every_pooled_connection_is_busy);
