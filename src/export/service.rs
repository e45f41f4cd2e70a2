//! The patient's export: gathers everything careledger holds about the signed-in patient from
//! the domains that hold it (their account; their records with every version and file, read
//! through the records domain's store, which opens the sealed text and bytes with the
//! patient's key; their consents and care team; their access log) and writes it as one FHIR
//! Bundle (`bundle`). The request is noted for the audit trail as touching the patient.

use std::collections::BTreeMap;

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::store as users;
use crate::audit;
use crate::care_team;
use crate::clock;
use crate::context::Ctx;
use crate::error::Error;
use crate::export::bundle;
use crate::export::model::{Doctor, ExportedRecord, Holdings};
use crate::ids::UserId;
use crate::pagination::PageRequest;
use crate::records::files;
use crate::records::store as records;

/// Rows read per query while gathering (every page is read: the export holds everything).
const BATCH: i64 = 200;

/// A finished export: the Bundle's JSON and the name to download it under.
#[derive(Debug, Clone)]
pub struct Export {
    /// `careledger-export-<date>.json`.
    pub filename: String,
    /// The Bundle, as JSON.
    pub body: Vec<u8>,
}

/// Every record of `patient`, newest first, each with its versions (oldest first) and its
/// files' bytes.
async fn all_records(ctx: &Ctx, patient: UserId) -> Result<Vec<ExportedRecord>, Error> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let q = records::ListQuery { patient_id: Some(patient), after: after.clone(), limit: BATCH, ..records::ListQuery::default() };
        let batch = records::list(&ctx.db, &ctx.vault, &q).await?;
        let last = (batch.len() as i64) < BATCH;
        after = batch.last().map(|r| (r.created_at.clone(), r.id.to_string()));
        for record in batch {
            let versions = records::versions(&ctx.db, &ctx.vault, record.id, patient).await?;
            let files = files::with_bytes(ctx, patient, record.id).await?;
            out.push(ExportedRecord { record, versions, files });
        }
        if last {
            return Ok(out);
        }
    }
}

/// [`gather`], with each record's verification code (the first 12 hex digits of its latest
/// version's ledger leaf hash, as a printed record shows it), for the printable page.
pub async fn printable(ctx: &Ctx, actor: &Actor) -> Result<(Holdings, std::collections::HashMap<String, String>), Error> {
    let holdings = gather(ctx, actor).await?;
    let latest: Vec<(String, i64)> =
        holdings.records.iter().filter_map(|r| r.versions.last().map(|v| (r.record.id.to_string(), v.entry_index))).collect();
    let hashes = crate::ledger::store::leaf_hashes(&ctx.db, &latest.iter().map(|(_, i)| *i).collect::<Vec<_>>()).await?;
    let codes = latest
        .into_iter()
        .filter_map(|(id, i)| hashes.get(&i).filter(|h| h.len() >= 12).map(|h| (id, format!("{}-{}-{}", &h[..4], &h[4..8], &h[8..12]))))
        .collect();
    Ok((holdings, codes))
}

/// Everything careledger holds about the signed-in patient (the route holds `export.own`).
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn gather(ctx: &Ctx, actor: &Actor) -> Result<Holdings, Error> {
    actor.require(Permission::ExportOwn)?;
    let patient = actor.user().clone();
    let id = patient.id;
    actor.audit().touched(Some(id), "patient", Some(id));
    let at = clock::format(ctx.clock.now());
    let records = all_records(ctx, id).await?;

    let mut consents = Vec::new();
    let mut page = PageRequest { limit: BATCH, after: None };
    loop {
        let batch = care_team::consents(ctx, actor, &page).await?;
        let more = batch.next_cursor.is_some();
        page.after = batch.items.last().map(|c| (c.granted_at.clone(), c.id.clone()));
        consents.extend(batch.items);
        if !more {
            break;
        }
    }

    let mut team = Vec::new();
    let mut page = PageRequest { limit: BATCH, after: None };
    loop {
        let batch = care_team::list(ctx, actor, id, &page).await?;
        let more = batch.next_cursor.is_some();
        page.after = batch.items.last().map(|m| (m.added_at.clone(), m.id.clone()));
        team.extend(batch.items);
        if !more {
            break;
        }
    }

    let mut access_log = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let batch = audit::access_log(ctx, actor, BATCH, cursor.as_deref()).await?;
        // A row retention purged holds no fields any more: nothing to export of it.
        access_log.extend(batch.items.into_iter().filter(|i| i.action != "purged"));
        match batch.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }

    let mut allergies = Vec::new();
    let mut page = PageRequest { limit: BATCH, after: None };
    loop {
        let batch = crate::chart::service::allergies(ctx, actor, id, &page).await?;
        let more = batch.next_cursor.is_some();
        page.after = batch.items.last().map(|a| (a.created_at.clone(), a.id.clone()));
        allergies.extend(batch.items);
        if !more {
            break;
        }
    }
    let mut problems = Vec::new();
    let mut page = PageRequest { limit: BATCH, after: None };
    loop {
        let batch = crate::chart::service::problems(ctx, actor, id, &page).await?;
        let more = batch.next_cursor.is_some();
        page.after = batch.items.last().map(|p| (p.created_at.clone(), p.id.clone()));
        problems.extend(batch.items);
        if !more {
            break;
        }
    }
    let mut prescriptions = Vec::new();
    let mut page = PageRequest { limit: BATCH, after: None };
    let mine = crate::prescriptions::model::PrescriptionFilter { patient_id: Some(id.to_string()), status: None };
    loop {
        let batch = crate::prescriptions::service::list(ctx, actor, &mine, &page).await?;
        let more = batch.next_cursor.is_some();
        page.after = batch.items.last().map(|p| (p.created_at.clone(), p.id.clone()));
        prescriptions.extend(batch.items);
        if !more {
            break;
        }
    }

    // Every doctor named anywhere, once: authors, consents' grantees, the care team.
    let mut doctors: BTreeMap<String, String> = BTreeMap::new();
    for a in &allergies {
        doctors.insert(a.author_id.clone(), a.author_name.clone());
    }
    for p in &problems {
        doctors.insert(p.author_id.clone(), p.author_name.clone());
    }
    for p in &prescriptions {
        doctors.insert(p.doctor_id.clone(), p.doctor_name.clone());
    }
    for r in &records {
        doctors.insert(r.record.doctor_id.to_string(), r.record.doctor_name.clone());
    }
    for c in &consents {
        doctors.insert(c.grantee_id.clone(), c.grantee_name.clone());
    }
    for m in &team {
        doctors.insert(m.doctor_id.clone(), m.doctor_name.clone());
    }
    // A version's author is the record's author today; one who is not is looked up.
    let authors: Vec<String> = records.iter().flat_map(|r| r.versions.iter().map(|v| v.author_id.clone())).collect();
    for author in authors {
        if !doctors.contains_key(&author)
            && let Ok(uid) = author.parse::<UserId>()
            && let Some(user) = users::find_by_id(&ctx.db, uid).await?
        {
            doctors.insert(author, user.full_name);
        }
    }
    let doctors = doctors.into_iter().map(|(id, name)| Doctor { id, name }).collect();
    actor.audit().detail(format!("{} records, {} consents, {} access-log lines", records.len(), consents.len(), access_log.len()));
    Ok(Holdings { patient, at, records, doctors, consents, care_team: team, access_log, allergies, problems, prescriptions })
}

/// The signed-in patient's export as a FHIR R4 Bundle (JSON), with its download name.
pub async fn export(ctx: &Ctx, actor: &Actor) -> Result<Export, Error> {
    let holdings = gather(ctx, actor).await?;
    let body = serde_json::to_vec_pretty(&bundle::bundle(&holdings)).map_err(|e| Error::Internal(e.into()))?;
    let day = holdings.at.get(..10).unwrap_or("export");
    tracing::info!(bytes = body.len(), records = holdings.records.len(), "export written");
    Ok(Export { filename: format!("careledger-export-{day}.json"), body })
}
