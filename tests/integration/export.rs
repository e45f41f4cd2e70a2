//! The patient's export (issue 11, item 7): `GET /api/v1/me/export` and the dashboard's
//! download give a FHIR R4 Bundle of everything careledger holds about the patient. Each Bundle
//! is checked by an independent validator, PyPI `fhir.resources` (R4B models), and in Rust for
//! its content: every record with its notes and files, earlier versions, consents, the access
//! log, and nothing of another patient's. Skipped validation (with a notice) when
//! `fhir.resources` is not installed, unless CARELEDGER_REQUIRE_FHIR=1, as in CI.

use std::collections::BTreeSet;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use crate::helpers::{Backend, Reply, TestApp, sign_in};
use crate::{app, dual};

/// Whether `fhir.resources` (R4B models) can be imported by `python3`; fails the test when it
/// cannot and CARELEDGER_REQUIRE_FHIR=1.
pub fn validator_installed() -> bool {
    let found = Command::new("python3").args(["-c", "import fhir.resources.R4B.bundle"]).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CARELEDGER_REQUIRE_FHIR").as_deref() != Ok("1"),
            "CARELEDGER_REQUIRE_FHIR=1 but python3 cannot import fhir.resources (pip install fhir.resources)"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "*** FHIR validation SKIPPED: python3 cannot import fhir.resources (pip install fhir.resources); content checks still ran ***"
        );
    }
    found
}

/// Validates the Bundle with fhir.resources' R4B models: the Bundle, then every entry's resource
/// with the model its `resourceType` names. Then, so that a validator that accepts anything is
/// caught, broken copies of the same Bundle must be refused: an element FHIR does not define,
/// the Bundle without its `type`, and the first resource of each kind that has one without a
/// required element (a DocumentReference's `status`, an AuditEvent's `type`, a Consent's
/// `scope`).
const VALIDATE: &str = r#"
import json, sys
import fhir.resources
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

def check(cls, obj):
    return cls.model_validate(obj) if hasattr(cls, "model_validate") else cls.parse_obj(obj)

data = json.load(open(sys.argv[1], encoding="utf-8"))
bundle = check(Bundle, data)
for e in data["entry"]:
    check(get_fhir_model_class(e["resource"]["resourceType"]), e["resource"])
print("VALID fhir.resources", fhir.resources.__version__, "entries", len(bundle.entry))

def refused(mutate):
    broken = json.loads(json.dumps(data))
    mutate(broken)
    try:
        check(Bundle, broken)
    except Exception:
        return True
    return False

def unknown_element(b):
    b["entry"][0]["resource"]["notAnElement"] = 1

def no_bundle_type(b):
    del b["type"]

# A required element taken off the first resource of each type present that has one.
REQUIRED = {"DocumentReference": "status", "AuditEvent": "type", "Consent": "scope", "CareTeam": None}
def without(i, field):
    def mutate(b):
        del b["entry"][i]["resource"][field]
    return mutate

checks = [refused(unknown_element), refused(no_bundle_type)]
seen = set()
for i, e in enumerate(data["entry"]):
    kind = e["resource"]["resourceType"]
    if REQUIRED.get(kind) and kind not in seen:
        seen.add(kind)
        checks.append(refused(without(i, REQUIRED[kind])))
print("REFUSES-BROKEN", all(checks), len(checks))
"#;

/// Runs the validator on `bundle` (when installed) and asserts it passed.
fn assert_valid_fhir(app: &TestApp, bundle: &str) {
    if !validator_installed() {
        return;
    }
    let path = app.data_dir.0.join(format!("export-{}.json", uuid::Uuid::now_v7()));
    std::fs::write(&path, bundle).unwrap();
    let out = Command::new("python3").args(["-c", VALIDATE]).arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "fhir.resources refused the export:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("VALID fhir.resources"), "{stdout}");
    assert!(stdout.contains("REFUSES-BROKEN True"), "the validator accepts a broken Bundle: {stdout}");
    eprintln!("{}", stdout.lines().next().unwrap_or_default());
}

/// The resources of one type in a Bundle.
fn of_type<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).filter(|r| r["resourceType"] == kind).collect()
}

/// The text of a base64 attachment.
fn decoded(attachment: &Value) -> Vec<u8> {
    STANDARD.decode(attachment["data"].as_str().unwrap_or_default()).unwrap()
}

/// Every `reference` anywhere under `v`.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                // A Consent actor's `reference` is itself a Reference (an object).
                if let (true, Some(r)) = (k == "reference", x.as_str()) {
                    out.push(r.to_string());
                }
                references(x, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

/// Checks what every export must be: a Bundle of type collection whose entries have unique
/// `urn:uuid` full URLs and whose references all point at one of them.
fn assert_well_formed(bundle: &Value) {
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert!(careledger::clock::parse(bundle["timestamp"].as_str().unwrap()).is_some(), "{}", bundle["timestamp"]);
    let entries = bundle["entry"].as_array().unwrap();
    let urls: Vec<&str> = entries.iter().map(|e| e["fullUrl"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = urls.iter().copied().collect();
    assert_eq!(unique.len(), urls.len(), "full URLs repeat: {urls:?}");
    for e in entries {
        let url = e["fullUrl"].as_str().unwrap();
        let id = url.strip_prefix("urn:uuid:").unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{url}");
        assert_eq!(e["resource"]["id"], id, "an entry's resource has the id of its full URL");
    }
    let mut refs = Vec::new();
    references(bundle, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        assert!(unique.contains(r.as_str()), "{r} points at nothing in the Bundle");
    }
}

/// Downloads the export through the API.
async fn export(app: &TestApp, token: &str) -> (Reply, Value) {
    let r = app.get("/api/v1/me/export", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = serde_json::from_str(&r.text).unwrap();
    (r, body)
}

async fn the_export_is_a_valid_fhir_bundle_of_everything_held_about_the_patient(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let dana = app.doctor("doc@example.org", &admin).await;
    let bo = app.staff("bo@example.org", "doctor", "Bo Second", &admin).await;
    let cy = app.staff("cy@example.org", "doctor", "Cy Consent", &admin).await;
    let di = app.staff("di@example.org", "doctor", "Di Revoked", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;

    // Two authors, an amendment, a file with bytes that are not text.
    let visit = app.record(&dana, &patient.id, "Knee pain", "visit").await["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/records/{visit}/amendments"),
            Some(&dana.access),
            &json!({"notes": "Knee pain, right side — amended", "reason": "wrong side"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    let labs = app.record(&bo, &patient.id, "Blood count", "lab_result").await["id"].as_str().unwrap().to_string();
    let file_bytes: Vec<u8> = b"%PDF-1.7\n\xff\xfe\x00\x01 binary lab report \xe2\x82\xac".to_vec();
    let up = app.attach(&bo.access, &labs, "blood count.pdf", file_bytes.clone()).await;
    assert_eq!(up.status, 201);
    let theirs = app.record(&dana, &other.id, "Other patient's secret", "diagnosis").await["id"].as_str().unwrap().to_string();

    // A consent that stands and one revoked.
    let r = app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": cy.id, "expires_at": "2099-12-31"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let active_consent = r.body["id"].as_str().unwrap().to_string();
    let r = app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": di.id})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let revoked_consent = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(app.delete(&format!("/api/v1/consents/{revoked_consent}"), Some(&patient.access)).await.status, 204);

    // The access log: a read by a doctor on the team, a refused one after revocation.
    assert_eq!(app.get(&format!("/api/v1/records/{visit}"), Some(&dana.access)).await.status, 200);
    app.get(&format!("/api/v1/records/{visit}"), Some(&di.access)).await.assert_problem(404, "not_found");

    let (reply, bundle) = export(&app, &patient.access).await;
    assert_eq!(reply.headers["content-type"], "application/fhir+json");
    let day = careledger::clock::format(app.clock.now())[..10].to_string();
    assert_eq!(reply.headers["content-disposition"], format!("attachment; filename=\"careledger-export-{day}.json\"").as_str());
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert_well_formed(&bundle);
    assert_valid_fhir(&app, &reply.text);

    // The patient.
    let patients = of_type(&bundle, "Patient");
    assert_eq!(patients.len(), 1);
    let p = patients[0];
    assert_eq!(p["id"], patient.id.as_str());
    assert_eq!(p["name"][0]["text"], "Pat Ient");
    assert_eq!(p["telecom"][0], json!({"system": "email", "value": "pat@example.org", "use": "home"}));
    assert_eq!(p["active"], true);
    assert_eq!(p["identifier"][0]["value"], patient.id.as_str());
    assert!(p["identifier"][0]["system"].as_str().unwrap().starts_with("urn:careledger"), "{p}");

    // Each doctor once, by name.
    let practitioners = of_type(&bundle, "Practitioner");
    let names: BTreeSet<&str> = practitioners.iter().map(|d| d["name"][0]["text"].as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["Bo Second", "Cy Consent", "Dana Doctor", "Di Revoked"]));
    assert_eq!(practitioners.len(), 4);

    // Every record: the current version of each, and the version the amendment replaced.
    let docs = of_type(&bundle, "DocumentReference");
    assert_eq!(docs.len(), 3, "two records, one of them amended once");
    let current: Vec<&Value> = docs.iter().copied().filter(|d| d["status"] == "current").collect();
    let ids: BTreeSet<&str> = current.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, BTreeSet::from([visit.as_str(), labs.as_str()]));
    let knee = current.iter().find(|d| d["id"] == visit.as_str()).unwrap();
    assert_eq!(knee["docStatus"], "amended");
    assert_eq!(knee["description"], "Knee pain");
    assert_eq!(knee["subject"]["reference"], format!("urn:uuid:{}", patient.id));
    assert_eq!(knee["author"][0]["reference"], format!("urn:uuid:{}", dana.id));
    assert_eq!(knee["author"][0]["display"], "Dana Doctor");
    assert_eq!(knee["type"]["coding"][0]["code"], "visit");
    assert_eq!(knee["meta"]["versionId"], "2");
    assert_eq!(knee["content"][0]["attachment"]["contentType"], "text/plain; charset=utf-8");
    assert_eq!(String::from_utf8(decoded(&knee["content"][0]["attachment"])).unwrap(), "Knee pain, right side — amended");
    assert_eq!(knee["extension"][0]["valueString"], "wrong side");
    assert_eq!(knee["relatesTo"][0]["code"], "replaces");
    let replaced = knee["relatesTo"][0]["target"]["reference"].as_str().unwrap();
    let first = docs.iter().find(|d| format!("urn:uuid:{}", d["id"].as_str().unwrap()) == replaced).unwrap();
    assert_eq!(first["status"], "superseded");
    assert_eq!(first["docStatus"], "final");
    assert_eq!(first["identifier"][0]["value"], visit.as_str());
    assert_eq!(String::from_utf8(decoded(&first["content"][0]["attachment"])).unwrap(), "Notes for Knee pain");
    let blood = current.iter().find(|d| d["id"] == labs.as_str()).unwrap();
    assert_eq!(blood["docStatus"], "final");
    assert_eq!(blood["author"][0]["display"], "Bo Second");
    assert!(blood["type"]["coding"].as_array().unwrap().iter().any(|c| c["system"] == "http://loinc.org" && c["code"] == "11502-2"));
    assert_eq!(String::from_utf8(decoded(&blood["content"][0]["attachment"])).unwrap(), "Notes for Blood count");
    // The file round-trips byte for byte, with FHIR's SHA-1 and careledger's SHA-256.
    let file = &blood["content"][1]["attachment"];
    assert_eq!(decoded(file), file_bytes);
    assert_eq!(file["contentType"], "application/pdf");
    assert_eq!(file["title"], "blood count.pdf");
    assert_eq!(file["size"], file_bytes.len());
    assert_eq!(file["hash"], STANDARD.encode(Sha1::digest(&file_bytes)));
    assert_eq!(file["extension"][0]["valueString"], hex::encode(sha2::Sha256::digest(&file_bytes)));
    assert_eq!(blood["content"].as_array().unwrap().len(), 2);

    // Nothing of the other patient.
    assert!(!reply.text.contains(&theirs) && !reply.text.contains(&other.id), "another patient's ids are in the export");
    assert!(!reply.text.contains("Other patient's secret"));
    assert!(!reply.text.contains(&STANDARD.encode("Notes for Other patient's secret")));

    // Both consents, the revoked one inactive and ended.
    let consents = of_type(&bundle, "Consent");
    assert_eq!(consents.len(), 2);
    let standing = consents.iter().find(|c| c["id"] == active_consent.as_str()).unwrap();
    assert_eq!(standing["status"], "active");
    assert_eq!(standing["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(standing["patient"]["reference"], format!("urn:uuid:{}", patient.id));
    assert_eq!(standing["provision"]["actor"][0]["reference"]["reference"], format!("urn:uuid:{}", cy.id));
    assert_eq!(standing["provision"]["period"]["end"], "2100-01-01T00:00:00.000000Z", "the end of 2099-12-31");
    let ended = consents.iter().find(|c| c["id"] == revoked_consent.as_str()).unwrap();
    assert_eq!(ended["status"], "inactive");
    assert!(ended["provision"]["period"]["end"].is_string(), "{ended}");

    // The access log: Dana's read, and Di's refused attempt.
    let events = of_type(&bundle, "AuditEvent");
    assert!(!events.is_empty());
    for e in &events {
        assert_eq!(e["type"]["system"], "http://terminology.hl7.org/CodeSystem/audit-event-type");
        assert_eq!(e["type"]["code"], "rest");
        assert_eq!(e["source"]["observer"]["display"], "careledger");
        assert_eq!(e["agent"][0]["requestor"], true);
        assert!(["C", "R", "U", "D", "E"].contains(&e["action"].as_str().unwrap()), "{e}");
        assert!(!e.to_string().contains("127.0.0.1"), "no addresses in the export: {e}");
    }
    let read = events
        .iter()
        .find(|e| e["subtype"][0]["code"] == "record.read" && e["agent"][0]["who"]["display"] == "Dana Doctor")
        .expect("Dana's read of the record");
    assert_eq!(read["action"], "R");
    assert_eq!(read["outcome"], "0");
    assert_eq!(read["agent"][0]["role"][0]["text"], "doctor");
    assert_eq!(read["entity"][0]["what"]["reference"], format!("urn:uuid:{visit}"));
    assert_eq!(read["entity"][0]["what"]["type"], "DocumentReference");
    let refused = events
        .iter()
        .find(|e| e["subtype"][0]["code"] == "record.read" && e["agent"][0]["who"]["display"] == "Di Revoked")
        .expect("Di's refused read");
    assert_eq!(refused["outcome"], "4");

    // The download is in the trail, under the patient, for admins.
    let rows = app.get(&format!("/api/v1/audit?action=export.download&patient_id={}", patient.id), Some(&admin.access)).await;
    assert_eq!(rows.status, 200, "{}", rows.text);
    let items = rows.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", rows.text);
    assert_eq!(items[0]["actor_id"], patient.id.as_str());
    assert_eq!(items[0]["resource_type"], "patient");
    assert_eq!(items[0]["resource_id"], patient.id.as_str());
    assert_eq!(items[0]["outcome"], "success");

    // The other patient's export holds their record and nothing of the first patient's.
    let (theirs_reply, theirs_bundle) = export(&app, &other.access).await;
    assert_well_formed(&theirs_bundle);
    let their_docs = of_type(&theirs_bundle, "DocumentReference");
    assert_eq!(their_docs.len(), 1);
    assert_eq!(their_docs[0]["id"], theirs.as_str());
    for leaked in [&visit, &labs, &patient.id, &active_consent, &cy.id] {
        assert!(!theirs_reply.text.contains(leaked.as_str()), "{leaked} is in another patient's export");
    }
    assert!(!theirs_reply.text.contains("Knee pain"));
    assert_valid_fhir(&app, &theirs_reply.text);
}
dual!(the_export_is_a_valid_fhir_bundle_of_everything_held_about_the_patient);

async fn only_patients_export_and_only_their_own_data(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let pharmacist = app.staff("ph@example.org", "pharmacist", "Phil Pharm", &admin).await;
    let patient = app.patient("pat@example.org").await;
    app.record(&doctor, &patient.id, "Own record", "note").await;

    for who in [&doctor, &admin, &pharmacist] {
        app.get("/api/v1/me/export", Some(&who.access)).await.assert_problem(403, "forbidden");
    }
    app.get("/api/v1/me/export", None).await.assert_problem(401, "unauthenticated");
    // The refusals are in the trail as denied, with the caller's role.
    let rows = app.get("/api/v1/audit?action=export.download", Some(&admin.access)).await;
    let items = rows.body["items"].as_array().unwrap();
    let roles: BTreeSet<&str> = items.iter().map(|r| r["actor_role"].as_str().unwrap()).collect();
    assert_eq!(roles, BTreeSet::from(["admin", "doctor", "pharmacist"]), "{}", rows.text);
    assert!(items.iter().all(|r| r["outcome"] == "denied"), "{}", rows.text);

    // A patient with nothing but an account gets a valid Bundle of themself.
    let newcomer = app.patient("new@example.org").await;
    let (reply, bundle) = export(&app, &newcomer.access).await;
    assert_well_formed(&bundle);
    assert!(of_type(&bundle, "DocumentReference").is_empty() && of_type(&bundle, "Consent").is_empty());
    assert_eq!(of_type(&bundle, "Patient")[0]["id"], newcomer.id.as_str());
    assert!(!reply.text.contains("Own record") && !reply.text.contains(&patient.id));
    assert_valid_fhir(&app, &reply.text);
}
dual!(only_patients_export_and_only_their_own_data);

async fn the_dashboard_downloads_the_same_bundle(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let record = app.record(&doctor, &patient.id, "Shown on the page", "imaging").await["id"].as_str().unwrap().to_string();

    let b = sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url("/patient/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("href=\"/me/export\"") && html.contains("Download my records (FHIR)"), "{html}");
    let r = b.get(app.url("/me/export")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/fhir+json");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"careledger-export-"));
    let text = r.text().await.unwrap();
    let bundle: Value = serde_json::from_str(&text).unwrap();
    assert_well_formed(&bundle);
    let docs = of_type(&bundle, "DocumentReference");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["id"], record.as_str());
    assert_eq!(String::from_utf8(decoded(&docs[0]["content"][0]["attachment"])).unwrap(), "Notes for Shown on the page");
    assert_valid_fhir(&app, &text);

    // Other roles are refused by the page too; signed out, it sends to the sign-in page.
    let d = sign_in(&app, "doc@example.org").await;
    assert_eq!(d.get(app.url("/me/export")).send().await.unwrap().status(), 403);
    let anon = crate::helpers::browser().get(app.url("/me/export")).send().await.unwrap();
    assert_eq!(anon.status(), 303);
    assert_eq!(anon.headers()["location"], "/login?next=%2Fme%2Fexport", "sign in, then back to the download");
    // The page download is audited like the API's.
    let rows = app.get(&format!("/api/v1/audit?action=export.download&patient_id={}", patient.id), Some(&admin.access)).await;
    assert_eq!(rows.body["items"].as_array().unwrap().len(), 1, "{}", rows.text);
}
dual!(the_dashboard_downloads_the_same_bundle);

async fn the_export_holds_allergies_problems_and_prescriptions(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let dana = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    app.record(&dana, &patient.id, "Visit", "visit").await;
    app.record(&dana, &other.id, "Visit", "visit").await;
    let p = &patient.id;
    let r = app
        .post(&format!("/api/v1/patients/{p}/allergies"), Some(&dana.access), &json!({"substance": "Penicillin", "severity": "severe"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/patients/{p}/problems"),
            Some(&dana.access),
            &json!({"description": "Hypertension", "code": "I10", "onset": "2019-05-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let other_allergy =
        app.post(&format!("/api/v1/patients/{}/allergies", other.id), Some(&dana.access), &json!({"substance": "Latex"})).await;
    assert_eq!(other_allergy.status, 201);
    let rx = json!({"patient_id": p, "items": [
        {"drug": "lisinopril", "dose_mg": 10, "frequency_per_day": 1, "duration_days": 90, "instructions": "In the morning"},
        {"drug": "ibuprofen", "dose_mg": 400, "frequency_per_day": 3, "duration_days": 5}],
        "acknowledge_warnings": true, "override_reason": "Five days only, kidney function checked"});
    let r = app.post("/api/v1/prescriptions", Some(&dana.access), &rx).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rx_id = r.body["id"].as_str().unwrap().to_string();

    let (reply, bundle) = export(&app, &patient.access).await;
    assert_well_formed(&bundle);
    assert_valid_fhir(&app, &reply.text);
    let allergies = of_type(&bundle, "AllergyIntolerance");
    assert_eq!(allergies.len(), 1, "only the patient's own");
    assert_eq!(allergies[0]["code"]["text"], "Penicillin");
    assert_eq!(allergies[0]["reaction"][0]["severity"], "severe");
    let conditions = of_type(&bundle, "Condition");
    assert_eq!(conditions.len(), 1);
    assert_eq!(conditions[0]["code"]["coding"][0]["code"], "I10");
    assert_eq!(conditions[0]["onsetDateTime"], "2019-05-01");
    let requests = of_type(&bundle, "MedicationRequest");
    assert_eq!(requests.len(), 2, "one per item");
    assert!(requests.iter().all(|m| m["groupIdentifier"]["value"] == rx_id.as_str() && m["status"] == "active"));
    assert_eq!(requests[0]["medicationCodeableConcept"]["text"], "lisinopril");
    assert_eq!(requests[0]["dosageInstruction"][0]["timing"]["repeat"]["frequency"], 1);
    assert!(requests[1]["note"][0]["text"].as_str().unwrap().contains("kidney function checked"));
    assert!(!reply.text.contains("Latex"));
}
dual!(the_export_holds_allergies_problems_and_prescriptions);
