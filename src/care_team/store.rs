//! Care-team queries: live memberships (the access check reads them on every read of patient
//! data, by index), joining, leaving, and the rows the ledger covers.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use std::collections::HashMap;

use crate::care_team::model::{Joined, Member, TeamChange};
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::error::Error;
use crate::ids::UserId;
use crate::ledger::entry::EntryKind;
use crate::vault::Vault;

/// Whether `doctor` is on `patient`'s care team at `now` (not ended, not past a consent's end),
/// read from the pool or in the caller's transaction.
pub async fn is_member<'e, E>(ex: E, patient: UserId, doctor: UserId, now: &str) -> Result<bool, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT 1 AS one FROM care_team WHERE patient_id = $1 AND doctor_id = $2 AND removed_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(patient.to_string())
    .bind(doctor.to_string())
    .bind(now)
    .fetch_optional(ex)
    .await?;
    Ok(row.is_some())
}

/// Which of `patients` have `doctor` on their care team now (one query, for a search's page).
pub async fn members_among(db: &Db, doctor: UserId, patients: &[String], now: &str) -> Result<std::collections::HashSet<String>, Error> {
    if patients.is_empty() {
        return Ok(Default::default());
    }
    let marks = (3..patients.len() + 3).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT patient_id FROM care_team WHERE doctor_id = $1 AND removed_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
         AND patient_id IN ({marks})"
    );
    let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(doctor.to_string()).bind(now);
    for p in patients {
        q = q.bind(p);
    }
    Ok(q.fetch_all(&db.pool).await?.into_iter().collect())
}

/// Whether the patient took `doctor` off their team (and nobody has put them back since); a
/// consent that ran out is not a removal.
pub async fn removed(db: &Db, patient: UserId, doctor: UserId) -> Result<bool, Error> {
    let row =
        sqlx::query("SELECT removed_by FROM care_team WHERE patient_id = $1 AND doctor_id = $2 ORDER BY added_at DESC, id DESC LIMIT 1")
            .bind(patient.to_string())
            .bind(doctor.to_string())
            .fetch_optional(&db.pool)
            .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<String>, _>("removed_by")?.is_some(),
        None => false,
    })
}

/// Where a membership's reason is sealed.
pub fn reason_place(membership: &str) -> String {
    format!("care_team:{membership}:reason")
}

/// Patients' data keys for opening reasons, looked up once per patient; `None` for a patient
/// whose key is gone (erased) or who never had one.
#[derive(Default)]
pub struct ReasonKeys(HashMap<String, Option<FieldKey>>);

impl ReasonKeys {
    /// A stored reason in clear: opened when sealed; "" when its patient's key is gone (the
    /// reason was erased with the rest of their data).
    pub async fn open(
        &mut self,
        db: &Db,
        vault: &Vault,
        patient: &str,
        membership: &str,
        stored: String,
        sealed: i64,
    ) -> Result<String, Error> {
        if sealed != 1 {
            return Ok(stored);
        }
        if !self.0.contains_key(patient) {
            let id: UserId = patient.parse().map_err(|_| Error::Internal(anyhow::anyhow!("corrupt care_team row: patient_id")))?;
            let key = match vault.existing(&db.pool, id).await {
                Ok(k) => k,
                Err(Error::Gone(_)) => None,
                Err(e) => return Err(e),
            };
            self.0.insert(patient.to_string(), key);
        }
        match self.0.get(patient).and_then(Option::as_ref) {
            Some(key) => Ok(key.open(&stored, &reason_place(membership))?.expose().clone()),
            None => Ok(String::new()),
        }
    }
}

/// Opens the reasons of members of one patient's team.
async fn open_members(db: &Db, vault: &Vault, patient: UserId, rows: &[AnyRow]) -> Result<Vec<Member>, Error> {
    let mut keys = ReasonKeys::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut m = member_from_row(r)?;
        m.reason = keys.open(db, vault, &patient.to_string(), &m.id, std::mem::take(&mut m.reason), r.try_get("sealed")?).await?;
        out.push(m);
    }
    Ok(out)
}

fn member_from_row(r: &AnyRow) -> Result<Member, Error> {
    Ok(Member {
        id: r.try_get("id")?,
        doctor_id: r.try_get("doctor_id")?,
        doctor_name: r.try_get("doctor_name")?,
        added_by: r.try_get("added_by")?,
        added_by_name: r.try_get("added_by_name")?,
        how: r.try_get("how")?,
        reason: r.try_get("reason")?,
        added_at: r.try_get("added_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

/// A patient's care team at `now`, longest-standing first, with names, after a `(added_at, id)`
/// cursor.
pub async fn live(
    db: &Db,
    vault: &Vault,
    patient: UserId,
    now: &str,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<Member>, Error> {
    let (at, id) = after.unwrap_or_default();
    let rows = sqlx::query(
        "SELECT c.id, c.doctor_id, d.full_name AS doctor_name, c.added_by, a.full_name AS added_by_name, c.how, c.reason, c.added_at, \
                c.expires_at, c.sealed \
         FROM care_team c JOIN users d ON d.id = c.doctor_id JOIN users a ON a.id = c.added_by \
         WHERE c.patient_id = $1 AND c.removed_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > $2) AND (c.added_at, c.id) > ($3, $4) \
         ORDER BY c.added_at, c.id LIMIT $5",
    )
    .bind(patient.to_string())
    .bind(now)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    open_members(db, vault, patient, &rows).await
}

/// The live membership of `doctor` on `patient`'s team at `now`.
pub async fn live_member(db: &Db, vault: &Vault, patient: UserId, doctor: UserId, now: &str) -> Result<Option<Member>, Error> {
    let row = sqlx::query(
        "SELECT c.id, c.doctor_id, d.full_name AS doctor_name, c.added_by, a.full_name AS added_by_name, c.how, c.reason, c.added_at, \
                c.expires_at, c.sealed \
         FROM care_team c JOIN users d ON d.id = c.doctor_id JOIN users a ON a.id = c.added_by \
         WHERE c.patient_id = $1 AND c.doctor_id = $2 AND c.removed_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > $3)",
    )
    .bind(patient.to_string())
    .bind(doctor.to_string())
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(open_members(db, vault, patient, std::slice::from_ref(&row)).await?.pop())
}

/// A new membership row.
pub struct NewMembership<'a> {
    /// Its id (UUIDv7, or derived for memberships made by records).
    pub id: &'a str,
    /// The patient.
    pub patient_id: UserId,
    /// The doctor joining.
    pub doctor_id: UserId,
    /// Who added them.
    pub added_by: UserId,
    /// How.
    pub how: Joined,
    /// Why (referrals), as stored: sealed when `sealed`.
    pub reason: &'a str,
    /// Whether `reason` is sealed under the patient's data key.
    pub sealed: bool,
    /// When.
    pub added_at: &'a str,
    /// The ledger entry of an explicit addition.
    pub entry_index: Option<i64>,
    /// Until when (a consent with an end).
    pub expires_at: Option<&'a str>,
}

/// Adds a membership unless the doctor is on the team already; whether it was added. Two
/// joins racing are settled by the unique index on live memberships, without an error that
/// would end the caller's transaction. With `respect_removal` (a record's author, a referral)
/// a doctor the patient took off the team, and has not put back since without an end date, is
/// not added: only the patient adds them back (a consent with an end lets them in until then). Callers append their ledger entry first, so this runs after the
/// ledger's row lock: a removal committed meanwhile is seen here.
pub async fn join(conn: &mut AnyConnection, m: &NewMembership<'_>, respect_removal: bool) -> Result<bool, Error> {
    // An expired membership of the pair ends at its expiry (by nobody), making room.
    sqlx::query(
        "UPDATE care_team SET removed_at = expires_at WHERE patient_id = $1 AND doctor_id = $2 AND removed_at IS NULL \
         AND expires_at IS NOT NULL AND expires_at <= $3",
    )
    .bind(m.patient_id.to_string())
    .bind(m.doctor_id.to_string())
    .bind(m.added_at)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "INSERT INTO care_team (id, patient_id, doctor_id, added_by, how, reason, added_at, entry_index, expires_at, sealed) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $11 WHERE $10 = 0 OR NOT EXISTS ( \
             SELECT 1 FROM care_team l WHERE l.patient_id = $2 AND l.doctor_id = $3 AND l.removed_by IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM care_team n WHERE n.patient_id = $2 AND n.doctor_id = $3 AND n.added_at > l.removed_at \
                             AND n.how = 'patient' AND n.expires_at IS NULL)) \
         ON CONFLICT (patient_id, doctor_id) WHERE removed_at IS NULL DO NOTHING",
    )
    .bind(m.id)
    .bind(m.patient_id.to_string())
    .bind(m.doctor_id.to_string())
    .bind(m.added_by.to_string())
    .bind(m.how.as_str())
    .bind(m.reason)
    .bind(m.added_at)
    .bind(m.entry_index)
    .bind(m.expires_at)
    .bind(i64::from(respect_removal))
    .bind(i64::from(m.sealed))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The doctors the patient took off their team (and has not put back), for the forms.
pub async fn removed_doctors(db: &Db, patient: UserId) -> Result<Vec<String>, Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT l.doctor_id FROM care_team l WHERE l.patient_id = $1 AND l.removed_by IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM care_team n WHERE n.patient_id = $1 AND n.doctor_id = l.doctor_id AND n.added_at > l.removed_at \
                         AND n.how = 'patient' AND n.expires_at IS NULL)",
    )
    .bind(patient.to_string())
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("doctor_id")?)).collect()
}

/// Ends a live membership; whether there was one.
pub async fn leave(conn: &mut AnyConnection, id: &str, by: UserId, at: &str, entry_index: i64) -> Result<bool, Error> {
    let done =
        sqlx::query("UPDATE care_team SET removed_at = $1, removed_by = $2, removal_entry_index = $3 WHERE id = $4 AND removed_at IS NULL")
            .bind(at)
            .bind(by.to_string())
            .bind(entry_index)
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Active doctors of the clinic, by name (for choosing whom to add or refer to).
pub async fn active_doctors(db: &Db) -> Result<Vec<(String, String)>, Error> {
    let rows = sqlx::query("SELECT id, full_name FROM users WHERE role = 'doctor' AND status = 'active' ORDER BY full_name, id")
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("full_name")?))).collect()
}

/// Every explicit change the ledger covers, by entry index: additions (referrals, the patient
/// adding a doctor) and removals.
pub async fn ledgered_changes(db: &Db, vault: &Vault) -> Result<Vec<(i64, TeamChange)>, Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.patient_id, c.doctor_id, c.added_by, c.how, c.reason, c.added_at, c.entry_index, c.expires_at, c.removed_at, \
                c.removed_by, c.removal_entry_index, c.sealed, p.erased_at \
         FROM care_team c JOIN users p ON p.id = c.patient_id WHERE c.entry_index IS NOT NULL OR c.removal_entry_index IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut changes = Vec::new();
    let mut keys = ReasonKeys::default();
    for r in &rows {
        let (id, patient_id, doctor_id): (String, String, String) = (r.try_get("id")?, r.try_get("patient_id")?, r.try_get("doctor_id")?);
        // An erased patient's sealed reason is gone with their key: verify checks the rest.
        let erased = r.try_get::<Option<String>, _>("erased_at")?.is_some();
        let sealed: i64 = r.try_get("sealed")?;
        let reason = if erased && sealed == 1 {
            String::new()
        } else {
            // A reason that no longer opens was edited or moved: handed over unopened, so the
            // entry's content names the row.
            let stored: String = r.try_get("reason")?;
            keys.open(db, vault, &patient_id, &id, stored.clone(), sealed).await.unwrap_or(stored)
        };
        if let Some(index) = r.try_get::<Option<i64>, _>("entry_index")? {
            changes.push((
                index,
                TeamChange {
                    kind: EntryKind::CareTeamAdded,
                    membership_id: id.clone(),
                    patient_id: patient_id.clone(),
                    doctor_id: doctor_id.clone(),
                    by: r.try_get("added_by")?,
                    how: r.try_get("how")?,
                    reason: reason.clone(),
                    expires_at: r.try_get::<Option<String>, _>("expires_at")?.unwrap_or_default(),
                    time: r.try_get("added_at")?,
                    erased: erased && sealed == 1,
                },
            ));
        }
        if let Some(index) = r.try_get::<Option<i64>, _>("removal_entry_index")? {
            changes.push((
                index,
                TeamChange {
                    kind: EntryKind::CareTeamRemoved,
                    membership_id: id,
                    patient_id,
                    doctor_id,
                    by: r.try_get::<Option<String>, _>("removed_by")?.unwrap_or_default(),
                    how: String::new(),
                    reason: String::new(),
                    expires_at: String::new(),
                    time: r.try_get::<Option<String>, _>("removed_at")?.unwrap_or_default(),
                    erased: false,
                },
            ));
        }
    }
    Ok(changes)
}

/// A consent as stored.
#[derive(Debug, Clone)]
pub struct ConsentRow {
    /// The membership's id.
    pub id: String,
    /// The doctor.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// When granted.
    pub granted_at: String,
    /// Until when, if it ends.
    pub expires_at: Option<String>,
    /// Whether the patient revoked it.
    pub revoked: bool,
    /// When it ended (revoked, or closed at its expiry).
    pub removed_at: Option<String>,
}

/// A patient's consents (the memberships they made), newest first, ended ones included, before
/// a `(added_at, id)` cursor.
pub async fn consents(db: &Db, patient: UserId, before: Option<(String, String)>, limit: i64) -> Result<Vec<ConsentRow>, Error> {
    // Without a cursor ("" as its time), the first page starts at the newest.
    let (at, id) = before.unwrap_or_default();
    let rows = sqlx::query(
        "SELECT c.id, c.doctor_id, d.full_name AS doctor_name, c.added_at, c.expires_at, c.removed_at, c.removed_by \
         FROM care_team c JOIN users d ON d.id = c.doctor_id WHERE c.patient_id = $1 AND c.how = 'patient' \
         AND ($2 = '' OR (c.added_at, c.id) < ($2, $3)) ORDER BY c.added_at DESC, c.id DESC LIMIT $4",
    )
    .bind(patient.to_string())
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ConsentRow {
                id: r.try_get("id")?,
                doctor_id: r.try_get("doctor_id")?,
                doctor_name: r.try_get("doctor_name")?,
                granted_at: r.try_get("added_at")?,
                expires_at: r.try_get("expires_at")?,
                revoked: r.try_get::<Option<String>, _>("removed_by")?.is_some(),
                removed_at: r.try_get("removed_at")?,
            })
        })
        .collect()
}

/// The patient and doctor of a membership made by the patient (a consent), if it exists.
pub async fn consent_parties(db: &Db, id: &str) -> Result<Option<(String, String)>, Error> {
    let row = sqlx::query("SELECT patient_id, doctor_id FROM care_team WHERE id = $1 AND how = 'patient'")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("patient_id")?, r.try_get("doctor_id")?))).transpose()
}

/// Memberships nothing vouches for. A change with no ledger entry must be one the rules make
/// without one: a membership made by writing a record needs that record (by that doctor, for
/// that patient, at that time), may not start while another membership of the pair is live, and
/// may not follow the patient's removal (only the patient adds a removed doctor back, without an
/// end date); an end without an entry must be a consent running out (at its `expires_at`).
pub async fn unledgered_problems(db: &Db) -> Result<Vec<String>, Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.patient_id, c.doctor_id, c.added_by, c.how, c.added_at, c.entry_index, c.expires_at, c.removed_at, c.removed_by, \
                c.removal_entry_index, \
                CASE WHEN EXISTS (SELECT 1 FROM records r WHERE r.patient_id = c.patient_id AND r.doctor_id = c.doctor_id \
                                  AND r.created_at = c.added_at) THEN 1 ELSE 0 END AS has_record \
         FROM care_team c ORDER BY c.patient_id, c.doctor_id, c.added_at, c.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut problems = Vec::new();
    // Walk each pair's memberships in time order.
    let mut pair: (String, String) = (String::new(), String::new());
    let (mut live_until, mut banned): (Option<Option<String>>, bool) = (None, false);
    for r in &rows {
        let id: String = r.try_get("id")?;
        let (patient, doctor, how): (String, String, String) = (r.try_get("patient_id")?, r.try_get("doctor_id")?, r.try_get("how")?);
        if (patient.as_str(), doctor.as_str()) != (pair.0.as_str(), pair.1.as_str()) {
            pair = (patient.clone(), doctor.clone());
            (live_until, banned) = (None, false);
        }
        let what = format!("care team membership {id} (doctor {doctor} on patient {patient}'s team, {how})");
        let added_at: String = r.try_get("added_at")?;
        let (removed_at, removed_by, expires): (Option<String>, Option<String>, Option<String>) =
            (r.try_get("removed_at")?, r.try_get("removed_by")?, r.try_get("expires_at")?);
        let unledgered = r.try_get::<Option<i64>, _>("entry_index")?.is_none();
        // A membership made by a record begins only once the previous one has ended (the
        // record's write finds no live one). Explicit changes carry entries; their times, taken
        // before the ledger's lock, may cross by microseconds in a race, so they are not held
        // to this.
        if unledgered
            && how == "record"
            && let Some(previous_end) = &live_until
            && previous_end.as_deref().is_none_or(|end| end > added_at.as_str())
        {
            problems.push(format!("{what}: it overlaps an earlier membership of the same doctor"));
        }
        if unledgered {
            let added_by: String = r.try_get("added_by")?;
            if how != "record" {
                problems.push(format!("{what}: no ledger entry covers it"));
            } else if r.try_get::<i64, _>("has_record")? == 0 || added_by != doctor {
                problems.push(format!("{what}: no record by that doctor for that patient made it"));
            } else if banned {
                problems.push(format!("{what}: the patient had taken this doctor off and not added them back"));
            }
        }
        if how == "patient" && expires.is_none() {
            banned = false;
        }
        if let Some(ended) = &removed_at
            && r.try_get::<Option<i64>, _>("removal_entry_index")?.is_none()
            && (removed_by.is_some() || expires.as_deref() != Some(ended.as_str()))
        {
            problems.push(format!("{what}: it ended without a ledger entry"));
        }
        if removed_by.is_some() {
            banned = true;
        }
        live_until = Some(removed_at.or(expires));
    }
    Ok(problems)
}

/// Seals the reasons earlier releases stored in clear (the start-up upgrade; housekeeping
/// repeats it during a rolling upgrade), a row at a time; returns how many. An erased
/// patient's rows are left (their key is gone; erasure came after this release).
pub async fn seal_earlier(db: &Db, vault: &Vault, now: &str) -> Result<u64, Error> {
    let mut done = 0;
    loop {
        let rows = sqlx::query(
            "SELECT c.id, c.patient_id, c.reason FROM care_team c JOIN users p ON p.id = c.patient_id \
             WHERE c.sealed = 0 AND c.reason <> '' AND p.erased_at IS NULL LIMIT 100",
        )
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        for r in &rows {
            let id: String = r.try_get("id")?;
            let patient: UserId = r
                .try_get::<String, _>("patient_id")?
                .parse()
                .map_err(|_| Error::Internal(anyhow::anyhow!("corrupt care_team row: patient_id")))?;
            let reason: String = r.try_get("reason")?;
            let key = vault.key_for(&mut *db.pool.acquire().await?, patient, now).await?;
            sqlx::query("UPDATE care_team SET reason = $1, sealed = 1 WHERE id = $2 AND sealed = 0")
                .bind(key.seal(&reason, &reason_place(&id))?)
                .bind(&id)
                .execute(&db.pool)
                .await?;
            done += 1;
        }
    }
}
