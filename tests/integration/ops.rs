//! Operations endpoints, the OpenAPI document, Swagger UI and the catch-all refusals.

use crate::helpers::Backend;
use crate::{app, dual};

async fn health_metrics_and_docs(backend: Backend) {
    let app = app!(backend);
    let r = app.get("/healthz", None).await;
    assert_eq!((r.status.as_u16(), r.body["status"].as_str()), (200, Some("ok")));
    let r = app.get("/readyz", None).await;
    assert_eq!((r.status.as_u16(), r.body["status"].as_str()), (200, Some("ready")));
    assert!(r.headers.get("x-request-id").is_some_and(|v| v.len() == 36));
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    app.get("/api/v1/records", None).await;
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("http_requests_total{method=\"GET\",route=\"/api/v1/records\",status=\"401\"} 1"), "{}", r.text);
    assert!(
        r.text.contains("http_request_duration_seconds_bucket{method=\"GET\",route=\"/readyz\",status=\"200\",le=\"0.005\"}"),
        "{}",
        r.text
    );
    // The OpenAPI document lists every API call.
    let r = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status, 200);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = r.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/users/{id}/approve", "post"),
        ("/api/v1/records", "post"),
        ("/api/v1/records", "get"),
        ("/api/v1/records/{id}", "get"),
        ("/api/v1/patients/{id}/history", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing from OpenAPI");
    }
    assert!(r.text.contains("patient_not_found") && r.text.contains("account_pending_approval"));
    // Swagger UI comes from the binary.
    let r = app.http.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui") && !html.contains("cdn"), "{html}");
    let css = app.http.get(app.url("/static/style.css")).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
    // Unknown API routes are problems; unknown pages are pages.
    app.get("/api/v1/nothing-here", None).await.assert_problem(404, "not_found");
    let r = app.http.delete(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = app.http.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}
dual!(health_metrics_and_docs);

#[test]
fn openapi_spec_builds() {
    use utoipa::OpenApi;
    let spec = careledger::openapi::ApiDoc::openapi();
    let json = spec.to_json().unwrap();
    assert!(json.contains("\"/api/v1/records\""));
}

async fn database_outage_is_an_opaque_503_with_request_id(backend: Backend) {
    let app = app!(backend);
    let s = app.patient("p@example.org").await;
    // The pool is closed under the running server: every database call now fails.
    app.state.db.close().await;
    let r = app.get("/readyz", None).await;
    r.assert_problem(503, "database_unavailable");
    let r = app.get("/api/v1/me", Some(&s.access)).await;
    r.assert_problem(503, "database_unavailable");
    assert!(r.headers.get("retry-after").is_some());
    let id = r.headers["x-request-id"].to_str().unwrap();
    assert_eq!(r.body["request_id"], id);
    assert!(!r.text.to_lowercase().contains("pool") && !r.text.contains("sqlx"), "opaque: {}", r.text);
    // Pages say the same, as a page.
    let r = app.http.get(app.url("/patient/dashboard")).header("cookie", "careledger_session=abc").send().await.unwrap();
    assert_eq!(r.status(), 503);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let html = r.text().await.unwrap();
    assert!(html.contains(&id), "{html}");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz", None).await.status, 200);
}
dual!(database_outage_is_an_opaque_503_with_request_id);

/// The Debian package's unit runs careledger as its own user with the hardening issue 14 asks
/// for, its data in a StateDirectory; the package ships it and the settings file.
/// (`scripts/package-check`, run by `.ci/run`, builds and installs the package and checks the
/// unit with `systemd-analyze`.)
#[test]
fn the_debian_package_runs_careledger_hardened_as_its_own_user() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("deploy/debian/careledger.service")).unwrap();
    let settings: Vec<&str> = unit.lines().map(str::trim).filter(|l| !l.starts_with('#')).collect();
    for needed in [
        "User=careledger",
        "Group=careledger",
        "ExecStart=/usr/bin/careledger serve --data-dir /var/lib/careledger",
        "EnvironmentFile=-/etc/default/careledger",
        "StateDirectory=careledger",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "WantedBy=multi-user.target",
    ] {
        assert!(settings.contains(&needed), "careledger.service lacks {needed}");
    }
    // The daily ledger check runs as the same user over the same data, and its timer is daily.
    let verify = std::fs::read_to_string(root.join("deploy/debian/careledger-verify.service")).unwrap();
    assert!(
        verify.contains("ExecStart=/usr/bin/careledger ledger verify --data-dir /var/lib/careledger") && verify.contains("User=careledger")
    );
    let timer = std::fs::read_to_string(root.join("deploy/debian/careledger-verify.timer")).unwrap();
    assert!(timer.contains("OnCalendar=daily") && timer.contains("WantedBy=timers.target"));
    let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for shipped in [
        r#"["target/release/careledger", "usr/bin/", "755"]"#,
        r#"["deploy/debian/careledger.default", "etc/default/careledger", "600"]"#,
        r#"maintainer-scripts = "deploy/debian/""#,
        r#"unit-name = "careledger""#,
        r#"unit-name = "careledger-verify""#,
    ] {
        assert!(cargo.contains(shipped), "[package.metadata.deb] lacks {shipped}");
    }
    // The settings file names only settings careledger reads.
    let defaults = std::fs::read_to_string(root.join("deploy/debian/careledger.default")).unwrap();
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_careledger")).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for line in defaults.lines().map(|l| l.trim_start_matches('#')) {
        if let Some((name, _)) = line.split_once('=')
            && name.starts_with("CARELEDGER_")
            && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        {
            assert!(help.contains(name), "/etc/default/careledger sets {name}, which `careledger serve` does not read");
        }
    }
}
