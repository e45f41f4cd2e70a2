//! A client generated from careledger's OpenAPI document by a third-party generator
//! (openapi-python-client, from PyPI) runs the main flow (`tests/clientgen/flow.py`): register,
//! sign in, enrol in two-factor sign-in, write a record, upload a file (the multipart request
//! the document describes), and the patient's reads, including FHIR. A route the document
//! describes wrongly, or not at all, breaks the generated client and this test.

use std::process::Command;

use crate::dual;
use crate::helpers::{Backend, Options, spawn_configured};

/// Whether the generator is installed; fails the test when it is not and
/// CARELEDGER_REQUIRE_CLIENTGEN=1 (as in CI).
fn generator_installed() -> bool {
    let found = Command::new("openapi-python-client").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CARELEDGER_REQUIRE_CLIENTGEN").as_deref() != Ok("1"),
            "CARELEDGER_REQUIRE_CLIENTGEN=1 but openapi-python-client is not installed (pip install openapi-python-client)"
        );
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "*** generated-client test SKIPPED: pip install openapi-python-client ***");
    }
    found
}

async fn a_client_generated_from_the_openapi_document_runs_the_main_flow(backend: Backend) {
    if !generator_installed() {
        return;
    }
    // Staff active at once, so the flow needs no admin (the approval is tested elsewhere).
    let configure = |s: &mut careledger::config::Settings| s.staff_approval = careledger::config::StaffApproval::Off;
    let Some(app) = spawn_configured(backend, Options::default(), configure).await else { return };
    let document = app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().text().await.unwrap();
    let dir = app.data_dir.0.join("generated");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("openapi.json"), &document).unwrap();
    let generated = Command::new("openapi-python-client")
        .args(["generate", "--path", "openapi.json", "--output-path", "careledger_client", "--meta", "none"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&generated.stdout), String::from_utf8_lossy(&generated.stderr));
    assert!(generated.status.success(), "openapi-python-client could not generate a client:\n{said}");
    // The generator skips what it cannot read with a warning; careledger's document has none.
    assert!(!said.contains("Warning") && !said.contains("Unable to"), "the generator left something out:\n{said}");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clientgen/flow.py");
    let run = tokio::task::spawn_blocking({
        let (dir, base) = (dir.clone(), app.base.clone());
        move || Command::new("python3").arg(script).arg(base).env("PYTHONPATH", dir).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && stdout.contains("FLOW OK"),
        "the generated client's flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
dual!(a_client_generated_from_the_openapi_document_runs_the_main_flow);
