//! Allergy and problem rules: a doctor who may read the patient's history (the care-team rule)
//! writes them; whoever may read that history reads them; each write is sealed under the
//! patient's data key and ledgered in its transaction.

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::{Role, store as accounts_store};
use crate::care_team;
use crate::chart::model::{Allergy, AllergyBody, ClinicalEntry, NewAllergy, NewProblem, Problem, ProblemBody};
use crate::chart::store::{self, List, StoredItem};
use crate::clock;
use crate::context::Ctx;
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::UserId;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef};
use crate::pagination::{Page, PageRequest};

/// Longest substance, in characters.
pub const MAX_SUBSTANCE: usize = 200;
/// Longest reaction or problem description, in characters.
pub const MAX_TEXT: usize = 500;
/// Longest problem code, in characters.
pub const MAX_CODE: usize = 40;
/// Allergy severities (FHIR AllergyIntolerance.reaction.severity).
pub const SEVERITIES: [&str; 3] = ["mild", "moderate", "severe"];
/// Problem statuses (FHIR Condition.clinicalStatus, the ones a clinic uses).
pub const STATUSES: [&str; 3] = ["active", "inactive", "resolved"];

/// The patient a chart write or read is about, once the caller may see their history: 404
/// `patient_not_found` for anyone else (as for a patient who does not exist), 410 `erased`.
pub async fn readable_patient(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<(), Error> {
    if !care_team::may_read_patient(ctx, actor, patient).await? {
        actor.audit().touched(Some(patient), "patient", Some(patient));
        return Err(Error::NotFound("patient_not_found"));
    }
    match accounts_store::find_by_id(&ctx.db, patient).await? {
        Some(u) if u.erased => Err(Error::Gone("erased")),
        Some(u) if u.role == Role::Patient => Ok(()),
        _ => Err(Error::NotFound("patient_not_found")),
    }
}

/// The `patient_id` filter of a list, parsed (an error on the field when it is not an id).
pub fn patient_filter(v: &mut Validator, s: Option<&str>) -> Option<UserId> {
    let s = s.map(str::trim).filter(|s| !s.is_empty())?;
    match s.parse::<UserId>() {
        Ok(id) => Some(id),
        Err(_) => {
            v.add("patient_id", "patient_id must be a patient's id");
            None
        }
    }
}

/// Whose items a list of a patient's prescriptions or lab orders shows, as `(patient, author)`
/// conditions: everyone's (by `patient` if given) for the staff who work on all of them
/// (`reads_all`: the pharmacy, the lab); one patient's for whoever may read that patient (the
/// care-team rule, else 404); the patient's own; otherwise the doctor's own.
pub async fn list_scope(
    ctx: &Ctx,
    actor: &Actor,
    patient: Option<UserId>,
    reads_all: bool,
) -> Result<(Option<String>, Option<String>), Error> {
    Ok(if reads_all {
        (patient.map(|p| p.to_string()), None)
    } else if let Some(p) = patient {
        readable_patient(ctx, actor, p).await?;
        (Some(p.to_string()), None)
    } else if actor.role() == Role::Patient {
        (Some(actor.id().to_string()), None)
    } else {
        (None, Some(actor.id().to_string()))
    })
}

/// The care-team rule asked once per patient while a list is walked.
#[derive(Default)]
pub struct Readable(std::collections::HashMap<String, bool>);

impl Readable {
    /// Whether `actor` may read the patient `patient_id` (an id that does not parse: no).
    pub async fn may_read(&mut self, ctx: &Ctx, actor: &Actor, patient_id: &str) -> Result<bool, Error> {
        if let Some(may) = self.0.get(patient_id) {
            return Ok(*may);
        }
        let may = match patient_id.parse::<UserId>() {
            Ok(p) => care_team::may_read_patient(ctx, actor, p).await?,
            Err(_) => false,
        };
        self.0.insert(patient_id.to_string(), may);
        Ok(may)
    }
}

/// Trimmed text, `None` when blank; longer than `max` characters is an error on `field`.
pub fn optional_text(v: &mut Validator, field: &str, s: Option<&str>, max: usize) -> Option<String> {
    let s = s.map(str::trim).filter(|s| !s.is_empty())?;
    if s.chars().count() > max {
        v.add(field, format!("{field} must be at most {max} characters"));
    }
    Some(s.to_string())
}

fn required_text(v: &mut Validator, field: &str, s: &str, max: usize) -> String {
    let s = s.trim();
    if s.is_empty() {
        v.add(field, format!("{field} is required"));
    } else if s.chars().count() > max {
        v.add(field, format!("{field} must be at most {max} characters"));
    }
    s.to_string()
}

/// `POST /api/v1/patients/{id}/allergies`: a doctor records an allergy.
#[tracing::instrument(skip_all, fields(doctor_id = %actor.id(), patient_id = %patient))]
pub async fn add_allergy(ctx: &Ctx, actor: &Actor, patient: UserId, input: NewAllergy) -> Result<Allergy, Error> {
    actor.require(Permission::RecordsCreate)?;
    let mut v = Validator::default();
    let substance = required_text(&mut v, "substance", &input.substance, MAX_SUBSTANCE);
    let reaction = optional_text(&mut v, "reaction", input.reaction.as_deref(), MAX_TEXT);
    let severity = optional_text(&mut v, "severity", input.severity.as_deref(), 20).map(|s| s.to_lowercase());
    if severity.as_deref().is_some_and(|s| !SEVERITIES.contains(&s)) {
        v.add("severity", "severity must be mild, moderate or severe");
    }
    v.finish()?;
    readable_patient(ctx, actor, patient).await?;
    let body = AllergyBody { substance, reaction, severity };
    let item = write(
        ctx,
        actor,
        patient,
        List::Allergies,
        EntryKind::AllergyRecorded,
        &serde_json::to_string(&body).map_err(|e| Error::Internal(e.into()))?,
    )
    .await?;
    Ok(allergy(item, body))
}

/// `POST /api/v1/patients/{id}/problems`: a doctor adds a problem to the list.
#[tracing::instrument(skip_all, fields(doctor_id = %actor.id(), patient_id = %patient))]
pub async fn add_problem(ctx: &Ctx, actor: &Actor, patient: UserId, input: NewProblem) -> Result<Problem, Error> {
    actor.require(Permission::RecordsCreate)?;
    let mut v = Validator::default();
    let description = required_text(&mut v, "description", &input.description, MAX_TEXT);
    let code = optional_text(&mut v, "code", input.code.as_deref(), MAX_CODE);
    let onset = optional_text(&mut v, "onset", input.onset.as_deref(), 10);
    if let Some(day) = &onset {
        match clock::parse_day(day) {
            Some(d) if d <= ctx.clock.now().date_naive() => {}
            Some(_) => v.add("onset", "onset cannot be in the future"),
            None => v.add("onset", "onset must be a date, YYYY-MM-DD, from 1900 on"),
        }
    }
    let status = optional_text(&mut v, "status", input.status.as_deref(), 20).map(|s| s.to_lowercase()).unwrap_or_else(|| "active".into());
    if !STATUSES.contains(&status.as_str()) {
        v.add("status", "status must be active, inactive or resolved");
    }
    v.finish()?;
    readable_patient(ctx, actor, patient).await?;
    let body = ProblemBody { description, code, onset, status };
    let item = write(
        ctx,
        actor,
        patient,
        List::Problems,
        EntryKind::ProblemRecorded,
        &serde_json::to_string(&body).map_err(|e| Error::Internal(e.into()))?,
    )
    .await?;
    Ok(problem(item, body))
}

/// Seals `body`, appends its entry and writes the row, in one transaction.
async fn write(ctx: &Ctx, actor: &Actor, patient: UserId, list: List, kind: EntryKind, body: &str) -> Result<StoredItem, Error> {
    let now = clock::format(ctx.clock.now());
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
    let mut tx = ctx.db.pool.begin().await?;
    let mut item = write_in(&mut tx, &key, list, new_entry(list, kind, patient, actor.id(), &now, body)).await?;
    tx.commit().await?;
    item.author_name = actor.user().full_name.clone();
    actor.audit().touched(Some(patient), list.noun(), Some(&item.id));
    tracing::info!(item_id = %item.id, kind = kind.as_str(), "chart entry written");
    Ok(item)
}

/// A new row's ledger entry (a fresh id).
pub fn new_entry(list: List, kind: EntryKind, patient: UserId, author: UserId, now: &str, body: &str) -> ClinicalEntry {
    ClinicalEntry {
        kind,
        id_name: id_name(list),
        id: uuid::Uuid::now_v7().to_string(),
        patient_id: patient.to_string(),
        author_id: author.to_string(),
        version: None,
        time: now.to_string(),
        body: body.to_string(),
        erased: false,
    }
}

/// Writes the row `entry` describes, sealed with the patient's data key, and appends the entry,
/// in the caller's transaction (the services above, and the demo clinic).
pub async fn write_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &FieldKey,
    list: List,
    entry: ClinicalEntry,
) -> Result<StoredItem, Error> {
    let sealed = key.seal(&entry.body, &format!("{}:{}", list.noun(), entry.id))?;
    let entry_index = crate::ledger::append(tx, &entry).await?;
    let item = StoredItem {
        id: entry.id,
        patient_id: entry.patient_id,
        author_id: entry.author_id,
        author_name: String::new(),
        created_at: entry.time,
        body: sealed,
        entry_index,
    };
    store::insert(tx, list, &item).await?;
    Ok(item)
}

fn id_name(list: List) -> &'static str {
    match list {
        List::Allergies => "allergy_id",
        List::Problems => "problem_id",
    }
}

fn allergy(i: StoredItem, b: AllergyBody) -> Allergy {
    Allergy {
        id: i.id,
        patient_id: i.patient_id,
        author_id: i.author_id,
        author_name: i.author_name,
        created_at: i.created_at,
        substance: b.substance,
        reaction: b.reaction,
        severity: b.severity,
        entry_index: i.entry_index,
    }
}

fn problem(i: StoredItem, b: ProblemBody) -> Problem {
    Problem {
        id: i.id,
        patient_id: i.patient_id,
        author_id: i.author_id,
        author_name: i.author_name,
        created_at: i.created_at,
        description: b.description,
        code: b.code,
        onset: b.onset,
        status: b.status,
        entry_index: i.entry_index,
    }
}

/// Opens a row's body with the patient's key.
fn open<T: serde::de::DeserializeOwned>(key: &FieldKey, list: List, item: &StoredItem) -> Result<T, Error> {
    let plain = key.open(&item.body, &format!("{}:{}", list.noun(), item.id))?;
    serde_json::from_str(plain.expose()).map_err(|e| Error::Internal(e.into()))
}

async fn page_of<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    actor: &Actor,
    patient: UserId,
    list: List,
    page: &PageRequest,
) -> Result<Page<(StoredItem, T)>, Error> {
    // The route's audit row names the patient (the path's id): a list needs no row of its own.
    readable_patient(ctx, actor, patient).await?;
    let rows = store::list(&ctx.db.pool, list, patient, page).await?;
    let Some(key) = ctx.vault.existing(&ctx.db.pool, patient).await? else {
        return Ok(Page { items: Vec::new(), next_cursor: None });
    };
    let items = rows.into_iter().map(|i| open(&key, list, &i).map(|b| (i, b))).collect::<Result<Vec<_>, Error>>()?;
    Ok(page.finish(items, |(i, _)| (i.created_at.clone(), i.id.clone())))
}

/// A patient's allergies, newest first.
pub async fn allergies(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Allergy>, Error> {
    let p = page_of::<AllergyBody>(ctx, actor, patient, List::Allergies, page).await?;
    Ok(Page { items: p.items.into_iter().map(|(i, b)| allergy(i, b)).collect(), next_cursor: p.next_cursor })
}

/// A patient's problems, newest first.
pub async fn problems(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Problem>, Error> {
    let p = page_of::<ProblemBody>(ctx, actor, patient, List::Problems, page).await?;
    Ok(Page { items: p.items.into_iter().map(|(i, b)| problem(i, b)).collect(), next_cursor: p.next_cursor })
}

/// Every allergy substance recorded for `patient` (for the prescription checks; the caller
/// has decided access), read in the caller's transaction. At most 500, newest first.
pub async fn allergy_substances(
    conn: &mut sqlx::AnyConnection,
    vault: &crate::vault::Vault,
    patient: UserId,
) -> Result<Vec<String>, Error> {
    let rows = store::list(&mut *conn, List::Allergies, patient, &PageRequest { limit: 499, after: None }).await?;
    let Some(key) = vault.existing(&mut *conn, patient).await? else { return Ok(Vec::new()) };
    rows.iter().map(|i| open::<AllergyBody>(&key, List::Allergies, i).map(|b| b.substance)).collect()
}

/// What allergies and problems have put in the ledger, rebuilt from their rows.
pub async fn ledgered(db: &Db, vault: &crate::vault::Vault) -> Result<Declaration, Error> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (list, kind) in [(List::Allergies, EntryKind::AllergyRecorded), (List::Problems, EntryKind::ProblemRecorded)] {
        for (item, wrapped, master) in store::all_with_keys(db, list).await? {
            let patient: UserId = item.patient_id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("a chart row names no patient")))?;
            let key = vault.key_from_columns(wrapped.as_deref(), master.as_deref(), patient)?;
            let (body, erased) = match key {
                Some(k) => match k.open(&item.body, &format!("{}:{}", list.noun(), item.id)) {
                    Ok(plain) => (plain.expose().clone(), false),
                    Err(_) => {
                        problems.push(format!("{} {}: its sealed text does not open", list.noun(), item.id));
                        continue;
                    }
                },
                None => (String::new(), true),
            };
            rows.push(Declared {
                entry: EntryRef::Index(item.entry_index),
                row: format!("{} {}", list.noun(), item.id),
                item: Box::new(ClinicalEntry {
                    kind,
                    id_name: id_name(list),
                    id: item.id,
                    patient_id: item.patient_id,
                    author_id: item.author_id,
                    version: None,
                    time: item.created_at,
                    body,
                    erased,
                }),
            });
        }
    }
    Ok(Declaration { rows, problems })
}
