//! Audit-trail queries: one row per privilege change, written in the change's transaction.

use sqlx::{AnyConnection, Row};

use crate::audit::trail::NewAccess;
use crate::db::{Bind, Db, Filters};
use crate::error::Error;
use crate::ids::UserId;

/// One privilege change, as the audit log shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    /// Event id.
    pub id: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who acted (an admin), if anyone.
    pub actor_id: Option<String>,
    /// Their email.
    pub actor_email: Option<String>,
    /// approve, reject, deactivate, reactivate, unlock, role_change.
    pub action: String,
    /// Whose account.
    pub target_id: String,
    /// Their email.
    pub target_email: String,
    /// Extra detail (e.g. the new role).
    pub detail: String,
}

/// The audit log, newest first, before a `(at, id)` cursor.
pub async fn list(db: &Db, before: Option<(String, String)>, limit: i64) -> Result<Vec<AuditEvent>, Error> {
    let mut f = Filters::default();
    if let Some((at, id)) = before {
        f.and("(e.at, e.id) < (?, ?)", [Bind::Text(at), Bind::Text(id)]);
    }
    let limit = f.placeholder(Bind::Int(limit));
    let sql = format!(
        "SELECT e.id, e.at, e.actor_id, a.email AS actor_email, e.action, e.target_id, t.email AS target_email, e.detail \
         FROM audit_events e LEFT JOIN users a ON a.id = e.actor_id JOIN users t ON t.id = e.target_id{} \
         ORDER BY e.at DESC, e.id DESC LIMIT {}",
        f.where_clause(),
        limit
    );
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEvent {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                actor_email: r.try_get("actor_email")?,
                action: r.try_get("action")?,
                target_id: r.try_get("target_id")?,
                target_email: r.try_get("target_email")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

/// Records a privilege change in the audit log (inside the change's transaction when given one).
pub async fn record<'e, E>(ex: E, at: &str, actor: Option<UserId>, action: &str, target: UserId, detail: &str) -> Result<(), Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("INSERT INTO audit_events (id, at, actor_id, action, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(at)
        .bind(actor.map(|a| a.to_string()))
        .bind(action)
        .bind(target.to_string())
        .bind(detail)
        .execute(ex)
        .await?;
    Ok(())
}

/// An approval or role change as its audit row holds it (the rows the ledger also covers).
#[derive(Debug, Clone)]
pub struct StaffChangeRow {
    /// `approve` or `role_change`.
    pub action: String,
    /// Whose account.
    pub target_id: String,
    /// The admin.
    pub actor_id: String,
    /// When.
    pub at: String,
    /// The role after the change: an approval's detail is the role; a role change's is
    /// `old -> new`.
    pub role_after: String,
}

/// Every approval and role change, oldest first.
pub async fn staff_changes(db: &Db) -> Result<Vec<StaffChangeRow>, Error> {
    let rows = sqlx::query(
        "SELECT at, action, actor_id, target_id, detail FROM audit_events WHERE action IN ('approve', 'role_change') ORDER BY at, id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let detail: String = r.try_get("detail")?;
            let role_after = match detail.split_once(" -> ") {
                Some((_, after)) => after.trim().to_string(),
                None => detail.trim().to_string(),
            };
            Ok(StaffChangeRow {
                action: r.try_get("action")?,
                target_id: r.try_get("target_id")?,
                actor_id: r.try_get::<Option<String>, _>("actor_id")?.unwrap_or_default(),
                at: r.try_get("at")?,
                role_after,
            })
        })
        .collect()
}

/// The privilege changes an earlier release kept only here, oldest first, as trail rows
/// (`approve` becomes `user.approve`; no address or request id was kept then).
pub async fn earlier_rows(conn: &mut AnyConnection) -> Result<Vec<NewAccess>, Error> {
    let rows =
        sqlx::query("SELECT id, at, actor_id, action, target_id, detail FROM audit_events ORDER BY at, id").fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let actor: Option<String> = r.try_get("actor_id")?;
            let action: String = r.try_get("action")?;
            Ok(NewAccess {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor_role: actor.as_ref().map(|_| "admin".to_string()),
                actor_id: actor,
                action: format!("user.{action}"),
                resource_type: Some("user".into()),
                resource_id: Some(r.try_get("target_id")?),
                outcome: "success".into(),
                detail: Some(r.try_get("detail")?).filter(|d: &String| !d.is_empty()),
                ..NewAccess::default()
            })
        })
        .collect()
}
