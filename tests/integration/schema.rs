//! Schema fuzzing (issue 5): schemathesis, from PyPI, generates requests from
//! `/api/v1/openapi.json` and sends them signed in as each role and anonymously. Every answer
//! must be below 500 and match the documented status codes, content types and schemas.
//! Skipped (with a notice) when schemathesis is not installed, unless
//! CARELEDGER_REQUIRE_SCHEMATHESIS=1, as in CI.

use std::process::Command;

use careledger::ratelimit::Limits;

use crate::dual;
use crate::helpers::{Backend, Options, spawn_app_with};

fn installed() -> bool {
    let found = Command::new("schemathesis").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CARELEDGER_REQUIRE_SCHEMATHESIS").as_deref() != Ok("1"),
            "CARELEDGER_REQUIRE_SCHEMATHESIS=1 but schemathesis is not installed (pip install schemathesis)"
        );
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "*** schema fuzzing SKIPPED: schemathesis (pip install schemathesis) is not installed ***");
    }
    found
}

/// Routes whose wrong answers count toward the account's lock and end the session at the fifth.
const LOCKING: [&str; 3] = ["/api/v1/me/password", "/api/v1/me/mfa/totp", "/api/v1/me/mfa/totp/confirm"];

async fn schemathesis_finds_no_5xx_and_no_schema_break_for_any_role(backend: Backend) {
    if !installed() {
        return;
    }
    // Rate limits off: the fuzzer sends hundreds of requests from one address.
    let options = Options { limits: Limits { enabled: false, ..Limits::default() }, ..Options::default() };
    let Some(app) = spawn_app_with(backend, options).await else { return };
    let admin = app.admin().await;
    let doctor = app.doctor("doctor@clinic.test", &admin).await;
    let patient = app.patient("patient@clinic.test").await;
    app.record(&doctor, &patient.id, "Annual review", "visit").await;
    let mut callers = vec![("anonymous", None), ("patient", Some(patient.access.clone())), ("doctor", Some(doctor.access.clone()))];
    for role in ["pharmacist", "lab", "receptionist"] {
        let s = app.staff(&format!("{role}@clinic.test"), role, "Sam Staff", &admin).await;
        callers.push((role, Some(s.access)));
    }
    // The admin goes last: its run approves, deactivates and re-roles whoever it can find.
    callers.push(("admin", Some(admin.access.clone())));
    // Last, the routes that lock an account, as a patient whose session they may end.
    callers.push(("patient-locking", Some(patient.access.clone())));
    let schema = app.url("/api/v1/openapi.json");
    let seed = std::env::var("CARELEDGER_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261126".into());
    let examples = std::env::var("CARELEDGER_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "15".into());
    for (role, token) in callers {
        let locking_run = role == "patient-locking";
        let mut st = Command::new("schemathesis");
        st.args([
            "run",
            &schema,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--max-examples", &examples, "--seed", &seed, "--phases", "examples,coverage,fuzzing", "--workers", "1"])
        // One worker: with two, Hypothesis parses lambdas' source from two threads at once,
        // which CPython 3.11 before 3.11.8 can fail with "AST constructor recursion depth
        // mismatch" (CPython gh-106905), a tool error that is not careledger's.
        .args(["--no-color", "--generation-database", "none", "--request-timeout", "10"])
        // NUL and other control characters in every generated string (issue 9, finding 5).
        .args(["--generation-allow-x00", "true", "--generation-codec", "utf-8"])
        .args(["--report-dir", &app.data_dir.0.join(format!("schemathesis-{role}")).to_string_lossy()]);
        if let Some(token) = token {
            // Signing out would end the run's own session: that route is fuzzed anonymously.
            // So would five wrong codes or current passwords in a row (they lock the account and
            // end the session): those routes get a run of their own, last.
            st.args(["-H", &format!("Authorization: Bearer {token}"), "--exclude-path", "/api/v1/auth/logout"]);
            for path in LOCKING {
                st.args([if locking_run { "--include-path" } else { "--exclude-path" }, path]);
            }
        }
        let out = tokio::task::spawn_blocking(move || st.output()).await.unwrap().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "schemathesis as {role} ({backend:?}) failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        // Shown with --nocapture: how much was sent, so a run that tested nothing is visible.
        let summary: Vec<&str> =
            stdout.lines().filter(|l| l.contains("passed") || l.contains("generated") || l.contains("Operations")).collect();
        eprintln!("schemathesis as {role} ({backend:?}): {}", summary.join(" | ").split_whitespace().collect::<Vec<_>>().join(" "));
    }
}
dual!(schemathesis_finds_no_5xx_and_no_schema_break_for_any_role);
