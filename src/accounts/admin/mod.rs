//! User administration: list and search users, approve or reject staff, deactivate and
//! reactivate, unlock, change a staff role. Every change is written to the audit log in the
//! same transaction.

pub mod api;
pub mod pages;

use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::model::{Role, Status, User};
use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::sessions::store as sessions;
use crate::accounts::store::{self, UserFilter};
use crate::audit::store as audit;
use crate::clock;
use crate::context::Ctx;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::UserId;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef, Ledgered};
use crate::pagination::{Page, PageRequest};

/// What an admin can do to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// pending_approval → active.
    Approve,
    /// pending_approval → rejected.
    Reject,
    /// active → deactivated; every session ends.
    Deactivate,
    /// deactivated → active.
    Reactivate,
    /// Lift a lockout.
    Unlock,
}

impl Action {
    /// The audit log's name.
    pub fn name(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Deactivate => "deactivate",
            Action::Reactivate => "reactivate",
            Action::Unlock => "unlock",
        }
    }

    /// The audit trail's name (`user.approve`, ...).
    pub fn audit_action(self) -> &'static str {
        match self {
            Action::Approve => "user.approve",
            Action::Reject => "user.reject",
            Action::Deactivate => "user.deactivate",
            Action::Reactivate => "user.reactivate",
            Action::Unlock => "user.unlock",
        }
    }

    /// Whether the change takes access away (and so ends the account's sessions).
    pub fn removes_access(self) -> bool {
        matches!(self, Action::Reject | Action::Deactivate)
    }

    /// Parses a name from a page's form action.
    pub fn parse(s: &str) -> Option<Self> {
        [Action::Approve, Action::Reject, Action::Deactivate, Action::Reactivate, Action::Unlock].into_iter().find(|a| a.name() == s)
    }
}

/// Applies an action. Approving an already active account answers with it unchanged (a
/// retried request is harmless); any other action from the wrong state is 409.
#[tracing::instrument(skip_all, fields(admin_id = %admin.id(), user_id = %id, action = action.name()))]
pub async fn act(ctx: &Ctx, admin: &Actor, id: UserId, action: Action) -> Result<User, Error> {
    admin.require(Permission::UsersManage)?;
    admin.audit().action(action.audit_action());
    let target = store::find_by_id(&ctx.db, id).await?.ok_or(Error::NotFound("user_not_found"))?;
    // An erased account stays off for good: nothing of the person is left to act on.
    if store::is_erased(&ctx.db, id).await? {
        return Err(Error::Gone("erased"));
    }
    if id == admin.id() && matches!(action, Action::Deactivate | Action::Reject) {
        return Err(Error::Conflict("cannot_change_self", "Admins cannot deactivate themselves."));
    }
    let now = ctx.clock.now();
    let now_s = clock::format(now);
    let mut tx = ctx.db.pool.begin().await?;
    let transition = |from, to| (Some(from), to);
    let (from, to) = match action {
        Action::Approve => transition(Status::PendingApproval, Status::Active),
        Action::Reject => transition(Status::PendingApproval, Status::Rejected),
        Action::Deactivate => transition(Status::Active, Status::Deactivated),
        Action::Reactivate => transition(Status::Deactivated, Status::Active),
        Action::Unlock => (None, target.status),
    };
    let updated = match (action, from) {
        (Action::Approve, _) => store::approve(&mut *tx, id, admin.id(), &now_s).await?,
        (Action::Unlock, _) => {
            crate::accounts::lockout::store::unlock(&mut tx, id).await?;
            store::find_by_id_in(&mut *tx, id).await?
        }
        (_, Some(from)) => store::set_status(&mut *tx, id, from, to).await?,
        (_, None) => None,
    };
    let Some(user) = updated else {
        drop(tx);
        if action == Action::Approve && target.status == Status::Active {
            return Ok(target);
        }
        return Err(Error::Conflict("invalid_transition", "The account is not in a state that allows this."));
    };
    // Every change that takes access away ends every session of the account at once, in the
    // same transaction (pages and API tokens alike).
    if action.removes_access() {
        let revoked = sessions::revoke_other_sessions(&mut *tx, id, None, &now_s).await?;
        tracing::info!(revoked, "sessions ended");
    }
    if action == Action::Approve {
        crate::ledger::append(&mut tx, &staff_change(EntryKind::StaffApproved, &user, admin.id(), &now_s)).await?;
    }
    audit::record(&mut *tx, &now_s, Some(admin.id()), action.name(), id, user.role.as_str()).await?;
    tx.commit().await?;
    tracing::info!("account changed by admin");
    Ok(user)
}

/// A staff change as its ledger entry covers it: the account, the change, and the role after
/// it. The audit row written in the same transaction holds the same facts, so `ledger verify`
/// rebuilds it from there.
#[derive(Debug, Clone)]
pub struct StaffChange {
    /// `StaffApproved` or `RoleChanged`.
    pub kind: EntryKind,
    /// Whose account.
    pub user_id: String,
    /// The role after the change.
    pub role: String,
    /// The admin who made it.
    pub admin_id: String,
    /// When.
    pub time: String,
}

impl Ledgered for StaffChange {
    fn kind(&self) -> EntryKind {
        self.kind
    }

    fn subject_id(&self) -> String {
        self.user_id.clone()
    }

    fn ids(&self) -> Vec<(&'static str, String)> {
        vec![("user_id", self.user_id.clone())]
    }

    fn actor(&self) -> String {
        self.admin_id.clone()
    }

    fn time(&self) -> String {
        self.time.clone()
    }

    fn content(&self) -> serde_json::Value {
        serde_json::json!({"user_id": self.user_id, "change": self.kind.as_str(), "role": self.role})
    }
}

fn staff_change(kind: EntryKind, user: &User, admin: UserId, now: &str) -> StaffChange {
    StaffChange {
        kind,
        user_id: user.id.to_string(),
        role: user.role.as_str().to_string(),
        admin_id: admin.to_string(),
        time: now.to_string(),
    }
}

/// What user administration has put in the ledger: approvals and role changes, rebuilt from
/// their audit rows (which name the entry by subject and time, not by index).
pub async fn ledgered(db: &Db) -> Result<Declaration, Error> {
    let rows = audit::staff_changes(db)
        .await?
        .into_iter()
        .map(|c| {
            let kind = if c.action == Action::Approve.name() { EntryKind::StaffApproved } else { EntryKind::RoleChanged };
            Declared {
                entry: EntryRef::At(kind, c.target_id.clone(), c.at.clone()),
                row: format!("user {} audit row ({} at {})", c.target_id, c.action, c.at),
                item: Box::new(StaffChange { kind, user_id: c.target_id, role: c.role_after, admin_id: c.actor_id, time: c.at }),
            }
        })
        .collect();
    Ok(Declaration { rows, problems: Vec::new() })
}

/// Body of a role change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleChange {
    /// The new staff role: doctor, pharmacist, lab or receptionist.
    pub role: String,
}

/// Changes a staff member's role (never to or from patient or admin).
#[tracing::instrument(skip_all, fields(admin_id = %admin.id(), user_id = %id))]
pub async fn change_role(ctx: &Ctx, admin: &Actor, id: UserId, change: RoleChange) -> Result<User, Error> {
    admin.require(Permission::UsersManage)?;
    let role = Role::parse(change.role.trim()).filter(|r| r.is_staff());
    let mut v = Validator::default();
    if role.is_none() {
        v.add("role", "role must be one of doctor, pharmacist, lab, receptionist");
    }
    v.finish()?;
    let role = role.ok_or(Error::Validation(vec![]))?;
    let target = store::find_by_id(&ctx.db, id).await?.ok_or(Error::NotFound("user_not_found"))?;
    if !target.role.is_staff() {
        return Err(Error::Conflict("invalid_transition", "Only staff roles can be changed."));
    }
    let now_s = clock::format(ctx.clock.now());
    let mut tx = ctx.db.pool.begin().await?;
    let user =
        store::set_role(&mut *tx, id, role).await?.ok_or(Error::Conflict("invalid_transition", "Only staff roles can be changed."))?;
    // A new role takes the old role's access away: every session ends, and the person signs in
    // again into the new role.
    if role != target.role {
        sessions::revoke_other_sessions(&mut *tx, id, None, &now_s).await?;
    }
    let detail = format!("{} -> {}", target.role.as_str(), role.as_str());
    audit::record(&mut *tx, &now_s, Some(admin.id()), "role_change", id, &detail).await?;
    crate::ledger::append(&mut tx, &staff_change(EntryKind::RoleChanged, &user, admin.id(), &now_s)).await?;
    tx.commit().await?;
    tracing::info!(role = role.as_str(), "role changed by admin");
    Ok(user)
}

/// Filters as sent (`status`, `role`, `q`).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// `active`, `pending_approval`, `rejected` or `deactivated`.
    pub status: Option<String>,
    /// A role.
    pub role: Option<String>,
    /// Text in the email or name.
    pub q: Option<String>,
}

/// Parses the filters, naming any field that does not.
pub fn parse_query(q: &UserQuery, v: &mut Validator) -> UserFilter {
    let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let status = text(&q.status).and_then(|s| {
        Status::parse(&s).or_else(|| {
            v.add("status", "status must be active, pending_approval, rejected or deactivated");
            None
        })
    });
    let role = text(&q.role).and_then(|r| {
        Role::parse(&r).or_else(|| {
            v.add("role", "role must be patient, doctor, pharmacist, lab, receptionist or admin");
            None
        })
    });
    let like = text(&q.q).and_then(|t| {
        if t.chars().count() > 200 {
            v.add("q", "q must be at most 200 characters");
            None
        } else {
            Some(crate::db::like_pattern(&t))
        }
    });
    UserFilter { status, role, like }
}

/// Users matching a filter, oldest first (the actor holds `users.manage`).
#[tracing::instrument(skip_all, fields(admin_id = %admin.id()))]
pub async fn list(ctx: &Ctx, admin: &Actor, filter: &UserFilter, page: &PageRequest) -> Result<Page<User>, Error> {
    admin.require(Permission::UsersManage)?;
    let rows = store::list_users(&ctx.db, filter, page.after.clone(), page.fetch_limit()).await?;
    Ok(page.finish(rows, |u| (u.created_at.clone(), u.id.to_string())))
}

/// What the admin page shows first: how many staff wait for approval, and active accounts by
/// role (in the role table's order).
pub async fn overview(ctx: &Ctx, actor: &Actor) -> Result<(i64, Vec<(&'static str, i64)>), Error> {
    actor.require(Permission::UsersManage)?;
    let counts = crate::accounts::store::counts(&ctx.db).await?;
    let pending = counts.iter().filter(|(_, s, _)| s == Status::PendingApproval.as_str()).map(|(_, _, n)| n).sum();
    let by_role = Role::ALL
        .iter()
        .map(|r| {
            (r.label(), counts.iter().filter(|(role, s, _)| role == r.as_str() && s == Status::Active.as_str()).map(|(_, _, n)| n).sum())
        })
        .collect();
    Ok((pending, by_role))
}
