//! Appointment rows and the slots that keep them apart.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Bind, Db, Filters};
use crate::error::Error;

/// An appointment as stored (its reason still sealed).
#[derive(Debug, Clone, Default)]
pub struct StoredAppointment {
    /// Id.
    pub id: String,
    /// Doctor.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// Patient.
    pub patient_id: String,
    /// Their name.
    pub patient_name: String,
    /// Start.
    pub starts_at: String,
    /// End.
    pub ends_at: String,
    /// Room.
    pub room: Option<String>,
    /// Sealed reason.
    pub reason: Option<String>,
    /// Status.
    pub status: String,
    /// Booked by.
    pub booked_by: String,
    /// Booked at.
    pub created_at: String,
    /// The patient's wrapped data key and master key id.
    pub key: (Option<String>, Option<String>),
}

macro_rules! select_appointments {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.doctor_id, du.full_name AS doctor_name, a.patient_id, pu.full_name AS patient_name, a.starts_at, a.ends_at, \
             a.room, a.reason, a.status, a.booked_by, a.created_at, k.wrapped_key, k.master_key_id FROM appointments a \
             LEFT JOIN users du ON du.id = a.doctor_id LEFT JOIN users pu ON pu.id = a.patient_id \
             LEFT JOIN patient_keys k ON k.patient_id = a.patient_id",
            $rest
        )
    };
}

fn from_row(r: &AnyRow) -> Result<StoredAppointment, Error> {
    Ok(StoredAppointment {
        id: r.try_get("id")?,
        doctor_id: r.try_get("doctor_id")?,
        doctor_name: r.try_get::<Option<String>, _>("doctor_name")?.unwrap_or_default(),
        patient_id: r.try_get("patient_id")?,
        patient_name: r.try_get::<Option<String>, _>("patient_name")?.unwrap_or_default(),
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        room: r.try_get("room")?,
        reason: r.try_get("reason")?,
        status: r.try_get("status")?,
        booked_by: r.try_get("booked_by")?,
        created_at: r.try_get("created_at")?,
        key: (r.try_get("wrapped_key")?, r.try_get("master_key_id")?),
    })
}

/// One appointment.
pub async fn get(db: &Db, id: &str) -> Result<Option<StoredAppointment>, Error> {
    let row = sqlx::query(select_appointments!(" WHERE a.id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// What a list asks for.
#[derive(Debug, Default)]
pub struct ListQuery {
    /// Only this doctor's.
    pub doctor_id: Option<String>,
    /// Only this patient's.
    pub patient_id: Option<String>,
    /// Starting at or after.
    pub from: Option<String>,
    /// Starting before.
    pub until: Option<String>,
    /// In this status.
    pub status: Option<String>,
}

/// Appointments by start time (at most 500).
pub async fn list(db: &Db, q: &ListQuery) -> Result<Vec<StoredAppointment>, Error> {
    let mut f = Filters::default();
    if let Some(d) = &q.doctor_id {
        f.and("a.doctor_id = ?", [Bind::Text(d.clone())]);
    }
    if let Some(p) = &q.patient_id {
        f.and("a.patient_id = ?", [Bind::Text(p.clone())]);
    }
    if let Some(t) = &q.from {
        f.and("a.starts_at >= ?", [Bind::Text(t.clone())]);
    }
    if let Some(t) = &q.until {
        f.and("a.starts_at < ?", [Bind::Text(t.clone())]);
    }
    if let Some(s) = &q.status {
        f.and("a.status = ?", [Bind::Text(s.clone())]);
    }
    let sql = format!("{}{} ORDER BY a.starts_at, a.id LIMIT 500", select_appointments!(""), f.where_clause());
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(from_row).collect()
}

/// Writes a new appointment, in the caller's transaction.
pub async fn insert(tx: &mut sqlx::AnyConnection, a: &StoredAppointment) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO appointments (id, doctor_id, patient_id, starts_at, ends_at, room, reason, status, booked_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&a.id)
    .bind(&a.doctor_id)
    .bind(&a.patient_id)
    .bind(&a.starts_at)
    .bind(&a.ends_at)
    .bind(&a.room)
    .bind(&a.reason)
    .bind(&a.status)
    .bind(&a.booked_by)
    .bind(&a.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Holds `slots` of each of `resources` for the appointment: 409 `appointment_conflict` when
/// any is held already (by the primary key, so two copies racing cannot both hold one).
pub async fn hold(tx: &mut sqlx::AnyConnection, appointment: &str, resources: &[String], slots: std::ops::Range<i64>) -> Result<(), Error> {
    let mut f = Filters::default();
    let mut values = Vec::new();
    for r in resources {
        for slot in slots.clone() {
            let (a, b, c) =
                (f.placeholder(Bind::Text(r.clone())), f.placeholder(Bind::Int(slot)), f.placeholder(Bind::Text(appointment.into())));
            values.push(format!("({a}, {b}, {c})"));
        }
    }
    let sql = format!("INSERT INTO appointment_slots (resource, slot, appointment_id) VALUES {}", values.join(", "));
    f.query(sql).execute(tx).await.map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Error::Conflict(
            "appointment_conflict",
            "The doctor, the patient or the room is already booked at an overlapping time; choose another time.",
        ),
        other => other.into(),
    })?;
    Ok(())
}

/// Frees an appointment's slots.
pub async fn release(tx: &mut sqlx::AnyConnection, appointment: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM appointment_slots WHERE appointment_id = $1").bind(appointment).execute(tx).await?;
    Ok(())
}

/// Writes an appointment's time, room and status, if its status is still `from`: whether it was.
pub async fn update(tx: &mut sqlx::AnyConnection, a: &StoredAppointment, from: &str, now: &str) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE appointments SET starts_at = $1, ends_at = $2, room = $3, status = $4, updated_at = $5 WHERE id = $6 AND status = $7",
    )
    .bind(&a.starts_at)
    .bind(&a.ends_at)
    .bind(&a.room)
    .bind(&a.status)
    .bind(now)
    .bind(&a.id)
    .bind(from)
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every active patient, by name (the front desk's booking form).
pub async fn active_patients(db: &Db) -> Result<Vec<(String, String)>, Error> {
    let rows =
        sqlx::query("SELECT id, full_name FROM users WHERE role = 'patient' AND status = 'active' ORDER BY full_name, id LIMIT 1000")
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("full_name")?))).collect()
}

/// Appends an event (the appointment as it stands after a booking or a change), in the caller's
/// transaction.
pub async fn insert_event(tx: &mut sqlx::AnyConnection, e: &StoredEvent) -> Result<(), Error> {
    sqlx::query("INSERT INTO appointment_events (id, appointment_id, patient_id, actor_id, at, body, entry_index) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&e.id)
        .bind(&e.appointment_id)
        .bind(&e.patient_id)
        .bind(&e.actor_id)
        .bind(&e.at)
        .bind(&e.body)
        .bind(e.entry_index)
        .execute(tx)
        .await?;
    Ok(())
}

/// An appointment event as stored.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// Id.
    pub id: String,
    /// The appointment.
    pub appointment_id: String,
    /// Its patient.
    pub patient_id: String,
    /// Who booked or changed it.
    pub actor_id: String,
    /// When.
    pub at: String,
    /// The sealed state.
    pub body: String,
    /// Its ledger entry.
    pub entry_index: i64,
}

/// Every event with its patient's wrapped key, oldest first, for `ledger verify`.
pub async fn all_events(db: &Db) -> Result<Vec<(StoredEvent, Option<String>, Option<String>)>, Error> {
    let rows = sqlx::query(
        "SELECT e.id, e.appointment_id, e.patient_id, e.actor_id, e.at, e.body, e.entry_index, k.wrapped_key, k.master_key_id \
         FROM appointment_events e LEFT JOIN patient_keys k ON k.patient_id = e.patient_id ORDER BY e.entry_index",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                StoredEvent {
                    id: r.try_get("id")?,
                    appointment_id: r.try_get("appointment_id")?,
                    patient_id: r.try_get("patient_id")?,
                    actor_id: r.try_get("actor_id")?,
                    at: r.try_get("at")?,
                    body: r.try_get("body")?,
                    entry_index: r.try_get("entry_index")?,
                },
                r.try_get("wrapped_key")?,
                r.try_get("master_key_id")?,
            ))
        })
        .collect()
}
