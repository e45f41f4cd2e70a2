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
pub fn searchset(base: &str, at: &str, this: &str, next: Option<String>, complete: bool, entries: Vec<Value>) -> Value {
    let mut links = vec![json!({ "relation": "self", "url": format!("{base}{this}") })];
    if let Some(next) = next {
        links.push(json!({ "relation": "next", "url": format!("{base}{next}") }));
    }
    let mut b = Map::new();
    b.insert("resourceType".into(), json!("Bundle"));
    b.insert("meta".into(), json!({ "lastUpdated": at }));
    b.insert("type".into(), json!("searchset"));
    if complete {
        // Every match is in this one page: the total is known without counting again.
        b.insert("total".into(), json!(entries.len()));
    }
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
    let resource = |kind: &str, read: bool, search_type: bool, paged: bool, mut params: Vec<Value>, doc: &str| {
        if paged {
            params.extend(paging.iter().cloned());
        }
        let mut interactions = Vec::new();
        if read {
            interactions.push(json!({ "code": "read" }));
        }
        if search_type {
            interactions.push(json!({ "code": "search-type" }));
        }
        let mut r = json!({ "type": kind, "documentation": doc, "interaction": interactions });
        if !params.is_empty() {
            r["searchParam"] = Value::Array(params);
        }
        r
    };
    let mut patient = resource(
        "Patient",
        true,
        true,
        false,
        vec![
            search("name", "string", "Part of the name (at least 2 characters)."),
            search("birthdate", "date", "The date of birth, YYYY-MM-DD."),
            search("identifier", "token", "The MRN (`MRN…`, or `urn:careledger:mrn|MRN…`)."),
        ],
        "A patient reads and finds only themselves; doctors read and find the patients in their care (the care-team rule).",
    );
    patient["operation"] = json!([{ "name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything" }]);
    let by_patient = || vec![patient_param.clone()];
    let resources = vec![
        patient,
        resource(
            "Practitioner",
            true,
            true,
            false,
            vec![search("name", "string", "Part of the name; without it, every active doctor.")],
            "Doctors, by the id records and prescriptions refer to them with.",
        ),
        resource("DocumentReference", true, true, true, by_patient(), "Clinical records as they stand (notes inline, files as links)."),
        resource("AllergyIntolerance", true, true, true, by_patient(), "The patient's recorded allergies."),
        resource("Condition", true, true, true, by_patient(), "The patient's problem list."),
        resource("MedicationRequest", true, true, true, by_patient(), "Prescriptions, one request per item."),
        resource(
            "MedicationDispense",
            true,
            true,
            true,
            by_patient(),
            "What the pharmacy handed over, one per batch, against the prescription's requests.",
        ),
        resource(
            "Provenance",
            true,
            true,
            false,
            vec![search("target", "reference", "`DocumentReference/<id>`: the ledger entry behind each version of the record.")],
            "The ledger entries (index, RFC 9162 leaf hash, a link to the proof) behind a record's versions.",
        ),
        resource(
            "Appointment",
            true,
            true,
            false,
            by_patient(),
            "Appointments (the patient's own; a doctor's with them; all for the front desk).",
        ),
        resource("ServiceRequest", true, true, false, by_patient(), "Lab orders."),
        resource("Observation", true, true, false, by_patient(), "Lab results, each based on its ServiceRequest."),
        resource("Consent", true, true, true, by_patient(), "A patient's own consents (read access granted to a doctor)."),
        resource("AuditEvent", true, true, true, by_patient(), "The audit trail: every read and write of patient data (administrators)."),
    ];
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
            "documentation": "Read-only. The same bearer tokens as careledger's API and the same access rules. Errors are OperationOutcomes. Parameters not listed here are ignored.",
            "security": {
                "description": "Bearer access tokens (`Authorization: Bearer`), the JWTs POST /api/v1/auth/login issues (no OAuth or SMART endpoints). A role without access to a type at all is refused with 403; a resource the caller may not read answers 404, as one that does not exist.",
            },
            "resource": resources,
        }],
    })
}

/// A doctor as a FHIR R4 Practitioner (their name; careledger keeps no more about them).
pub fn practitioner(id: &str, name: &str, active: bool) -> Value {
    json!({
        "resourceType": "Practitioner",
        "id": id,
        "identifier": [{ "system": id_system("practitioner"), "value": id }],
        "active": active,
        "name": [{ "text": name }],
    })
}

/// An appointment as a FHIR R4 Appointment, its patient and doctor as participants.
pub fn appointment(a: &crate::appointments::model::Appointment) -> Value {
    // careledger's steps in FHIR's AppointmentStatus (http://hl7.org/fhir/R4/valueset-appointmentstatus.html).
    let status = match a.status.as_str() {
        "booked" => "booked",
        "checked_in" => "checked-in",
        "with_doctor" => "arrived",
        "done" => "fulfilled",
        _ => "cancelled",
    };
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Appointment"));
    r.insert("id".into(), json!(a.id));
    r.insert("identifier".into(), json!([{ "system": id_system("appointment"), "value": a.id }]));
    r.insert("status".into(), json!(status));
    if let Some(reason) = a.reason.as_deref().filter(|s| !s.trim().is_empty()) {
        r.insert("reasonCode".into(), json!([{ "text": reason }]));
    }
    r.insert("start".into(), json!(a.start));
    r.insert("end".into(), json!(a.end));
    r.insert("created".into(), json!(a.created_at));
    let mut participants = vec![
        json!({ "actor": patient_ref(&a.patient_id, &a.patient_name), "required": "required", "status": "accepted" }),
        json!({ "actor": { "reference": format!("Practitioner/{}", a.doctor_id), "display": a.doctor_name }, "required": "required", "status": "accepted" }),
    ];
    if let Some(room) = a.room.as_deref().filter(|s| !s.trim().is_empty()) {
        // The room as booked (careledger keeps no Location resources): a participant by name.
        participants
            .push(json!({ "type": [{ "text": "room" }], "actor": { "display": room }, "required": "required", "status": "accepted" }));
    }
    r.insert("participant".into(), Value::Array(participants));
    Value::Object(r)
}

/// The system of careledger's lab test codes.
const LAB_TESTS: &str = "urn:careledger:lab-test";

fn lab_code(o: &crate::lab::model::LabOrder) -> Value {
    json!({ "coding": [{ "system": LAB_TESTS, "code": o.test_code, "display": o.test_name }], "text": o.test_name })
}

/// A lab order as a FHIR R4 ServiceRequest.
pub fn service_request(o: &crate::lab::model::LabOrder) -> Value {
    let status = match o.status.as_str() {
        "open" => "active",
        "resulted" => "completed",
        _ => "revoked",
    };
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("ServiceRequest"));
    r.insert("id".into(), json!(o.id));
    r.insert("identifier".into(), json!([{ "system": id_system("lab-order"), "value": o.id }]));
    r.insert("status".into(), json!(status));
    r.insert("intent".into(), json!("order"));
    r.insert(
        "category".into(),
        json!([{ "coding": [{ "system": "http://snomed.info/sct", "code": "108252007", "display": "Laboratory procedure" }] }]),
    );
    r.insert("code".into(), lab_code(o));
    r.insert("subject".into(), patient_ref(&o.patient_id, &o.patient_name));
    r.insert("authoredOn".into(), json!(o.created_at));
    r.insert("requester".into(), json!({ "reference": format!("Practitioner/{}", o.doctor_id), "display": o.doctor_name }));
    if let Some(notes) = o.notes.as_deref().filter(|s| !s.trim().is_empty()) {
        r.insert("note".into(), json!([{ "text": notes }]));
    }
    Value::Object(r)
}

/// A lab result as a FHIR R4 Observation (the order's one result, under the order's id).
pub fn observation(o: &crate::lab::model::LabOrder, res: &crate::lab::model::LabResult) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Observation"));
    // A lab order has at most one result: the Observation shares its ServiceRequest's id.
    r.insert("id".into(), json!(o.id));
    r.insert("identifier".into(), json!([{ "system": id_system("lab-result"), "value": o.id }]));
    r.insert("basedOn".into(), json!([{ "reference": format!("ServiceRequest/{}", o.id) }]));
    r.insert("status".into(), json!("final"));
    r.insert(
        "category".into(),
        json!([{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }]),
    );
    r.insert("code".into(), lab_code(o));
    r.insert("subject".into(), patient_ref(&o.patient_id, &o.patient_name));
    r.insert("effectiveDateTime".into(), json!(res.created_at));
    r.insert("issued".into(), json!(res.created_at));
    r.insert("performer".into(), json!([{ "reference": format!("Practitioner/{}", res.author_id) }]));
    match res.value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => {
            let mut q = Map::new();
            q.insert("value".into(), json!(v));
            if !res.unit.trim().is_empty() {
                q.insert("unit".into(), json!(res.unit));
            }
            r.insert("valueQuantity".into(), Value::Object(q));
        }
        _ => {
            r.insert("valueString".into(), json!(res.value));
        }
    }
    // The flag as HL7 v3 ObservationInterpretation (H, L, A; N when in range).
    let interpretation = match res.flag.as_deref() {
        Some("high") => Some(("H", "High")),
        Some("low") => Some(("L", "Low")),
        Some("normal") if !res.out_of_range => Some(("N", "Normal")),
        Some(_) => Some(("A", "Abnormal")),
        None if res.out_of_range => Some(("A", "Abnormal")),
        None => None,
    };
    if let Some((code, display)) = interpretation {
        r.insert(
            "interpretation".into(),
            json!([{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": code, "display": display }] }]),
        );
    }
    if let Some(range) = res.reference_range.as_deref().filter(|s| !s.trim().is_empty()) {
        r.insert("referenceRange".into(), json!([{ "text": range }]));
    }
    Value::Object(r)
}

/// A row of the audit trail as a FHIR R4 AuditEvent (DICOM/FHIR audit vocabulary: a RESTful
/// operation, its CRUDE action and outcome; careledger's action as the subtype).
pub fn audit_event(e: &crate::audit::trail::AccessEvent) -> Value {
    use crate::export::bundle::{AUDIT_ACTIONS, action_code, outcome_code};
    let mut agent = Map::new();
    if let Some(role) = &e.actor_role {
        agent.insert("role".into(), json!([{ "text": role }]));
    }
    let mut who = Map::new();
    if let Some(id) = &e.actor_id {
        who.insert("identifier".into(), json!({ "system": id_system("user"), "value": id }));
    }
    who.insert("display".into(), json!(e.actor_name.clone().unwrap_or_else(|| "Someone not signed in".into())));
    agent.insert("who".into(), Value::Object(who));
    agent.insert("requestor".into(), json!(true));
    if let Some(ip) = &e.ip {
        // Type 2: an IP address (http://hl7.org/fhir/R4/valueset-network-type.html).
        agent.insert("network".into(), json!({ "address": ip, "type": "2" }));
    }
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("AuditEvent"));
    // Its position in the audit chain, which never changes.
    r.insert("id".into(), json!(e.seq.to_string()));
    r.insert(
        "type".into(),
        json!({ "system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest", "display": "RESTful Operation" }),
    );
    r.insert("subtype".into(), json!([{ "system": AUDIT_ACTIONS, "code": e.action }]));
    r.insert("action".into(), json!(action_code(&e.action)));
    r.insert("recorded".into(), json!(e.at));
    r.insert("outcome".into(), json!(outcome_code(&e.outcome)));
    if e.outcome != "success" {
        r.insert("outcomeDesc".into(), json!(e.outcome));
    }
    r.insert("agent".into(), json!([Value::Object(agent)]));
    r.insert("source".into(), json!({ "observer": { "display": "careledger" } }));
    let mut entities = Vec::new();
    if let Some(p) = &e.patient_id {
        entities.push(json!({ "what": patient_ref(p, e.patient_name.as_deref().unwrap_or_default()), "name": "patient" }));
    }
    let same_patient = e.resource_type.as_deref() == Some("patient") && e.resource_id == e.patient_id;
    if let (Some(kind), Some(id), false) = (&e.resource_type, &e.resource_id, same_patient) {
        entities.push(json!({ "what": { "identifier": { "system": id_system(kind), "value": id } }, "name": kind }));
    }
    if !entities.is_empty() {
        r.insert("entity".into(), Value::Array(entities));
    }
    Value::Object(r)
}

/// A dispensation as FHIR R4 MedicationDispenses, one per batch handed over (`<dispensation>-<n>`),
/// authorised by the prescription's MedicationRequests (`<prescription>-<item>`).
pub fn medication_dispenses(d: &crate::pharmacy::model::Dispensation, rx: &crate::prescriptions::model::Prescription) -> Vec<Value> {
    let requests: Vec<Value> = (0..rx.items.len()).map(|i| json!({ "reference": format!("MedicationRequest/{}-{i}", rx.id) })).collect();
    d.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            json!({
                "resourceType": "MedicationDispense",
                "id": format!("{}-{i}", d.id),
                "identifier": [{ "system": id_system("dispensation-item"), "value": format!("{}/{i}", d.id) }],
                "status": "completed",
                "medicationCodeableConcept": { "text": item.drug },
                "subject": patient_ref(&rx.patient_id, &rx.patient_name),
                "performer": [{ "actor": { "identifier": { "system": id_system("user"), "value": d.pharmacist_id }, "display": "Pharmacist" } }],
                "authorizingPrescription": requests,
                "quantity": { "value": item.quantity, "unit": "unit" },
                "whenHandedOver": d.created_at,
                "note": [{ "text": format!("Batch {}", item.batch) }],
            })
        })
        .collect()
}

/// Where a version stands in the ledger: its entry, the entry's leaf hash, and the API's proof.
#[derive(Debug, Clone, Copy)]
pub struct LedgerLink<'a> {
    /// The entry's index.
    pub entry: i64,
    /// Its RFC 9162 leaf hash (hex), when known.
    pub leaf_hash: Option<&'a str>,
    /// The address of the record's inclusion proof.
    pub proof: &'a str,
}

/// The ledger entry behind a resource as a FHIR R4 Provenance: what it covers, who wrote it,
/// when, and the entry's index and leaf hash (RFC 9162), which the API's proof checks.
pub fn provenance(id: &str, target: &str, link: LedgerLink<'_>, recorded: &str, author: &str, first: bool) -> Value {
    let mut extension = vec![json!({ "url": "urn:careledger:extension:ledger-entry", "valueInteger": link.entry })];
    if let Some(h) = link.leaf_hash {
        extension.push(json!({ "url": "urn:careledger:extension:leaf-hash", "valueString": h }));
    }
    extension.push(json!({ "url": "urn:careledger:extension:proof", "valueUrl": link.proof }));
    json!({
        "resourceType": "Provenance",
        "id": id,
        "extension": extension,
        "target": [{ "reference": target }],
        "recorded": recorded,
        "policy": ["urn:careledger:ledger"],
        "activity": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
            "code": if first { "CREATE" } else { "UPDATE" },
        }]},
        "agent": [{
            "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "author" }] },
            "who": { "reference": format!("Practitioner/{author}") },
        }],
    })
}
