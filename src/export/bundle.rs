//! The export written as FHIR R4 (R4B) JSON: a `Bundle` of type `collection` holding the
//! `Patient`, a `Practitioner` per doctor named, a `DocumentReference` per record version (the
//! latest `current`, earlier ones `superseded` and linked by `relatesTo: replaces`), a `Consent`
//! per consent granted, a `CareTeam` and an `AuditEvent` per line of the access log. Pure: it
//! reads nothing and writes nothing, so the mapping is tested on its own.
//!
//! Built with `serde_json` rather than the `fhir-model` crate: that crate with only its `r4b`
//! feature took 3 min 10 s of clean debug build on this two-core machine (100 s for the crate,
//! 71 s more for a crate that only reads and writes a `Bundle` with it, since its serde code is
//! compiled again where it is used), over a budget of about two minutes, for the eight resource
//! types written here. Every Bundle the tests download is checked by an independent validator
//! instead (PyPI `fhir.resources`, R4B models).
//!
//! Every entry's `fullUrl` is `urn:uuid:<id>`, and references inside the Bundle point at those
//! URNs. careledger's own ids are UUIDv7, so a resource's id is the careledger id (a record's
//! earlier versions and the care team get ids derived from the record's or patient's id, stable
//! from one export to the next).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::audit::AccessLogItem;
use crate::care_team::model::{Consent, Member};
use crate::chart::model::{Allergy, Problem};
use crate::export::model::{ExportedRecord, Holdings};
use crate::prescriptions::model::Prescription;
use crate::records::model::{RecordType, RecordVersion};

/// The namespace of careledger's own identifiers, code systems and extensions.
pub const NAMESPACE: &str = "urn:careledger";
/// The code system of record types (`visit`, `diagnosis`, `lab_result`, ...).
pub const RECORD_TYPES: &str = "urn:careledger:record-type";
/// The code system of careledger's audit actions (`record.read`, `consent.grant`, ...).
pub const AUDIT_ACTIONS: &str = "urn:careledger:audit-action";
/// An amendment's reason, on a `DocumentReference` of an amended version.
pub const AMENDMENT_REASON: &str = "urn:careledger:extension:amendment-reason";
/// A file's SHA-256 (hex), the name it has in careledger's file store and ledger, on its
/// attachment (FHIR's own `Attachment.hash` is SHA-1).
pub const SHA256_EXTENSION: &str = "urn:careledger:extension:sha256";
/// LOINC.
const LOINC: &str = "http://loinc.org";

/// The identifier system of careledger ids of one kind (`patient`, `practitioner`, `record`,
/// `consent`, ...).
pub fn id_system(kind: &str) -> String {
    format!("{NAMESPACE}:id:{kind}")
}

/// A UUID derived from `name` (RFC 9562 version 8, from the name's SHA-256): the same name
/// always gives the same id, so a record's earlier versions keep their ids between exports.
pub fn derived_uuid(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

/// `urn:uuid:<id>`: an entry's `fullUrl` and what references to it say.
fn urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

fn reference(id: &str, display: &str) -> Value {
    json!({ "reference": urn(id), "display": display })
}

/// How resources refer to the people they name: inside an export Bundle, by the entries'
/// `urn:uuid:` full URLs; over the FHIR API, as `Practitioner/<id>` (RFC-style relative
/// references the server resolves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refs {
    /// `urn:uuid:<id>` (an export Bundle).
    Bundle,
    /// `<Type>/<id>` (the FHIR API).
    Rest,
}

impl Refs {
    /// A reference to the doctor `id`.
    pub fn practitioner(self, id: &str, display: &str) -> Value {
        match self {
            Self::Bundle => reference(id, display),
            Self::Rest => json!({ "reference": format!("Practitioner/{id}"), "display": display }),
        }
    }
}

fn entry(id: &str, resource: Value) -> Value {
    json!({ "fullUrl": urn(id), "resource": resource })
}

/// LOINC document types for the record types that have an obvious one.
fn loinc(t: RecordType) -> Option<(&'static str, &'static str)> {
    match t {
        RecordType::LabResult => Some(("11502-2", "Laboratory report")),
        RecordType::Imaging => Some(("18748-4", "Diagnostic imaging study")),
        RecordType::Procedure => Some(("28570-0", "Procedure note")),
        RecordType::Note => Some(("34109-9", "Note")),
        RecordType::Visit | RecordType::Diagnosis => None,
    }
}

/// A record's type as a FHIR CodeableConcept (careledger's code, and LOINC's where one fits).
pub fn document_type(t: RecordType) -> Value {
    let mut coding = vec![json!({ "system": RECORD_TYPES, "code": t.as_str(), "display": t.label() })];
    if let Some((code, display)) = loinc(t) {
        coding.push(json!({ "system": LOINC, "code": code, "display": display }));
    }
    json!({ "coding": coding, "text": t.label() })
}

/// The notes as a plain-text attachment (no `data` when there are none: FHIR values are never
/// empty strings).
pub fn notes_attachment(notes: &str, at: &str) -> Value {
    let mut a = Map::new();
    a.insert("contentType".into(), json!("text/plain; charset=utf-8"));
    if !notes.is_empty() {
        a.insert("data".into(), json!(STANDARD.encode(notes.as_bytes())));
    }
    a.insert("size".into(), json!(notes.len()));
    a.insert("hash".into(), json!(STANDARD.encode(Sha1::digest(notes.as_bytes()))));
    a.insert("title".into(), json!("Notes"));
    a.insert("creation".into(), json!(at));
    json!({ "attachment": Value::Object(a) })
}

fn file_attachment(info: &crate::records::files::FileInfo, bytes: &[u8]) -> Value {
    json!({ "attachment": {
        "extension": [{ "url": SHA256_EXTENSION, "valueString": info.sha256 }],
        "contentType": info.content_type,
        "data": STANDARD.encode(bytes),
        "size": bytes.len(),
        "hash": STANDARD.encode(Sha1::digest(bytes)),
        "title": info.display_name(),
        "creation": info.created_at,
    }})
}

/// The id of a record version's `DocumentReference`: the record's id for the latest, a
/// derived one for earlier versions.
fn version_id(r: &ExportedRecord, version: i64) -> String {
    if version == r.record.version { r.record.id.to_string() } else { derived_uuid(&format!("record:{}:version:{version}", r.record.id)) }
}

fn document(r: &ExportedRecord, v: &RecordVersion, patient: &Value, doctor_name: &str) -> Value {
    let record = &r.record;
    let latest = v.version == record.version;
    let mut d = Map::new();
    d.insert("resourceType".into(), json!("DocumentReference"));
    d.insert("id".into(), json!(version_id(r, v.version)));
    d.insert("meta".into(), json!({ "versionId": v.version.to_string(), "lastUpdated": v.created_at }));
    if !v.reason.is_empty() {
        d.insert("extension".into(), json!([{ "url": AMENDMENT_REASON, "valueString": v.reason }]));
    }
    d.insert("identifier".into(), json!([{ "system": id_system("record"), "value": record.id.to_string() }]));
    d.insert("status".into(), json!(if latest { "current" } else { "superseded" }));
    d.insert("docStatus".into(), json!(if v.version > 1 { "amended" } else { "final" }));
    d.insert("type".into(), document_type(record.record_type));
    d.insert("subject".into(), patient.clone());
    d.insert("date".into(), json!(v.created_at));
    d.insert("author".into(), json!([reference(&v.author_id, doctor_name)]));
    if v.version > 1 {
        d.insert("relatesTo".into(), json!([{ "code": "replaces", "target": { "reference": urn(&version_id(r, v.version - 1)) } }]));
    }
    d.insert("description".into(), json!(v.title));
    let mut content = vec![notes_attachment(&v.notes, &v.created_at)];
    if latest {
        // Files belong to the record, not to one version: they ride on the current document.
        content.extend(r.files.iter().map(|(info, bytes)| file_attachment(info, bytes)));
    }
    d.insert("content".into(), Value::Array(content));
    Value::Object(d)
}

/// A consent as a FHIR R4 Consent: the patient permits the grantee to read their history.
pub fn consent(c: &Consent, patient_id: &str, patient: &Value, refs: Refs) -> Value {
    let end = c.revoked_at.as_ref().or(c.expires_at.as_ref());
    let mut period = Map::new();
    period.insert("start".into(), json!(c.granted_at));
    if let Some(end) = end {
        period.insert("end".into(), json!(end));
    }
    json!({
        "resourceType": "Consent",
        "id": c.id,
        "identifier": [{ "system": id_system("consent"), "value": c.id }],
        "status": if c.status == "active" { "active" } else { "inactive" },
        "scope": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy", "display": "Privacy Consent",
        }]},
        "category": [{ "coding": [{ "system": LOINC, "code": "59284-0", "display": "Patient Consent" }],
            "text": "Read access to the patient's history" }],
        "patient": patient,
        "dateTime": c.granted_at,
        "performer": [match refs {
            Refs::Bundle => reference(patient_id, patient["display"].as_str().unwrap_or_default()),
            Refs::Rest => patient.clone(),
        }],
        "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in" }],
            "text": format!("careledger consent ({})", c.status) },
        "provision": {
            "type": "permit",
            "period": Value::Object(period),
            "actor": [{
                "role": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP",
                    "display": "information recipient",
                }]},
                "reference": refs.practitioner(&c.grantee_id, &c.grantee_name),
            }],
            "action": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access", "display": "Access" }] }],
        },
    })
}

/// An allergy as a FHIR R4 AllergyIntolerance.
pub fn allergy(a: &Allergy, patient: &Value, refs: Refs) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("AllergyIntolerance"));
    r.insert("id".into(), json!(a.id));
    r.insert("identifier".into(), json!([{ "system": id_system("allergy"), "value": a.id }]));
    r.insert(
        "clinicalStatus".into(),
        json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active" }] }),
    );
    r.insert("code".into(), json!({ "text": a.substance }));
    r.insert("patient".into(), patient.clone());
    r.insert("recordedDate".into(), json!(a.created_at));
    r.insert("recorder".into(), refs.practitioner(&a.author_id, &a.author_name));
    if a.reaction.is_some() || a.severity.is_some() {
        let mut reaction = Map::new();
        // FHIR asks for at least one manifestation with a reaction.
        reaction.insert("manifestation".into(), json!([{ "text": a.reaction.clone().unwrap_or_else(|| "Not recorded".into()) }]));
        if let Some(s) = &a.severity {
            reaction.insert("severity".into(), json!(s));
        }
        r.insert("reaction".into(), json!([Value::Object(reaction)]));
    }
    Value::Object(r)
}

/// A problem as a FHIR R4 Condition on the problem list.
pub fn condition(c: &Problem, patient: &Value, refs: Refs) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Condition"));
    r.insert("id".into(), json!(c.id));
    r.insert("identifier".into(), json!([{ "system": id_system("problem"), "value": c.id }]));
    r.insert(
        "clinicalStatus".into(),
        json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": c.status }] }),
    );
    r.insert(
        "category".into(),
        json!([{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item" }] }]),
    );
    let mut code = Map::new();
    code.insert("text".into(), json!(c.description));
    if let Some(k) = &c.code {
        code.insert("coding".into(), json!([{ "code": k }]));
    }
    r.insert("code".into(), Value::Object(code));
    r.insert("subject".into(), patient.clone());
    if let Some(onset) = &c.onset {
        r.insert("onsetDateTime".into(), json!(onset));
    }
    r.insert("recordedDate".into(), json!(c.created_at));
    r.insert("recorder".into(), refs.practitioner(&c.author_id, &c.author_name));
    Value::Object(r)
}

/// A prescription as FHIR R4 MedicationRequests, one per item, grouped by the prescription's id.
pub fn medication_requests(rx: &Prescription, patient: &Value, refs: Refs) -> Vec<Value> {
    let status = match rx.status.as_str() {
        "open" => "active",
        "dispensed" => "completed",
        _ => "cancelled",
    };
    rx.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut r = Map::new();
            r.insert("resourceType".into(), json!("MedicationRequest"));
            r.insert("id".into(), json!(derived_uuid(&format!("prescription:{}:{i}", rx.id))));
            r.insert("identifier".into(), json!([{ "system": id_system("prescription-item"), "value": format!("{}/{i}", rx.id) }]));
            r.insert("groupIdentifier".into(), json!({ "system": id_system("prescription"), "value": rx.id }));
            r.insert("status".into(), json!(status));
            r.insert("intent".into(), json!("order"));
            r.insert("medicationCodeableConcept".into(), json!({ "text": item.generic.clone().unwrap_or_else(|| item.drug.clone()) }));
            r.insert("subject".into(), patient.clone());
            r.insert("authoredOn".into(), json!(rx.created_at));
            r.insert("requester".into(), refs.practitioner(&rx.doctor_id, &rx.doctor_name));
            let mut dosage = Map::new();
            if let Some(text) = &item.instructions {
                dosage.insert("text".into(), json!(text));
            }
            dosage.insert(
                "timing".into(),
                json!({ "repeat": {
                    "boundsDuration": { "value": item.duration_days, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d" },
                    "frequency": item.frequency_per_day, "period": 1, "periodUnit": "d",
                }}),
            );
            dosage.insert(
                "doseAndRate".into(),
                json!([{ "doseQuantity": { "value": item.dose_mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg" } }]),
            );
            r.insert("dosageInstruction".into(), json!([Value::Object(dosage)]));
            if let Some(reason) = &rx.override_reason {
                r.insert("note".into(), json!([{ "text": format!("Safety warnings acknowledged: {reason}") }]));
            }
            Value::Object(r)
        })
        .collect()
}

fn care_team(patient_id: &str, patient: &Value, members: &[Member]) -> Value {
    let participants: Vec<Value> = members
        .iter()
        .map(|m| {
            let mut period = Map::new();
            period.insert("start".into(), json!(m.added_at));
            if let Some(end) = &m.expires_at {
                period.insert("end".into(), json!(end));
            }
            json!({
                "role": [{ "text": m.how_label() }],
                "member": reference(&m.doctor_id, &m.doctor_name),
                "period": Value::Object(period),
            })
        })
        .collect();
    let mut team = Map::new();
    team.insert("resourceType".into(), json!("CareTeam"));
    team.insert("id".into(), json!(derived_uuid(&format!("care-team:{patient_id}"))));
    team.insert("status".into(), json!("active"));
    team.insert("name".into(), json!("Care team"));
    team.insert("subject".into(), patient.clone());
    if !participants.is_empty() {
        team.insert("participant".into(), Value::Array(participants));
    }
    Value::Object(team)
}

/// The FHIR action code of a careledger audit action: C, R, U, D or E.
pub fn action_code(action: &str) -> &'static str {
    let verb = action.rsplit('.').next().unwrap_or(action);
    match verb {
        "read" | "list" | "search" | "view" | "download" | "versions" | "proof" | "report" | "export" => "R",
        "create" | "add" | "grant" | "attach" | "open" | "register" => "C",
        "amend" | "change" | "role_change" => "U",
        "remove" | "revoke" | "delete" | "erase" => "D",
        _ => "E",
    }
}

/// The FHIR outcome of a careledger outcome: `0` success, `8` a server error, `4` any refusal.
pub fn outcome_code(outcome: &str) -> &'static str {
    match outcome {
        "success" => "0",
        "error" => "8",
        _ => "4",
    }
}

/// The FHIR resource type the Bundle writes a careledger resource kind as.
fn fhir_type(kind: &str) -> Option<&'static str> {
    match kind {
        "record" => Some("DocumentReference"),
        "consent" => Some("Consent"),
        "patient" => Some("Patient"),
        "allergy" => Some("AllergyIntolerance"),
        "problem" => Some("Condition"),
        _ => None,
    }
}

fn audit_event(item: &AccessLogItem, index: usize, patient_id: &str, known: &[String]) -> Value {
    let mut agent = Map::new();
    if let Some(role) = &item.role {
        agent.insert("role".into(), json!([{ "text": role }]));
    }
    agent.insert("who".into(), json!({ "display": item.who.clone().unwrap_or_else(|| "Someone not signed in".into()) }));
    agent.insert("requestor".into(), json!(true));
    let mut event = Map::new();
    event.insert("resourceType".into(), json!("AuditEvent"));
    event.insert("id".into(), json!(derived_uuid(&format!("audit:{patient_id}:{}:{}:{}:{index}", item.at, item.action, item.outcome))));
    event.insert(
        "type".into(),
        json!({ "system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest", "display": "RESTful Operation" }),
    );
    event.insert("subtype".into(), json!([{ "system": AUDIT_ACTIONS, "code": item.action }]));
    event.insert("action".into(), json!(action_code(&item.action)));
    event.insert("recorded".into(), json!(item.at));
    event.insert("outcome".into(), json!(outcome_code(&item.outcome)));
    if item.outcome != "success" {
        event.insert("outcomeDesc".into(), json!(item.outcome));
    }
    event.insert("agent".into(), json!([Value::Object(agent)]));
    event.insert("source".into(), json!({ "observer": { "display": "careledger" } }));
    // What was touched: a reference when the Bundle holds it, else careledger's id for it.
    let what = match (item.resource_type.as_deref(), item.resource_id.as_deref()) {
        (Some(kind), Some(id)) if known.iter().any(|k| k == id) => Some(match fhir_type(kind) {
            Some(t) => json!({ "reference": urn(id), "type": t }),
            None => json!({ "reference": urn(id) }),
        }),
        (Some("patient"), None) => Some(json!({ "reference": urn(patient_id) })),
        (Some(kind), Some(id)) => Some(json!({ "identifier": { "system": id_system(kind), "value": id } })),
        (Some(_), None) => Some(json!({ "reference": urn(patient_id), "display": "the patient's data" })),
        _ => None,
    };
    if let Some(what) = what {
        let mut entity = Map::new();
        entity.insert("what".into(), what);
        if let Some(kind) = &item.resource_type {
            entity.insert("name".into(), json!(kind));
        }
        event.insert("entity".into(), json!([Value::Object(entity)]));
    }
    Value::Object(event)
}

/// The Bundle of everything in `h`.
pub fn bundle(h: &Holdings) -> Value {
    let p = &h.patient;
    let patient_id = p.id.to_string();
    let patient_ref = reference(&patient_id, &p.full_name);
    let mut entries = vec![entry(
        &patient_id,
        json!({
            "resourceType": "Patient",
            "id": patient_id,
            "identifier": [{ "use": "official", "system": id_system("patient"), "value": patient_id }],
            "active": p.status == crate::accounts::model::Status::Active,
            "name": [{ "text": p.full_name }],
            "telecom": [{ "system": "email", "value": p.email.to_string(), "use": "home" }],
        }),
    )];
    for d in &h.doctors {
        entries.push(entry(
            &d.id,
            json!({
                "resourceType": "Practitioner",
                "id": d.id,
                "identifier": [{ "system": id_system("practitioner"), "value": d.id }],
                "name": [{ "text": d.name }],
            }),
        ));
    }
    let name_of = |id: &str| h.doctors.iter().find(|d| d.id == id).map(|d| d.name.clone()).unwrap_or_default();
    let mut known: Vec<String> = vec![patient_id.clone()];
    for r in &h.records {
        known.push(r.record.id.to_string());
        // The current version first, then the ones it replaced, newest first.
        for v in r.versions.iter().rev() {
            let doc = document(r, v, &patient_ref, &name_of(&v.author_id));
            entries.push(entry(&version_id(r, v.version), doc));
        }
    }
    for c in &h.consents {
        known.push(c.id.clone());
        entries.push(entry(&c.id, consent(c, &patient_id, &patient_ref, Refs::Bundle)));
    }
    for a in &h.allergies {
        known.push(a.id.clone());
        entries.push(entry(&a.id, allergy(a, &patient_ref, Refs::Bundle)));
    }
    for c in &h.problems {
        known.push(c.id.clone());
        entries.push(entry(&c.id, condition(c, &patient_ref, Refs::Bundle)));
    }
    for rx in &h.prescriptions {
        for (i, request) in medication_requests(rx, &patient_ref, Refs::Bundle).into_iter().enumerate() {
            entries.push(entry(&derived_uuid(&format!("prescription:{}:{i}", rx.id)), request));
        }
    }
    let team = care_team(&patient_id, &patient_ref, &h.care_team);
    let team_id = team["id"].as_str().unwrap_or_default().to_string();
    entries.push(entry(&team_id, team));
    for (i, item) in h.access_log.iter().enumerate() {
        let event = audit_event(item, i, &patient_id, &known);
        let id = event["id"].as_str().unwrap_or_default().to_string();
        entries.push(entry(&id, event));
    }
    json!({
        "resourceType": "Bundle",
        "id": derived_uuid(&format!("export:{patient_id}:{}", h.at)),
        "meta": { "lastUpdated": h.at },
        "identifier": { "system": id_system("export"), "value": derived_uuid(&format!("export:{patient_id}:{}", h.at)) },
        "type": "collection",
        "timestamp": h.at,
        "entry": entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_uuids_of_version_8() {
        let a = derived_uuid("record:x:version:1");
        assert_eq!(a, derived_uuid("record:x:version:1"));
        assert_ne!(a, derived_uuid("record:x:version:2"));
        let parsed = uuid::Uuid::parse_str(&a).unwrap_or_else(|_| unreachable!());
        assert_eq!(parsed.get_version_num(), 8);
    }

    #[test]
    fn actions_and_outcomes_map_to_fhir_codes() {
        assert_eq!(action_code("record.read"), "R");
        assert_eq!(action_code("history.read"), "R");
        assert_eq!(action_code("file.download"), "R");
        assert_eq!(action_code("record.create"), "C");
        assert_eq!(action_code("record.amend"), "U");
        assert_eq!(action_code("consent.revoke"), "D");
        assert_eq!(action_code("auth.sign_in"), "E");
        assert_eq!(outcome_code("success"), "0");
        assert_eq!(outcome_code("denied"), "4");
        assert_eq!(outcome_code("not_found"), "4");
        assert_eq!(outcome_code("error"), "8");
    }

    #[test]
    fn empty_notes_have_no_data_and_text_is_base64() {
        let a = notes_attachment("", "2026-01-01T00:00:00.000000Z");
        assert!(a["attachment"].get("data").is_none());
        assert_eq!(a["attachment"]["size"], 0);
        let a = notes_attachment("Résumé", "2026-01-01T00:00:00.000000Z");
        assert_eq!(a["attachment"]["data"], STANDARD.encode("Résumé".as_bytes()));
        // SHA-1 of the bytes, base64, as FHIR's Attachment.hash is defined.
        assert_eq!(notes_attachment("abc", "x")["attachment"]["hash"], "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    }
}
