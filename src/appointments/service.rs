//! Appointment rules: who books for whom (the front desk for anyone; a patient for themselves;
//! a doctor for themselves), when (the future, on 5-minute boundaries, at most 8 hours), who
//! sees which (the front desk all; a doctor and a patient their own), and the queue's steps.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::{Role, store as users};
use crate::appointments::model::{Appointment, AppointmentChange, AppointmentFilter, NewAppointment};
use crate::appointments::store::{self, ListQuery, StoredAppointment};
use crate::care_team;
use crate::care_team::model::Joined;
use crate::chart::model::ClinicalEntry;
use crate::chart::service::optional_text;
use crate::clock;
use crate::context::Ctx;
use crate::crypt::FieldKey;
use crate::error::{Error, Validator};
use crate::ids::UserId;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef};

/// The slot length, in minutes: times fall on its boundaries.
pub const SLOT_MINUTES: i64 = 5;
/// The longest appointment, in hours.
pub const MAX_HOURS: i64 = 8;
/// Statuses in the queue's order, and `cancelled`.
pub const STATUSES: [&str; 5] = ["booked", "checked_in", "with_doctor", "done", "cancelled"];

fn parse_time(v: &mut Validator, field: &str, s: &str) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(s.trim()) {
        Ok(t) => {
            let t = t.with_timezone(&Utc);
            if t.second() != 0 || t.nanosecond() != 0 || i64::from(t.minute()) % SLOT_MINUTES != 0 {
                v.add(field, format!("{field} must fall on a {SLOT_MINUTES}-minute boundary (09:00, 09:05, ...)"));
                None
            } else {
                Some(t)
            }
        }
        Err(_) => {
            v.add(field, format!("{field} must be an RFC 3339 time, such as 2026-12-01T09:30:00Z"));
            None
        }
    }
}

/// Checks a new time: `(start, end)` in the future, `end` after `start`, at most 8 hours.
fn valid_times(ctx: &Ctx, v: &mut Validator, start: &str, end: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (s, e) = (parse_time(v, "start", start), parse_time(v, "end", end));
    let (s, e) = (s?, e?);
    if s <= ctx.clock.now() {
        v.add("start", "start must be in the future");
    }
    if e <= s {
        v.add("end", "end must be after start");
    } else if e - s > Duration::hours(MAX_HOURS) {
        v.add("end", format!("an appointment lasts at most {MAX_HOURS} hours"));
    }
    Some((s, e))
}

/// The 5-minute slots from `start` to `end` (minutes since the Unix epoch / 5).
pub fn slots(start: DateTime<Utc>, end: DateTime<Utc>) -> std::ops::Range<i64> {
    let slot = |t: DateTime<Utc>| t.timestamp() / 60 / SLOT_MINUTES;
    slot(start)..slot(end)
}

/// What an appointment occupies: its doctor, its patient and its room (room names ignore case).
pub fn resources(a: &StoredAppointment) -> Vec<String> {
    let mut r = vec![format!("doctor:{}", a.doctor_id), format!("patient:{}", a.patient_id)];
    if let Some(room) = &a.room {
        // Rooms are the same whatever their case or spacing.
        r.push(format!("room:{}", room.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()));
    }
    r
}

/// Where an appointment's reason is sealed (the AEAD's associated data).
pub fn reason_place(id: &str) -> String {
    format!("appointment:{id}")
}

fn shown(a: StoredAppointment, key: Option<&FieldKey>) -> Result<Appointment, Error> {
    let reason = match (a.reason.as_deref(), key) {
        (Some(sealed), Some(k)) => Some(k.open(sealed, &reason_place(&a.id))?.expose().clone()),
        _ => None,
    };
    Ok(Appointment {
        id: a.id,
        doctor_id: a.doctor_id,
        doctor_name: a.doctor_name,
        patient_id: a.patient_id,
        patient_name: a.patient_name,
        start: a.starts_at,
        end: a.ends_at,
        room: a.room,
        reason,
        status: a.status,
        booked_by: a.booked_by,
        created_at: a.created_at,
    })
}

/// Who may book for whom: the front desk anyone; a patient only themselves; a doctor only
/// themselves.
fn may_book(actor: &Actor, doctor: &str, patient: &str) -> Result<(), Error> {
    if actor.holds(Permission::AppointmentsManage) {
        return Ok(());
    }
    let me = actor.id().to_string();
    match actor.role() {
        Role::Patient if patient == me => Ok(()),
        Role::Doctor if doctor == me => Ok(()),
        Role::Patient => Err(Error::Forbidden("patients book appointments for themselves")),
        Role::Doctor => Err(Error::Forbidden("doctors book appointments in their own calendar")),
        _ => Err(Error::Forbidden("your role does not book appointments")),
    }
}

/// `POST /api/v1/appointments`.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn book(ctx: &Ctx, actor: &Actor, input: NewAppointment) -> Result<Appointment, Error> {
    actor.require(Permission::AppointmentsBook)?;
    let mut v = Validator::default();
    let doctor = input.doctor_id.trim().parse::<UserId>();
    if doctor.is_err() {
        v.add("doctor_id", "doctor_id must be a doctor's id");
    }
    let patient = input.patient_id.trim().parse::<UserId>();
    if patient.is_err() {
        v.add("patient_id", "patient_id must be a patient's id");
    }
    let times = valid_times(ctx, &mut v, &input.start, &input.end);
    let room = optional_text(&mut v, "room", input.room.as_deref(), 50);
    let reason = optional_text(&mut v, "reason", input.reason.as_deref(), 500);
    v.finish()?;
    let (Ok(doctor), Ok(patient), Some((start, end))) = (doctor, patient, times) else {
        return Err(Error::Validation(Vec::new()));
    };
    may_book(actor, &doctor.to_string(), &patient.to_string())?;
    if !users::find_by_id(&ctx.db, doctor).await?.is_some_and(|u| u.is_active(Role::Doctor)) {
        return Err(Error::NotFound("doctor_not_found"));
    }
    if !users::find_by_id(&ctx.db, patient).await?.is_some_and(|u| u.is_active(Role::Patient)) {
        return Err(Error::NotFound("patient_not_found"));
    }
    // A doctor books only patients whose history they may read already: a booking puts the
    // doctor on the care team, which must not be a way onto it.
    if actor.role() == Role::Doctor
        && !actor.holds(Permission::AppointmentsManage)
        && !care_team::may_read_patient(ctx, actor, patient).await?
    {
        return Err(Error::NotFound("patient_not_found"));
    }
    let now = clock::format(ctx.clock.now());
    let id = uuid::Uuid::now_v7().to_string();
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
    let sealed = match &reason {
        Some(r) => Some(key.seal(r, &reason_place(&id))?),
        None => None,
    };
    let a = StoredAppointment {
        id: id.clone(),
        doctor_id: doctor.to_string(),
        patient_id: patient.to_string(),
        starts_at: clock::format(start),
        ends_at: clock::format(end),
        room,
        reason: sealed,
        status: "booked".into(),
        booked_by: actor.id().to_string(),
        created_at: now,
        ..StoredAppointment::default()
    };
    let mut tx = ctx.db.pool.begin().await?;
    store::insert(&mut tx, &a).await?;
    store::hold(&mut tx, &id, &resources(&a), slots(start, end)).await?;
    record_event(&mut tx, &key, EntryKind::AppointmentBooked, &a, actor.id(), &a.created_at).await?;
    tx.commit().await?;
    actor.audit().touched(Some(patient), "appointment", Some(&id));
    tracing::info!(appointment_id = %id, "appointment booked");
    // A booked appointment puts the doctor on the care team (ledgered as a care-team change);
    // a doctor the patient took off their team stays off it.
    match care_team::join_explicitly(ctx, actor, patient, doctor, Joined::Appointment, "", None).await {
        Ok((_, true)) => actor.audit().detail("the doctor joined the patient's care team by this booking"),
        Ok(_) | Err(Error::Conflict(..)) => {}
        Err(e) => return Err(e),
    }
    get(ctx, actor, &id).await
}

/// Whether `actor` sees the appointment: the front desk; its doctor; its patient.
fn sees(actor: &Actor, a: &StoredAppointment) -> bool {
    let me = actor.id().to_string();
    actor.holds(Permission::AppointmentsManage) || a.doctor_id == me || a.patient_id == me
}

async fn visible(ctx: &Ctx, actor: &Actor, id: &str) -> Result<StoredAppointment, Error> {
    actor.require(Permission::AppointmentsBook)?;
    let found = match uuid::Uuid::try_parse(id) {
        Ok(_) => store::get(&ctx.db, id).await?,
        Err(_) => None,
    };
    match found {
        Some(a) if sees(actor, &a) => {
            actor.audit().touched(Some(&a.patient_id), "appointment", Some(id));
            Ok(a)
        }
        Some(a) => {
            actor.audit().touched(Some(&a.patient_id), "appointment", Some(id));
            Err(Error::NotFound("appointment_not_found"))
        }
        None => Err(Error::NotFound("appointment_not_found")),
    }
}

fn key_of(ctx: &Ctx, a: &StoredAppointment) -> Result<Option<FieldKey>, Error> {
    let patient: UserId = a.patient_id.parse().map_err(|_| Error::NotFound("appointment_not_found"))?;
    ctx.vault.key_from_columns(a.key.0.as_deref(), a.key.1.as_deref(), patient)
}

/// `GET /api/v1/appointments/{id}`.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Appointment, Error> {
    let a = visible(ctx, actor, id).await?;
    let key = key_of(ctx, &a)?;
    shown(a, key.as_ref())
}

/// `GET /api/v1/appointments`: by start time; the front desk sees every one, a doctor and a
/// patient their own.
pub async fn list(ctx: &Ctx, actor: &Actor, filter: &AppointmentFilter) -> Result<Vec<Appointment>, Error> {
    actor.require(Permission::AppointmentsBook)?;
    let mut v = Validator::default();
    let id = |v: &mut Validator, field: &str, s: &Option<String>| match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<UserId>() {
            Ok(id) => Some(id.to_string()),
            Err(_) => {
                v.add(field, format!("{field} must be an id"));
                None
            }
        },
    };
    let mut q = ListQuery {
        doctor_id: id(&mut v, "doctor_id", &filter.doctor_id),
        patient_id: id(&mut v, "patient_id", &filter.patient_id),
        ..ListQuery::default()
    };
    if let Some(day) = filter.day.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            Ok(d) => {
                // Midnight there (or, where the clocks skip midnight, the day's first moment).
                let first = |d: NaiveDate| {
                    (0..24).find_map(|h| filter.day_zone.instant(d, chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default()))
                };
                q.from = first(d).map(clock::format);
                q.until = d.succ_opt().and_then(first).map(clock::format);
            }
            Err(_) => v.add("day", "day must be a date, YYYY-MM-DD"),
        }
    }
    q.status = filter.status.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if q.status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        v.add("status", "status must be booked, checked_in, with_doctor, done or cancelled");
    }
    v.finish()?;
    if !actor.holds(Permission::AppointmentsManage) {
        let me = actor.id().to_string();
        match actor.role() {
            Role::Patient => q.patient_id = Some(me),
            _ => q.doctor_id = Some(me),
        }
    }
    let rows = store::list(&ctx.db, &q).await?;
    let mut keys: HashMap<String, Option<FieldKey>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        actor.audit().touched(Some(&a.patient_id), "appointment", None::<String>);
        if !keys.contains_key(&a.patient_id) {
            keys.insert(a.patient_id.clone(), key_of(ctx, &a)?);
        }
        let key = keys.get(&a.patient_id).and_then(Option::as_ref);
        out.push(shown(a, key)?);
    }
    Ok(out)
}

/// Which status may follow which, and who moves it: the front desk every step; the doctor from
/// checked in on; anyone who may book it cancels it before it is done.
fn may_move(actor: &Actor, a: &StoredAppointment, to: &str, now: DateTime<Utc>) -> Result<(), Error> {
    let desk = actor.holds(Permission::AppointmentsManage);
    let doctor = a.doctor_id == actor.id().to_string();
    let next = match a.status.as_str() {
        "booked" => ["checked_in", "cancelled"].as_slice(),
        "checked_in" => ["with_doctor", "cancelled"].as_slice(),
        "with_doctor" => ["done"].as_slice(),
        _ => [].as_slice(),
    };
    if !next.contains(&to) {
        return Err(Error::Conflict("invalid_transition", "The appointment cannot move to that status from where it is."));
    }
    let allowed = match to {
        "cancelled" => true,
        "checked_in" => desk,
        _ => desk || doctor,
    };
    if !allowed {
        return Err(Error::Forbidden("the front desk moves appointments through the queue"));
    }
    // Checked in on the day: not more than 12 hours before it starts.
    if to == "checked_in"
        && let Some(start) = clock::parse(&a.starts_at)
        && start - now > Duration::hours(12)
    {
        return Err(Error::Conflict(
            "invalid_transition",
            "An appointment is checked in on its day, not more than 12 hours before it starts.",
        ));
    }
    Ok(())
}

/// `PATCH /api/v1/appointments/{id}`: a new time or room (while booked), or the next status.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), appointment_id = %id))]
pub async fn change(ctx: &Ctx, actor: &Actor, id: &str, input: AppointmentChange) -> Result<Appointment, Error> {
    let current = visible(ctx, actor, id).await?;
    let mut next = current.clone();
    let mut v = Validator::default();
    let moving = input.start.is_some() || input.end.is_some() || input.room.is_some();
    if !moving && input.status.is_none() {
        v.add("status", "send a new start and end, a room, or a status");
    }
    if moving && input.status.is_some() {
        v.add("status", "change the time or room, or the status, not both at once");
    }
    let mut times = None;
    if input.start.is_some() || input.end.is_some() {
        let start = input.start.clone().unwrap_or_else(|| current.starts_at.clone());
        let end = input.end.clone().unwrap_or_else(|| current.ends_at.clone());
        times = valid_times(ctx, &mut v, &start, &end);
    }
    if let Some(room) = &input.room {
        next.room = optional_text(&mut v, "room", Some(room), 50);
    }
    if let Some(s) = &input.status
        && !STATUSES.contains(&s.as_str())
    {
        v.add("status", "status must be checked_in, with_doctor, done or cancelled");
    }
    v.finish()?;
    let now = clock::format(ctx.clock.now());
    let patient: UserId = current.patient_id.parse().map_err(|_| Error::NotFound("appointment_not_found"))?;
    let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
    let mut tx = ctx.db.pool.begin().await?;
    if moving {
        may_book(actor, &current.doctor_id, &current.patient_id)?;
        if current.status != "booked" {
            return Err(Error::Conflict(
                "invalid_transition",
                "Only a booked appointment can be moved; this one has started, ended or was cancelled.",
            ));
        }
        if let Some((start, end)) = times {
            next.starts_at = clock::format(start);
            next.ends_at = clock::format(end);
        }
        let (start, end) = (clock::parse(&next.starts_at), clock::parse(&next.ends_at));
        let (Some(start), Some(end)) = (start, end) else { return Err(Error::Validation(Vec::new())) };
        if !store::update(&mut tx, &next, "booked", &now).await? {
            return Err(Error::Conflict("appointment_changed", "The appointment changed meanwhile; reload and try again."));
        }
        store::release(&mut tx, id).await?;
        store::hold(&mut tx, id, &resources(&next), slots(start, end)).await?;
    } else if let Some(to) = &input.status {
        may_move(actor, &current, to, ctx.clock.now())?;
        next.status = to.clone();
        if !store::update(&mut tx, &next, &current.status, &now).await? {
            return Err(Error::Conflict("appointment_changed", "The appointment changed meanwhile; reload and try again."));
        }
        if to == "cancelled" {
            store::release(&mut tx, id).await?;
        }
    }
    record_event(&mut tx, &key, EntryKind::AppointmentChanged, &next, actor.id(), &now).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// An appointment as an event records it (its reason opened).
#[derive(serde::Serialize)]
struct EventBody<'a> {
    doctor_id: &'a str,
    start: &'a str,
    end: &'a str,
    room: Option<&'a str>,
    status: &'a str,
    reason: Option<String>,
}

fn event_place(id: &str) -> String {
    format!("appointment_event:{id}")
}

fn event_entry(kind: EntryKind, appointment: &str, patient: &str, actor: &str, at: &str, body: String, erased: bool) -> ClinicalEntry {
    ClinicalEntry {
        kind,
        id_name: "appointment_id",
        id: appointment.to_string(),
        patient_id: patient.to_string(),
        author_id: actor.to_string(),
        version: None,
        time: at.to_string(),
        body,
        erased,
    }
}

/// Appends the event of a booking or a change (the appointment as it now stands) and its
/// ledger entry, in the caller's transaction: the services above and the demo clinic.
pub async fn record_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &FieldKey,
    kind: EntryKind,
    a: &StoredAppointment,
    actor: UserId,
    at: &str,
) -> Result<(), Error> {
    let reason = match a.reason.as_deref() {
        Some(sealed) => Some(key.open(sealed, &reason_place(&a.id))?.expose().clone()),
        None => None,
    };
    let body =
        EventBody { doctor_id: &a.doctor_id, start: &a.starts_at, end: &a.ends_at, room: a.room.as_deref(), status: &a.status, reason };
    let plain = serde_json::to_string(&body).map_err(|e| Error::Internal(e.into()))?;
    let entry = event_entry(kind, &a.id, &a.patient_id, &actor.to_string(), at, plain.clone(), false);
    let entry_index = crate::ledger::append(tx, &entry).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let event = store::StoredEvent {
        body: key.seal(&plain, &event_place(&id))?,
        id,
        appointment_id: a.id.clone(),
        patient_id: a.patient_id.clone(),
        actor_id: actor.to_string(),
        at: at.to_string(),
        entry_index,
    };
    store::insert_event(tx, &event).await
}

/// What appointments have put in the ledger, rebuilt from their events (the first of each
/// appointment is its booking).
pub async fn ledgered(db: &crate::db::Db, vault: &crate::vault::Vault) -> Result<Declaration, Error> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut booked = std::collections::HashSet::new();
    for (e, wrapped, master) in store::all_events(db).await? {
        let patient: UserId = e.patient_id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("an appointment names no patient")))?;
        let kind = if booked.insert(e.appointment_id.clone()) { EntryKind::AppointmentBooked } else { EntryKind::AppointmentChanged };
        let (body, erased) = match vault.key_from_columns(wrapped.as_deref(), master.as_deref(), patient)? {
            Some(k) => match k.open(&e.body, &event_place(&e.id)) {
                Ok(plain) => (plain.expose().clone(), false),
                Err(_) => {
                    problems.push(format!("appointment event {}: its sealed text does not open", e.id));
                    continue;
                }
            },
            None => (String::new(), true),
        };
        rows.push(Declared {
            entry: EntryRef::Index(e.entry_index),
            row: format!("appointment event {}", e.id),
            item: Box::new(event_entry(kind, &e.appointment_id, &e.patient_id, &e.actor_id, &e.at, body, erased)),
        });
    }
    Ok(Declaration { rows, problems })
}

/// The booking form's choices: doctors, and the patients this actor may book for.
pub async fn choices(ctx: &Ctx, actor: &Actor) -> Result<(Vec<(String, String)>, Vec<(String, String)>), Error> {
    let me = (actor.id().to_string(), actor.user().full_name.clone());
    let doctors = match actor.role() {
        Role::Doctor => vec![me.clone()],
        _ => care_team::store::active_doctors(&ctx.db).await?,
    };
    let patients = match actor.role() {
        Role::Patient => vec![me],
        Role::Doctor => {
            let now = clock::format(ctx.clock.now());
            crate::records::store::counterparts(&ctx.db, actor.id(), false, &now).await?
        }
        _ => store::active_patients(&ctx.db).await?,
    };
    Ok((doctors, patients))
}
