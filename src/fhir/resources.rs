//! careledger's data as FHIR R4 resources and Bundles (pure functions): Patient, the record as a
//! DocumentReference, the searchset Bundle with its paging links, and the CapabilityStatement
//! that says exactly what this server supports. Allergies, problems and prescriptions use the
//! export's mappings (`export::bundle`) with REST references.

use serde_json::{Map, Value, json};

use crate::export::bundle::{SHA256_EXTENSION, document_type, id_system, notes_attachment};
use crate::patients::model::Demographics;
use crate::records::files::FileInfo;
use crate::records::model::Record;

/// The media type of FHIR JSON (FHIR R4 §3.1.0.1.8).
pub const FHIR_JSON: &str = "application/fhir+json";
/// Where the API lives, below the server's address.
pub const BASE_PATH: &str = "/fhir/r4";
/// The identifier system of medical record numbers.
pub const MRN_SYSTEM: &str = "urn:careledger:mrn";

/// A reference to a patient, `Patient/<id>`.
pub fn patient_ref(id: &str, name: &str) -> Value {
    json!({ "reference": format!("Patient/{id}"), "display": name })
}

/// FHIR's administrative gender for careledger's recorded sex.
fn gender(sex: Option<&str>) -> Option<&'static str> {
    match sex? {
        "female" => Some("female"),
        "male" => Some("male"),
        "other" => Some("other"),
        _ => Some("unknown"),
    }
}

/// A patient as a FHIR R4 Patient: name, MRN, birth date, gender, phone and address.
pub fn patient(id: &str, name: &str, active: bool, d: &Demographics) -> Value {
    let mut p = Map::new();
    p.insert("resourceType".into(), json!("Patient"));
    p.insert("id".into(), json!(id));
    let mut identifiers = vec![json!({ "use": "official", "system": id_system("patient"), "value": id })];
    if !d.mrn.is_empty() {
        identifiers.push(json!({
            "use": "usual",
            "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR" }], "text": "MRN" },
            "system": MRN_SYSTEM,
            "value": d.mrn,
        }));
    }
    p.insert("identifier".into(), Value::Array(identifiers));
    p.insert("active".into(), json!(active));
    p.insert("name".into(), json!([{ "text": name }]));
    if let Some(phone) = d.phone.as_deref().filter(|s| !s.trim().is_empty()) {
        p.insert("telecom".into(), json!([{ "system": "phone", "value": phone }]));
    }
    if let Some(g) = gender(d.sex.as_deref()) {
        p.insert("gender".into(), json!(g));
    }
    if let Some(day) = d.date_of_birth.as_deref().filter(|s| !s.is_empty()) {
        p.insert("birthDate".into(), json!(day));
    }
    if let Some(address) = d.address.as_deref().filter(|s| !s.trim().is_empty()) {
        p.insert("address".into(), json!([{ "text": address }]));
    }
    Value::Object(p)
}

/// A record as it stands as a FHIR R4 DocumentReference: its notes inline, and each attached
/// file as a link to the API's download (with its SHA-256, the name the ledger proves).
pub fn document(r: &Record, files: &[FileInfo], base: &str) -> Value {
    let id = r.id.to_string();
    let mut d = Map::new();
    d.insert("resourceType".into(), json!("DocumentReference"));
    d.insert("id".into(), json!(id));
    d.insert("meta".into(), json!({ "versionId": r.version.to_string() }));
    d.insert("identifier".into(), json!([{ "system": id_system("record"), "value": id }]));
    d.insert("status".into(), json!("current"));
    d.insert("docStatus".into(), json!(if r.version > 1 { "amended" } else { "final" }));
    d.insert("type".into(), document_type(r.record_type));
    d.insert("subject".into(), patient_ref(&r.patient_id.to_string(), &r.patient_name));
    d.insert("date".into(), json!(r.created_at));
    d.insert("author".into(), json!([{ "reference": format!("Practitioner/{}", r.doctor_id), "display": r.doctor_name }]));
    d.insert("description".into(), json!(r.title));
    let mut content = vec![notes_attachment(&r.notes, &r.created_at)];
    for f in files {
        content.push(json!({ "attachment": {
            "extension": [{ "url": SHA256_EXTENSION, "valueString": f.sha256 }],
            "contentType": f.content_type,
            "url": format!("{base}/api/v1/records/{id}/files/{}", f.sha256),
            "size": f.size,
            "title": f.display_name(),
            "creation": f.created_at,
        }}));
    }
    d.insert("content".into(), Value::Array(content));
    Value::Object(d)
}

/// An entry of a searchset: the resource at its absolute URL, a match or an include.
pub fn entry(base: &str, resource: Value, include: bool) -> Value {
    let kind = resource["resourceType"].as_str().unwrap_or_default();
    let id = resource["id"].as_str().unwrap_or_default();
    let full = format!("{base}{BASE_PATH}/{kind}/{id}");
    json!({ "fullUrl": full, "resource": resource, "search": { "mode": if include { "include" } else { "match" } } })
}

/// A searchset Bundle (FHIR R4 §3.1.1.4): `self` is the search as asked, `next` the same search
/// from the next page's cursor.
pub fn searchset(base: &str, at: &str, this: &str, next: Option<String>, entries: Vec<Value>) -> Value {
    let mut links = vec![json!({ "relation": "self", "url": format!("{base}{this}") })];
    if let Some(next) = next {
        links.push(json!({ "relation": "next", "url": format!("{base}{next}") }));
    }
    let mut b = Map::new();
    b.insert("resourceType".into(), json!("Bundle"));
    b.insert("meta".into(), json!({ "lastUpdated": at }));
    b.insert("type".into(), json!("searchset"));
    b.insert("timestamp".into(), json!(at));
    b.insert("link".into(), Value::Array(links));
    if !entries.is_empty() {
        b.insert("entry".into(), Value::Array(entries));
    }
    Value::Object(b)
}

/// What this server supports, and nothing more (FHIR R4 §3.1.0.9, `GET /metadata`).
pub fn capability(base: &str, at: &str, version: &str) -> Value {
    let search = |name: &str, kind: &str, doc: &str| json!({ "name": name, "type": kind, "documentation": doc });
    let paging = [
        search("_count", "number", "Entries per page, 1-200 (default 50); the Bundle's `next` link gives the following page."),
        search("_cursor", "string", "The opaque position a `next` link carries."),
    ];
    let patient_param = search("patient", "reference", "The patient (`<id>` or `Patient/<id>`); a patient's own when they ask without it.");
    let resource = |kind: &str, read: bool, mut params: Vec<Value>, doc: &str| {
        params.extend(paging.iter().cloned());
        let mut interactions = vec![json!({ "code": "search-type" })];
        if read {
            interactions.insert(0, json!({ "code": "read" }));
        }
        json!({ "type": kind, "documentation": doc, "interaction": interactions, "searchParam": params })
    };
    let mut patient = resource(
        "Patient",
        true,
        vec![
            search("name", "string", "Part of the name (at least 2 characters)."),
            search("birthdate", "date", "The date of birth, YYYY-MM-DD."),
            search("identifier", "token", "The MRN (`MRN…`, or `urn:careledger:mrn|MRN…`)."),
        ],
        "A patient reads their own; doctors read the patients in their care (the care-team rule); search is for doctors.",
    );
    patient["operation"] = json!([{ "name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything" }]);
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": at,
        "publisher": "careledger",
        "kind": "instance",
        "software": { "name": "careledger", "version": version },
        "implementation": { "description": "careledger FHIR R4 API", "url": format!("{base}{BASE_PATH}") },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": "Read-only. The same bearer tokens as careledger's API (`Authorization: Bearer`, from POST /api/v1/auth/login) and the same access rules: what the caller may not read answers 404. Errors are OperationOutcomes.",
            "security": {
                "service": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth" }], "text": "Bearer access tokens (JWT) from /api/v1/auth/login" }],
            },
            "resource": [
                patient,
                resource("DocumentReference", true, vec![patient_param.clone()], "Clinical records as they stand (notes inline, files as links)."),
                resource("AllergyIntolerance", false, vec![patient_param.clone()], "The patient's recorded allergies."),
                resource("Condition", false, vec![patient_param.clone()], "The patient's problem list."),
                resource("MedicationRequest", false, vec![patient_param], "Prescriptions, one request per item."),
            ],
        }],
    })
}
