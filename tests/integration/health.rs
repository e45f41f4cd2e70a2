//! The clinic's health (issue 14, item 3): `GET /api/v1/admin/status` and the admins' page
//! (the database, the ledger, the last ledger check, integrity alerts, refused sign-ins, the
//! last backup, every copy running with its rates), refused to everyone else; the clinic's
//! numbers as Prometheus gauges; and the shipped alert rules and dashboard, which name only
//! metrics careledger exposes and whose rules pass `promtool`.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, sign_in};
use crate::{app, dual};

/// The status, once this copy has reported itself (it does at start, then every 15 s).
async fn status(app: &TestApp, token: &str) -> Value {
    for _ in 0..50 {
        let r = app.get("/api/v1/admin/status", Some(token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        if r.body["copies"].as_array().is_some_and(|c| !c.is_empty()) {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("this copy never reported itself");
}

async fn admins_read_the_clinics_health(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    app.record(&doc, &pat.id, "Knee pain", "visit").await;
    for _ in 0..3 {
        let r = app.post("/api/v1/auth/login", None, &json!({"email": "pat@example.org", "password": "not-the-password-1"})).await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    app.state.audit.flush().await.unwrap();

    let s = status(&app, &admin.access).await;
    assert_eq!(s["database_up"], true, "{s}");
    assert!(s["database_latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{s}");
    assert!(s["ledger_entries"].as_i64().is_some_and(|n| n >= 1), "{s}");
    assert_eq!(s["failed_sign_ins_last_day"], 3, "{s}");
    assert_eq!(s["integrity_alerts"], 0, "{s}");
    assert!(s.get("last_verify").is_none() && s.get("last_backup").is_none(), "nothing ran yet: {s}");
    let copy = &s["copies"][0];
    assert_eq!(copy["live"], true, "{s}");
    assert_eq!(copy["version"], env!("CARGO_PKG_VERSION"), "{s}");

    // Everyone else is refused: staff, patients, and callers not signed in.
    for token in [&doc.access, &pat.access] {
        app.get("/api/v1/admin/status", Some(token)).await.assert_problem(403, "forbidden");
    }
    app.get("/api/v1/admin/status", None).await.assert_problem(401, "unauthenticated");

    // The ledger check from the command line records its result for the page.
    let out = app.careledger(&["ledger", "verify"]).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let s = status(&app, &admin.access).await;
    assert_eq!(s["last_verify"]["ok"], true, "{s}");
    assert!(s["last_verify"]["detail"].as_str().unwrap_or_default().contains("entries"), "{s}");

    // The page, in both languages; refused to a patient.
    let b = sign_in(&app, "admin@clinic.test").await;
    let r = b.get(app.url("/admin/status")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Health</h1>") && html.contains("Passed") && html.contains("3 refused"), "{html}");
    assert!(html.contains("No backup recorded."), "{html}");
    let html = b.get(app.url("/admin/status")).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<h1>Estado</h1>") && html.contains("Correcta") && html.contains("3 rechazados"), "{html}");
    let p = sign_in(&app, "pat@example.org").await;
    assert_eq!(p.get(app.url("/admin/status")).send().await.unwrap().status(), 403);
}
dual!(admins_read_the_clinics_health);

/// The metric names a text mentions (`careledger_*`, `http_request*`), without histogram suffixes.
fn metric_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| (w.starts_with("careledger_") || w.starts_with("http_request")) && w.len() > 12)
        .map(|w| w.trim_end_matches("_bucket").to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

async fn metrics_carry_the_clinics_numbers(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    app.record(&doc, &pat.id, "Knee pain", "visit").await;
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 200);
    for line in [
        "careledger_database_up 1",
        "careledger_users{role=\"admin\"} 1",
        "careledger_users{role=\"doctor\"} 1",
        "careledger_users{role=\"patient\"} 1",
        "careledger_records 1",
        "careledger_prescriptions_open 0",
        "careledger_integrity_alerts 0",
        "careledger_last_backup_timestamp_seconds 0",
        "careledger_last_verify_ok 0",
    ] {
        assert!(r.text.lines().any(|l| l == line), "{line} in {}", r.text);
    }
    assert!(r.text.contains("# TYPE careledger_ledger_entries gauge") && r.text.contains("careledger_audit_entries "), "{}", r.text);

    // The shipped alert rules and dashboard use only metrics careledger exposes.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    let rules = std::fs::read_to_string(root.join("prometheus/careledger-alerts.yml")).unwrap();
    let dashboard = std::fs::read_to_string(root.join("grafana/careledger-dashboard.json")).unwrap();
    let dashboard_json: Value = serde_json::from_str(&dashboard).unwrap();
    assert!(dashboard_json["panels"].as_array().is_some_and(|p| p.len() >= 10), "the dashboard has its panels");
    let exposed = metric_names(&r.text);
    for name in metric_names(&rules).into_iter().chain(metric_names(&dashboard)) {
        assert!(exposed.contains(&name), "{name} (from deploy/) is not a metric careledger exposes: {exposed:?}");
    }
}
dual!(metrics_carry_the_clinics_numbers);

/// `promtool check rules` and `promtool test rules` on the shipped rules (Debian's prometheus
/// package; `.ci/run` installs it and sets CARELEDGER_REQUIRE_PROMTOOL=1).
#[tokio::test]
async fn the_alert_rules_load_and_their_tests_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus");
    let check =
        tokio::process::Command::new("promtool").arg("check").arg("rules").arg("careledger-alerts.yml").current_dir(&dir).output().await;
    let Ok(check) = check else {
        assert!(std::env::var("CARELEDGER_REQUIRE_PROMTOOL").as_deref() != Ok("1"), "promtool is not installed");
        eprintln!("skipped: promtool is not installed (Debian's prometheus package)");
        return;
    };
    assert!(check.status.success(), "{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stdout).contains("SUCCESS: 7 rules found"), "{}", String::from_utf8_lossy(&check.stdout));
    let test = tokio::process::Command::new("promtool")
        .arg("test")
        .arg("rules")
        .arg("careledger-alerts.test.yml")
        .current_dir(&dir)
        .output()
        .await
        .unwrap();
    assert!(test.status.success(), "{}{}", String::from_utf8_lossy(&test.stdout), String::from_utf8_lossy(&test.stderr));
}
