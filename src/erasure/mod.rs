//! Erasure (GDPR Article 17): an admin erases a patient at their request. The patient's data
//! key is destroyed, so every record, version, amendment and file name sealed under it can
//! never be opened again (crypto-shredding); their files are deleted from the file store;
//! their account keeps its id (the ledger and the audit trail name it) but loses its name,
//! email, password and second factor, and is switched off. The erasure itself is a ledger
//! entry; entries about the patient stay (they hold ids and hashes, never content), so `ledger
//! verify` still passes and every earlier proof still checks. Their records answer 410
//! `erased` from then on.

pub mod api;
pub mod pages;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::{Role, store as accounts_store};
use crate::clock;
use crate::context::Ctx;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::UserId;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef, Ledgered};

/// Shortest and longest reason, in characters.
pub const MIN_REASON: usize = 10;
/// Longest reason, in characters.
pub const MAX_REASON: usize = 500;

/// Why the patient is erased (their request, its reference).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EraseRequest {
    /// 10–500 characters: the patient's request and how it was checked.
    pub reason: String,
}

/// What an erasure did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Erasure {
    /// The patient erased.
    #[schema(value_type = String, format = Uuid)]
    pub patient_id: UserId,
    /// When.
    pub erased_at: String,
    /// Records made unreadable (their data key destroyed).
    pub records: i64,
    /// Files deleted from the file store.
    pub files_deleted: u64,
    /// The ledger entry that records the erasure.
    pub entry_index: i64,
}

/// The erasure as its ledger entry covers it.
#[derive(Debug, Clone)]
pub struct ErasureEntry {
    /// The patient.
    pub patient_id: String,
    /// The admin.
    pub erased_by: String,
    /// The reason given.
    pub reason: String,
    /// When.
    pub time: String,
}

impl Ledgered for ErasureEntry {
    fn kind(&self) -> EntryKind {
        EntryKind::PatientErased
    }

    fn subject_id(&self) -> String {
        self.patient_id.clone()
    }

    fn ids(&self) -> Vec<(&'static str, String)> {
        vec![("patient_id", self.patient_id.clone())]
    }

    fn actor(&self) -> String {
        self.erased_by.clone()
    }

    fn time(&self) -> String {
        self.time.clone()
    }

    fn content(&self) -> serde_json::Value {
        serde_json::json!({ "patient_id": self.patient_id, "erased_by": self.erased_by, "reason": self.reason, "time": self.time })
    }
}

/// The patient an admin may erase (the actor holds `patients.erase`): another role's account
/// is refused as an unknown id (404 `patient_not_found`), an erased one answers 410 `erased`.
pub async fn target(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<crate::accounts::User, Error> {
    actor.require(Permission::PatientsErase)?;
    let found = accounts_store::find_by_id(&ctx.db, patient).await?.filter(|u| u.role == Role::Patient);
    let found = found.ok_or(Error::NotFound("patient_not_found"))?;
    if found.erased {
        return Err(Error::Gone("erased"));
    }
    Ok(found)
}

/// Erases a patient (the actor holds `patients.erase`). Another role's account is refused
/// (404 `patient_not_found`, as for an unknown id); an erased one answers 410 `erased`.
#[tracing::instrument(skip_all, fields(admin_id = %actor.id(), patient_id = %patient))]
pub async fn erase(ctx: &Ctx, actor: &Actor, patient: UserId, request: EraseRequest) -> Result<Erasure, Error> {
    actor.require(Permission::PatientsErase)?;
    actor.audit().touched(Some(patient), "patient", Some(patient));
    let reason = request.reason.trim().to_string();
    let mut v = Validator::default();
    let n = reason.chars().count();
    if n < MIN_REASON {
        v.add("reason", format!("give the reason (at least {MIN_REASON} characters): the patient's request and its reference"));
    } else if n > MAX_REASON {
        v.add("reason", format!("reason must be at most {MAX_REASON} characters"));
    }
    v.finish()?;
    target(ctx, actor, patient).await?;
    let now = clock::format(ctx.clock.now());
    let entry =
        ErasureEntry { patient_id: patient.to_string(), erased_by: actor.id().to_string(), reason: reason.clone(), time: now.clone() };
    let mut tx = ctx.db.pool.begin().await?;
    // The claim first (a write, so SQLite's lock and PostgreSQL's row lock order two admins):
    // only one erasure of a patient happens.
    let claimed =
        sqlx::query("UPDATE users SET erased_at = $1, status = 'deactivated' WHERE id = $2 AND role = 'patient' AND erased_at IS NULL")
            .bind(&now)
            .bind(patient.to_string())
            .execute(&mut *tx)
            .await?;
    if claimed.rows_affected() == 0 {
        return Err(Error::Gone("erased"));
    }
    let index = crate::ledger::append(&mut tx, &entry).await?;
    sqlx::query("INSERT INTO patient_erasures (patient_id, erased_at, erased_by, reason, entry_index) VALUES ($1, $2, $3, $4, $5)")
        .bind(patient.to_string())
        .bind(&now)
        .bind(actor.id().to_string())
        .bind(&reason)
        .bind(index)
        .execute(&mut *tx)
        .await?;
    // The data key: destroyed (a patient without records gets a row saying so).
    sqlx::query(
        "INSERT INTO patient_keys (patient_id, wrapped_key, master_key_id, created_at, destroyed_at) VALUES ($1, NULL, '', $2, $2) \
         ON CONFLICT (patient_id) DO UPDATE SET wrapped_key = NULL, destroyed_at = excluded.destroyed_at",
    )
    .bind(patient.to_string())
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    // Personal data on the account: gone; the id stays for the ledger and the trail.
    let placeholder = format!("erased-{patient}@erased.invalid");
    sqlx::query(
        "UPDATE users SET email = $1, email_skeleton = $1, full_name = 'Erased patient', password_hash = '!erased', \
         totp_secret = NULL, totp_enabled = 0, totp_pending_session = NULL WHERE id = $2",
    )
    .bind(&placeholder)
    .bind(patient.to_string())
    .execute(&mut *tx)
    .await?;
    // Blind index rows link records by their words: gone with the text.
    sqlx::query("DELETE FROM record_terms WHERE record_id IN (SELECT id FROM records WHERE patient_id = $1)")
        .bind(patient.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(&now)
        .bind(patient.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(patient.to_string()).execute(&mut *tx).await?;
    sqlx::query("UPDATE share_links SET revoked_at = $1 WHERE patient_id = $2 AND revoked_at IS NULL")
        .bind(&now)
        .bind(patient.to_string())
        .execute(&mut *tx)
        .await?;
    // Nothing of theirs stays in a queue: their appointments to come are cancelled (their
    // slots freed) and their open prescriptions and lab orders leave the pharmacy's and the
    // lab's lists (whose text can no longer be opened anyway).
    sqlx::query("DELETE FROM appointment_slots WHERE appointment_id IN (SELECT id FROM appointments WHERE patient_id = $1)")
        .bind(patient.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE appointments SET status = 'cancelled', updated_at = $1 WHERE patient_id = $2 AND status IN ('booked', 'checked_in', 'with_doctor')")
        .bind(&now)
        .bind(patient.to_string())
        .execute(&mut *tx)
        .await?;
    // Who they were: the profile keeps no name, birth date, sex, contact or MRN, and a link to
    // set a password that was never used opens nothing.
    sqlx::query(
        "UPDATE patient_profiles SET name_search = '', date_of_birth = NULL, sex = NULL, contact = NULL, mrn = 'erased:' || patient_id \
         WHERE patient_id = $1",
    )
    .bind(patient.to_string())
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM password_setup_tokens WHERE user_id = $1").bind(patient.to_string()).execute(&mut *tx).await?;
    sqlx::query("UPDATE prescriptions SET status = 'cancelled' WHERE patient_id = $1 AND status = 'open'")
        .bind(patient.to_string())
        .execute(&mut *tx)
        .await?;
    let records: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE patient_id = $1").bind(patient.to_string()).fetch_one(&mut *tx).await?;
    let clear_files: Vec<String> = sqlx::query_scalar(
        "SELECT f.sha256 FROM record_files f JOIN records r ON r.id = f.record_id WHERE r.patient_id = $1 AND f.sealed = 0",
    )
    .bind(patient.to_string())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(records, "patient erased");
    // The bytes: already unreadable (the key is gone); deleted too. A failure here is logged
    // and does not undo the erasure.
    let mut files_deleted = match ctx.files.delete_patient(patient).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "an erased patient's files could not all be deleted");
            0
        }
    };
    for sha in clear_files {
        // A clear blob (an earlier release's) may be shared with another record: only when no
        // other patient's row needs it.
        let shared: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM record_files f JOIN records r ON r.id = f.record_id WHERE f.sha256 = $1 AND f.sealed = 0 AND r.patient_id <> $2 LIMIT 1",
        )
        .bind(&sha)
        .bind(patient.to_string())
        .fetch_optional(&ctx.db.pool)
        .await?;
        if shared.is_none() && ctx.files.delete(&sha).await.is_ok() {
            files_deleted += 1;
        }
    }
    // The old name and email must not linger in the database's files (SQLite: the WAL and the
    // pages it has not checkpointed; PostgreSQL: the dead row versions). Best effort: the
    // erasure stands even when a busy database refuses it now (the next checkpoint does it).
    if let Err(e) = ctx.db.scrub(&["users"]).await {
        tracing::warn!(error = %e, "could not scrub the database after an erasure");
    }
    actor.audit().detail(format!("{records} records, {files_deleted} files"));
    Ok(Erasure { patient_id: patient, erased_at: now, records, files_deleted, entry_index: index })
}

/// What erasure has put in the ledger: one entry per erasure row.
pub async fn ledgered(db: &Db) -> Result<Declaration, Error> {
    let rows =
        sqlx::query("SELECT patient_id, erased_at, erased_by, reason, entry_index FROM patient_erasures").fetch_all(&db.pool).await?;
    let mut declaration = Declaration::default();
    for r in &rows {
        let patient_id: String = r.try_get("patient_id")?;
        declaration.rows.push(Declared {
            entry: EntryRef::Index(r.try_get("entry_index")?),
            row: format!("erasure of patient {patient_id}"),
            item: Box::new(ErasureEntry {
                patient_id,
                erased_by: r.try_get("erased_by")?,
                reason: r.try_get("reason")?,
                time: r.try_get("erased_at")?,
            }),
        });
    }
    Ok(declaration)
}
