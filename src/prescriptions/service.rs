//! Prescription rules: who prescribes (a doctor who may read the patient's history), the safety
//! checks and their acknowledgement, the author's hour of changes, who reads (the patient, the
//! care team, the pharmacy) and how a printed prescription is verified.

use std::collections::HashMap;

use chrono::Duration;

use crate::accounts::permissions::{Actor, Permission};
use crate::care_team;
use crate::chart::model::ClinicalEntry;
use crate::chart::service::{optional_text, readable_patient};
use crate::clock;
use crate::context::Ctx;
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::drugs::base::DrugBase;
use crate::error::{Error, Validator};
use crate::ids::UserId;
use crate::keys::LedgerKeys;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef, Ledgered};
use crate::pagination::{Page, PageRequest};
use crate::prescriptions::model::{
    Body, Item, NewItem, NewPrescription, Prescription, PrescriptionChange, PrescriptionFilter, PrescriptionVersion, Verification,
};
use crate::prescriptions::safety;
use crate::prescriptions::store::{self, ListQuery, StoredPrescription, StoredVersion};

/// How long the author may change a prescription after issuing it.
pub const EDIT_WINDOW_MINUTES: i64 = 60;
/// Most items on one prescription.
pub const MAX_ITEMS: usize = 20;
/// Longest override reason or instructions, in characters.
pub const MAX_TEXT: usize = 500;
/// Statuses a prescription can be in.
pub const STATUSES: [&str; 3] = ["open", "dispensed", "cancelled"];

/// What the signature covers (RFC 8032 Ed25519 over these bytes, with the server's ledger
/// key): a prefix of its own, so no other signed message of careledger can pass for one.
fn signed_message(id: &str, version: i64, content_sha256: &str) -> String {
    format!("careledger prescription v1\n{id}\n{version}\n{content_sha256}")
}

/// The token printed on a prescription (in its QR code): id, version and signature.
pub fn token(id: &str, version: i64, signature: &str) -> String {
    format!("{id}.{version}.{signature}")
}

/// The items as sent, checked (each field named as `items[i].field`).
fn valid_items(drugs: &DrugBase, items: &[NewItem], v: &mut Validator) -> Vec<Item> {
    if items.is_empty() {
        v.add("items", "a prescription needs at least one item");
    } else if items.len() > MAX_ITEMS {
        v.add("items", format!("a prescription holds at most {MAX_ITEMS} items"));
    }
    items
        .iter()
        .take(MAX_ITEMS)
        .enumerate()
        .map(|(n, i)| {
            let field = |f: &str| format!("items[{n}].{f}");
            let drug = i.drug.trim().to_string();
            if drug.is_empty() || drug.chars().count() > 100 {
                v.add(&field("drug"), "drug must be 1 to 100 characters");
            }
            if !(i.dose_mg.is_finite() && i.dose_mg > 0.0 && i.dose_mg <= 100_000.0) {
                v.add(&field("dose_mg"), "dose_mg must be more than 0 and at most 100000");
            }
            if !(1..=24).contains(&i.frequency_per_day) {
                v.add(&field("frequency_per_day"), "frequency_per_day must be a whole number from 1 to 24");
            }
            if !(1..=365).contains(&i.duration_days) {
                v.add(&field("duration_days"), "duration_days must be a whole number from 1 to 365");
            }
            let instructions = optional_text(v, &field("instructions"), i.instructions.as_deref(), MAX_TEXT);
            Item {
                generic: drugs.find(&drug).or_else(|| drugs.find_within(&drug)).map(|d| d.name.clone()),
                drug,
                dose_mg: i.dose_mg,
                frequency_per_day: i.frequency_per_day,
                duration_days: i.duration_days,
                instructions,
            }
        })
        .collect()
}

/// What a prescription's checks need besides its items.
struct Checking<'a> {
    drugs: &'a DrugBase,
    patient: UserId,
    /// The prescription being changed (its own drugs are not "already taken").
    except: Option<&'a str>,
    acknowledge: Option<bool>,
    reason: Option<&'a str>,
}

/// Runs the checks, in the write's transaction after [`store::lock_patient`] (so a
/// prescription written meanwhile at another copy is seen), and applies the acknowledgement:
/// the body to keep, or 422 `safety_warnings` (not acknowledged) or `validation_failed`
/// (acknowledged without a reason).
async fn checked_body(ctx: &Ctx, tx: &mut sqlx::AnyConnection, c: Checking<'_>, items: Vec<Item>) -> Result<Body, Error> {
    let (drugs, patient) = (c.drugs, c.patient);
    let mut v = Validator::default();
    let reason = optional_text(&mut v, "override_reason", c.reason, MAX_TEXT);
    v.finish()?;
    let acknowledge = c.acknowledge;
    let active = active_drugs(ctx, &mut *tx, patient, c.except).await?;
    let allergies = crate::chart::service::allergy_substances(&mut *tx, &ctx.vault, patient).await?;
    let warnings = safety::check(drugs, &items, &active, &allergies);
    if safety::blocking(&warnings) {
        if acknowledge != Some(true) {
            return Err(Error::SafetyWarnings(warnings));
        }
        if reason.is_none() {
            let mut v = Validator::default();
            v.add("override_reason", "override_reason is required to go ahead despite safety warnings");
            v.finish()?;
        }
        return Ok(Body { items, warnings, override_reason: reason });
    }
    Ok(Body { items, warnings, override_reason: None })
}

/// The drugs `patient` is taking: items of their prescriptions that are not cancelled and whose
/// course has not ended (issued within `duration_days`), but `except`.
pub async fn active_drugs(ctx: &Ctx, conn: &mut sqlx::AnyConnection, patient: UserId, except: Option<&str>) -> Result<Vec<String>, Error> {
    let now = ctx.clock.now();
    let q = ListQuery {
        patient_id: Some(patient.to_string()),
        since: Some(clock::format(now - Duration::days(366))),
        page: PageRequest { limit: 500, after: None },
        ..ListQuery::default()
    };
    let rows = store::list(&mut *conn, &q).await?;
    let Some(key) = ctx.vault.existing(&mut *conn, patient).await? else { return Ok(Vec::new()) };
    let mut drugs = Vec::new();
    for p in rows.iter().filter(|p| p.status != "cancelled" && Some(p.id.as_str()) != except) {
        let issued = clock::parse(&p.created_at).unwrap_or(now);
        for item in open_body(&key, &p.latest)?.items {
            if issued + Duration::days(item.duration_days) > now {
                drugs.push(item.drug);
            }
        }
    }
    Ok(drugs)
}

fn context(id: &str, version: i64) -> String {
    format!("prescription:{id}:{version}")
}

fn open_body(key: &FieldKey, v: &StoredVersion) -> Result<Body, Error> {
    let plain = key.open(&v.body, &context(&v.prescription_id, v.version))?;
    serde_json::from_str(plain.expose()).map_err(|e| Error::Internal(e.into()))
}

/// A version's ledger entry (kind by version: issued or changed); `body` is [`plain`]'s JSON.
pub fn version_entry(id: &str, patient_id: &str, author_id: &str, version: i64, time: &str, body: String, erased: bool) -> ClinicalEntry {
    ClinicalEntry {
        kind: if version == 1 { EntryKind::PrescriptionIssued } else { EntryKind::PrescriptionChanged },
        id_name: "prescription_id",
        id: id.to_string(),
        patient_id: patient_id.to_string(),
        author_id: author_id.to_string(),
        version: Some(version),
        time: time.to_string(),
        body,
        erased,
    }
}

/// Seals, ledgers and signs the version `entry` describes (its entry appended in `tx`).
async fn seal_version(
    signer: &LedgerKeys,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &FieldKey,
    entry: &ClinicalEntry,
) -> Result<StoredVersion, Error> {
    let version = entry.version.unwrap_or(1);
    let content_sha256 = crate::ledger::entry::content_sha256(&entry.content())?;
    let signature = signer.sign(signed_message(&entry.id, version, &content_sha256).as_bytes());
    let entry_index = crate::ledger::append(tx, entry).await?;
    Ok(StoredVersion {
        prescription_id: entry.id.clone(),
        version,
        author_id: entry.author_id.clone(),
        created_at: entry.time.clone(),
        body: key.seal(&entry.body, &context(&entry.id, version))?,
        content_sha256,
        signature,
        entry_index,
    })
}

/// A version's body as the JSON text that is sealed and hashed.
pub fn plain(body: &Body) -> Result<String, Error> {
    serde_json::to_string(body).map_err(|e| Error::Internal(e.into()))
}

/// `POST /api/v1/prescriptions`.
#[tracing::instrument(skip_all, fields(doctor_id = %actor.id()))]
pub async fn create(ctx: &Ctx, actor: &Actor, drugs: &DrugBase, input: NewPrescription) -> Result<Prescription, Error> {
    actor.require(Permission::PrescriptionsWrite)?;
    let mut v = Validator::default();
    let patient = input.patient_id.trim().parse::<UserId>();
    if patient.is_err() {
        v.add("patient_id", "patient_id must be a patient's id");
    }
    let items = valid_items(drugs, &input.items, &mut v);
    v.finish()?;
    let patient = patient.map_err(|_| Error::NotFound("patient_not_found"))?;
    readable_patient(ctx, actor, patient).await?;
    let now = clock::format(ctx.clock.now());
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = ctx.db.pool.begin().await?;
    store::lock_patient(&mut tx, &patient.to_string()).await?;
    let checking =
        Checking { drugs, patient, except: None, acknowledge: input.acknowledge_warnings, reason: input.override_reason.as_deref() };
    let body = checked_body(ctx, &mut tx, checking, items).await?;
    let entry = version_entry(&id, &patient.to_string(), &actor.id().to_string(), 1, &now, plain(&body)?, false);
    issue_in(&mut tx, &ctx.ledger, &key, &entry).await?;
    tx.commit().await?;
    actor.audit().touched(Some(patient), "prescription", Some(&id));
    if !body.warnings.is_empty() {
        actor.audit().detail(format!("{} safety warning(s) acknowledged", body.warnings.len()));
    }
    tracing::info!(prescription_id = %id, "prescription issued");
    get(ctx, actor, &id).await
}

/// Issues the prescription whose first version `entry` describes (its row and its signed,
/// ledgered version) in the caller's transaction, checks already made: the service above, and
/// the demo clinic.
pub async fn issue_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    signer: &LedgerKeys,
    key: &FieldKey,
    entry: &ClinicalEntry,
) -> Result<(), Error> {
    let latest = seal_version(signer, tx, key, entry).await?;
    let stored = StoredPrescription {
        id: entry.id.clone(),
        patient_id: entry.patient_id.clone(),
        patient_name: String::new(),
        doctor_id: entry.author_id.clone(),
        doctor_name: String::new(),
        created_at: entry.time.clone(),
        version: 1,
        status: "open".into(),
        latest,
        key: (None, None),
    };
    store::insert(tx, &stored).await
}

/// `PATCH /api/v1/prescriptions/{id}`: the author changes the items within the hour, while
/// nothing is dispensed; 409 `prescription_locked` after.
#[tracing::instrument(skip_all, fields(doctor_id = %actor.id(), prescription_id = %id))]
pub async fn change(ctx: &Ctx, actor: &Actor, drugs: &DrugBase, id: &str, input: PrescriptionChange) -> Result<Prescription, Error> {
    actor.require(Permission::PrescriptionsWrite)?;
    let current = readable(ctx, actor, id).await?;
    if current.doctor_id != actor.id().to_string() {
        return Err(Error::Forbidden("only the prescriber changes a prescription"));
    }
    let mut v = Validator::default();
    let items = valid_items(drugs, &input.items, &mut v);
    v.finish()?;
    let now = ctx.clock.now();
    let window_start = clock::format(now - Duration::minutes(EDIT_WINDOW_MINUTES));
    if locked(&current, &window_start) {
        return Err(locked_error());
    }
    let patient: UserId = current.patient_id.parse().map_err(|_| Error::NotFound("not_found"))?;
    let now = clock::format(now);
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
    let mut tx = ctx.db.pool.begin().await?;
    store::lock_patient(&mut tx, &current.patient_id).await?;
    let checking =
        Checking { drugs, patient, except: Some(id), acknowledge: input.acknowledge_warnings, reason: input.override_reason.as_deref() };
    let body = checked_body(ctx, &mut tx, checking, items).await?;
    // The status, the version and the hour are checked again in the write itself: a dispense
    // or another change in between wins, and this one is refused.
    if !store::bump(&mut tx, id, current.version, &window_start).await? {
        return Err(locked_error());
    }
    let entry = version_entry(id, &current.patient_id, &actor.id().to_string(), current.version + 1, &now, plain(&body)?, false);
    let version = seal_version(&ctx.ledger, &mut tx, &key, &entry).await?;
    store::insert_version(&mut tx, &version).await?;
    tx.commit().await?;
    tracing::info!(version = version.version, "prescription changed");
    get(ctx, actor, id).await
}

fn locked_error() -> Error {
    Error::Conflict(
        "prescription_locked",
        "This prescription can no longer be changed: an hour has passed since it was issued, or it was dispensed or cancelled. Write a new one.",
    )
}

fn locked(p: &StoredPrescription, window_start: &str) -> bool {
    p.status != "open" || p.created_at.as_str() < window_start
}

/// The prescription if `actor` may read it (its patient; a doctor who may read the patient's
/// history; the pharmacy), else 404 `not_found`; 410 `erased` once its patient was erased.
async fn readable(ctx: &Ctx, actor: &Actor, id: &str) -> Result<StoredPrescription, Error> {
    let found = match uuid::Uuid::try_parse(id) {
        Ok(_) => store::get(&ctx.db, id).await?,
        Err(_) => None,
    };
    let Some(p) = found else { return Err(Error::NotFound("not_found")) };
    let patient: UserId = p.patient_id.parse().map_err(|_| Error::NotFound("not_found"))?;
    actor.audit().touched(Some(patient), "prescription", Some(id));
    let allowed = actor.holds(Permission::PrescriptionsDispense) || care_team::may_read_patient(ctx, actor, patient).await?;
    if !allowed {
        return Err(Error::NotFound("not_found"));
    }
    if p.key.0.is_none() {
        return Err(Error::Gone("erased"));
    }
    Ok(p)
}

/// Opens a stored prescription into what readers see.
fn shown(ctx: &Ctx, p: StoredPrescription, keys: &mut HashMap<String, FieldKey>) -> Result<Prescription, Error> {
    let key = match keys.get(&p.patient_id) {
        Some(k) => k,
        None => {
            let patient: UserId = p.patient_id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("a prescription names no patient")))?;
            let k = ctx.vault.key_from_columns(p.key.0.as_deref(), p.key.1.as_deref(), patient)?.ok_or(Error::Gone("erased"))?;
            keys.entry(p.patient_id.clone()).or_insert(k)
        }
    };
    let body = open_body(key, &p.latest)?;
    let editable_until = clock::parse(&p.created_at).map(|t| clock::format(t + Duration::minutes(EDIT_WINDOW_MINUTES))).unwrap_or_default();
    let window_start = clock::format(ctx.clock.now() - Duration::minutes(EDIT_WINDOW_MINUTES));
    Ok(Prescription {
        locked: locked(&p, &window_start),
        verification_token: token(&p.id, p.version, &p.latest.signature),
        entry_index: p.latest.entry_index,
        id: p.id,
        patient_id: p.patient_id,
        patient_name: p.patient_name,
        doctor_id: p.doctor_id,
        doctor_name: p.doctor_name,
        created_at: p.created_at,
        status: p.status,
        version: p.version,
        items: body.items,
        warnings: body.warnings,
        override_reason: body.override_reason,
        alerts: Vec::new(),
        editable_until,
    })
}

/// `rx` with the allergy warnings that arose since it was issued: its items checked against
/// the patient's allergies as recorded now, less those its version already carried.
pub async fn with_alerts(ctx: &Ctx, drugs: &DrugBase, mut rx: Prescription) -> Result<Prescription, Error> {
    let patient: UserId = rx.patient_id.parse().map_err(|_| Error::NotFound("not_found"))?;
    let allergies = crate::chart::service::allergy_substances(&mut *ctx.db.pool.acquire().await?, &ctx.vault, patient).await?;
    rx.alerts = safety::check(drugs, &rx.items, &[], &allergies)
        .into_iter()
        .filter(|w| w.kind == "allergy" && !rx.warnings.contains(w))
        .map(|mut w| {
            w.message = format!("Since this was issued: {}", w.message);
            w
        })
        .collect();
    Ok(rx)
}

/// `GET /api/v1/prescriptions/{id}`.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Prescription, Error> {
    let p = readable(ctx, actor, id).await?;
    shown(ctx, p, &mut HashMap::new())
}

/// `GET /api/v1/prescriptions/{id}/versions`: the edit history, first version first.
pub async fn versions(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Vec<PrescriptionVersion>, Error> {
    let p = readable(ctx, actor, id).await?;
    let patient: UserId = p.patient_id.parse().map_err(|_| Error::NotFound("not_found"))?;
    let key = ctx.vault.key_from_columns(p.key.0.as_deref(), p.key.1.as_deref(), patient)?.ok_or(Error::Gone("erased"))?;
    store::versions(&ctx.db, id)
        .await?
        .into_iter()
        .map(|v| {
            let body = open_body(&key, &v)?;
            Ok(PrescriptionVersion {
                version: v.version,
                author_id: v.author_id,
                created_at: v.created_at,
                items: body.items,
                warnings: body.warnings,
                override_reason: body.override_reason,
                content_sha256: v.content_sha256,
                signature: v.signature,
                entry_index: v.entry_index,
            })
        })
        .collect()
}

/// `GET /api/v1/prescriptions`: the patient's own; a doctor's for one patient whose history
/// they may read (`patient_id`), else those they wrote; the pharmacy's, all (by patient and
/// status). Newest first.
pub async fn list(ctx: &Ctx, actor: &Actor, filter: &PrescriptionFilter, page: &PageRequest) -> Result<Page<Prescription>, Error> {
    let mut v = Validator::default();
    let patient = crate::chart::service::patient_filter(&mut v, filter.patient_id.as_deref());
    let status = filter.status.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        v.add("status", "status must be open, dispensed or cancelled");
    }
    v.finish()?;
    let (patient_id, doctor_id) =
        crate::chart::service::list_scope(ctx, actor, patient, actor.holds(Permission::PrescriptionsDispense)).await?;
    let q = ListQuery { status, page: page.clone(), patient_id, doctor_id, ..ListQuery::default() };
    let rows = store::list(&ctx.db.pool, &q).await?;
    let mut keys = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    // A doctor's own prescriptions show only patients they may still read (one check per
    // patient, not per row).
    let mut readable = crate::chart::service::Readable::default();
    for p in rows {
        // An erased patient's prescriptions are gone from every list.
        if p.key.0.is_none() {
            continue;
        }
        if q.doctor_id.is_some() && !readable.may_read(ctx, actor, &p.patient_id).await? {
            continue;
        }
        // One row per patient whose prescriptions were shown.
        actor.audit().touched(Some(&p.patient_id), "prescription", None::<String>);
        items.push(shown(ctx, p, &mut keys)?);
    }
    Ok(page.finish(items, |p| (p.created_at.clone(), p.id.clone())))
}

/// `GET /api/v1/prescriptions/verify?token=`: whether a printed prescription is genuine (signed
/// by this server's key), unchanged (its version is the latest and its content as signed) and
/// still open; with the prescription when it is genuine.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn verify(ctx: &Ctx, actor: &Actor, drugs: &DrugBase, token: Option<&str>) -> Result<Verification, Error> {
    actor.require(Permission::PrescriptionsDispense)?;
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    let Some(token) = token else {
        let mut v = Validator::default();
        v.add("token", "token is required: the text of the prescription's QR code");
        v.finish()?;
        return Err(Error::NotFound("not_found"));
    };
    let forged =
        |summary: &str| Verification { genuine: false, unchanged: false, open: false, summary: summary.into(), prescription: None };
    let mut parts = token.splitn(3, '.');
    let (Some(id), Some(version), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(forged("This is not a careledger prescription code."));
    };
    let (Ok(_), Ok(version)) = (uuid::Uuid::try_parse(id), version.parse::<i64>()) else {
        return Ok(forged("This is not a careledger prescription code."));
    };
    let Some(signed) = store::version(&ctx.db, id, version).await? else {
        return Ok(forged("No prescription of this clinic matches this code: do not dispense."));
    };
    let current = readable(ctx, actor, id).await?;
    actor.audit().action("prescription.verify");
    let patient: UserId = current.patient_id.parse().map_err(|_| Error::NotFound("not_found"))?;
    let key = ctx.vault.key_from_columns(current.key.0.as_deref(), current.key.1.as_deref(), patient)?.ok_or(Error::Gone("erased"))?;
    // The content as stored now, hashed again: a row edited in the database no longer matches.
    let body = key.open(&signed.body, &context(id, version))?;
    let entry = version_entry(id, &current.patient_id, &signed.author_id, version, &signed.created_at, body.expose().clone(), false);
    let hash = crate::ledger::entry::content_sha256(&entry.content())?;
    let genuine =
        signature == signed.signature && ctx.ledger.verify(signed_message(id, version, &signed.content_sha256).as_bytes(), signature);
    let unchanged = genuine && hash == signed.content_sha256 && version == current.version;
    let open = current.status == "open";
    let summary = match (genuine, unchanged, open) {
        (false, _, _) => "The signature does not match: this prescription was not issued by this clinic as printed. Do not dispense.",
        (true, false, _) => "Genuine, but changed since this copy was printed: dispense only from the current version shown here.",
        (true, true, false) => "Genuine and unchanged, but no longer open (already dispensed or cancelled). Do not dispense again.",
        (true, true, true) => "Genuine, unchanged and open: it may be dispensed.",
    };
    let prescription = if genuine { Some(shown(ctx, current, &mut HashMap::new())?) } else { None };
    let prescription = match prescription {
        Some(rx) => Some(with_alerts(ctx, drugs, rx).await?),
        None => None,
    };
    Ok(Verification { genuine, unchanged, open, summary: summary.into(), prescription })
}

/// What prescriptions have put in the ledger, rebuilt from their versions, and the versions
/// whose signature no longer matches their content.
pub async fn ledgered(db: &Db, vault: &crate::vault::Vault, signer: Option<&ed25519_dalek::VerifyingKey>) -> Result<Declaration, Error> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (v, patient_id, wrapped, master) in store::all_versions(db).await? {
        let patient: UserId = patient_id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("a prescription names no patient")))?;
        let key = vault.key_from_columns(wrapped.as_deref(), master.as_deref(), patient)?;
        let name = format!("prescription {} version {}", v.prescription_id, v.version);
        let (body, erased) = match key {
            Some(k) => match k.open(&v.body, &context(&v.prescription_id, v.version)) {
                Ok(plain) => (plain.expose().clone(), false),
                Err(_) => {
                    problems.push(format!("{name}: its sealed text does not open"));
                    continue;
                }
            },
            None => (String::new(), true),
        };
        if let Some(signer) = signer
            && !crate::keys::verify_signature(
                signer,
                signed_message(&v.prescription_id, v.version, &v.content_sha256).as_bytes(),
                &v.signature,
            )
        {
            problems.push(format!("{name}: its signature does not match"));
        }
        let entry = version_entry(&v.prescription_id, &patient_id, &v.author_id, v.version, &v.created_at, body, erased);
        if !erased && crate::ledger::entry::content_sha256(&entry.content())? != v.content_sha256 {
            problems.push(format!("{name}: its content no longer matches the hash it was signed with"));
        }
        rows.push(Declared { entry: EntryRef::Index(v.entry_index), row: name, item: Box::new(entry) });
    }
    Ok(Declaration { rows, problems })
}
