//! Users, roles and account states.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{Email, UserId};

/// What a user is to the clinic; decides what they may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees their own care.
    Patient,
    /// Writes records for patients.
    Doctor,
    /// Verifies and dispenses prescriptions (later issue).
    Pharmacist,
    /// Posts lab results (later issue).
    Lab,
    /// Books appointments, registers patients (later issue).
    Receptionist,
    /// Approves staff; reads no clinical content. Made only from the command line.
    Admin,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 6] = [Role::Patient, Role::Doctor, Role::Pharmacist, Role::Lab, Role::Receptionist, Role::Admin];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Doctor => "doctor",
            Role::Pharmacist => "pharmacist",
            Role::Lab => "lab",
            Role::Receptionist => "receptionist",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or submitted role name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff roles wait for an admin's approval after registering.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Patient | Role::Admin)
    }

    /// A label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Patient => "Patient",
            Role::Doctor => "Doctor",
            Role::Pharmacist => "Pharmacist",
            Role::Lab => "Lab staff",
            Role::Receptionist => "Receptionist",
            Role::Admin => "Administrator",
        }
    }
}

/// Whether an account may sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// May sign in and act.
    Active,
    /// Staff waiting for an admin.
    PendingApproval,
    /// Staff registration an admin turned down.
    Rejected,
    /// Turned off by an admin; may be reactivated.
    Deactivated,
}

impl Status {
    /// In words, for pages.
    pub fn label(self) -> &'static str {
        match self {
            Status::PendingApproval => "Waiting for approval",
            Status::Active => "Active",
            Status::Deactivated => "Deactivated",
            Status::Rejected => "Rejected",
        }
    }

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::PendingApproval => "pending_approval",
            Status::Rejected => "rejected",
            Status::Deactivated => "deactivated",
        }
    }

    /// Parses a stored or submitted status.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Status::Active),
            "pending_approval" => Some(Status::PendingApproval),
            "rejected" => Some(Status::Rejected),
            "deactivated" => Some(Status::Deactivated),
            _ => None,
        }
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct User {
    /// UUIDv7.
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    /// Lower-cased email address.
    #[schema(value_type = String, format = Email)]
    pub email: Email,
    /// Role.
    pub role: Role,
    /// Name shown to others.
    pub full_name: String,
    /// Account state.
    pub status: Status,
    /// When the account was made (RFC 3339, UTC).
    pub created_at: String,
    /// Whether two-factor sign-in (TOTP) is on.
    pub mfa_enabled: bool,
    /// Set while (or since) the account was locked after failed sign-ins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<String>,
    /// Erased at the patient's request (present only then): nothing of the person is left.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
    /// The time zone this person chose to read times in (IANA name); none: the clinic's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// `light` or `dark` when this person chose one; none: pages follow their device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// The language this person chose for pages (`en`, `es`); none: their browser's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl User {
    /// Doctors and admins must use two-factor sign-in.
    pub fn must_use_mfa(&self) -> bool {
        matches!(self.role, Role::Doctor | Role::Admin)
    }

    /// Active and of this role.
    pub fn is_active(&self, role: Role) -> bool {
        self.role == role && self.status == Status::Active
    }
}
