//! The care team's shapes: a membership as people see it, how a doctor joined, and a change as
//! the ledger covers it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ledger::entry::{EntryKind, Ledgered};

/// How a doctor joined a patient's care team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joined {
    /// By writing a record for the patient.
    Record,
    /// Referred by a doctor on the team.
    Referral,
    /// Added by the patient.
    Patient,
    /// By an appointment (comes with appointments).
    Appointment,
    /// By the doctor themself, in an emergency, for an hour ("break-glass").
    Emergency,
}

impl Joined {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Joined::Record => "record",
            Joined::Referral => "referral",
            Joined::Patient => "patient",
            Joined::Appointment => "appointment",
            Joined::Emergency => "emergency",
        }
    }
}

/// A doctor on a patient's care team, and who added them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    /// The membership's id.
    pub id: String,
    /// The doctor.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// Who added them (the doctor themself when they joined by writing a record).
    pub added_by: String,
    /// That person's name.
    pub added_by_name: String,
    /// `record`, `referral`, `patient` or `appointment`.
    pub how: String,
    /// The referral's reason ("" otherwise).
    pub reason: String,
    /// Since when (RFC 3339).
    pub added_at: String,
    /// Until when, for a consent with an end (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl Member {
    /// Until when, for people: a consent given to a date ends as the next day begins, so it is
    /// shown as that date.
    pub fn until(&self, zone: &crate::clock::Zone) -> Option<String> {
        let stored = self.expires_at.as_deref()?;
        let end = crate::clock::parse(stored)?;
        if end.format("%H:%M:%S%.f").to_string() == "00:00:00" {
            let day = crate::clock::format(end - chrono::Duration::days(1));
            return Some(format!("the end of {}", crate::clock::Zone::UTC.day(&day)));
        }
        Some(zone.when(stored))
    }

    /// How they joined, in words.
    pub fn how_label(&self) -> &'static str {
        match self.how.as_str() {
            "record" => "wrote a record",
            "referral" => "referred",
            "patient" => "added by the patient",
            "appointment" => "appointment",
            _ => "other",
        }
    }
}

/// Body of `POST /api/v1/patients/{id}/care-team`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewMember {
    /// The doctor to add (UUID).
    pub doctor_id: String,
    /// Why (required for a referral, 1–500 characters; optional for the patient).
    #[serde(default)]
    pub reason: String,
}

/// A care-team change as its ledger entry covers it.
#[derive(Debug, Clone)]
pub struct TeamChange {
    /// `CareTeamAdded` or `CareTeamRemoved`.
    pub kind: EntryKind,
    /// The membership.
    pub membership_id: String,
    /// The patient.
    pub patient_id: String,
    /// The doctor.
    pub doctor_id: String,
    /// Who made the change.
    pub by: String,
    /// How the doctor joined (additions).
    pub how: String,
    /// Why (additions).
    pub reason: String,
    /// Until when ("" for no end; additions).
    pub expires_at: String,
    /// When.
    pub time: String,
    /// The patient was erased and the reason with them: `ledger verify` checks the rest.
    pub erased: bool,
}

impl Ledgered for TeamChange {
    fn content_erased(&self) -> bool {
        self.erased
    }

    fn kind(&self) -> EntryKind {
        self.kind
    }

    fn subject_id(&self) -> String {
        self.patient_id.clone()
    }

    fn ids(&self) -> Vec<(&'static str, String)> {
        vec![("patient_id", self.patient_id.clone()), ("doctor_id", self.doctor_id.clone()), ("membership_id", self.membership_id.clone())]
    }

    fn actor(&self) -> String {
        self.by.clone()
    }

    fn time(&self) -> String {
        self.time.clone()
    }

    fn content(&self) -> serde_json::Value {
        match self.kind {
            EntryKind::CareTeamAdded => serde_json::json!({
                "membership_id": self.membership_id, "patient_id": self.patient_id, "doctor_id": self.doctor_id,
                "added_by": self.by, "how": self.how, "reason": self.reason, "expires_at": self.expires_at, "time": self.time,
            }),
            _ => serde_json::json!({
                "membership_id": self.membership_id, "patient_id": self.patient_id, "doctor_id": self.doctor_id,
                "removed_by": self.by, "time": self.time,
            }),
        }
    }
}

/// Body of `POST /api/v1/consents`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewConsent {
    /// The doctor who may read the patient's history (UUID).
    pub grantee_id: String,
    /// Until when: an RFC 3339 time, or a date (the consent ends as that day begins, UTC); none:
    /// until revoked.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// A patient's consent to a doctor reading their history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Consent {
    /// Its id (the care-team membership it made).
    pub id: String,
    /// The doctor.
    pub grantee_id: String,
    /// Their name.
    pub grantee_name: String,
    /// When granted.
    pub granted_at: String,
    /// Until when, if it ends.
    pub expires_at: Option<String>,
    /// When the patient revoked it, if they did.
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
}
