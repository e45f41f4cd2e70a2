//! Emergency access ("break-glass", HIPAA 45 CFR 164.312(a)(2)(ii)): a doctor opens a patient's
//! history for an hour with a written reason. It is a care-team membership the doctor makes
//! (how = `emergency`, ending an hour on), so every access check follows it with no second
//! rule; the patient sees it at the top of their dashboard and in their access log, and admins
//! get a report of every use with what was read during it.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::{Role, store as users};
use crate::care_team::model::Joined;
use crate::care_team::store;
use crate::care_team::{MAX_REASON, join_explicitly, may_read_patient};
use crate::clock;
use crate::context::Ctx;
use crate::db::{Bind, Filters};
use crate::error::{Error, Validator};
use crate::ids::{Email, UserId};
use crate::pagination::{Page, PageRequest};

/// Shortest reason, in characters: enough to say what the emergency is.
pub const MIN_REASON: usize = 20;
/// How long an opening lasts.
pub const MINUTES: i64 = 60;
/// How far back a patient's dashboard shows openings.
pub const SHOWN_DAYS: i64 = 30;

/// Body of `POST /api/v1/patients/{id}/emergency-access`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewEmergency {
    /// Why, at least 20 characters (what the emergency is; read by the patient and admins).
    pub reason: String,
}

/// One emergency opening.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmergencyAccess {
    /// The membership's id.
    pub id: String,
    /// The patient.
    pub patient_id: String,
    /// Their name.
    pub patient_name: String,
    /// The doctor who opened it.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// Why.
    pub reason: String,
    /// When it opened (RFC 3339).
    pub opened_at: String,
    /// When it ends (or ended): an hour on, or earlier if the patient removed the doctor.
    pub ends_at: String,
    /// Whether it is still open.
    pub active: bool,
    /// Audited accesses the doctor made to the patient's data while it was open (admins'
    /// report only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accesses: Option<i64>,
}

impl EmergencyAccess {}

/// Opens `patient`'s history to the acting doctor for an hour. The reason is checked first
/// (422 naming `reason`); an unknown patient is 404 `patient_not_found`; a doctor who already
/// reads the patient gets 409 `already_has_access` (nothing to open).
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), patient_id = %patient))]
pub async fn open(ctx: &Ctx, actor: &Actor, patient: UserId, body: &NewEmergency) -> Result<EmergencyAccess, Error> {
    actor.require(Permission::EmergencyAccess)?;
    let reason = body.reason.trim();
    let mut v = Validator::default();
    let n = visible_chars(reason);
    if reason.chars().any(is_bidi_control) {
        v.add("reason", "reason must not hold text-direction controls");
    } else if n < MIN_REASON {
        v.add("reason", format!("say what the emergency is, in at least {MIN_REASON} characters"));
    } else if n > MAX_REASON {
        v.add("reason", format!("reason must be at most {MAX_REASON} characters"));
    }
    v.finish()?;
    let found =
        users::find_by_id(&ctx.db, patient).await?.filter(|u| u.is_active(Role::Patient)).ok_or(Error::NotFound("patient_not_found"))?;
    // Whose history, in the audit trail (the page's route names no patient in its path).
    actor.audit().touched(Some(found.id), "patient", Some(found.id));
    if may_read_patient(ctx, actor, found.id).await? {
        return Err(Error::Conflict("already_has_access", "You already read this patient's history; no emergency access is needed."));
    }
    let now = ctx.clock.now();
    let ends = clock::format(now + chrono::Duration::minutes(MINUTES));
    let (member, added) = join_explicitly(ctx, actor, found.id, actor.id(), Joined::Emergency, reason, Some(&ends)).await?;
    if !added {
        return Err(Error::Conflict("already_has_access", "You already read this patient's history; no emergency access is needed."));
    }
    tracing::warn!(doctor_id = %actor.id(), patient_id = %found.id, "emergency access opened");
    Ok(EmergencyAccess {
        id: member.id,
        patient_id: found.id.to_string(),
        patient_name: found.full_name,
        doctor_id: actor.id().to_string(),
        doctor_name: actor.user().full_name.clone(),
        reason: reason.to_string(),
        opened_at: member.added_at,
        ends_at: ends,
        active: true,
        accesses: None,
    })
}

/// Characters a reader sees: not controls, formatting (zero-width, byte-order marks), spaces or
/// combining marks, so a reason cannot be twenty invisible characters.
fn visible_chars(s: &str) -> usize {
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    s.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c.general_category_group(),
                    GeneralCategoryGroup::Other | GeneralCategoryGroup::Mark | GeneralCategoryGroup::Separator
                )
        })
        .count()
}

/// Unicode's explicit direction controls (UAX #9), which can make a reason read other than it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The page's form names the patient by email or id: the patient's id, or 404
/// `patient_not_found`.
pub async fn find_patient(ctx: &Ctx, patient: &str) -> Result<UserId, Error> {
    let patient = patient.trim();
    let found = match patient.parse::<UserId>() {
        Ok(id) => users::find_by_id(&ctx.db, id).await?,
        Err(_) => match Email::lookup(patient) {
            Some(email) => users::find_by_email(&ctx.db, &email).await?,
            None => None,
        },
    };
    found.filter(|u| u.is_active(Role::Patient)).map(|u| u.id).ok_or(Error::NotFound("patient_not_found"))
}

const SELECT: &str = "SELECT c.id, c.patient_id, p.full_name AS patient_name, c.doctor_id, d.full_name AS doctor_name, c.reason, \
     c.sealed, c.added_at, c.expires_at, c.removed_at FROM care_team c JOIN users p ON p.id = c.patient_id JOIN users d ON d.id = c.doctor_id";

fn from_row(r: &sqlx::any::AnyRow, now: &str, with_count: bool) -> Result<EmergencyAccess, Error> {
    let expires: Option<String> = r.try_get("expires_at")?;
    let removed: Option<String> = r.try_get("removed_at")?;
    let expires = expires.unwrap_or_default();
    let ends_at = match removed {
        Some(removed) if removed < expires => removed,
        _ => expires,
    };
    Ok(EmergencyAccess {
        id: r.try_get("id")?,
        patient_id: r.try_get("patient_id")?,
        patient_name: r.try_get("patient_name")?,
        doctor_id: r.try_get("doctor_id")?,
        doctor_name: r.try_get("doctor_name")?,
        reason: r.try_get("reason")?,
        opened_at: r.try_get("added_at")?,
        active: ends_at.as_str() > now,
        ends_at,
        accesses: if with_count { Some(r.try_get("accesses")?) } else { None },
    })
}

/// The emergency openings of a patient's records in the last [`SHOWN_DAYS`] days, newest first
/// (their dashboard shows them at the top).
pub async fn recent_for_patient(ctx: &Ctx, actor: &Actor) -> Result<Vec<EmergencyAccess>, Error> {
    if actor.role() != Role::Patient {
        return Ok(Vec::new());
    }
    let now = ctx.clock.now();
    let since = clock::format(now - chrono::Duration::days(SHOWN_DAYS));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.patient_id = $1 AND c.how = 'emergency' AND c.added_at >= $2 ORDER BY c.added_at DESC LIMIT 20"
    )))
    .bind(actor.id().to_string())
    .bind(since)
    .fetch_all(&ctx.db.pool)
    .await?;
    let now = clock::format(now);
    open_rows(ctx, &rows, &now, false).await
}

/// Rows as openings, their reasons opened with their patients' keys.
async fn open_rows(ctx: &Ctx, rows: &[sqlx::any::AnyRow], now: &str, with_count: bool) -> Result<Vec<EmergencyAccess>, Error> {
    let mut keys = store::ReasonKeys::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut e = from_row(r, now, with_count)?;
        e.reason = keys.open(&ctx.db, &ctx.vault, &e.patient_id, &e.id, std::mem::take(&mut e.reason), r.try_get("sealed")?).await?;
        out.push(e);
    }
    Ok(out)
}

/// Every emergency opening, newest first, with how many accesses the doctor made to the
/// patient's data while it was open (admins).
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn report(ctx: &Ctx, actor: &Actor, page: &PageRequest) -> Result<Page<EmergencyAccess>, Error> {
    actor.require(Permission::AuditRead)?;
    let rows = report_rows(ctx, page.after.clone(), page.fetch_limit(), &clock::format(ctx.clock.now())).await?;
    Ok(page.finish(rows, |e| (e.opened_at.clone(), e.id.clone())))
}

async fn report_rows(ctx: &Ctx, before: Option<(String, String)>, limit: i64, now: &str) -> Result<Vec<EmergencyAccess>, Error> {
    let mut f = Filters::default();
    f.and("c.how = 'emergency'", []);
    if let Some((at, id)) = before {
        f.and("(c.added_at, c.id) < (?, ?)", [Bind::Text(at), Bind::Text(id)]);
    }
    let limit = f.placeholder(Bind::Int(limit));
    // Served by care_team_how, and per opening by audit_log_actor.
    let sql = format!(
        "SELECT c.id, c.patient_id, p.full_name AS patient_name, c.doctor_id, d.full_name AS doctor_name, c.reason, c.sealed, c.added_at, \
         c.expires_at, c.removed_at, (SELECT COUNT(*) FROM audit_log l WHERE l.actor_id = c.doctor_id AND l.patient_id = c.patient_id \
         AND l.at >= c.added_at AND l.at < COALESCE(c.removed_at, c.expires_at)) AS accesses \
         FROM care_team c JOIN users p ON p.id = c.patient_id JOIN users d ON d.id = c.doctor_id{} \
         ORDER BY c.added_at DESC, c.id DESC LIMIT {limit}",
        f.where_clause()
    );
    let rows = f.query(sql).fetch_all(&ctx.db.pool).await?;
    open_rows(ctx, &rows, now, true).await
}
