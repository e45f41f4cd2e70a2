//! Lab rules: a doctor who may read the patient orders; lab staff (who see every order) post
//! one result per order; the patient and their doctors read orders and results; results out of
//! their reference range are flagged.

use std::collections::HashMap;

use crate::accounts::permissions::{Actor, Permission};
use crate::care_team;
use crate::chart::model::ClinicalEntry;
use crate::chart::service::{optional_text, readable_patient};
use crate::clock;
use crate::context::Ctx;
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::UserId;
use crate::lab::model::{LabFilter, LabOrder, LabResult, NewLabOrder, NewLabResult, OrderBody, ResultBody};
use crate::lab::store::{self, ListQuery, StoredOrder};
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef};

/// Flags a result may carry.
pub const FLAGS: [&str; 4] = ["low", "high", "abnormal", "normal"];

fn entry(kind: EntryKind, order: &str, patient: &str, author: &str, time: &str, body: String, erased: bool) -> ClinicalEntry {
    ClinicalEntry {
        kind,
        id_name: "lab_order_id",
        id: order.to_string(),
        patient_id: patient.to_string(),
        author_id: author.to_string(),
        version: None,
        time: time.to_string(),
        body,
        erased,
    }
}

fn order_place(id: &str) -> String {
    format!("lab_order:{id}")
}

fn result_place(id: &str) -> String {
    format!("lab_result:{id}")
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.into()))
}

fn required(v: &mut Validator, field: &str, s: &str, max: usize) -> String {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > max {
        v.add(field, format!("{field} must be 1 to {max} characters"));
    }
    s.to_string()
}

/// The flag a numeric value earns against a numeric range (`3.5-5.1`, `<5.7`, `>40`), if both
/// parse; `None` when either is words.
pub fn flag_for(value: &str, range: &str) -> Option<&'static str> {
    let number = |s: &str| s.trim().replace(',', ".").parse::<f64>().ok().filter(|n| n.is_finite());
    let v = number(value)?;
    let r = range.trim().replace('–', "-");
    if let Some(max) = r.strip_prefix('<').or_else(|| r.strip_prefix("≤")) {
        let max = number(max.trim_start_matches('='))?;
        return Some(if v > max || (r.starts_with('<') && !r.starts_with("<=") && v >= max) { "high" } else { "normal" });
    }
    if let Some(min) = r.strip_prefix('>').or_else(|| r.strip_prefix("≥")) {
        let min = number(min.trim_start_matches('='))?;
        return Some(if v < min || (r.starts_with('>') && !r.starts_with(">=") && v <= min) { "low" } else { "normal" });
    }
    // `low-high` (a leading minus on `low` is allowed).
    let split = r.char_indices().skip(1).find(|(_, c)| *c == '-').map(|(i, _)| i)?;
    let (low, high) = (number(&r[..split])?, number(&r[split + 1..])?);
    if low > high {
        return None;
    }
    Some(if v < low {
        "low"
    } else if v > high {
        "high"
    } else {
        "normal"
    })
}

/// `POST /api/v1/lab-orders`.
#[tracing::instrument(skip_all, fields(doctor_id = %actor.id()))]
pub async fn order(ctx: &Ctx, actor: &Actor, input: NewLabOrder) -> Result<LabOrder, Error> {
    actor.require(Permission::LabOrder)?;
    let mut v = Validator::default();
    let patient = input.patient_id.trim().parse::<UserId>();
    if patient.is_err() {
        v.add("patient_id", "patient_id must be a patient's id");
    }
    let body = OrderBody {
        test_code: required(&mut v, "test_code", &input.test_code, 40),
        test_name: required(&mut v, "test_name", &input.test_name, 200),
        notes: optional_text(&mut v, "notes", input.notes.as_deref(), 500),
    };
    v.finish()?;
    let patient = patient.map_err(|_| Error::NotFound("patient_not_found"))?;
    readable_patient(ctx, actor, patient).await?;
    let now = clock::format(ctx.clock.now());
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = ctx.db.pool.begin().await?;
    order_in(&mut tx, &key, &id, patient, actor.id(), &now, &body).await?;
    tx.commit().await?;
    actor.audit().touched(Some(patient), "lab_order", Some(&id));
    get(ctx, actor, &id).await
}

/// `POST /api/v1/lab-orders/{id}/results`: lab staff post the one result of an open order.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), lab_order_id = %id))]
pub async fn post_result(ctx: &Ctx, actor: &Actor, id: &str, input: NewLabResult) -> Result<LabOrder, Error> {
    actor.require(Permission::LabWork)?;
    let current = readable(ctx, actor, id).await?;
    let mut v = Validator::default();
    let value = required(&mut v, "value", &input.value, 100);
    let unit = input.unit.trim().to_string();
    if unit.chars().count() > 40 {
        v.add("unit", "unit must be at most 40 characters");
    }
    let reference_range = optional_text(&mut v, "reference_range", input.reference_range.as_deref(), 60);
    let flag = optional_text(&mut v, "flag", input.flag.as_deref(), 20).map(|f| f.to_lowercase());
    if flag.as_deref().is_some_and(|f| !FLAGS.contains(&f)) {
        v.add("flag", "flag must be low, high, abnormal or normal");
    }
    v.finish()?;
    if current.status != "open" {
        return Err(already());
    }
    let flag = flag.or_else(|| reference_range.as_deref().and_then(|r| flag_for(&value, r)).map(str::to_string));
    let body = ResultBody { value, unit, reference_range, flag };
    let patient: UserId = current.patient_id.parse().map_err(|_| Error::NotFound("not_found"))?;
    let now = clock::format(ctx.clock.now());
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
    let mut tx = ctx.db.pool.begin().await?;
    result_in(&mut tx, &key, id, patient, actor.id(), &now, &body).await?;
    tx.commit().await?;
    tracing::info!(lab_order_id = %id, "lab result posted");
    get(ctx, actor, id).await
}

/// Writes an order (sealed, ledgered) in the caller's transaction: the service above and the
/// demo clinic.
pub async fn order_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &FieldKey,
    id: &str,
    patient: UserId,
    doctor: UserId,
    now: &str,
    body: &OrderBody,
) -> Result<(), Error> {
    let plain = to_json(body)?;
    let ledgered = entry(EntryKind::LabOrdered, id, &patient.to_string(), &doctor.to_string(), now, plain.clone(), false);
    let entry_index = crate::ledger::append(tx, &ledgered).await?;
    let o = StoredOrder {
        id: id.to_string(),
        patient_id: patient.to_string(),
        doctor_id: doctor.to_string(),
        created_at: now.to_string(),
        body: key.seal(&plain, &order_place(id))?,
        status: "open".into(),
        entry_index,
        ..StoredOrder::default()
    };
    store::insert_order(tx, &o).await
}

/// Writes the result of an open order (sealed, ledgered) in the caller's transaction; 409
/// `already_resulted` when it has one.
pub async fn result_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &FieldKey,
    order: &str,
    patient: UserId,
    author: UserId,
    now: &str,
    body: &ResultBody,
) -> Result<(), Error> {
    if !store::mark_resulted(tx, order).await? {
        return Err(already());
    }
    let plain = to_json(body)?;
    let ledgered = entry(EntryKind::LabResulted, order, &patient.to_string(), &author.to_string(), now, plain.clone(), false);
    let index = crate::ledger::append(tx, &ledgered).await?;
    let result_id = uuid::Uuid::now_v7().to_string();
    store::insert_result(tx, &result_id, order, &author.to_string(), now, &key.seal(&plain, &result_place(&result_id))?, index).await
}

fn already() -> Error {
    Error::Conflict("already_resulted", "This order has its result already.")
}

/// The order if `actor` may read it (lab staff; the patient; a doctor who may read the
/// patient), else 404; 410 once its patient was erased.
async fn readable(ctx: &Ctx, actor: &Actor, id: &str) -> Result<StoredOrder, Error> {
    let found = match uuid::Uuid::try_parse(id) {
        Ok(_) => store::get(&ctx.db, id).await?,
        Err(_) => None,
    };
    let Some(o) = found else { return Err(Error::NotFound("not_found")) };
    let patient: UserId = o.patient_id.parse().map_err(|_| Error::NotFound("not_found"))?;
    actor.audit().touched(Some(patient), "lab_order", Some(id));
    if !(actor.holds(Permission::LabWork) || care_team::may_read_patient(ctx, actor, patient).await?) {
        return Err(Error::NotFound("not_found"));
    }
    if o.key.0.is_none() {
        return Err(Error::Gone("erased"));
    }
    Ok(o)
}

fn open<T: serde::de::DeserializeOwned>(key: &FieldKey, sealed: &str, place: &str) -> Result<T, Error> {
    let plain = key.open(sealed, place)?;
    serde_json::from_str(plain.expose()).map_err(|e| Error::Internal(e.into()))
}

fn shown(ctx: &Ctx, o: StoredOrder, keys: &mut HashMap<String, FieldKey>) -> Result<LabOrder, Error> {
    let key = match keys.get(&o.patient_id) {
        Some(k) => k,
        None => {
            let patient: UserId = o.patient_id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("a lab order names no patient")))?;
            let k = ctx.vault.key_from_columns(o.key.0.as_deref(), o.key.1.as_deref(), patient)?.ok_or(Error::Gone("erased"))?;
            keys.entry(o.patient_id.clone()).or_insert(k)
        }
    };
    let body: OrderBody = open(key, &o.body, &order_place(&o.id))?;
    let result = match &o.result {
        Some((rid, author, at, sealed, _)) => {
            let r: ResultBody = open(key, sealed, &result_place(rid))?;
            Some(LabResult {
                out_of_range: r.flag.as_deref().is_some_and(|f| f != "normal"),
                value: r.value,
                unit: r.unit,
                reference_range: r.reference_range,
                flag: r.flag,
                author_id: author.clone(),
                created_at: at.clone(),
            })
        }
        None => None,
    };
    Ok(LabOrder {
        id: o.id,
        patient_id: o.patient_id,
        patient_name: o.patient_name,
        doctor_id: o.doctor_id,
        doctor_name: o.doctor_name,
        created_at: o.created_at,
        test_code: body.test_code,
        test_name: body.test_name,
        notes: body.notes,
        status: o.status,
        result,
        entry_index: o.entry_index,
    })
}

/// `GET /api/v1/lab-orders/{id}`.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<LabOrder, Error> {
    let o = readable(ctx, actor, id).await?;
    shown(ctx, o, &mut HashMap::new())
}

/// `GET /api/v1/lab-orders`: the patient's own; a doctor's for one patient they may read, else
/// those they ordered; lab staff every one (the open ones are their queue).
pub async fn list(ctx: &Ctx, actor: &Actor, filter: &LabFilter) -> Result<Vec<LabOrder>, Error> {
    actor.require(Permission::LabRead)?;
    let mut v = Validator::default();
    let patient = crate::chart::service::patient_filter(&mut v, filter.patient_id.as_deref());
    let status = filter.status.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if status.as_deref().is_some_and(|s| s != "open" && s != "resulted") {
        v.add("status", "status must be open or resulted");
    }
    v.finish()?;
    let (patient_id, doctor_id) = crate::chart::service::list_scope(ctx, actor, patient, actor.holds(Permission::LabWork)).await?;
    let q = ListQuery { status, patient_id, doctor_id };
    let mut keys = HashMap::new();
    let mut out = Vec::new();
    let mut readable = crate::chart::service::Readable::default();
    let own = q.doctor_id.is_some();
    for o in store::list(&ctx.db, &q).await? {
        if o.key.0.is_none() {
            continue;
        }
        // A doctor's own orders show only patients they may still read.
        if own && !readable.may_read(ctx, actor, &o.patient_id).await? {
            continue;
        }
        actor.audit().touched(Some(&o.patient_id), "lab_order", None::<String>);
        out.push(shown(ctx, o, &mut keys)?);
    }
    Ok(out)
}

/// What lab orders and results have put in the ledger, rebuilt from their rows.
pub async fn ledgered(db: &Db, vault: &crate::vault::Vault) -> Result<Declaration, Error> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for o in store::all(db).await? {
        let patient: UserId = o.patient_id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("a lab order names no patient")))?;
        let key = vault.key_from_columns(o.key.0.as_deref(), o.key.1.as_deref(), patient)?;
        let opened = |sealed: &str, place: &str| match &key {
            Some(k) => k.open(sealed, place).map(|p| (p.expose().clone(), false)),
            None => Ok((String::new(), true)),
        };
        match opened(&o.body, &order_place(&o.id)) {
            Ok((body, erased)) => rows.push(Declared {
                entry: EntryRef::Index(o.entry_index),
                row: format!("lab order {}", o.id),
                item: Box::new(entry(EntryKind::LabOrdered, &o.id, &o.patient_id, &o.doctor_id, &o.created_at, body, erased)),
            }),
            Err(_) => problems.push(format!("lab order {}: its sealed text does not open", o.id)),
        }
        if let Some((rid, author, at, sealed, index)) = &o.result {
            match opened(sealed, &result_place(rid)) {
                Ok((body, erased)) => rows.push(Declared {
                    entry: EntryRef::Index(*index),
                    row: format!("lab result {rid}"),
                    item: Box::new(entry(EntryKind::LabResulted, &o.id, &o.patient_id, author, at, body, erased)),
                }),
                Err(_) => problems.push(format!("lab result {rid}: its sealed text does not open")),
            }
        }
    }
    Ok(Declaration { rows, problems })
}

#[cfg(test)]
mod tests {
    use super::flag_for;

    #[test]
    fn numeric_values_are_flagged_against_their_range() {
        assert_eq!(flag_for("5.4", "3.5-5.1"), Some("high"));
        assert_eq!(flag_for("3.1", "3.5 – 5.1"), Some("low"));
        assert_eq!(flag_for("4", "3.5-5.1"), Some("normal"));
        assert_eq!(flag_for("6.1", "<5.7"), Some("high"));
        assert_eq!(flag_for("5.7", "<=5.7"), Some("normal"));
        assert_eq!(flag_for("39", ">40"), Some("low"));
        assert_eq!(flag_for("-3", "-5-0"), Some("normal"));
        assert_eq!(flag_for("positive", "negative"), None);
        assert_eq!(flag_for("4,2", "3.5-5.1"), Some("normal"));
        assert_eq!(flag_for("NaN", "3.5-5.1"), None);
        assert_eq!(flag_for("inf", "<5"), None);
        assert_eq!(flag_for("4", "5.1-3.5"), None);
    }
}
