//! The audit trail: every privilege change (approvals, role changes, deactivations, unlocks),
//! written in the change's own transaction, listed for admins.

pub mod api;
pub mod pages;
pub mod store;

use crate::accounts::permissions::{Actor, Permission};
use crate::context::Ctx;
use crate::error::Error;
use crate::pagination::{Page, PageRequest};
use store::AuditEvent;

/// The audit log, newest first. The route guard has checked `audit.read`.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn list(ctx: &Ctx, actor: &Actor, page: &PageRequest) -> Result<Page<AuditEvent>, Error> {
    actor.require(Permission::AuditRead)?;
    let rows = store::list(&ctx.db, page.after.clone(), page.fetch_limit()).await?;
    Ok(page.finish(rows, |e| (e.at.clone(), e.id.clone())))
}
