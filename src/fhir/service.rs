//! The FHIR reads and searches: each asks the domain that holds the data through its own
//! service, with the caller, so the access rules are the API's (the care-team rule for doctors,
//! their own data for patients); this file only turns the answers into FHIR resources.

use serde_json::Value;

use crate::accounts::Role;
use crate::accounts::permissions::{Actor, Permission};
use crate::context::Ctx;
use crate::error::{Error, Validator};
use crate::export::bundle::{self, Refs};
use crate::fhir::resources;
use crate::ids::{RecordId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::patients::model::{Demographics, fold};

/// A search's parameters, as sent.
#[derive(Debug, Default, Clone)]
pub struct Search {
    /// `patient`: `<id>` or `Patient/<id>`.
    pub patient: Option<String>,
    /// `name`: part of the name.
    pub name: Option<String>,
    /// `birthdate`: YYYY-MM-DD.
    pub birthdate: Option<String>,
    /// `identifier`: an MRN, bare or as `system|value`.
    pub identifier: Option<String>,
}

/// The patient a search is about: the `patient` parameter, or the caller when a patient asks
/// without it.
pub fn patient_of(actor: &Actor, s: &Search) -> Result<UserId, Error> {
    let given = s.patient.as_deref().map(str::trim).filter(|p| !p.is_empty());
    match given {
        Some(p) => {
            let id = p.strip_prefix("Patient/").unwrap_or(p);
            id.parse::<UserId>().map_err(|_| {
                let mut v = Validator::default();
                v.add("patient", "patient must be a patient's id (or Patient/<id>)");
                v.finish().err().unwrap_or(Error::NotFound("patient_not_found"))
            })
        }
        None if actor.role() == Role::Patient => Ok(actor.id()),
        None => {
            let mut v = Validator::default();
            v.add("patient", "patient is required: the patient's id (or Patient/<id>)");
            Err(v.finish().err().unwrap_or(Error::NotFound("patient_not_found")))
        }
    }
}

/// `GET Patient/{id}`: the patient's own, or one in a doctor's care; 404 for anyone else.
#[tracing::instrument(skip_all, fields(patient_id = %id))]
pub async fn patient(ctx: &Ctx, actor: &Actor, id: UserId) -> Result<Value, Error> {
    actor.audit().touched(Some(id), "patient", Some(id));
    let demographics = crate::patients::service::demographics(ctx, actor, id).await?;
    let user = crate::accounts::store::find_by_id(&ctx.db, id).await?.ok_or(Error::NotFound("patient_not_found"))?;
    Ok(resources::patient(&id.to_string(), &user.full_name, user.status == crate::accounts::model::Status::Active, &demographics))
}

/// The MRN an `identifier` parameter names (`MRN…`, or `urn:careledger:mrn|MRN…`).
fn mrn_of(identifier: &str) -> String {
    let value = identifier.rsplit_once('|').map(|(_, v)| v).unwrap_or(identifier);
    value.trim().to_uppercase()
}

/// `GET Patient?name=&birthdate=&identifier=`: doctors find, by name, date of birth or MRN,
/// the patients they may read (the care-team rule); a patient finds only themselves.
#[tracing::instrument(skip_all)]
pub async fn patients(ctx: &Ctx, actor: &Actor, s: &Search) -> Result<Vec<Value>, Error> {
    let name = s.name.as_deref().map(str::trim).filter(|x| !x.is_empty());
    let birthdate = s.birthdate.as_deref().map(str::trim).filter(|x| !x.is_empty());
    // FHIR token search: `system|value` matches only in careledger's MRN system (or none given).
    if let Some((system, _)) = s.identifier.as_deref().and_then(|i| i.rsplit_once('|'))
        && !system.is_empty()
        && system != resources::MRN_SYSTEM
    {
        return Ok(Vec::new());
    }
    let mrn = s.identifier.as_deref().map(mrn_of).filter(|x| !x.is_empty());
    let mut v = Validator::default();
    if let Some(day) = birthdate
        && crate::clock::parse_day(day).is_none()
    {
        v.add("birthdate", "birthdate must be a date, YYYY-MM-DD");
    }
    v.finish()?;
    let matches = |full_name: &str, born: Option<&str>, record_number: &str| {
        name.is_none_or(|n| fold(full_name).contains(&fold(n)))
            && birthdate.is_none_or(|b| born == Some(b))
            && mrn.as_deref().is_none_or(|m| record_number.eq_ignore_ascii_case(m))
    };
    if actor.role() == Role::Patient || !actor.holds(Permission::PatientsSearch) {
        let me = actor.id();
        let d = crate::patients::service::demographics(ctx, actor, me).await?;
        let user = actor.user();
        return Ok(if matches(&user.full_name, d.date_of_birth.as_deref(), &d.mrn) {
            vec![resources::patient(&me.to_string(), &user.full_name, true, &d)]
        } else {
            Vec::new()
        });
    }
    // The most selective parameter asks the patient search; the others filter its answer.
    let q = match (&mrn, birthdate, name) {
        (Some(m), _, _) => m.clone(),
        (None, Some(b), _) => b.to_string(),
        (None, None, Some(n)) => n.to_string(),
        (None, None, None) => {
            let mut v = Validator::default();
            v.add("name", "give name, birthdate or identifier to search patients");
            return Err(v.finish().err().unwrap_or(Error::NotFound("patient_not_found")));
        }
    };
    let found = crate::patients::service::search(ctx, actor, Some(&q)).await.map_err(|e| match e {
        Error::Validation(_) => {
            let mut v = Validator::default();
            v.add(
                if mrn.is_some() {
                    "identifier"
                } else if birthdate.is_some() {
                    "birthdate"
                } else {
                    "name"
                },
                "give at least 2 letters or digits",
            );
            v.finish().err().unwrap_or(e)
        }
        other => other,
    })?;
    // Only patients the caller may read (the care-team rule, one query for the page), so that
    // each one found reads back.
    let found: Vec<_> = found.into_iter().filter(|p| matches(&p.full_name, p.date_of_birth.as_deref(), &p.mrn)).collect();
    let readable = crate::care_team::readable_among(ctx, actor, &found.iter().map(|p| p.id.clone()).collect::<Vec<_>>()).await?;
    Ok(found
        .into_iter()
        .filter(|p| readable.contains(&p.id))
        .map(|p| {
            let d = Demographics { mrn: p.mrn, date_of_birth: p.date_of_birth, sex: p.sex, phone: None, address: None };
            resources::patient(&p.id, &p.full_name, true, &d)
        })
        .collect())
}

/// `GET DocumentReference/{id}`: a record as it stands, its files as links.
#[tracing::instrument(skip_all, fields(record_id = %id))]
pub async fn document(ctx: &Ctx, actor: &Actor, id: RecordId, base: &str) -> Result<Value, Error> {
    let record = crate::records::service::get(ctx, actor, id).await?;
    let files = crate::records::files::list(ctx, actor, id).await?;
    Ok(resources::document(&record, &files, base))
}

/// `GET DocumentReference?patient=`: the patient's records the caller may read, newest first
/// (notes inline, files as links; the page's files in one query).
#[tracing::instrument(skip_all)]
pub async fn documents(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest, base: &str) -> Result<Page<Value>, Error> {
    let p = crate::records::service::history(ctx, actor, patient, page).await?;
    let files = crate::records::files::rows_of(&ctx.db, &ctx.vault, patient, &p.items.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let items =
        p.items.iter().map(|r| resources::document(r, files.get(&r.id.to_string()).map(Vec::as_slice).unwrap_or_default(), base)).collect();
    Ok(Page { items, next_cursor: p.next_cursor })
}

/// The patient's name for the references of their resources (the chart's services decide
/// access before anything is shown).
async fn named(ctx: &Ctx, patient: UserId) -> Result<Value, Error> {
    let name = crate::accounts::store::find_by_id(&ctx.db, patient).await?.map(|u| u.full_name).unwrap_or_default();
    Ok(resources::patient_ref(&patient.to_string(), &name))
}

/// `GET AllergyIntolerance?patient=`.
#[tracing::instrument(skip_all)]
pub async fn allergies(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Value>, Error> {
    let p = crate::chart::service::allergies(ctx, actor, patient, page).await?;
    let who = named(ctx, patient).await?;
    Ok(Page { items: p.items.iter().map(|a| bundle::allergy(a, &who, Refs::Rest)).collect(), next_cursor: p.next_cursor })
}

/// `GET Condition?patient=`: the problem list.
#[tracing::instrument(skip_all)]
pub async fn conditions(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Value>, Error> {
    let p = crate::chart::service::problems(ctx, actor, patient, page).await?;
    let who = named(ctx, patient).await?;
    Ok(Page { items: p.items.iter().map(|c| bundle::condition(c, &who, Refs::Rest)).collect(), next_cursor: p.next_cursor })
}

/// `GET MedicationRequest?patient=`: one request per prescription item.
#[tracing::instrument(skip_all)]
pub async fn medication_requests(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Value>, Error> {
    let filter = crate::prescriptions::model::PrescriptionFilter { patient_id: Some(patient.to_string()), status: None };
    let p = crate::prescriptions::service::list(ctx, actor, &filter, page).await?;
    let who = named(ctx, patient).await?;
    Ok(Page { items: p.items.iter().flat_map(|rx| rest_requests(rx, &who)).collect(), next_cursor: p.next_cursor })
}

/// `GET Patient/{id}/$everything`: the patient and every resource of theirs the caller may
/// read (FHIR R4 Patient-everything), every page of each: records, allergies, problems,
/// prescriptions and their dispensing, appointments, lab orders and results.
#[tracing::instrument(skip_all, fields(patient_id = %id))]
pub async fn everything(ctx: &Ctx, actor: &Actor, id: UserId, base: &str) -> Result<Vec<Value>, Error> {
    let mut out = vec![patient(ctx, actor, id).await?];
    let all = |after| PageRequest { limit: crate::pagination::MAX_LIMIT, after };
    let mut page = all(None);
    loop {
        let p = crate::records::service::history(ctx, actor, id, &page).await?;
        let files = crate::records::files::rows_of(&ctx.db, &ctx.vault, id, &p.items.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
        out.extend(
            p.items.iter().map(|r| resources::document(r, files.get(&r.id.to_string()).map(Vec::as_slice).unwrap_or_default(), base)),
        );
        page = all(p.items.last().map(|r| (r.created_at.clone(), r.id.to_string())));
        if p.next_cursor.is_none() {
            break;
        }
    }
    let who = named(ctx, id).await?;
    let mut page = all(None);
    loop {
        let p = crate::chart::service::allergies(ctx, actor, id, &page).await?;
        out.extend(p.items.iter().map(|a| bundle::allergy(a, &who, Refs::Rest)));
        page = all(p.items.last().map(|a| (a.created_at.clone(), a.id.clone())));
        if p.next_cursor.is_none() {
            break;
        }
    }
    let mut page = all(None);
    loop {
        let p = crate::chart::service::problems(ctx, actor, id, &page).await?;
        out.extend(p.items.iter().map(|c| bundle::condition(c, &who, Refs::Rest)));
        page = all(p.items.last().map(|c| (c.created_at.clone(), c.id.clone())));
        if p.next_cursor.is_none() {
            break;
        }
    }
    let mut page = all(None);
    let mut dispenses = Vec::new();
    let filter = crate::prescriptions::model::PrescriptionFilter { patient_id: Some(id.to_string()), status: None };
    loop {
        let p = crate::prescriptions::service::list(ctx, actor, &filter, &page).await?;
        out.extend(p.items.iter().flat_map(|rx| rest_requests(rx, &who)));
        let dispensed: Vec<String> = p.items.iter().filter(|rx| rx.status == "dispensed").map(|rx| rx.id.clone()).collect();
        for d in crate::pharmacy::service::dispensations_of(ctx, &dispensed).await? {
            if let Some(rx) = p.items.iter().find(|rx| rx.id == d.prescription_id) {
                dispenses.extend(resources::medication_dispenses(&d, rx));
            }
        }
        page = all(p.items.last().map(|rx| (rx.created_at.clone(), rx.id.clone())));
        if p.next_cursor.is_none() {
            break;
        }
    }
    out.extend(dispenses);
    out.extend(appointments(ctx, actor, id).await?);
    let orders = lab_orders(ctx, actor, id).await?;
    out.extend(orders.iter().map(resources::service_request));
    out.extend(orders.iter().filter_map(|o| o.result.as_ref().map(|r| resources::observation(o, r))));
    actor.audit().detail(format!("{} resources", out.len()));
    Ok(out)
}

/// `GET Practitioner/{id}`: a doctor's name, for any signed-in caller past two-factor enrolment (doctors' names are on
/// every record a patient reads); anyone who is not a doctor answers 404.
#[tracing::instrument(skip_all, fields(practitioner_id = %id))]
pub async fn practitioner(ctx: &Ctx, id: UserId) -> Result<Value, Error> {
    match crate::accounts::store::find_by_id(&ctx.db, id).await? {
        Some(u) if u.role == Role::Doctor && !u.erased => {
            Ok(resources::practitioner(&id.to_string(), &u.full_name, u.status == crate::accounts::model::Status::Active))
        }
        _ => Err(Error::NotFound("not_found")),
    }
}

/// `GET Appointment?patient=`: the patient's appointments the caller may see (the patient's
/// own; a doctor's with them; every one for the front desk), by start time.
#[tracing::instrument(skip_all)]
pub async fn appointments(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<Vec<Value>, Error> {
    // As the other searches: a patient the caller may not read answers 404 (the front desk,
    // which books for everyone, reads every patient's appointments).
    if !actor.holds(Permission::AppointmentsManage) && !crate::care_team::may_read_patient(ctx, actor, patient).await? {
        actor.audit().touched(Some(patient), "appointment", None::<String>);
        return Err(Error::NotFound("patient_not_found"));
    }
    let filter = crate::appointments::model::AppointmentFilter { patient_id: Some(patient.to_string()), ..Default::default() };
    let found = crate::appointments::service::list(ctx, actor, &filter).await?;
    Ok(found.iter().filter(|a| a.patient_id == patient.to_string()).map(resources::appointment).collect())
}

/// The patient's lab orders the caller may read (the care-team rule; every one for lab staff).
async fn lab_orders(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<Vec<crate::lab::model::LabOrder>, Error> {
    let filter = crate::lab::model::LabFilter { patient_id: Some(patient.to_string()), status: None };
    crate::lab::service::list(ctx, actor, &filter).await
}

/// `GET ServiceRequest?patient=`: lab orders.
#[tracing::instrument(skip_all)]
pub async fn service_requests(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<Vec<Value>, Error> {
    Ok(lab_orders(ctx, actor, patient).await?.iter().map(resources::service_request).collect())
}

/// `GET Observation?patient=`: lab results.
#[tracing::instrument(skip_all)]
pub async fn observations(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<Vec<Value>, Error> {
    Ok(lab_orders(ctx, actor, patient).await?.iter().filter_map(|o| o.result.as_ref().map(|r| resources::observation(o, r))).collect())
}

/// `GET Consent?patient=`: a patient's own consents, ended ones included (as the API shows
/// them: only to the patient).
#[tracing::instrument(skip_all)]
pub async fn consents(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Value>, Error> {
    if patient != actor.id() {
        actor.audit().touched(Some(patient), "consent", None::<String>);
        return Err(Error::NotFound("patient_not_found"));
    }
    let p = crate::care_team::consents(ctx, actor, page).await?;
    let me = resources::patient_ref(&patient.to_string(), &actor.user().full_name);
    let id = patient.to_string();
    Ok(Page { items: p.items.iter().map(|c| bundle::consent(c, &id, &me, Refs::Rest)).collect(), next_cursor: p.next_cursor })
}

/// `GET AuditEvent?patient=`: the audit trail (admins), newest first, for one patient or all.
#[tracing::instrument(skip_all)]
pub async fn audit_events(
    ctx: &Ctx,
    actor: &Actor,
    patient: Option<UserId>,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<Value>, Error> {
    let params = crate::audit::TrailParams { patient_id: patient.map(|p| p.to_string()), limit, cursor, ..Default::default() };
    let p = crate::audit::search(ctx, actor, &params).await?;
    Ok(Page { items: p.items.iter().map(resources::audit_event).collect(), next_cursor: p.next_cursor })
}

/// `GET MedicationDispense?patient=`: what the pharmacy handed over against the patient's
/// prescriptions the caller may read (one query for the page's dispensations).
#[tracing::instrument(skip_all)]
pub async fn medication_dispenses(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Value>, Error> {
    let filter =
        crate::prescriptions::model::PrescriptionFilter { patient_id: Some(patient.to_string()), status: Some("dispensed".into()) };
    let p = crate::prescriptions::service::list(ctx, actor, &filter, page).await?;
    let ids: Vec<String> = p.items.iter().map(|rx| rx.id.clone()).collect();
    let dispensed = crate::pharmacy::service::dispensations_of(ctx, &ids).await?;
    let mut items = Vec::new();
    for rx in &p.items {
        for d in dispensed.iter().filter(|d| d.prescription_id == rx.id) {
            items.extend(resources::medication_dispenses(d, rx));
        }
    }
    Ok(Page { items, next_cursor: p.next_cursor })
}

/// `GET Provenance?target=DocumentReference/{id}`: the ledger entry behind each version of a
/// record the caller may read, oldest first.
#[tracing::instrument(skip_all)]
pub async fn provenance(ctx: &Ctx, actor: &Actor, target: Option<&str>, base: &str) -> Result<Vec<Value>, Error> {
    let record = target.map(str::trim).and_then(|t| t.strip_prefix("DocumentReference/")).and_then(|id| id.parse::<RecordId>().ok());
    let Some(id) = record else {
        let mut v = Validator::default();
        v.add("target", "target must be DocumentReference/<record id>");
        return Err(v.finish().err().unwrap_or(Error::NotFound("not_found")));
    };
    let versions = crate::records::service::versions(ctx, actor, id).await?;
    let entries: Vec<i64> = versions.iter().map(|v| v.entry_index).collect();
    let hashes = crate::ledger::store::leaf_hashes(&ctx.db, &entries).await?;
    let proof = format!("{base}/api/v1/records/{id}/proof");
    Ok(versions
        .iter()
        .map(|v| {
            let target = format!("DocumentReference/{id}/_history/{}", v.version);
            let link =
                resources::LedgerLink { entry: v.entry_index, leaf_hash: hashes.get(&v.entry_index).map(String::as_str), proof: &proof };
            resources::provenance(&format!("{id}-{}", v.version), &target, link, &v.created_at, &v.author_id, v.version == 1)
        })
        .collect())
}

/// A prescription's MedicationRequests with the API's ids, `<prescription>-<item>`, by which
/// they are read again (the export's Bundle gives them derived UUIDs instead).
fn rest_requests(rx: &crate::prescriptions::model::Prescription, who: &Value) -> Vec<Value> {
    let mut requests = bundle::medication_requests(rx, who, Refs::Rest);
    for (i, r) in requests.iter_mut().enumerate() {
        r["id"] = Value::String(format!("{}-{i}", rx.id));
    }
    requests
}

/// `<uuid>-<n>`: one of the several resources careledger writes for one row.
fn split_item(id: &str) -> Option<(&str, usize)> {
    let (row, n) = id.rsplit_once('-')?;
    uuid::Uuid::try_parse(row).ok()?;
    Some((row, n.parse().ok()?))
}

fn not_found() -> Error {
    Error::NotFound("not_found")
}

/// Reads one allergy or problem: finds its patient, then reads their list as the caller may
/// (the care-team rule decides), page by page, for the row.
async fn chart_item(ctx: &Ctx, actor: &Actor, list: crate::chart::store::List, id: &str) -> Result<Value, Error> {
    // A refusal must read like an id that does not exist: no word of the patient behind it.
    chart_item_inner(ctx, actor, list, id).await.map_err(|e| match e {
        Error::NotFound(_) | Error::Gone(_) => not_found(),
        other => other,
    })
}

async fn chart_item_inner(ctx: &Ctx, actor: &Actor, list: crate::chart::store::List, id: &str) -> Result<Value, Error> {
    let patient: UserId = crate::chart::store::patient_of(&ctx.db, list, id).await?.and_then(|p| p.parse().ok()).ok_or_else(not_found)?;
    let who = named(ctx, patient).await?;
    let mut page = PageRequest { limit: crate::pagination::MAX_LIMIT, after: None };
    loop {
        let (found, last, next) = match list {
            crate::chart::store::List::Allergies => {
                let p = crate::chart::service::allergies(ctx, actor, patient, &page).await?;
                let last = p.items.last().map(|a| (a.created_at.clone(), a.id.clone()));
                (p.items.iter().find(|a| a.id == id).map(|a| bundle::allergy(a, &who, Refs::Rest)), last, p.next_cursor)
            }
            crate::chart::store::List::Problems => {
                let p = crate::chart::service::problems(ctx, actor, patient, &page).await?;
                let last = p.items.last().map(|c| (c.created_at.clone(), c.id.clone()));
                (p.items.iter().find(|c| c.id == id).map(|c| bundle::condition(c, &who, Refs::Rest)), last, p.next_cursor)
            }
        };
        if let Some(v) = found {
            return Ok(v);
        }
        if next.is_none() {
            return Err(not_found());
        }
        page.after = last;
    }
}

/// `GET AllergyIntolerance/{id}`.
pub async fn allergy(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    chart_item(ctx, actor, crate::chart::store::List::Allergies, id).await
}

/// `GET Condition/{id}`.
pub async fn condition(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    chart_item(ctx, actor, crate::chart::store::List::Problems, id).await
}

/// `GET MedicationRequest/{prescription}-{item}`.
pub async fn medication_request(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    let (rx, i) = split_item(id).ok_or_else(not_found)?;
    let rx = crate::prescriptions::service::get(ctx, actor, rx).await?;
    let who = named(ctx, rx.patient_id.parse().map_err(|_| not_found())?).await?;
    rest_requests(&rx, &who).into_iter().nth(i).ok_or_else(not_found)
}

/// `GET MedicationDispense/{dispensation}-{batch}`.
pub async fn medication_dispense(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    let (d, i) = split_item(id).ok_or_else(not_found)?;
    let rx_id = crate::pharmacy::store::prescription_of(&ctx.db, d).await?.ok_or_else(not_found)?;
    let rx = crate::prescriptions::service::get(ctx, actor, &rx_id).await?;
    let dispensed = crate::pharmacy::service::dispensations_of(ctx, std::slice::from_ref(&rx.id)).await?;
    let d = dispensed.iter().find(|x| x.id == d).ok_or_else(not_found)?;
    resources::medication_dispenses(d, &rx).into_iter().nth(i).ok_or_else(not_found)
}

/// `GET Appointment/{id}`.
pub async fn appointment(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    Ok(resources::appointment(&crate::appointments::service::get(ctx, actor, id).await?))
}

/// `GET ServiceRequest/{id}`: a lab order.
pub async fn service_request(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    Ok(resources::service_request(&crate::lab::service::get(ctx, actor, id).await?))
}

/// `GET Observation/{id}`: the result of the lab order with this id.
pub async fn observation(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    let order = crate::lab::service::get(ctx, actor, id).await?;
    order.result.as_ref().map(|r| resources::observation(&order, r)).ok_or_else(not_found)
}

/// `GET Consent/{id}`: one of the caller's own consents.
pub async fn consent(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    let me = actor.id();
    let who = resources::patient_ref(&me.to_string(), &actor.user().full_name);
    let mut page = PageRequest { limit: crate::pagination::MAX_LIMIT, after: None };
    loop {
        let p = crate::care_team::consents(ctx, actor, &page).await?;
        if let Some(c) = p.items.iter().find(|c| c.id == id) {
            return Ok(bundle::consent(c, &me.to_string(), &who, Refs::Rest));
        }
        if p.next_cursor.is_none() {
            return Err(not_found());
        }
        page.after = p.items.last().map(|c| (c.granted_at.clone(), c.id.clone()));
    }
}

/// `GET Provenance/{record}-{version}`: the ledger entry behind one version of a record.
pub async fn provenance_of(ctx: &Ctx, actor: &Actor, id: &str, base: &str) -> Result<Value, Error> {
    let (record, version) = split_item(id).ok_or_else(not_found)?;
    let target = format!("DocumentReference/{record}");
    provenance(ctx, actor, Some(&target), base)
        .await?
        .into_iter()
        .find(|p| p["target"][0]["reference"] == format!("{target}/_history/{version}"))
        .ok_or_else(not_found)
}

/// `GET AuditEvent/{seq}`: one row of the audit trail (admins).
pub async fn audit_event(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Value, Error> {
    let seq: i64 = id.parse().map_err(|_| not_found())?;
    Ok(resources::audit_event(&crate::audit::event(ctx, actor, seq).await?))
}

/// `GET Practitioner?name=`: the clinic's active doctors, by name (all of them without `name`).
pub async fn practitioners(ctx: &Ctx, name: Option<&str>) -> Result<Vec<Value>, Error> {
    let wanted = name.map(str::trim).filter(|n| !n.is_empty()).map(fold);
    Ok(crate::care_team::store::active_doctors(&ctx.db)
        .await?
        .into_iter()
        .filter(|(_, full)| wanted.as_ref().is_none_or(|w| fold(full).contains(w.as_str())))
        .map(|(id, full)| resources::practitioner(&id, &full, true))
        .collect())
}
