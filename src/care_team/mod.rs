//! The care team (issue 11): which doctors read a patient's whole history. A doctor joins by
//! writing a record for the patient, by being referred by a doctor on the team, or by the patient
//! adding them; the patient removes them. This module decides, in one place, who may read a
//! patient's data; every records list, search, history, file and proof asks it.

pub mod api;
pub mod emergency;
pub mod model;
pub mod pages;
pub mod store;

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::{Role, store as users};
use crate::clock;
use crate::config::ClinicianAccess;
use crate::context::Ctx;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::UserId;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef};
use crate::pagination::{Page, PageRequest};
use model::{Consent, Joined, Member, NewConsent, NewMember, TeamChange};
use store::NewMembership;

/// Longest referral reason, in characters.
pub const MAX_REASON: usize = 500;

/// Whose records an actor's lists may show: the rule of [`may_read_patient`] as a query scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Only this patient's (a patient reading their own).
    Patient(UserId),
    /// The patients whose care team this doctor is on.
    CareTeamOf(UserId),
    /// Every patient's (`--clinician-access clinic`).
    Everyone,
    /// Nobody's.
    Nothing,
}

/// The one rule for reading a patient's data (records of every author, files, versions,
/// proofs, history, search results): the patient themself; a doctor on the patient's care
/// team, or with `--clinician-access clinic` every active doctor. Nobody else, whatever their
/// role (admins read no clinical content).
pub async fn may_read_patient(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<bool, Error> {
    Ok(match scope(ctx, actor) {
        Scope::Patient(p) => p == patient,
        Scope::CareTeamOf(doctor) => store::is_member(&ctx.db.pool, patient, doctor, &clock::format(ctx.clock.now())).await?,
        Scope::Everyone => true,
        Scope::Nothing => false,
    })
}

/// [`may_read_patient`] for many patients at once (a search's page): those the caller may read.
pub async fn readable_among(ctx: &Ctx, actor: &Actor, patients: &[String]) -> Result<std::collections::HashSet<String>, Error> {
    Ok(match scope(ctx, actor) {
        Scope::Patient(p) => patients.iter().filter(|id| **id == p.to_string()).cloned().collect(),
        Scope::CareTeamOf(doctor) => store::members_among(&ctx.db, doctor, patients, &clock::format(ctx.clock.now())).await?,
        Scope::Everyone => patients.iter().cloned().collect(),
        Scope::Nothing => Default::default(),
    })
}

/// The same rule for lists and searches.
pub fn scope(ctx: &Ctx, actor: &Actor) -> Scope {
    if !actor.holds(Permission::RecordsRead) {
        return Scope::Nothing;
    }
    match (actor.role(), ctx.settings.clinician_access) {
        (Role::Patient, _) => Scope::Patient(actor.id()),
        (Role::Doctor, ClinicianAccess::CareTeam) => Scope::CareTeamOf(actor.id()),
        (Role::Doctor, ClinicianAccess::Clinic) => Scope::Everyone,
        _ => Scope::Nothing,
    }
}

/// Puts the author of a new record on the patient's team (if not on it), in the record's
/// transaction, after its ledger entry (the record's entry covers it). A doctor the patient
/// took off the team is not put back: with the care-team rule the write is refused (403); with
/// `--clinician-access clinic` it goes ahead without a membership.
pub async fn join_by_record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    access: ClinicianAccess,
    patient: UserId,
    doctor: UserId,
    at: &str,
) -> Result<(), Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let m = NewMembership {
        id: &id,
        patient_id: patient,
        doctor_id: doctor,
        added_by: doctor,
        how: Joined::Record,
        reason: "",
        sealed: false,
        added_at: at,
        entry_index: None,
        expires_at: None,
    };
    if store::join(tx, &m, true).await? || store::is_member(&mut **tx, patient, doctor, at).await? {
        return Ok(());
    }
    match access {
        ClinicianAccess::CareTeam => Err(Error::Forbidden("the patient took you off their care team")),
        ClinicianAccess::Clinic => Ok(()),
    }
}

/// Who may see `patient`'s care team: the patient, the doctors who may read the patient, and
/// those who manage users (admins). Anyone else, or an id that is not a patient's, is 404.
async fn visible_patient(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<(), Error> {
    let is_patient = users::find_by_id(&ctx.db, patient).await?.is_some_and(|u| u.role == Role::Patient);
    if is_patient && (actor.holds(Permission::UsersManage) || may_read_patient(ctx, actor, patient).await?) {
        Ok(())
    } else {
        Err(Error::NotFound("patient_not_found"))
    }
}

/// A patient's care team and who added whom, longest-standing first.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), patient_id = %patient))]
pub async fn list(ctx: &Ctx, actor: &Actor, patient: UserId, page: &PageRequest) -> Result<Page<Member>, Error> {
    actor.require(Permission::CareTeamRead)?;
    visible_patient(ctx, actor, patient).await?;
    if users::is_erased(&ctx.db, patient).await? {
        return Err(Error::Gone("erased"));
    }
    let mut rows =
        store::live(&ctx.db, &ctx.vault, patient, &clock::format(ctx.clock.now()), page.after.clone(), page.fetch_limit()).await?;
    // A referral's reason is clinical text: those who see the team without reading the
    // patient (admins) see who added whom, not why.
    if !may_read_patient(ctx, actor, patient).await? {
        for m in &mut rows {
            m.reason.clear();
        }
    }
    Ok(page.finish(rows, |m| (m.added_at.clone(), m.id.clone())))
}

/// Adds a doctor to a patient's team: the patient adds whom they choose; a doctor who may read
/// the patient refers them to another, with a reason. Answers the membership and whether it is
/// new (a doctor already on the team stays as they are).
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), patient_id = %patient))]
pub async fn add(ctx: &Ctx, actor: &Actor, patient: UserId, body: NewMember) -> Result<(Member, bool), Error> {
    actor.require(Permission::CareTeamManage)?;
    visible_patient(ctx, actor, patient).await?;
    // Nobody joins the team of an erased patient: there is nothing left to read.
    if crate::accounts::store::is_erased(&ctx.db, patient).await? {
        return Err(Error::Gone("erased"));
    }
    // Past `visible_patient`, an actor who holds `care_team.manage` is the patient or a doctor
    // who may read the patient.
    let how = if actor.id() == patient { Joined::Patient } else { Joined::Referral };
    let mut v = Validator::default();
    let reason = body.reason.trim().to_string();
    if how == Joined::Referral && reason.is_empty() {
        v.add("reason", "a referral needs a reason");
    } else if reason.chars().count() > MAX_REASON {
        v.add("reason", format!("reason must be at most {MAX_REASON} characters"));
    }
    let doctor = body.doctor_id.trim().parse::<UserId>().map_err(|_| v.add("doctor_id", "doctor_id is not a valid id")).ok();
    v.finish()?;
    let doctor = doctor.ok_or(Error::Validation(vec![]))?;
    // Only a doctor on the team refers (with `--clinician-access clinic` too, where reading
    // does not need the team).
    if how == Joined::Referral {
        match store::live_member(&ctx.db, &ctx.vault, patient, actor.id(), &clock::format(ctx.clock.now())).await? {
            None => return Err(Error::Forbidden("only a doctor on the patient's care team refers them")),
            // An hour's emergency access is the doctor's alone: it opens nothing to others.
            Some(m) if m.how == Joined::Emergency.as_str() => {
                return Err(Error::Forbidden("emergency access does not let a doctor refer the patient to others"));
            }
            Some(_) => {}
        }
    }
    join_explicitly(ctx, actor, patient, doctor, how, &reason, None).await
}

/// Puts `doctor` on `patient`'s team by an explicit act (a referral, or the patient's consent),
/// with its ledger entry, unless they are on it already.
pub(crate) async fn join_explicitly(
    ctx: &Ctx,
    actor: &Actor,
    patient: UserId,
    doctor: UserId,
    how: Joined,
    reason: &str,
    expires_at: Option<&str>,
) -> Result<(Member, bool), Error> {
    if !users::find_by_id(&ctx.db, doctor).await?.is_some_and(|u| u.is_active(Role::Doctor)) {
        return Err(Error::NotFound("doctor_not_found"));
    }
    let now = clock::format(ctx.clock.now());
    if let Some(existing) = store::live_member(&ctx.db, &ctx.vault, patient, doctor, &now).await? {
        if how == Joined::Patient {
            // A consent must be the patient's own, revocable, with the end they chose.
            return Err(Error::Conflict(
                "already_on_care_team",
                "This doctor is on your care team already; to limit their access, remove them and grant a consent with an end date.",
            ));
        }
        return Ok((existing, false));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let change = TeamChange {
        kind: EntryKind::CareTeamAdded,
        membership_id: id.clone(),
        patient_id: patient.to_string(),
        doctor_id: doctor.to_string(),
        by: actor.id().to_string(),
        how: how.as_str().to_string(),
        reason: reason.to_string(),
        expires_at: expires_at.unwrap_or_default().to_string(),
        time: now.clone(),
        erased: false,
    };
    // A reason is clinical text: sealed under the patient's data key (fetched before the
    // transaction, as a record's write does).
    let stored_reason = if reason.is_empty() {
        None
    } else {
        let key = ctx.vault.key_for(&mut *ctx.db.pool.acquire().await?, patient, &now).await?;
        Some(key.seal(reason, &store::reason_place(&id))?)
    };
    let mut tx = ctx.db.pool.begin().await?;
    let index = crate::ledger::append(&mut tx, &change).await?;
    // After the ledger's row lock: a referrer the patient removed meanwhile refers no one.
    if how == Joined::Referral && !store::is_member(&mut *tx, patient, actor.id(), &now).await? {
        return Err(Error::Forbidden("only a doctor on the patient's care team refers them"));
    }
    let m = NewMembership {
        id: &id,
        patient_id: patient,
        doctor_id: doctor,
        added_by: actor.id(),
        how,
        reason: stored_reason.as_deref().unwrap_or(""),
        sealed: stored_reason.is_some(),
        added_at: &now,
        entry_index: Some(index),
        expires_at,
    };
    // A referral or an appointment does not undo the patient's removal; the patient's own
    // addition does, and an emergency opening passes it (for its hour, audited and reported).
    if !store::join(&mut tx, &m, matches!(how, Joined::Referral | Joined::Appointment)).await? {
        // Added by someone else meanwhile (this entry is not needed), or refused.
        drop(tx);
        return match store::live_member(&ctx.db, &ctx.vault, patient, doctor, &now).await? {
            Some(_) if how == Joined::Patient => Err(Error::Conflict(
                "already_on_care_team",
                "This doctor is on your care team already; to limit their access, remove them and grant a consent with an end date.",
            )),
            Some(existing) => Ok((existing, false)),
            None if how == Joined::Patient => Err(Error::Conflict("care_team_changed", "The care team changed meanwhile; try again.")),
            None => Err(Error::Conflict(
                "removed_by_patient",
                "The patient took this doctor off their care team; only the patient can add them back.",
            )),
        };
    }
    tx.commit().await?;
    tracing::info!(doctor_id = %doctor, how = how.as_str(), "care team: doctor added");
    let member = store::live_member(&ctx.db, &ctx.vault, patient, doctor, &now).await?.ok_or(Error::NotFound("not_on_care_team"))?;
    Ok((member, true))
}

/// Takes a doctor off a patient's team: only the patient may. A doctor not on it is 404
/// `not_on_care_team`; someone who sees the team but is not the patient, 403.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), patient_id = %patient, doctor_id = %doctor))]
pub async fn remove(ctx: &Ctx, actor: &Actor, patient: UserId, doctor: UserId) -> Result<(), Error> {
    actor.require(Permission::CareTeamManage)?;
    visible_patient(ctx, actor, patient).await?;
    let now = clock::format(ctx.clock.now());
    let member = store::live_member(&ctx.db, &ctx.vault, patient, doctor, &now).await?.ok_or(Error::NotFound("not_on_care_team"))?;
    if actor.id() != patient {
        return Err(Error::Forbidden("only the patient removes a doctor from their care team"));
    }
    let change = TeamChange {
        kind: EntryKind::CareTeamRemoved,
        membership_id: member.id.clone(),
        patient_id: patient.to_string(),
        doctor_id: doctor.to_string(),
        by: actor.id().to_string(),
        how: String::new(),
        reason: String::new(),
        expires_at: String::new(),
        time: now.clone(),
        erased: false,
    };
    let mut tx = ctx.db.pool.begin().await?;
    let index = crate::ledger::append(&mut tx, &change).await?;
    if !store::leave(&mut tx, &member.id, actor.id(), &now, index).await? {
        return Err(Error::NotFound("not_on_care_team"));
    }
    tx.commit().await?;
    tracing::info!("care team: doctor removed by the patient");
    Ok(())
}

/// The doctors the actor's form may offer for `patient`'s team, by name: active doctors not on
/// it; for a referral, not those the patient took off it either (only the patient adds them back).
pub async fn candidates(ctx: &Ctx, actor: &Actor, patient: UserId, members: &[Member]) -> Result<Vec<(String, String)>, Error> {
    let removed = if actor.id() == patient { Vec::new() } else { store::removed_doctors(&ctx.db, patient).await? };
    Ok(store::active_doctors(&ctx.db)
        .await?
        .into_iter()
        .filter(|(id, _)| !members.iter().any(|m| &m.doctor_id == id) && !removed.contains(id))
        .collect())
}

/// What care-team changes have put in the ledger (additions and removals, by entry), and the
/// memberships nothing vouches for: one made by writing a record must match that record, and
/// any other change must have its entry (so a membership forged in SQL is named).
pub async fn ledgered(db: &Db, vault: &crate::vault::Vault) -> Result<Declaration, Error> {
    let rows = store::ledgered_changes(db, vault)
        .await?
        .into_iter()
        .map(|(index, c)| Declared {
            entry: EntryRef::Index(index),
            row: format!("care team membership {} ({})", c.membership_id, c.kind.as_str()),
            item: Box::new(c),
        })
        .collect();
    Ok(Declaration { rows, problems: store::unledgered_problems(db).await? })
}

/// The id in a path, or 404 with `code`.
pub fn parse_id(s: &str, code: &'static str) -> Result<UserId, Error> {
    s.parse().map_err(|_| Error::NotFound(code))
}

/// Parses a consent's end: an RFC 3339 time, or a date (the consent ends as that day begins,
/// UTC). It must lie ahead of `now`.
fn parse_expiry(s: &str, now: chrono::DateTime<chrono::Utc>) -> Result<String, &'static str> {
    use chrono::Datelike;
    // A date covers the whole day: the consent ends as the next day begins (UTC).
    let at = match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(day) => day.succ_opt().and_then(|next| next.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
        Err(_) => clock::parse(s),
    }
    .ok_or("expires_at must be a date (YYYY-MM-DD) or an RFC 3339 time")?;
    // Stored times sort as text only with four-digit years.
    if at.year() > 9999 {
        return Err("expires_at must be before the year 10000");
    }
    if at <= now {
        return Err("expires_at must be in the future");
    }
    Ok(clock::format(at))
}

/// A patient grants a doctor read access to their history (the doctor joins their care team),
/// until revoked or until `expires_at`.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn grant(ctx: &Ctx, actor: &Actor, body: NewConsent) -> Result<(Consent, bool), Error> {
    actor.require(Permission::ConsentManage)?;
    let mut v = Validator::default();
    let doctor = body.grantee_id.trim().parse::<UserId>().map_err(|_| v.add("grantee_id", "grantee_id is not a valid id")).ok();
    let expires = match body.expires_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => parse_expiry(s, ctx.clock.now()).map_err(|m| v.add("expires_at", m)).ok(),
        None => None,
    };
    v.finish()?;
    let doctor = doctor.ok_or(Error::Validation(vec![]))?;
    let (member, added) = join_explicitly(ctx, actor, actor.id(), doctor, Joined::Patient, "", expires.as_deref()).await?;
    let status = "active".to_string();
    let consent = Consent {
        id: member.id,
        grantee_id: member.doctor_id,
        grantee_name: member.doctor_name,
        granted_at: member.added_at,
        expires_at: member.expires_at,
        revoked_at: None,
        status,
    };
    Ok((consent, added))
}

/// A patient's consents, newest first, with whether each is active, expired or revoked.
pub async fn consents(ctx: &Ctx, actor: &Actor, page: &PageRequest) -> Result<Page<Consent>, Error> {
    actor.require(Permission::ConsentManage)?;
    let now = clock::format(ctx.clock.now());
    let rows: Vec<Consent> = store::consents(&ctx.db, actor.id(), page.after.clone(), page.fetch_limit())
        .await?
        .into_iter()
        .map(|c| {
            let status = if c.revoked {
                "revoked"
            } else if c.removed_at.is_some() || c.expires_at.as_deref().is_some_and(|e| e <= now.as_str()) {
                "expired"
            } else {
                "active"
            };
            Consent {
                id: c.id,
                grantee_id: c.doctor_id,
                grantee_name: c.doctor_name,
                granted_at: c.granted_at,
                expires_at: c.expires_at,
                revoked_at: if c.revoked { c.removed_at } else { None },
                status: status.into(),
            }
        })
        .collect();
    Ok(page.finish(rows, |c| (c.granted_at.clone(), c.id.clone())))
}

/// Revokes one of the patient's consents: the doctor leaves their care team. Someone else's
/// consent, or one that does not exist, is 404 `consent_not_found`; one already ended, 409.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn revoke(ctx: &Ctx, actor: &Actor, id: &str) -> Result<(), Error> {
    actor.require(Permission::ConsentManage)?;
    let (patient, doctor) = match store::consent_parties(&ctx.db, id).await? {
        Some((p, d)) if p == actor.id().to_string() => (actor.id(), d),
        _ => return Err(Error::NotFound("consent_not_found")),
    };
    let doctor: UserId = doctor.parse().map_err(|_| Error::NotFound("consent_not_found"))?;
    let now = clock::format(ctx.clock.now());
    let ended = || Error::Conflict("consent_ended", "This consent has already ended.");
    match store::live_member(&ctx.db, &ctx.vault, patient, doctor, &now).await? {
        // Two revocations racing: the second finds it ended.
        Some(m) if m.id == id => match remove(ctx, actor, patient, doctor).await {
            Err(Error::NotFound("not_on_care_team")) => Err(ended()),
            other => other,
        },
        _ => Err(ended()),
    }
}
