//! What a record's page shows, from one call: the record (after the one access check), its
//! versions, its files and the inclusion proof of its latest version.

use crate::accounts::permissions::Actor;
use crate::context::Ctx;
use crate::error::Error;
use crate::ids::RecordId;
use crate::ledger::service::InclusionProof;
use crate::records::files::{self, FileInfo};
use crate::records::model::{Record, RecordVersion};
use crate::records::{service, store};

/// A record with everything its page shows.
#[derive(Debug)]
pub struct RecordView {
    /// The record.
    pub record: Record,
    /// Its versions, oldest first.
    pub versions: Vec<RecordVersion>,
    /// Its files, in attachment order.
    pub files: Vec<FileInfo>,
    /// The proof of its latest version (reads never seal: for a record written within the last
    /// block interval this waits for the sealer).
    pub proof: InclusionProof,
}

/// A record the actor may read, with its versions, files and proof; 404 otherwise.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), record_id = %id))]
pub async fn record(ctx: &Ctx, actor: &Actor, id: RecordId) -> Result<RecordView, Error> {
    // One access check; then the record's versions and files without checking again.
    let record = service::get(ctx, actor, id).await?;
    let versions = store::versions(&ctx.db, &ctx.vault, id, record.patient_id).await?;
    let files = files::rows(&ctx.db, &ctx.vault, id).await?;
    let index = service::latest_index(&record, &versions)?;
    let proof = crate::ledger::service::inclusion(ctx, index).await?;
    Ok(RecordView { record, versions, files, proof })
}
