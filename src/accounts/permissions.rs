//! What each role may do: the one table every route's access check reads.

use crate::accounts::model::{Role, Status, User};
use crate::audit::note::AuditNote;
use crate::error::Error;
use crate::ids::{SessionId, UserId};

/// A permission a route declares. Routes name exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anyone, signed in or not (sign-in, registration, health, documentation).
    Public,
    /// Any signed-in user, even pending approval or not yet enrolled in MFA: who am I, sign
    /// out, and MFA enrolment.
    SignedIn,
    /// Their own account and dashboard (sessions, password, turning MFA off): any status, but
    /// doctors and admins must have enrolled in MFA first.
    Account,
    /// `records.create`: write clinical records.
    RecordsCreate,
    /// `records.read`: read clinical records one may see (own, or written by oneself).
    RecordsRead,
    /// `users.manage`: list users, approve, reject, deactivate, reactivate, unlock.
    UsersManage,
    /// `audit.read`: read the log of privilege changes.
    AuditRead,
    /// `care_team.read`: see a patient's care team (the patient, doctors on it, admins).
    CareTeamRead,
    /// `care_team.manage`: change a care team (the patient adds or removes a doctor; a doctor
    /// on it refers the patient to another).
    CareTeamManage,
    /// `consent.manage`: grant, list and revoke one's own consents (patients).
    ConsentManage,
    /// `access_log.read`: see who accessed one's own records (patients).
    AccessLogRead,
    /// `emergency_access.open`: open a patient's history for an hour in an emergency, with a
    /// reason ("break-glass"; doctors).
    EmergencyAccess,
    /// `shares.manage`: make, list and revoke links to one's own records (patients).
    SharesManage,
    /// `patients.erase`: erase a patient's data at their request (admins).
    PatientsErase,
    /// `export.own`: download everything careledger holds about oneself as a FHIR Bundle
    /// (patients).
    ExportOwn,
    /// `prescriptions.write`: prescribe, and change one's own prescription within the hour
    /// (doctors).
    PrescriptionsWrite,
    /// `prescriptions.read`: read prescriptions one may see (one's own; a doctor's patients'
    /// under the care-team rule; every one for the pharmacy).
    PrescriptionsRead,
    /// `prescriptions.dispense`: verify printed prescriptions and read every prescription to
    /// dispense it (pharmacists).
    PrescriptionsDispense,
    /// `inventory.manage`: keep the pharmacy's stock (pharmacists).
    InventoryManage,
    /// `appointments.book`: book, see and cancel one's own appointments (patients for
    /// themselves, doctors in their calendar; the front desk for everyone).
    AppointmentsBook,
    /// `appointments.manage`: every appointment and the day's queue (receptionists).
    AppointmentsManage,
    /// `lab.order`: order lab tests for patients one may read (doctors).
    LabOrder,
    /// `lab.read`: read lab orders and results one may see (the patient's own; a doctor's
    /// patients under the care-team rule; every one for lab staff).
    LabRead,
    /// `lab.work`: see every open order and post results (lab staff).
    LabWork,
    /// `patients.search`: find patients by name, date of birth or MRN, demographics only
    /// (staff).
    PatientsSearch,
    /// `patients.register`: register patients at the front desk (receptionists).
    PatientsRegister,
}

impl Permission {
    /// The dotted name used in documentation and logs.
    pub fn name(self) -> &'static str {
        match self {
            Permission::Public => "public",
            Permission::SignedIn => "signed_in",
            Permission::Account => "account",
            Permission::RecordsCreate => "records.create",
            Permission::RecordsRead => "records.read",
            Permission::UsersManage => "users.manage",
            Permission::AuditRead => "audit.read",
            Permission::CareTeamRead => "care_team.read",
            Permission::CareTeamManage => "care_team.manage",
            Permission::ConsentManage => "consent.manage",
            Permission::AccessLogRead => "access_log.read",
            Permission::EmergencyAccess => "emergency_access.open",
            Permission::SharesManage => "shares.manage",
            Permission::PatientsErase => "patients.erase",
            Permission::ExportOwn => "export.own",
            Permission::PrescriptionsWrite => "prescriptions.write",
            Permission::PrescriptionsRead => "prescriptions.read",
            Permission::PrescriptionsDispense => "prescriptions.dispense",
            Permission::InventoryManage => "inventory.manage",
            Permission::AppointmentsBook => "appointments.book",
            Permission::AppointmentsManage => "appointments.manage",
            Permission::LabOrder => "lab.order",
            Permission::LabRead => "lab.read",
            Permission::LabWork => "lab.work",
            Permission::PatientsSearch => "patients.search",
            Permission::PatientsRegister => "patients.register",
        }
    }
}

/// The role table: what each role is granted beyond `Public` and `SignedIn`.
pub fn grants(role: Role) -> &'static [Permission] {
    match role {
        Role::Patient => &[
            Permission::RecordsRead,
            Permission::CareTeamRead,
            Permission::CareTeamManage,
            Permission::ConsentManage,
            Permission::AccessLogRead,
            Permission::SharesManage,
            Permission::ExportOwn,
            Permission::PrescriptionsRead,
            Permission::AppointmentsBook,
            Permission::LabRead,
        ],
        Role::Doctor => &[
            Permission::RecordsCreate,
            Permission::RecordsRead,
            Permission::CareTeamRead,
            Permission::CareTeamManage,
            Permission::EmergencyAccess,
            Permission::PrescriptionsWrite,
            Permission::PrescriptionsRead,
            Permission::AppointmentsBook,
            Permission::LabOrder,
            Permission::LabRead,
            Permission::PatientsSearch,
        ],
        Role::Pharmacist => {
            &[Permission::PrescriptionsRead, Permission::PrescriptionsDispense, Permission::InventoryManage, Permission::PatientsSearch]
        }
        Role::Receptionist => {
            &[Permission::AppointmentsBook, Permission::AppointmentsManage, Permission::PatientsSearch, Permission::PatientsRegister]
        }
        Role::Lab => &[Permission::LabRead, Permission::LabWork, Permission::PatientsSearch],
        // Admins run the clinic's accounts; they read no clinical content by default.
        Role::Admin => &[Permission::UsersManage, Permission::AuditRead, Permission::CareTeamRead, Permission::PatientsErase],
    }
}

/// Why a signed-in user is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// A doctor or admin who has not enrolled in MFA yet (RFC 6238 TOTP).
    MfaEnrollment,
    /// The account is not active (pending approval, rejected, deactivated).
    Inactive,
    /// The role does not hold the permission.
    NotGranted,
}

/// Whether `user`, in a session that did (`session_mfa`) or did not pass the second factor,
/// holds `permission` now: `SignedIn` always; anything more needs, where the role requires
/// MFA, an account with MFA on *and* a session that passed it (a password-only session stays
/// at enrolment whatever happens to the account later); role permissions need an active
/// account and a grant in the table.
pub fn check(user: &User, session_mfa: bool, permission: Permission) -> Result<(), Denied> {
    match permission {
        Permission::Public | Permission::SignedIn => return Ok(()),
        _ if user.must_use_mfa() && !(user.mfa_enabled && session_mfa) => return Err(Denied::MfaEnrollment),
        Permission::Account => return Ok(()),
        _ => {}
    }
    if user.status != Status::Active {
        Err(Denied::Inactive)
    } else if grants(user.role).contains(&permission) {
        Ok(())
    } else {
        Err(Denied::NotGranted)
    }
}

/// A caller the route guard let through: the user as the database has them now, their session
/// and the permission the route table checked. Only [`authorize`] makes one, so a service that
/// takes an `Actor` knows the role check is done; what it still decides by hand is only what
/// depends on the resource (whose record this is, who wrote it).
#[derive(Clone, Debug)]
pub struct Actor {
    user: User,
    session: SessionId,
    mfa: bool,
    permission: Permission,
    note: AuditNote,
}

impl Actor {
    /// The user, as the database had them when the request arrived.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The user's id.
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// The user's role.
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The session the request came in.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The permission the route guard checked.
    pub fn permission(&self) -> Permission {
        self.permission
    }

    /// This request's audit note: services say there whose data they touched, and the route
    /// guard writes the audit trail's rows from it.
    pub fn audit(&self) -> &AuditNote {
        &self.note
    }

    /// Whether this actor also holds `permission`, by the same table (for a page that shows
    /// more when the role holds more).
    pub fn holds(&self, permission: Permission) -> bool {
        allows(&self.user, self.mfa, permission)
    }

    /// `Ok` when this actor holds `permission` by the role table, else 403 `forbidden`: a
    /// service states what it needs in terms of the table, never by naming roles, so granting
    /// a role a permission in the table is all it takes for the service to accept it.
    pub fn require(&self, permission: Permission) -> Result<(), Error> {
        if self.holds(permission) { Ok(()) } else { Err(Error::Forbidden("your role does not have this permission")) }
    }
}

/// Checks `permission` for `user` in `session` (which did or did not pass the second factor)
/// and, when it is held, makes the [`Actor`] services take.
pub fn authorize(user: User, session: SessionId, session_mfa: bool, permission: Permission) -> Result<Actor, Denied> {
    check(&user, session_mfa, permission)?;
    Ok(Actor { user, session, mfa: session_mfa, permission, note: AuditNote::default() })
}

/// Whether `user` in such a session holds `permission` now.
pub fn allows(user: &User, session_mfa: bool, permission: Permission) -> bool {
    check(user, session_mfa, permission).is_ok()
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

    #[test]
    fn a_session_that_skipped_the_second_factor_stays_at_enrolment() {
        let mut doctor = User {
            id: crate::ids::UserId::new(),
            email: crate::ids::Email::parse("d@example.org").unwrap_or_else(|_| unreachable!()),
            role: Role::Doctor,
            full_name: "D".into(),
            status: Status::Active,
            created_at: String::new(),
            mfa_enabled: false,
            locked_until: None,
            erased: false,
            time_zone: None,
            theme: None,
            language: None,
        };
        assert_eq!(check(&doctor, false, Permission::RecordsCreate), Err(Denied::MfaEnrollment));
        assert_eq!(check(&doctor, false, Permission::SignedIn), Ok(()));
        // The account enrols (from another session): this session is still held.
        doctor.mfa_enabled = true;
        assert_eq!(check(&doctor, false, Permission::RecordsCreate), Err(Denied::MfaEnrollment));
        assert_eq!(check(&doctor, true, Permission::RecordsCreate), Ok(()));
        // The account turns MFA off: even a session that had passed it is held again.
        doctor.mfa_enabled = false;
        assert_eq!(check(&doctor, true, Permission::RecordsCreate), Err(Denied::MfaEnrollment));
    }

    #[test]
    fn an_actor_holds_what_the_table_grants_its_role_and_nothing_else() {
        let user = |role, status| User {
            id: crate::ids::UserId::new(),
            email: crate::ids::Email::parse("x@example.org").unwrap_or_else(|_| unreachable!()),
            role,
            full_name: "X".into(),
            status,
            created_at: String::new(),
            mfa_enabled: true,
            locked_until: None,
            erased: false,
            time_zone: None,
            theme: None,
            language: None,
        };
        let session = SessionId::new();
        let patient = authorize(user(Role::Patient, Status::Active), session, false, Permission::RecordsRead);
        let patient = patient.unwrap_or_else(|_| unreachable!("patients read records"));
        assert_eq!(patient.permission(), Permission::RecordsRead);
        assert!(patient.require(Permission::RecordsRead).is_ok());
        assert!(matches!(patient.require(Permission::RecordsCreate), Err(Error::Forbidden(_))));
        let doctor = authorize(user(Role::Doctor, Status::Active), session, true, Permission::RecordsCreate);
        assert!(doctor.is_ok_and(|d| d.require(Permission::RecordsRead).is_ok() && d.require(Permission::UsersManage).is_err()));
        // A doctor awaiting approval gets an actor for their own account, and no record rights.
        let pending = authorize(user(Role::Doctor, Status::PendingApproval), session, true, Permission::Account);
        assert!(pending.is_ok_and(|d| !d.holds(Permission::RecordsRead) && d.require(Permission::RecordsCreate).is_err()));
        assert_eq!(
            authorize(user(Role::Doctor, Status::PendingApproval), session, true, Permission::RecordsRead).map(|_| ()),
            Err(Denied::Inactive)
        );
        for role in Role::ALL {
            let actor = authorize(user(role, Status::Active), session, true, Permission::SignedIn).unwrap_or_else(|_| unreachable!());
            for p in [Permission::RecordsCreate, Permission::RecordsRead, Permission::UsersManage, Permission::AuditRead] {
                assert_eq!(actor.holds(p), grants(role).contains(&p), "{role:?} {p:?}");
            }
        }
    }
}
