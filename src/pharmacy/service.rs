//! Pharmacy rules: pharmacists keep the stock (batches with expiry and reorder level) and
//! dispense an open prescription from batches of its drugs, in one transaction: the
//! prescription marked dispensed (which locks it), each batch decremented (never below zero,
//! never expired), the dispensation sealed and ledgered.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::accounts::permissions::{Actor, Permission};
use crate::chart::model::ClinicalEntry;
use crate::clock;
use crate::context::Ctx;
use crate::db::Db;
use crate::drugs::DrugBase;
use crate::error::{Error, Validator};
use crate::ids::UserId;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef};
use crate::pharmacy::model::{Batch, BatchChange, Dispensation, Dispensed, InventoryFilter, NewBatch, NewDispense};
use crate::pharmacy::store::{self, ListQuery, StoredBatch};

/// Most units in a batch, or in one count.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// How far ahead the expiring list looks by default (days).
pub const EXPIRING_DAYS: i64 = 30;

fn today(ctx: &Ctx) -> String {
    ctx.clock.now().date_naive().format("%Y-%m-%d").to_string()
}

fn shown(b: StoredBatch, today: &str) -> Batch {
    Batch {
        low: b.quantity <= b.reorder_level,
        expired: b.expiry.as_str() < today,
        id: b.id,
        drug: b.drug,
        batch: b.batch,
        quantity: b.quantity,
        expiry: b.expiry,
        reorder_level: b.reorder_level,
        created_at: b.created_at,
        updated_at: b.updated_at,
    }
}

/// The name a drug is kept under: the knowledge base's generic name, else as written (trimmed,
/// lower case).
fn drug_name(drugs: &DrugBase, written: &str) -> String {
    drugs.find(written).map(|d| d.name.clone()).unwrap_or_else(|| crate::drugs::base::normalise(written))
}

fn check_quantity(v: &mut Validator, field: &str, q: i64) {
    if !(0..=MAX_QUANTITY).contains(&q) {
        v.add(field, format!("{field} must be a whole number from 0 to {MAX_QUANTITY}"));
    }
}

/// A day as stored (`YYYY-MM-DD` exactly: expiry is compared as text in SQL).
fn check_day(v: &mut Validator, field: &str, day: &str) -> String {
    match clock::parse_day(day) {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => {
            v.add(field, format!("{field} must be a date, YYYY-MM-DD"));
            day.trim().to_string()
        }
    }
}

/// `POST /api/v1/inventory`: a batch received.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn add_batch(ctx: &Ctx, actor: &Actor, drugs: &DrugBase, input: NewBatch) -> Result<Batch, Error> {
    actor.require(Permission::InventoryManage)?;
    let mut v = Validator::default();
    let written = input.drug.trim();
    if written.is_empty() || written.chars().count() > 100 {
        v.add("drug", "drug must be 1 to 100 characters");
    }
    // Batch (lot) numbers are the same whatever their case.
    let batch = input.batch.trim().to_uppercase();
    if batch.is_empty() || batch.chars().count() > 50 {
        v.add("batch", "batch must be 1 to 50 characters");
    }
    check_quantity(&mut v, "quantity", input.quantity);
    let expiry = check_day(&mut v, "expiry", &input.expiry);
    let reorder_level = input.reorder_level.unwrap_or(0);
    check_quantity(&mut v, "reorder_level", reorder_level);
    if clock::parse_day(&expiry).is_some() && expiry < today(ctx) {
        v.add("expiry", "this batch is past its expiry date already: it cannot go on the shelf");
    }
    v.finish()?;
    let now = clock::format(ctx.clock.now());
    let b = StoredBatch {
        id: uuid::Uuid::now_v7().to_string(),
        drug: drug_name(drugs, written),
        batch,
        quantity: input.quantity,
        expiry,
        reorder_level,
        created_at: now.clone(),
        updated_at: now,
    };
    store::insert(&ctx.db.pool, &b).await?;
    actor.audit().touched(None::<String>, "inventory", Some(&b.id));
    Ok(shown(b, &today(ctx)))
}

/// `PATCH /api/v1/inventory/{id}`: a count, a corrected expiry, a new reorder level.
pub async fn change_batch(ctx: &Ctx, actor: &Actor, id: &str, input: BatchChange) -> Result<Batch, Error> {
    actor.require(Permission::InventoryManage)?;
    let Some(mut b) = (match uuid::Uuid::try_parse(id) {
        Ok(_) => store::get(&ctx.db.pool, id).await?,
        Err(_) => None,
    }) else {
        return Err(Error::NotFound("batch_not_found"));
    };
    let mut v = Validator::default();
    if let Some(q) = input.quantity {
        check_quantity(&mut v, "quantity", q);
        b.quantity = q;
    }
    if let Some(q) = input.reorder_level {
        check_quantity(&mut v, "reorder_level", q);
        b.reorder_level = q;
    }
    if let Some(day) = &input.expiry {
        b.expiry = check_day(&mut v, "expiry", day);
    }
    if input.quantity.is_none() && input.reorder_level.is_none() && input.expiry.is_none() {
        v.add("quantity", "send quantity, expiry or reorder_level");
    }
    v.finish()?;
    b.updated_at = clock::format(ctx.clock.now());
    store::update(&ctx.db, &b).await?;
    actor.audit().touched(None::<String>, "inventory", Some(id));
    Ok(shown(b, &today(ctx)))
}

/// `GET /api/v1/inventory`: batches by expiry, by drug, low ones, ones expiring soon.
pub async fn list(ctx: &Ctx, actor: &Actor, drugs: &DrugBase, filter: &InventoryFilter) -> Result<Vec<Batch>, Error> {
    actor.require(Permission::InventoryManage)?;
    let mut v = Validator::default();
    let low_stock = match filter.low_stock.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            v.add("low_stock", "low_stock must be true or false");
            false
        }
    };
    let expiring_by = match filter.expiring_within_days.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<i64>() {
            Ok(days) if (0..=3650).contains(&days) => {
                Some((ctx.clock.now() + Duration::days(days)).date_naive().format("%Y-%m-%d").to_string())
            }
            _ => {
                v.add("expiring_within_days", "expiring_within_days must be a whole number from 0 to 3650");
                None
            }
        },
    };
    v.finish()?;
    let drug = filter.drug.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|d| drug_name(drugs, d));
    let today = today(ctx);
    Ok(store::list(&ctx.db, &ListQuery { drug, low_stock, expiring_by }).await?.into_iter().map(|b| shown(b, &today)).collect())
}

/// The sealed part of a dispensation.
#[derive(Debug, Serialize, Deserialize)]
struct DispenseBody {
    dispensation_id: String,
    items: Vec<Dispensed>,
}

fn dispense_entry(prescription: &str, patient: &str, pharmacist: &str, time: &str, body: String, erased: bool) -> ClinicalEntry {
    ClinicalEntry {
        kind: EntryKind::PrescriptionDispensed,
        id_name: "prescription_id",
        id: prescription.to_string(),
        patient_id: patient.to_string(),
        author_id: pharmacist.to_string(),
        version: None,
        time: time.to_string(),
        body,
        erased,
    }
}

fn context(dispensation: &str) -> String {
    format!("dispensation:{dispensation}")
}

/// `POST /api/v1/prescriptions/{id}/dispense`.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), prescription_id = %prescription_id))]
pub async fn dispense(
    ctx: &Ctx,
    actor: &Actor,
    drugs: &DrugBase,
    prescription_id: &str,
    input: NewDispense,
) -> Result<Dispensation, Error> {
    actor.require(Permission::PrescriptionsDispense)?;
    let mut v = Validator::default();
    if input.items.is_empty() || input.items.len() > 20 {
        v.add("items", "dispense from 1 to 20 batches");
    }
    let mut seen = std::collections::HashSet::new();
    for (i, item) in input.items.iter().enumerate() {
        if uuid::Uuid::try_parse(&item.inventory_id).is_err() {
            v.add(&format!("items[{i}].inventory_id"), "inventory_id must be a batch's id");
        } else if !seen.insert(item.inventory_id.clone()) {
            v.add(&format!("items[{i}].inventory_id"), "each batch once");
        }
        if !(1..=100_000).contains(&item.quantity) {
            v.add(&format!("items[{i}].quantity"), "quantity must be a whole number from 1 to 100000");
        }
    }
    v.finish()?;
    let rx = crate::prescriptions::service::get(ctx, actor, prescription_id).await?;
    if rx.status != "open" {
        return Err(already(&rx.status));
    }
    // Each batch must exist and hold a drug of the prescription.
    let prescribed: Vec<String> = rx.items.iter().map(|i| i.generic.clone().unwrap_or_else(|| drug_name(drugs, &i.drug))).collect();
    let mut taken = Vec::new();
    let mut v = Validator::default();
    for (i, item) in input.items.iter().enumerate() {
        match store::get(&ctx.db.pool, &item.inventory_id).await? {
            None => v.add(&format!("items[{i}].inventory_id"), "no such batch"),
            Some(b) if !prescribed.contains(&b.drug) => v.add(
                &format!("items[{i}].inventory_id"),
                format!("batch {} is {}, which this prescription does not hold", b.batch, b.drug),
            ),
            Some(b) => taken.push(Dispensed { inventory_id: b.id, drug: b.drug, batch: b.batch, quantity: item.quantity }),
        }
    }
    v.finish()?;
    let patient: UserId = rx.patient_id.parse().map_err(|_| Error::NotFound("not_found"))?;
    let now = clock::format(ctx.clock.now());
    let day = today(ctx);
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let body = serde_json::to_string(&DispenseBody { dispensation_id: id.clone(), items: taken.clone() })
        .map_err(|e| Error::Internal(e.into()))?;
    let mut tx = ctx.db.pool.begin().await?;
    // The status first: of two pharmacists, the second waits here and then finds it dispensed.
    if !store::mark_dispensed(&mut tx, prescription_id, rx.version, &now).await? {
        drop(tx);
        // Dispensed by someone else meanwhile, or changed by its prescriber since it was read.
        let now_rx = crate::prescriptions::service::get(ctx, actor, prescription_id).await?;
        return Err(if now_rx.status != "open" {
            already(&now_rx.status)
        } else {
            Error::Conflict("prescription_changed", "The prescriber changed this prescription while you were dispensing it: read it again.")
        });
    }
    for t in &taken {
        if !store::take(&mut tx, &t.inventory_id, t.quantity, &day, &now).await? {
            let b = store::get(&mut *tx, &t.inventory_id).await?;
            return Err(match b {
                Some(b) if b.expiry < day => Error::Conflict("batch_expired", "A batch chosen is past its expiry date: choose another."),
                _ => Error::Conflict("insufficient_stock", "A batch chosen holds fewer units than asked: choose another or take fewer."),
            });
        }
    }
    let entry = dispense_entry(prescription_id, &rx.patient_id, &actor.id().to_string(), &now, body.clone(), false);
    let entry_index = crate::ledger::append(&mut tx, &entry).await?;
    store::insert_dispensation(&mut tx, &id, prescription_id, &actor.id().to_string(), &now, &key.seal(&body, &context(&id))?, entry_index)
        .await?;
    tx.commit().await?;
    tracing::info!(dispensation_id = %id, "prescription dispensed");
    Ok(Dispensation {
        id,
        prescription_id: prescription_id.to_string(),
        pharmacist_id: actor.id().to_string(),
        created_at: now,
        items: taken,
        entry_index,
    })
}

fn already(status: &str) -> Error {
    if status == "dispensed" {
        Error::Conflict("already_dispensed", "This prescription was dispensed already: do not dispense it again.")
    } else {
        Error::Conflict("prescription_not_open", "This prescription was cancelled: it cannot be dispensed.")
    }
}

/// What dispensing has put in the ledger, rebuilt from the dispensations.
pub async fn ledgered(db: &Db, vault: &crate::vault::Vault) -> Result<Declaration, Error> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (id, prescription, pharmacist, at, sealed, entry_index, patient_id, wrapped, master) in store::all_dispensations(db).await? {
        let patient: UserId = patient_id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("a prescription names no patient")))?;
        let (body, erased) = match vault.key_from_columns(wrapped.as_deref(), master.as_deref(), patient)? {
            Some(k) => match k.open(&sealed, &context(&id)) {
                Ok(plain) => (plain.expose().clone(), false),
                Err(_) => {
                    problems.push(format!("dispensation {id}: its sealed text does not open"));
                    continue;
                }
            },
            None => (String::new(), true),
        };
        rows.push(Declared {
            entry: EntryRef::Index(entry_index),
            row: format!("dispensation {id}"),
            item: Box::new(dispense_entry(&prescription, &patient_id, &pharmacist, &at, body, erased)),
        });
    }
    Ok(Declaration { rows, problems })
}

/// The dispensations of prescriptions the caller has read already (through the prescriptions
/// service, which decided who may see them), opened with each patient's key; an erased
/// patient's show no batches.
pub async fn dispensations_of(ctx: &Ctx, prescriptions: &[String]) -> Result<Vec<Dispensation>, Error> {
    let mut out = Vec::new();
    for (id, prescription, pharmacist, at, sealed, entry_index, patient_id, wrapped, master) in
        store::dispensations_of(&ctx.db, prescriptions).await?
    {
        let patient: UserId = patient_id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("a prescription names no patient")))?;
        let items = match ctx.vault.key_from_columns(wrapped.as_deref(), master.as_deref(), patient)? {
            Some(k) => {
                let body: DispenseBody =
                    serde_json::from_str(k.open(&sealed, &context(&id))?.expose()).map_err(|e| Error::Internal(e.into()))?;
                body.items
            }
            None => Vec::new(),
        };
        out.push(Dispensation { id, prescription_id: prescription, pharmacist_id: pharmacist, created_at: at, items, entry_index });
    }
    Ok(out)
}
