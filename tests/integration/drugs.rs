//! The drug knowledge base (issue 12, item 3): `careledger drugs check`, and a clinic's own
//! files given to `serve --drug-data`, through the real binary and a real server.

use std::process::Output;

use crate::helpers::{Backend, Options, TempDir, spawn_configured};

fn careledger(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_careledger")).args(args).env("CARELEDGER_LOG", "warn").output().unwrap()
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

const DRUGS: &str = "name,synonyms,classes,min_daily_mg,max_daily_mg,source\n";
const INTERACTIONS: &str = "a,b,severity,message,source\n";

#[test]
fn the_shipped_files_pass_the_check() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = careledger(&["drugs", "check", &format!("{root}/assets/drugs/drugs.csv"), &format!("{root}/assets/drugs/interactions.csv")]);
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("drugs.csv: ok (drugs, 34 rows)"), "{text}");
    assert!(text.contains("interactions.csv: ok (interactions, 23 rows)"), "{text}");
    assert!(text.contains("shipped knowledge base: 34 drugs"), "{text}");
}

#[test]
fn a_bad_file_is_refused_with_every_error_and_its_line() {
    let dir = TempDir::new();
    let path = dir.0.join("clinic-interactions.csv");
    std::fs::write(
        &path,
        format!(
            "{INTERACTIONS}ibuprofen,metformin,moderate,Fine,Clinic 2026\nibuprofen,unobtainium,high,x,src\nwarfarin,aspirin,severe,x,src\n"
        ),
    )
    .unwrap();
    let out = careledger(&["drugs", "check", path.to_str().unwrap()]);
    let text = said(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("clinic-interactions.csv:3: `unobtainium` is not a drug"), "{text}");
    assert!(text.contains("clinic-interactions.csv:4: severity `severe`"), "{text}");
    assert!(!text.contains(":2:"), "the good row is not an error: {text}");

    // A file of neither kind, and one that is not there.
    std::fs::write(dir.0.join("x.csv"), "drug,dose\nfoo,1\n").unwrap();
    let out = careledger(&["drugs", "check", dir.0.join("x.csv").to_str().unwrap(), dir.0.join("missing.csv").to_str().unwrap()]);
    let text = said(&out);
    assert!(!out.status.success());
    assert!(text.contains("x.csv:1: the header must be"), "{text}");
    assert!(text.contains("missing.csv:0: cannot read"), "{text}");
}

#[test]
fn a_clinics_files_are_checked_together_as_the_server_loads_them() {
    let dir = TempDir::new();
    let drugs = dir.0.join("clinic-drugs.csv");
    let interactions = dir.0.join("clinic-interactions.csv");
    std::fs::write(&drugs, format!("{DRUGS}clinicdrug,cd-9,nsaid,10,40,Clinic formulary 2026\n")).unwrap();
    std::fs::write(&interactions, format!("{INTERACTIONS}clinicdrug,metformin,low,Watch glucose,Clinic formulary 2026\n")).unwrap();
    // The interaction names a drug from the other file: fine together, in either order.
    let out = careledger(&["drugs", "check", interactions.to_str().unwrap(), drugs.to_str().unwrap()]);
    assert!(out.status.success(), "{}", said(&out));
    // The same drug added by two files: refused, as the server would refuse it.
    let again = dir.0.join("more-drugs.csv");
    std::fs::write(&again, format!("{DRUGS}clinicdrug,,nsaid,,,Another list\n")).unwrap();
    let out = careledger(&["drugs", "check", drugs.to_str().unwrap(), again.to_str().unwrap()]);
    let text = said(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("more-drugs.csv:2: `clinicdrug` is already a name of `clinicdrug`"), "{text}");
}

#[tokio::test]
async fn serve_refuses_to_start_on_a_bad_clinic_file() {
    let data = TempDir::new();
    let drugs = TempDir::new();
    std::fs::write(drugs.0.join("local.csv"), format!("{DRUGS}newdrug,,nsaid,50,10,Clinic 2026\n")).unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_careledger"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data.0)
        .arg("--drug-data")
        .arg(&drugs.0)
        .env("CARELEDGER_LOG", "warn")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), out).await.expect("serve should stop at once").unwrap();
    let text = said(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("local.csv:2: min_daily_mg 50 is above max_daily_mg 10"), "{text}");
}

#[tokio::test]
async fn a_clinics_own_drugs_and_interactions_are_loaded_at_start() {
    let drugs = TempDir::new();
    std::fs::write(
        drugs.0.join("b-interactions.csv"),
        format!("{INTERACTIONS}newcoxib,lisinopril,low,Watch the blood pressure,Clinic 2026\n"),
    )
    .unwrap();
    std::fs::write(drugs.0.join("a-drugs.csv"), format!("{DRUGS}newcoxib,nc-1,nsaid|coxib,100,400,Clinic formulary 2026\n")).unwrap();
    let dir = drugs.0.clone();
    let Some(app) = spawn_configured(Backend::Sqlite, Options::default(), move |s| s.drug_data = Some(dir)).await else { return };
    let base = &app.state.drugs;
    let new = base.find("NC-1").expect("the clinic's drug, by its synonym");
    let lisinopril = base.find("lisinopril").unwrap();
    let severities: Vec<_> = base.interactions(new, lisinopril).iter().map(|i| i.severity).collect();
    // The shipped class row (ACE inhibitors + NSAIDs) and the clinic's own.
    assert_eq!(severities, vec![careledger::drugs::Severity::Moderate, careledger::drugs::Severity::Low]);
    assert!(base.find("amoxicillin").is_some(), "the shipped files are still there");
}
