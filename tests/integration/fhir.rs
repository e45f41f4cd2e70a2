//! The FHIR R4 API (issue 14, item 1) at `/fhir/r4`: the CapabilityStatement lists exactly what
//! answers, and each type it lists is read or searched here; Patient, Practitioner,
//! DocumentReference, AllergyIntolerance, Condition, MedicationRequest, Appointment,
//! ServiceRequest, Observation, Consent, AuditEvent and `Patient/$everything`, each checked by an
//! independent validator (PyPI `fhir.resources`, R4B models); paging with `_count` and `next`;
//! the same access rules as the API (a doctor outside the care team gets 404), and every error
//! an OperationOutcome.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{Backend, Reply, TestApp};
use crate::{app, dual};

/// Validates one resource (a Bundle and each of its entries' resources, or a single resource)
/// with the model its `resourceType` names; and, so that a validator accepting anything is
/// caught, refuses a copy with an element FHIR does not define.
const VALIDATE: &str = r#"
import json, sys
from fhir.resources.R4B import get_fhir_model_class

def check(obj):
    cls = get_fhir_model_class(obj["resourceType"])
    return cls.model_validate(obj) if hasattr(cls, "model_validate") else cls.parse_obj(obj)

data = json.load(open(sys.argv[1], encoding="utf-8"))
check(data)
for e in data.get("entry", []):
    check(e["resource"])
broken = json.loads(json.dumps(data))
broken["notAnElement"] = 1
try:
    check(broken)
    print("ACCEPTED-BROKEN")
except Exception:
    print("VALID", data["resourceType"], len(data.get("entry", [])))
"#;

/// Asserts that `fhir.resources` accepts the resource (when it is installed; required in CI).
fn assert_valid(app: &TestApp, r: &Reply) {
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/fhir+json", "{}", r.text);
    if !crate::export::validator_installed() {
        return;
    }
    let path = app.data_dir.0.join(format!("fhir-{}.json", uuid::Uuid::now_v7()));
    std::fs::write(&path, &r.text).unwrap();
    let out = Command::new("python3").args(["-c", VALIDATE]).arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.starts_with("VALID"),
        "fhir.resources: {stdout} {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        r.text
    );
}

/// The resources of a searchset Bundle.
fn resources(bundle: &Value) -> Vec<Value> {
    assert_eq!(bundle["resourceType"], "Bundle", "{bundle}");
    assert_eq!(bundle["type"], "searchset", "{bundle}");
    bundle["entry"].as_array().map(|e| e.iter().map(|e| e["resource"].clone()).collect()).unwrap_or_default()
}

/// Asserts an OperationOutcome with this status and issue code.
fn assert_outcome(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/fhir+json", "{}", r.text);
    assert_eq!(r.body["resourceType"], "OperationOutcome", "{}", r.text);
    assert_eq!(r.body["issue"][0]["code"], code, "{}", r.text);
    assert_eq!(r.body["issue"][0]["severity"], "error", "{}", r.text);
}

async fn the_fhir_api_reads_a_patients_care_under_the_api_rules(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let dana = app.doctor("doc@example.org", &admin).await;
    let outsider = app.staff("out@example.org", "doctor", "Olga Outside", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    let p = patient.id.clone();

    let record = app.record(&dana, &p, "Knee pain", "visit").await["id"].as_str().unwrap().to_string();
    let file = app.attach(&dana.access, &record, "xray.txt", b"no fracture".to_vec()).await;
    assert_eq!(file.status, 201, "{}", file.text);
    let sha = file.body["sha256"].as_str().unwrap().to_string();
    for substance in ["Penicillin", "Latex", "Peanuts"] {
        let r = app.post(&format!("/api/v1/patients/{p}/allergies"), Some(&dana.access), &json!({"substance": substance})).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = app
        .post(&format!("/api/v1/patients/{p}/problems"), Some(&dana.access), &json!({"description": "Hypertension", "code": "I10"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rx = json!({"patient_id": p, "items": [{"drug": "lisinopril", "dose_mg": 10, "frequency_per_day": 1, "duration_days": 90}]});
    let r = app.post("/api/v1/prescriptions", Some(&dana.access), &rx).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rx_id = r.body["id"].as_str().unwrap().to_string();
    // The pharmacy dispenses it from a batch.
    let pharmacist = app.staff("rx@example.org", "pharmacist", "Phil Pharm", &admin).await;
    let expiry = (app.clock.now() + chrono::Duration::days(200)).format("%Y-%m-%d").to_string();
    let stock = json!({"drug": "lisinopril", "batch": "LS-7", "quantity": 200, "expiry": expiry, "reorder_level": 10});
    let r = app.post("/api/v1/inventory", Some(&pharmacist.access), &stock).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let batch = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/prescriptions/{rx_id}/dispense"),
            Some(&pharmacist.access),
            &json!({"items": [{"inventory_id": batch, "quantity": 90}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // An appointment, a lab order with its result, a consent.
    let day = (app.clock.now() + chrono::Duration::days(1)).date_naive();
    let at = |h: u32| careledger::clock::format(day.and_hms_opt(h, 0, 0).unwrap().and_utc());
    let booking = json!({"doctor_id": dana.id, "patient_id": p, "start": at(9), "end": at(10), "room": "3", "reason": "Knee review"});
    let r = app.post("/api/v1/appointments", Some(&dana.access), &booking).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let order = json!({"patient_id": p, "test_code": "2823-3", "test_name": "Potassium"});
    let r = app.post("/api/v1/lab-orders", Some(&dana.access), &order).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let order_id = r.body["id"].as_str().unwrap().to_string();
    let lab = app.staff("lab@example.org", "lab", "Lab Tech", &admin).await;
    let result = json!({"value": "5.9", "unit": "mmol/L", "reference_range": "3.5-5.1", "flag": "high"});
    let r = app.post(&format!("/api/v1/lab-orders/{order_id}/results"), Some(&lab.access), &result).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let cy = app.staff("cy@example.org", "doctor", "Cy Consulted", &admin).await;
    let r = app.post("/api/v1/consents", Some(&patient.access), &json!({"grantee_id": cy.id, "expires_at": "2099-12-31"})).await;
    assert_eq!(r.status, 201, "{}", r.text);

    // The CapabilityStatement, public, lists what answers; each search answers its reader.
    let cap = app.get("/fhir/r4/metadata", None).await;
    assert_valid(&app, &cap);
    assert_eq!((cap.body["resourceType"].as_str(), cap.body["fhirVersion"].as_str()), (Some("CapabilityStatement"), Some("4.0.1")));
    let listed: Vec<&str> = cap.body["rest"][0]["resource"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(
        listed,
        [
            "Patient",
            "Practitioner",
            "DocumentReference",
            "AllergyIntolerance",
            "Condition",
            "MedicationRequest",
            "MedicationDispense",
            "Provenance",
            "Appointment",
            "ServiceRequest",
            "Observation",
            "Consent",
            "AuditEvent"
        ]
    );
    app.state.audit.flush().await.unwrap();
    for resource in cap.body["rest"][0]["resource"].as_array().unwrap() {
        let kind = resource["type"].as_str().unwrap();
        let codes: Vec<&str> = resource["interaction"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
        let reader = match kind {
            "Consent" => &patient.access,
            "AuditEvent" => &admin.access,
            _ => &dana.access,
        };
        assert_eq!(codes, ["read", "search-type"], "{kind}: every type is read and searched");
        let query = match kind {
            "Practitioner" => "name=Dana".to_string(),
            "Patient" => "name=Pat".to_string(),
            "Provenance" => format!("target=DocumentReference/{record}"),
            _ => format!("patient={p}"),
        };
        let r = app.get(&format!("/fhir/r4/{kind}?{query}"), Some(reader)).await;
        assert_valid(&app, &r);
        let found = resources(&r.body);
        assert!(!found.is_empty() && found.iter().all(|x| x["resourceType"] == kind), "{kind}: {}", r.text);
        // Each found resource reads back by its id, the same.
        for one in &found {
            let id = one["id"].as_str().unwrap();
            let r = app.get(&format!("/fhir/r4/{kind}/{id}"), Some(reader)).await;
            assert_valid(&app, &r);
            assert_eq!(&r.body, one, "{kind}/{id} reads as its search found it");
        }
    }
    // Reads refused as the searches are: a doctor outside the care team, another patient.
    let allergy = resources(&app.get(&format!("/fhir/r4/AllergyIntolerance?patient={p}"), Some(&dana.access)).await.body)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (path, who) in [
        (format!("AllergyIntolerance/{allergy}"), &outsider.access),
        (format!("AllergyIntolerance/{allergy}"), &other.access),
        (format!("Observation/{order_id}"), &outsider.access),
        (format!("ServiceRequest/{order_id}"), &other.access),
        (format!("Provenance/{record}-1"), &outsider.access),
        (format!("MedicationRequest/{rx_id}-0"), &other.access),
        (format!("MedicationRequest/{rx_id}-7"), &dana.access),
        ("AllergyIntolerance/not..an..id".to_string(), &dana.access),
        (format!("AuditEvent/{}", u32::MAX), &admin.access),
    ] {
        assert_outcome(&app.get(&format!("/fhir/r4/{path}"), Some(who)).await, 404, "not-found");
    }
    // A refused read says no more than an unknown id; a search about a patient one may not read
    // is 404 for every type; a foreign identifier system matches nothing; refusals name the
    // FHIR parameters.
    let refused = app.get(&format!("/fhir/r4/AllergyIntolerance/{allergy}"), Some(&outsider.access)).await;
    let unknown = app.get(&format!("/fhir/r4/AllergyIntolerance/{}", uuid::Uuid::now_v7()), Some(&outsider.access)).await;
    assert_eq!(refused.body, unknown.body, "the refusal of an existing allergy reads as an unknown id");
    assert_outcome(&app.get(&format!("/fhir/r4/Appointment?patient={p}"), Some(&other.access)).await, 404, "not-found");
    for (query, field) in
        [("Patient?name=x", "name"), ("Condition?patient={p}&_count=0", "_count"), ("Condition?patient={p}&_cursor=zz", "_cursor")]
    {
        let r = app.get(&format!("/fhir/r4/{}", query.replace("{p}", &p)), Some(&dana.access)).await;
        assert_outcome(&r, 422, "invalid");
        assert_eq!(r.body["issue"][1]["expression"], json!([field]), "{}", r.text);
    }
    // Practitioner: doctors only; a patient's id is not one.
    assert_outcome(&app.get(&format!("/fhir/r4/Practitioner/{p}"), Some(&dana.access)).await, 404, "not-found");
    // The lab result: a quantity, flagged high, based on its order.
    let r = app.get(&format!("/fhir/r4/Observation?patient={p}"), Some(&patient.access)).await;
    let obs = &resources(&r.body)[0];
    assert_eq!(obs["valueQuantity"], json!({"value": 5.9, "unit": "mmol/L"}), "{obs}");
    assert_eq!(obs["interpretation"][0]["coding"][0]["code"], "H");
    assert_eq!(obs["basedOn"][0]["reference"], format!("ServiceRequest/{order_id}"));
    // The dispensing, against the prescription's request; the ledger entry behind the record.
    let r = app.get("/fhir/r4/MedicationDispense", Some(&patient.access)).await;
    let given = &resources(&r.body)[0];
    assert_eq!((given["quantity"]["value"].as_i64(), given["note"][0]["text"].as_str()), (Some(90), Some("Batch LS-7")), "{given}");
    let request = app.get(&format!("/fhir/r4/MedicationRequest?patient={p}"), Some(&patient.access)).await;
    assert_eq!(
        given["authorizingPrescription"][0]["reference"],
        format!("MedicationRequest/{}", resources(&request.body)[0]["id"].as_str().unwrap())
    );
    let r = app.get(&format!("/fhir/r4/Provenance?target=DocumentReference/{record}"), Some(&patient.access)).await;
    let prov = &resources(&r.body)[0];
    assert_eq!(prov["target"][0]["reference"], format!("DocumentReference/{record}/_history/1"));
    let entry = prov["extension"][0]["valueInteger"].as_i64().unwrap();
    let proof = app.get(&format!("/api/v1/records/{record}/proof"), Some(&patient.access)).await;
    assert_eq!(proof.status, 200, "{}", proof.text);
    assert_eq!(proof.body["leaf_index"].as_i64().or(proof.body["entry_index"].as_i64()), Some(entry), "{}", proof.text);
    assert_outcome(
        &app.get(&format!("/fhir/r4/Provenance?target=DocumentReference/{record}"), Some(&outsider.access)).await,
        404,
        "not-found",
    );
    assert_outcome(&app.get("/fhir/r4/Provenance?target=Patient/x", Some(&dana.access)).await, 422, "invalid");
    // Consents are the patient's own; the audit trail is the admins'.
    assert_outcome(&app.get(&format!("/fhir/r4/Consent?patient={p}"), Some(&dana.access)).await, 403, "forbidden");
    assert_outcome(&app.get(&format!("/fhir/r4/AuditEvent?patient={p}"), Some(&patient.access)).await, 403, "forbidden");
    assert_outcome(&app.get(&format!("/fhir/r4/Observation?patient={p}"), Some(&outsider.access)).await, 404, "not-found");

    // Patient: the patient and their doctor read it; a doctor outside the care team gets 404.
    for token in [&patient.access, &dana.access] {
        let r = app.get(&format!("/fhir/r4/Patient/{p}"), Some(token)).await;
        assert_valid(&app, &r);
        assert_eq!(r.body["id"], p.as_str());
        assert!(r.body["identifier"].as_array().unwrap().iter().any(|i| i["system"] == "urn:careledger:mrn"), "{}", r.text);
    }
    assert_outcome(&app.get(&format!("/fhir/r4/Patient/{p}"), Some(&outsider.access)).await, 404, "not-found");
    assert_outcome(&app.get(&format!("/fhir/r4/Patient/{}", dana.id), Some(&dana.access)).await, 404, "not-found");
    // Signed out, forged, or not an id: OperationOutcomes too.
    assert_outcome(&app.get(&format!("/fhir/r4/Patient/{p}"), None).await, 401, "login");
    assert_outcome(&app.get(&format!("/fhir/r4/Patient/{p}"), Some("eyJhbGciOiJFZERTQSJ9.e30.AAAA")).await, 401, "login");
    assert_outcome(&app.get("/fhir/r4/Patient/not-an-id", Some(&dana.access)).await, 404, "not-found");
    assert_outcome(&app.get("/fhir/r4/Encounter", Some(&dana.access)).await, 404, "not-found");

    // Patient search: by MRN, name and birthdate for doctors; a patient finds only themselves.
    let mrn = app.get(&format!("/fhir/r4/Patient/{p}"), Some(&dana.access)).await.body["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["system"] == "urn:careledger:mrn")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get(&format!("/fhir/r4/Patient?identifier=urn:careledger:mrn|{mrn}"), Some(&dana.access)).await;
    assert_valid(&app, &r);
    let found = resources(&r.body);
    assert_eq!((found.len(), found[0]["id"].as_str()), (1, Some(p.as_str())), "{}", r.text);
    // A doctor outside the care team finds nobody, even by the exact MRN.
    let r = app.get(&format!("/fhir/r4/Patient?identifier={mrn}"), Some(&outsider.access)).await;
    assert_valid(&app, &r);
    assert!(resources(&r.body).is_empty(), "{}", r.text);
    let r = app.get(&format!("/fhir/r4/Patient?identifier=http://elsewhere.example|{mrn}"), Some(&dana.access)).await;
    assert_valid(&app, &r);
    assert!(resources(&r.body).is_empty(), "{}", r.text);
    let r = app.get("/fhir/r4/Patient?birthdate=28-11-2026", Some(&dana.access)).await;
    assert_outcome(&r, 422, "invalid");
    assert_eq!(r.body["issue"][1]["expression"], json!(["birthdate"]), "{}", r.text);
    assert_outcome(&app.get("/fhir/r4/Patient", Some(&dana.access)).await, 422, "invalid");
    let r = app.get("/fhir/r4/Patient?name=e", Some(&other.access)).await;
    let mine: Vec<Value> = resources(&r.body);
    assert!(mine.iter().all(|x| x["id"] == other.id.as_str()), "a patient finds only themselves: {}", r.text);

    // DocumentReference: the record with its notes, and its file as a link that downloads.
    let r = app.get(&format!("/fhir/r4/DocumentReference/{record}"), Some(&dana.access)).await;
    assert_valid(&app, &r);
    assert_eq!(r.body["description"], "Knee pain");
    assert_eq!(r.body["subject"]["reference"], format!("Patient/{p}"));
    let link = r.body["content"][1]["attachment"]["url"].as_str().unwrap().to_string();
    assert!(link.ends_with(&format!("/api/v1/records/{record}/files/{sha}")), "{link}");
    let bytes = app.http.get(&link).bearer_auth(&patient.access).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], b"no fracture");
    assert_outcome(&app.get(&format!("/fhir/r4/DocumentReference/{record}"), Some(&outsider.access)).await, 404, "not-found");
    assert_outcome(&app.get(&format!("/fhir/r4/DocumentReference/{record}"), Some(&other.access)).await, 404, "not-found");
    // The patient's own, without naming themselves; a doctor outside the team: 404.
    let r = app.get("/fhir/r4/DocumentReference", Some(&patient.access)).await;
    assert_valid(&app, &r);
    assert_eq!(resources(&r.body).len(), 1);
    assert_outcome(&app.get(&format!("/fhir/r4/DocumentReference?patient={p}"), Some(&outsider.access)).await, 404, "not-found");
    assert_outcome(&app.get(&format!("/fhir/r4/AllergyIntolerance?patient={p}"), Some(&outsider.access)).await, 404, "not-found");
    assert_outcome(&app.get(&format!("/fhir/r4/Condition?patient=Patient/{p}"), Some(&other.access)).await, 404, "not-found");
    assert_outcome(&app.get("/fhir/r4/Condition", Some(&dana.access)).await, 422, "invalid");
    assert_outcome(&app.get("/fhir/r4/Condition?patient=nobody", Some(&dana.access)).await, 422, "invalid");

    // Paging: `_count` and the `next` link, which carries the search on.
    let r = app.get(&format!("/fhir/r4/AllergyIntolerance?patient=Patient/{p}&_count=2"), Some(&dana.access)).await;
    assert_valid(&app, &r);
    let first: Vec<String> = resources(&r.body).iter().map(|a| a["code"]["text"].as_str().unwrap().to_string()).collect();
    assert_eq!(first.len(), 2);
    let links = r.body["link"].as_array().unwrap();
    let next = links.iter().find(|l| l["relation"] == "next").unwrap()["url"].as_str().unwrap().to_string();
    assert!(next.contains("_count=2") && next.contains("_cursor="), "{next}");
    let r2 = Reply::from_response(app.http.get(&next).bearer_auth(&dana.access).send().await.unwrap()).await;
    assert_valid(&app, &r2);
    let rest: Vec<String> = resources(&r2.body).iter().map(|a| a["code"]["text"].as_str().unwrap().to_string()).collect();
    assert_eq!(rest.len(), 1);
    assert!(!first.contains(&rest[0]));
    assert!(r2.body["link"].as_array().unwrap().iter().all(|l| l["relation"] != "next"), "{}", r2.text);
    assert_outcome(&app.get(&format!("/fhir/r4/AllergyIntolerance?patient={p}&_count=0"), Some(&dana.access)).await, 422, "invalid");

    // $everything: the patient and all of theirs, one Bundle the validator accepts.
    let r = app.get(&format!("/fhir/r4/Patient/{p}/$everything"), Some(&dana.access)).await;
    assert_valid(&app, &r);
    let mut kinds: Vec<String> = resources(&r.body).iter().map(|x| x["resourceType"].as_str().unwrap().to_string()).collect();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "Patient",
            "DocumentReference",
            "AllergyIntolerance",
            "Condition",
            "MedicationRequest",
            "MedicationDispense",
            "Appointment",
            "ServiceRequest",
            "Observation"
        ],
        "{}",
        r.text
    );
    assert_eq!(resources(&r.body).len(), 1 + 1 + 3 + 1 + 1 + 1 + 1 + 1 + 1);
    assert_outcome(&app.get(&format!("/fhir/r4/Patient/{p}/$everything"), Some(&outsider.access)).await, 404, "not-found");

    // Every FHIR read is in the audit trail, on the patient's access log.
    app.state.audit.flush().await.unwrap();
    let log = app.get("/api/v1/me/access-log?limit=200", Some(&patient.access)).await;
    assert_eq!(log.status, 200, "{}", log.text);
    let actions: Vec<&str> = log.body["items"].as_array().unwrap().iter().filter_map(|i| i["action"].as_str()).collect();
    for a in ["fhir.read", "fhir.search", "fhir.everything"] {
        assert!(actions.contains(&a), "{a} not in the access log: {actions:?}");
    }
}
dual!(the_fhir_api_reads_a_patients_care_under_the_api_rules);
