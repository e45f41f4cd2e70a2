//! Share links (issue 11, item 5): a patient makes a link to chosen records or to their whole
//! history, for up to seven days; whoever holds the link reads those records without signing
//! in until it expires or the patient revokes it. The token in the link is its only secret: 32
//! random bytes, shown once, stored only as its SHA-256. Every view, refused ones included, is
//! noted for the audit trail under the link's patient.

use std::collections::BTreeSet;

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::{Role, store as users, tokens};
use crate::audit::note::AuditNote;
use crate::clock;
use crate::context::Ctx;
use crate::error::{Error, Validator};
use crate::ids::{RecordId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::records::files;
use crate::records::model::Record;
use crate::records::store as records;
use crate::shares::model::{CreatedShare, NewShare, ShareLink, ShareScope, SharedRecord, SharedView, StoredShare};
use crate::shares::store::{self, NewShareRow};

/// Longest a link may work, in minutes (seven days).
pub const MAX_MINUTES: i64 = 7 * 24 * 60;
/// How long a link works when the patient does not say, in minutes (a day).
pub const DEFAULT_MINUTES: i64 = 24 * 60;
/// Most records one link may name (a longer list is better shared as the whole history).
pub const MAX_RECORDS: usize = 500;
/// Most records a link's page shows, newest first.
pub const PAGE_RECORDS: usize = 500;

/// The path of a link's page, from its token.
pub fn share_path(token: &str) -> String {
    format!("/share/{token}")
}

/// The SVG QR code of `text`.
pub fn qr_svg(text: &str) -> Result<String, Error> {
    Ok(qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| Error::Internal(anyhow::anyhow!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// What a valid request asks for.
struct Valid {
    scope: ShareScope,
    record_ids: Vec<String>,
    minutes: i64,
}

/// Checks a request: exactly one of `record_ids` and `all: true`; a list of the patient's own
/// records (an unknown id and another patient's get the same answer); an expiry in range.
async fn validate(ctx: &Ctx, patient: UserId, body: &NewShare) -> Result<Valid, Error> {
    let mut v = Validator::default();
    let all = body.all == Some(true);
    let scope = match (&body.record_ids, all) {
        (Some(_), true) => {
            v.add("record_ids", "give either record_ids or all: true, not both");
            ShareScope::All
        }
        (None, false) => {
            v.add("record_ids", "give record_ids (a list of your records) or all: true");
            ShareScope::Records
        }
        (None, true) => ShareScope::All,
        (Some(_), false) => ShareScope::Records,
    };
    let minutes = body.expires_in_minutes.unwrap_or(DEFAULT_MINUTES);
    if !(1..=MAX_MINUTES).contains(&minutes) {
        v.add("expires_in_minutes", format!("expires_in_minutes must be from 1 to {MAX_MINUTES} (seven days)"));
    }
    let mut record_ids = Vec::new();
    if let (Some(ids), false) = (&body.record_ids, all) {
        // Each id as careledger writes ids; repeats once.
        let mut seen = BTreeSet::new();
        let mut bad = Vec::new();
        for (i, raw) in ids.iter().enumerate() {
            match raw.trim().parse::<RecordId>() {
                Ok(id) if seen.insert(id.to_string()) => record_ids.push(id.to_string()),
                Ok(_) => {}
                Err(_) => bad.push(i),
            }
        }
        if ids.is_empty() {
            v.add("record_ids", "choose at least one record (or share the whole history with all: true)");
        } else if record_ids.len() > MAX_RECORDS {
            v.add("record_ids", format!("a link names at most {MAX_RECORDS} records; share the whole history instead"));
        } else {
            let own: BTreeSet<String> = store::own_records(&ctx.db, patient, &record_ids).await?.into_iter().collect();
            for (i, raw) in ids.iter().enumerate() {
                let known = raw.trim().parse::<RecordId>().is_ok_and(|id| own.contains(&id.to_string()));
                if !known && !bad.contains(&i) {
                    bad.push(i);
                }
            }
            bad.sort_unstable();
            if !bad.is_empty() {
                let which: Vec<String> = bad.iter().map(|i| format!("record_ids[{i}]")).collect();
                v.add("record_ids", format!("not one of your records: {}", which.join(", ")));
            }
        }
    }
    v.finish()?;
    Ok(Valid { scope, record_ids, minutes })
}

/// Makes a link for the signed-in patient; `site` is the absolute origin the link's URL starts
/// with (`https://records.clinic.example`). The answer holds the URL with the token, once.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn create(ctx: &Ctx, actor: &Actor, body: &NewShare, site: &str) -> Result<CreatedShare, Error> {
    actor.require(Permission::SharesManage)?;
    let patient = actor.id();
    let valid = validate(ctx, patient, body).await?;
    let token = tokens::random_token();
    let id = uuid::Uuid::now_v7().to_string();
    let now = ctx.clock.now();
    let expires_at = clock::format(now + chrono::Duration::minutes(valid.minutes));
    let row = NewShareRow {
        id: &id,
        patient_id: patient,
        token_sha256: &tokens::token_hash(&token),
        scope: valid.scope.as_str(),
        created_at: &clock::format(now),
        expires_at: &expires_at,
    };
    store::insert(&ctx.db, &row, &valid.record_ids).await?;
    actor.audit().touched(Some(patient), "share", Some(&id));
    let what = match valid.scope {
        ShareScope::All => "whole history".to_string(),
        ShareScope::Records => format!("{} records", valid.record_ids.len()),
    };
    actor.audit().detail(format!("{what}, {} minutes", valid.minutes));
    tracing::info!(share_id = %id, scope = valid.scope.as_str(), minutes = valid.minutes, "share link made");
    let url = format!("{}{}", site.trim_end_matches('/'), share_path(&token));
    Ok(CreatedShare { id, qr_svg: qr_svg(&url)?, url, expires_at, scope: valid.scope.as_str().into(), record_ids: valid.record_ids })
}

/// `active`, `expired` or `revoked`, at `now`.
fn status(s: &StoredShare, now: &str) -> &'static str {
    if s.revoked_at.is_some() {
        "revoked"
    } else if s.expires_at.as_str() <= now {
        "expired"
    } else {
        "active"
    }
}

/// The signed-in patient's links, newest first, with their status and views (never a token).
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn list(ctx: &Ctx, actor: &Actor, page: &PageRequest) -> Result<Page<ShareLink>, Error> {
    actor.require(Permission::SharesManage)?;
    let rows = store::of_patient(&ctx.db, actor.id(), page.after.clone(), page.fetch_limit()).await?;
    let page = page.finish(rows, |s| (s.created_at.clone(), s.id.clone()));
    let ids: Vec<String> = page.items.iter().map(|s| s.id.clone()).collect();
    let named = store::records_of(&ctx.db, &ids).await?;
    let now = clock::format(ctx.clock.now());
    let items = page
        .items
        .into_iter()
        .map(|s| ShareLink {
            record_ids: named.iter().filter(|(share, _)| *share == s.id).map(|(_, r)| r.clone()).collect(),
            status: status(&s, &now).into(),
            id: s.id,
            scope: s.scope,
            created_at: s.created_at,
            expires_at: s.expires_at,
            revoked_at: s.revoked_at,
            views: s.views,
            last_viewed_at: s.last_viewed_at,
        })
        .collect();
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// The signed-in patient's records a new link may name, newest first (the newest
/// [`MAX_RECORDS`]), for the form's checkboxes.
pub async fn choosable(ctx: &Ctx, actor: &Actor) -> Result<Vec<Record>, Error> {
    actor.require(Permission::SharesManage)?;
    let q = records::ListQuery { patient_id: Some(actor.id()), limit: MAX_RECORDS as i64, ..records::ListQuery::default() };
    records::list(&ctx.db, &ctx.vault, &q).await
}

/// Revokes one of the signed-in patient's links: it opens nothing from the next request on, at
/// every copy. Revoking a revoked link changes nothing and succeeds; another patient's link, or
/// none, is 404 `share_not_found`.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn revoke(ctx: &Ctx, actor: &Actor, id: &str) -> Result<(), Error> {
    actor.require(Permission::SharesManage)?;
    let found = match id.parse::<uuid::Uuid>() {
        Ok(_) => store::by_id(&ctx.db, id).await?,
        Err(_) => None,
    };
    let Some(share) = found.as_ref().filter(|s| s.patient_id == actor.id().to_string()) else {
        // The attempt on someone else's link goes in the trail under the link's patient.
        actor.audit().touched(found.map(|s| s.patient_id), "share", Some(id));
        return Err(Error::NotFound("share_not_found"));
    };
    actor.audit().touched(Some(actor.id()), "share", Some(&share.id));
    if store::revoke(&ctx.db, &share.id, &clock::format(ctx.clock.now())).await? {
        tracing::info!(share_id = %share.id, "share link revoked");
    } else {
        actor.audit().detail("revoked already");
    }
    Ok(())
}

/// The records a link shows, newest first, read now: for `all` the whole history as it stands
/// (at most [`PAGE_RECORDS`]), for `records` those named that are still the patient's.
async fn shared_records(ctx: &Ctx, share: &StoredShare, patient: UserId, scope: ShareScope) -> Result<(Vec<Record>, bool), Error> {
    let mut found = match scope {
        ShareScope::All => {
            let q = records::ListQuery { patient_id: Some(patient), limit: PAGE_RECORDS as i64 + 1, ..records::ListQuery::default() };
            records::list(&ctx.db, &ctx.vault, &q).await?
        }
        ShareScope::Records => {
            let mut out = Vec::new();
            for (_, id) in store::records_of(&ctx.db, std::slice::from_ref(&share.id)).await? {
                let Ok(id) = id.parse::<RecordId>() else { continue };
                if let Some(r) = records::get(&ctx.db, &ctx.vault, id).await?.filter(|r| r.patient_id == patient) {
                    out.push(r);
                }
            }
            out.sort_by(|a, b| (&b.created_at, b.id).cmp(&(&a.created_at, a.id)));
            out
        }
    };
    let truncated = found.len() > PAGE_RECORDS;
    found.truncate(PAGE_RECORDS);
    Ok((found, truncated))
}

/// What the link with this token shows now, for anyone who holds it. An unknown token, an
/// expired or revoked link, and a link of a patient who is no longer active all answer 404
/// `share_not_found` alike; the audit note says which (`detail`), under the link's patient
/// when there is one.
#[tracing::instrument(skip_all)]
pub async fn view(ctx: &Ctx, note: &AuditNote, token: &str) -> Result<SharedView, Error> {
    let refused = |why: &'static str| {
        note.outcome(if why == "no link has this token" { "not_found" } else { "denied" });
        note.detail(why);
        Err(Error::NotFound("share_not_found"))
    };
    let Some(share) = store::by_token_hash(&ctx.db, &tokens::token_hash(token)).await? else {
        note.touched(None::<String>, "share", None::<String>);
        return refused("no link has this token");
    };
    note.touched(Some(&share.patient_id), "share", Some(&share.id));
    let now = clock::format(ctx.clock.now());
    match status(&share, &now) {
        "revoked" => return refused("link revoked"),
        "expired" => return refused("link expired"),
        _ => {}
    }
    let (Ok(patient), Some(scope)) = (share.patient_id.parse::<UserId>(), ShareScope::parse(&share.scope)) else {
        return Err(Error::Internal(anyhow::anyhow!("share link {} has a bad patient or scope", share.id)));
    };
    let Some(user) = users::find_by_id(&ctx.db, patient).await?.filter(|u| u.is_active(Role::Patient)) else {
        return refused("the patient's account is not active");
    };
    let (found, truncated) = shared_records(ctx, &share, patient, scope).await?;
    let mut shown = Vec::with_capacity(found.len());
    for record in found {
        shown.push(SharedRecord { files: files::rows(&ctx.db, &ctx.vault, record.id).await?, record });
    }
    store::count_view(&ctx.db, &share.id, &now).await?;
    note.detail(format!("{} records shown", shown.len()));
    Ok(SharedView { patient_name: user.full_name, scope, expires_at: share.expires_at, records: shown, truncated })
}
