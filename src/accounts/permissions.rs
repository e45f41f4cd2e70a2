//! What each role may do: the one table every route's access check reads.

use crate::accounts::model::{Role, Status, User};

/// A permission a route declares. Routes name exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anyone, signed in or not (sign-in, registration, health, documentation).
    Public,
    /// Any signed-in user, even pending approval or not yet enrolled in MFA: their own
    /// account (who am I, sign out, sessions, MFA enrolment, password).
    SignedIn,
    /// `records.create`: write clinical records.
    RecordsCreate,
    /// `records.read`: read clinical records one may see (own, or written by oneself).
    RecordsRead,
    /// `users.manage`: list users, approve, reject, deactivate, reactivate, unlock.
    UsersManage,
    /// `audit.read`: read the log of privilege changes.
    AuditRead,
}

impl Permission {
    /// The dotted name used in documentation and logs.
    pub fn name(self) -> &'static str {
        match self {
            Permission::Public => "public",
            Permission::SignedIn => "signed_in",
            Permission::RecordsCreate => "records.create",
            Permission::RecordsRead => "records.read",
            Permission::UsersManage => "users.manage",
            Permission::AuditRead => "audit.read",
        }
    }
}

/// The role table: what each role is granted beyond `Public` and `SignedIn`.
pub fn grants(role: Role) -> &'static [Permission] {
    match role {
        Role::Patient => &[Permission::RecordsRead],
        Role::Doctor => &[Permission::RecordsCreate, Permission::RecordsRead],
        // Their own permissions arrive with prescriptions, lab orders and appointments.
        Role::Pharmacist | Role::Lab | Role::Receptionist => &[],
        // Admins run the clinic's accounts; they read no clinical content by default.
        Role::Admin => &[Permission::UsersManage, Permission::AuditRead],
    }
}

/// Whether `user` holds `permission` now. Beyond `SignedIn`, the account must be active.
pub fn allows(user: &User, permission: Permission) -> bool {
    match permission {
        Permission::Public | Permission::SignedIn => true,
        p => user.status == Status::Active && grants(user.role).contains(&p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_read_no_clinical_content_and_patients_write_none() {
        assert!(!grants(Role::Admin).contains(&Permission::RecordsRead));
        assert!(!grants(Role::Patient).contains(&Permission::RecordsCreate));
        for role in Role::ALL {
            assert_eq!(grants(role).contains(&Permission::UsersManage), role == Role::Admin);
        }
    }
}
