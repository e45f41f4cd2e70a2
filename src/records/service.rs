//! Record rules: who reads which record, what a valid record is, and how a write reaches the
//! ledger. Pages and API both call these, with the actor the route guard verified (which
//! already holds `records.create` or `records.read`).

use chrono::{Duration, NaiveDate};

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::{Role, User, store as accounts_store};
use crate::care_team::{self, Scope};
use crate::clock;
use crate::config::ClinicianAccess;
use crate::context::Ctx;
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::{Email, RecordId, UserId};
use crate::ledger::entry::{Declaration, Declared, EntryRef};
use crate::pagination::{Page, PageRequest};
use crate::records::model::{NewRecord, Record, RecordFilter, RecordType, RecordVersion, VersionEntry};
use crate::records::sealing;
use crate::records::store::{self, ListQuery, RecordRow};
use crate::vault::Vault;

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest notes, in characters.
pub const MAX_NOTES: usize = 50_000;
/// Longest search text, in characters.
pub const MAX_QUERY: usize = 200;

/// Writes a record for an active patient found by id or email (the actor holds
/// `records.create`).
pub async fn create(ctx: &Ctx, actor: &Actor, input: NewRecord) -> Result<Record, Error> {
    create_with_id(ctx, actor, input, RecordId::new()).await
}

/// Writes a record under an id chosen beforehand (the page's confirmation carries one), once:
/// sent again (Back and Save, a double click), it answers with the record already written
/// instead of writing a second one.
pub async fn create_once(ctx: &Ctx, actor: &Actor, input: NewRecord, id: RecordId) -> Result<Record, Error> {
    match create_with_id(ctx, actor, input, id).await {
        Err(Error::Conflict("record_exists", _)) => match store::get(&ctx.db, &ctx.vault, id).await? {
            Some(existing) if existing.doctor_id == actor.id() => Ok(existing),
            _ => Err(Error::Conflict("record_exists", "A record with this id exists already.")),
        },
        other => other,
    }
}

#[tracing::instrument(skip_all, fields(doctor_id = %actor.id(), record_id = %id))]
async fn create_with_id(ctx: &Ctx, actor: &Actor, input: NewRecord, id: RecordId) -> Result<Record, Error> {
    actor.require(Permission::RecordsCreate)?;
    let ValidRecord { title, record_type, patient } = validate(&input)?;
    let patient = find_active_patient(&ctx.db, patient).await?;
    let now = clock::format(ctx.clock.now());
    // The key before the transaction: the write's first statement takes SQLite's write lock,
    // so concurrent writers queue instead of finding their snapshot stale.
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient.id, &now).await?;
    let mut tx = ctx.db.pool.begin().await?;
    write_new(
        &mut tx,
        ctx.settings.clinician_access,
        &ctx.vault,
        &key,
        &RecordRow { id, patient_id: patient.id, doctor_id: actor.id(), title, notes: &input.notes, record_type, created_at: &now },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(record_id = %id, patient_id = %patient.id, "record created");
    actor.audit().touched(Some(patient.id), "record", Some(id));
    Ok(Record {
        id,
        patient_id: patient.id,
        doctor_id: actor.id(),
        title: title.to_string(),
        notes: input.notes,
        record_type,
        created_at: now,
        patient_name: patient.full_name,
        doctor_name: actor.user().full_name.clone(),
        version: 1,
    })
}

/// Writes a new record, its first version and that version's ledger entry in the caller's
/// transaction, and puts its author on the patient's care team (refused when the patient took
/// them off it; see `care_team::join_by_record`). The text is sealed under the patient's data
/// key (`key`, from [`Vault::key_for`]) and indexed blind. The demo loader writes its records
/// through here too. Returns the entry index.
pub async fn write_new(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    access: ClinicianAccess,
    vault: &Vault,
    key: &FieldKey,
    r: &RecordRow<'_>,
) -> Result<i64, Error> {
    let text = sealing::seal_version(key, r.id, 1, r.title, r.notes, "")?;
    store::insert_record(&mut **tx, r, &text).await?;
    let entry = VersionEntry {
        record_id: r.id.to_string(),
        patient_id: r.patient_id.to_string(),
        doctor_id: r.doctor_id.to_string(),
        record_type: r.record_type.as_str().to_string(),
        version: 1,
        title: r.title.to_string(),
        notes: r.notes.to_string(),
        author_id: r.doctor_id.to_string(),
        reason: String::new(),
        time: r.created_at.to_string(),
        erased: false,
    };
    // The entry first: its row lock orders this write after any care-team change in flight.
    let index = crate::ledger::append(tx, &entry).await?;
    care_team::join_by_record(tx, access, r.patient_id, r.doctor_id, r.created_at).await?;
    store::insert_version(tx, r.id, 1, &text, r.doctor_id, r.created_at, index).await?;
    sealing::index_record(tx, vault, r.id, r.title, r.notes).await?;
    Ok(index)
}

/// A new record's own fields, checked, and the patient it names (not looked up yet).
pub struct ValidRecord<'a> {
    title: &'a str,
    record_type: RecordType,
    patient: PatientRef<'a>,
}

/// Checks a new record's fields without touching the database (the page checks them before
/// asking the doctor to confirm the patient).
pub fn validate(input: &NewRecord) -> Result<ValidRecord<'_>, Error> {
    let mut v = Validator::default();
    let title = input.title.trim();
    if title.is_empty() {
        v.add("title", "title is required");
    } else if title.chars().count() > MAX_TITLE {
        v.add("title", format!("title must be at most {MAX_TITLE} characters"));
    }
    if input.notes.chars().count() > MAX_NOTES {
        v.add("notes", format!("notes must be at most {MAX_NOTES} characters"));
    }
    let record_type = match input.record_type.as_deref().map(str::trim) {
        None | Some("") => Some(RecordType::Visit),
        Some(t) => RecordType::parse(t).or_else(|| {
            v.add("record_type", "record_type must be one of visit, diagnosis, lab_result, imaging, procedure, note");
            None
        }),
    };
    let by_id = input.patient_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let by_email = input.patient_email.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let patient = match (by_id, by_email) {
        (Some(_), Some(_)) => {
            v.add("patient_id", "give patient_id or patient_email, not both");
            None
        }
        (None, None) => {
            v.add("patient_id", "patient_id or patient_email is required");
            None
        }
        (Some(id), None) => Some(PatientRef::Id(id)),
        (None, Some(email)) => match Email::parse(email) {
            Ok(email) => Some(PatientRef::Email(email)),
            Err(m) => {
                v.add("patient_email", m);
                None
            }
        },
    };
    v.finish()?;
    match (patient, record_type) {
        (Some(patient), Some(record_type)) => Ok(ValidRecord { title, record_type, patient }),
        _ => Err(Error::Validation(vec![])),
    }
}

/// Checks a new record without writing it: the writer, its fields and the active patient it
/// names. The page shows that patient's name, email and id back before a record addressed by
/// email is saved, so a look-alike address cannot slip a record to someone else.
pub async fn check_new(ctx: &Ctx, actor: &Actor, input: &NewRecord) -> Result<User, Error> {
    actor.require(Permission::RecordsCreate)?;
    let valid = validate(input)?;
    find_active_patient(&ctx.db, valid.patient).await
}

enum PatientRef<'a> {
    Id(&'a str),
    Email(Email),
}

async fn find_active_patient(db: &Db, r: PatientRef<'_>) -> Result<User, Error> {
    let found = match r {
        PatientRef::Id(id) => match id.parse::<UserId>() {
            Ok(id) => accounts_store::find_by_id(db, id).await?,
            Err(_) => None,
        },
        PatientRef::Email(email) => accounts_store::find_by_email(db, &email).await?,
    };
    found.filter(|u| u.is_active(Role::Patient)).ok_or(Error::NotFound("patient_not_found"))
}

/// One record, or 404 `not_found` when it does not exist or the caller may not see it.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), record_id = %id))]
pub async fn get(ctx: &Ctx, actor: &Actor, id: RecordId) -> Result<Record, Error> {
    actor.require(Permission::RecordsRead)?;
    // The care-team rule (`care_team::scope`), applied in the record's own query.
    let found = match care_team::scope(ctx, actor) {
        Scope::CareTeamOf(doctor) => {
            let now = clock::format(ctx.clock.now());
            store::get_with_membership(&ctx.db, &ctx.vault, id, doctor, &now)
                .await?
                .filter(|(_, on_team)| *on_team)
                .map(|(record, _)| record)
        }
        Scope::Patient(me) => match store::owner(&ctx.db, id).await? {
            Some(owner) if owner == me => store::get(&ctx.db, &ctx.vault, id).await?,
            _ => None,
        },
        Scope::Everyone => store::get(&ctx.db, &ctx.vault, id).await?,
        Scope::Nothing => None,
    };
    let Some(record) = found else {
        // Refused (or missing): the attempt goes in the trail under the patient whose record
        // it was, so their access log and an admin's search by patient show it.
        let owner = store::owner(&ctx.db, id).await?;
        actor.audit().touched(owner, "record", Some(id));
        return Err(Error::NotFound("not_found"));
    };
    actor.audit().touched(Some(record.patient_id), "record", Some(id));
    Ok(record)
}

/// Records the caller may see, newest first, filtered.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn list(ctx: &Ctx, actor: &Actor, filter: &RecordFilter, page: &PageRequest) -> Result<Page<Record>, Error> {
    actor.require(Permission::RecordsRead)?;
    let mut q = parse_filter(filter)?;
    // The caller's scope (the care-team rule) is forced; a filter asking outside it simply
    // matches nothing.
    let outside = match care_team::scope(ctx, actor) {
        Scope::Patient(me) => {
            let outside = q.patient_id.is_some_and(|p| p != me);
            q.patient_id = Some(me);
            outside
        }
        Scope::CareTeamOf(me) => {
            q.care_team_of = Some((me, clock::format(ctx.clock.now())));
            false
        }
        Scope::Everyone => false,
        Scope::Nothing => return Err(Error::Forbidden("this role has no access to clinical records")),
    };
    if outside {
        return Ok(Page { items: vec![], next_cursor: None });
    }
    q.after = page.after.clone();
    q.limit = page.fetch_limit();
    // Words searched for become blind index tokens: the search never opens a row.
    q.terms = q.terms.iter().map(|t| ctx.vault.blind(t)).collect();
    let rows = store::list(&ctx.db, &ctx.vault, &q).await?;
    let page = page.finish(rows, |r| (r.created_at.clone(), r.id.to_string()));
    // One audit row per patient whose records the list showed (not one per record: a page
    // of fifty is one look at each patient's history).
    for r in &page.items {
        actor.audit().touched(Some(r.patient_id), "record", None::<String>);
    }
    actor.audit().detail(format!("{} records", page.items.len()));
    Ok(page)
}

/// A patient's history, newest first: for the patient, everything; for a doctor who has the
/// patient in their care, the records that doctor may read. Anyone else: 404 `patient_not_found`.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), patient_id = %patient))]
pub async fn history(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Record>, Error> {
    actor.require(Permission::RecordsRead)?;
    if !care_team::may_read_patient(ctx, actor, patient).await? {
        return Err(Error::NotFound("patient_not_found"));
    }
    if accounts_store::is_erased(&ctx.db, patient).await? {
        return Err(Error::Gone("erased"));
    }
    let filter = RecordFilter { patient_id: Some(patient.to_string()), ..RecordFilter::default() };
    list(ctx, actor, &filter, page).await
}

/// The signed-in patient's records per month over the last twelve months, for their
/// dashboard's chart (`YYYY-MM`, oldest first, months without records included).
pub async fn visits_per_month(ctx: &Ctx, actor: &Actor) -> Result<Vec<(String, i64)>, Error> {
    actor.require(Permission::RecordsRead)?;
    let today = ctx.clock.now().date_naive();
    let since = format!("{}-01", (today - Duration::days(366)).format("%Y-%m"));
    let counts = store::per_month(&ctx.db, actor.id(), &since).await?;
    Ok(crate::records::chart::last_months(today, 12, &counts))
}

/// Turns the filters as sent into a query, naming every field that does not parse.
pub fn parse_filter(f: &RecordFilter) -> Result<ListQuery, Error> {
    let mut v = Validator::default();
    let nonempty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let mut q = ListQuery::default();
    if let Some(p) = nonempty(&f.patient_id) {
        q.patient_id = p.parse().map_err(|_| v.add("patient_id", "patient_id is not a valid id")).ok();
    }
    if let Some(p) = nonempty(&f.provider) {
        q.doctor_id = p.parse().map_err(|_| v.add("provider", "provider is not a valid id")).ok();
    }
    if let Some(t) = nonempty(&f.record_type) {
        q.record_type = RecordType::parse(&t).or_else(|| {
            v.add("type", "type must be one of visit, diagnosis, lab_result, imaging, procedure, note");
            None
        });
    }
    if let Some(from) = nonempty(&f.from) {
        q.from = parse_bound(&from, false).or_else(|| {
            v.add("from", "from must be a date (YYYY-MM-DD) or an RFC 3339 time");
            None
        });
    }
    if let Some(to) = nonempty(&f.to) {
        q.to = parse_bound(&to, true).or_else(|| {
            v.add("to", "to must be a date (YYYY-MM-DD) or an RFC 3339 time");
            None
        });
    }
    if let (Some(from), Some(to)) = (&q.from, &q.to)
        && from > to
    {
        v.add("to", "to must not be before from (the dates are the wrong way round)");
    }
    if let Some(text) = nonempty(&f.q) {
        if text.chars().count() > MAX_QUERY {
            v.add("q", format!("the search text (q) must be at most {MAX_QUERY} characters"));
        } else {
            q.terms = sealing::query_terms(&text);
            if q.terms.is_empty() {
                v.add("q", "the search text (q) must hold a word (letters or digits): punctuation alone is not searched");
            }
        }
    }
    v.finish()?;
    Ok(q)
}

/// A bound as stored text. A bare date as `to` covers the whole day: the bound is the next
/// midnight, exclusive. A time as `to` is inclusive.
fn parse_bound(s: &str, upper: bool) -> Option<String> {
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let day = if upper { day.checked_add_signed(Duration::days(1))? } else { day };
        return Some(clock::format(day.and_hms_opt(0, 0, 0)?.and_utc()));
    }
    let t = clock::parse(s)?;
    Some(clock::format(if upper { t + Duration::microseconds(1) } else { t }))
}

/// An amendment: a new version with a reason. Title and notes not given stay as they are.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Amendment {
    /// New title (1–200 characters).
    pub title: Option<String>,
    /// New notes (up to 50,000 characters).
    pub notes: Option<String>,
    /// Why the record is amended (1–500 characters).
    pub reason: String,
}

/// Longest amendment reason, in characters.
pub const MAX_REASON: usize = 500;

/// Amends a record: only its author may; a new version with its own ledger entry, in one
/// transaction. Others who may read the record get 403; anyone else 404.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), record_id = %id))]
pub async fn amend(ctx: &Ctx, actor: &Actor, id: RecordId, a: Amendment) -> Result<Record, Error> {
    actor.require(Permission::RecordsCreate)?;
    let record = get(ctx, actor, id).await?;
    if record.doctor_id != actor.id() {
        return Err(Error::Forbidden("only the record's author amends it"));
    }
    let mut v = Validator::default();
    let reason = a.reason.trim().to_string();
    if reason.is_empty() {
        v.add("reason", "reason is required");
    } else if reason.chars().count() > MAX_REASON {
        v.add("reason", format!("reason must be at most {MAX_REASON} characters"));
    }
    let title = a.title.as_deref().map(str::trim).map(str::to_string);
    if let Some(t) = &title {
        if t.is_empty() {
            v.add("title", "title cannot be empty");
        } else if t.chars().count() > MAX_TITLE {
            v.add("title", format!("title must be at most {MAX_TITLE} characters"));
        }
    }
    if a.notes.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTES) {
        v.add("notes", format!("notes must be at most {MAX_NOTES} characters"));
    }
    if title.is_none() && a.notes.is_none() {
        v.add("title", "give a new title or new notes");
    }
    v.finish()?;
    let title = title.unwrap_or(record.title.clone());
    let notes = a.notes.unwrap_or(record.notes.clone());
    let version = record.version + 1;
    let now = clock::format(ctx.clock.now());
    let entry = VersionEntry {
        record_id: id.to_string(),
        patient_id: record.patient_id.to_string(),
        doctor_id: record.doctor_id.to_string(),
        record_type: record.record_type.as_str().to_string(),
        version,
        title: title.clone(),
        notes: notes.clone(),
        author_id: actor.id().to_string(),
        reason: reason.clone(),
        time: now.clone(),
        erased: false,
    };
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, record.patient_id, &now).await?;
    let text = sealing::seal_version(&key, id, version, &title, &notes, &reason)?;
    let mut tx = ctx.db.pool.begin().await?;
    if !store::set_latest(&mut tx, id, version, &text).await? {
        return Err(Error::Conflict("record_changed", "The record was amended meanwhile; reload it and try again."));
    }
    let index = crate::ledger::append(&mut tx, &entry).await?;
    store::insert_version(&mut tx, id, version, &text, actor.id(), &now, index).await?;
    sealing::index_record(&mut tx, &ctx.vault, id, &title, &notes).await?;
    tx.commit().await?;
    tracing::info!(version, "record amended");
    Ok(Record { title, notes, version, ..record })
}

/// Every version of a record the caller may read, oldest first.
pub async fn versions(ctx: &Ctx, actor: &Actor, id: RecordId) -> Result<Vec<RecordVersion>, Error> {
    let record = get(ctx, actor, id).await?;
    store::versions(&ctx.db, &ctx.vault, id, record.patient_id).await
}

/// The ledger entry index of a readable record's latest version.
pub async fn latest_entry(ctx: &Ctx, actor: &Actor, id: RecordId) -> Result<i64, Error> {
    actor.require(Permission::RecordsRead)?;
    match store::get_with_entry(&ctx.db, id).await? {
        Some((record, entry)) if care_team::may_read_patient(ctx, actor, record.patient_id).await? => {
            actor.audit().touched(Some(record.patient_id), "record", Some(id));
            if accounts_store::is_erased(&ctx.db, record.patient_id).await? {
                return Err(Error::Gone("erased"));
            }
            Ok(entry)
        }
        Some((record, _)) => {
            actor.audit().touched(Some(record.patient_id), "record", Some(id));
            Err(Error::NotFound("not_found"))
        }
        _ => Err(Error::NotFound("not_found")),
    }
}

/// The ledger entry of a record's latest version, among its versions.
pub fn latest_index(record: &Record, versions: &[RecordVersion]) -> Result<i64, Error> {
    versions
        .iter()
        .find(|v| v.version == record.version)
        .map(|v| v.entry_index)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("record {} has no row for its latest version", record.id)))
}

/// For the history page: the doctors who wrote a patient's records, or a doctor's patients,
/// as `(id, name)`. Other roles have none.
pub async fn counterparts(ctx: &Ctx, actor: &Actor) -> Result<Vec<(String, String)>, Error> {
    match actor.role() {
        Role::Patient => store::counterparts(&ctx.db, actor.id(), true, "").await,
        Role::Doctor => store::counterparts(&ctx.db, actor.id(), false, &clock::format(ctx.clock.now())).await,
        _ => Ok(Vec::new()),
    }
}

/// What the records domain has put in the ledger (every version row, by its entry), and the
/// records whose current text is not their latest proven version.
pub async fn ledgered(db: &Db, vault: &Vault) -> Result<Declaration, Error> {
    let rows = store::version_entries(db, vault)
        .await?
        .into_iter()
        .map(|(index, v)| Declared {
            entry: EntryRef::Index(index),
            row: format!("record {} version {}", v.record_id, v.version),
            item: Box::new(v),
        })
        .collect();
    let problems = store::drifted(db)
        .await?
        .into_iter()
        .map(|id| format!("record {id}: its title or notes differ from its latest proven version"))
        .collect();
    Ok(Declaration { rows, problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_cover_whole_days() {
        assert_eq!(parse_bound("2026-03-01", false).as_deref(), Some("2026-03-01T00:00:00.000000Z"));
        assert_eq!(parse_bound("2026-03-01", true).as_deref(), Some("2026-03-02T00:00:00.000000Z"));
        assert_eq!(parse_bound("yesterday", true), None);
    }
}
