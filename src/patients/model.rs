//! Patient profiles as submitted, stored and shown.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

/// What a staff search shows of a patient: who they are, never their records.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PatientSummary {
    /// The patient's id.
    pub id: String,
    /// Their name.
    pub full_name: String,
    /// Their medical record number.
    pub mrn: String,
    /// YYYY-MM-DD, if known.
    pub date_of_birth: Option<String>,
    /// `female`, `male`, `other` or `unknown`, if known.
    pub sex: Option<String>,
}

/// A patient's demographics on their chart.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Demographics {
    /// Medical record number.
    pub mrn: String,
    /// Date of birth.
    pub date_of_birth: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// The sealed part of a profile.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Contact {
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// A patient registered at the front desk.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewPatient {
    /// 1–200 characters.
    pub full_name: String,
    /// Their email (the link to set a password is sent there when the clinic has SMTP).
    pub email: String,
    /// YYYY-MM-DD, not in the future.
    pub date_of_birth: String,
    /// `female`, `male`, `other` or `unknown`.
    pub sex: String,
    /// Up to 40 characters.
    pub phone: Option<String>,
    /// Up to 500 characters.
    pub address: Option<String>,
}

/// What the front desk gets back: the patient, and the one-time link to hand or send them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Registered {
    /// The patient.
    pub patient: PatientSummary,
    /// The path of the one-time link that sets their password (on this site), shown only here.
    pub setup_path: String,
    /// When the link stops working.
    pub setup_expires_at: String,
    /// Whether the link was emailed too.
    pub emailed: bool,
}

/// `POST /api/v1/auth/set-password`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SetPassword {
    /// The token from the link.
    pub token: String,
    /// The new password (the same rules as at registration).
    pub password: String,
}

/// `?q=` of the search.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientQuery {
    /// Part of a name (any case, accents or not), a date of birth (YYYY-MM-DD) or an MRN.
    pub q: Option<String>,
}

/// A name as search compares it: no accents, lower case, single spaces.
pub fn fold(name: &str) -> String {
    // Invisible format characters (zero-width space, joiners, soft hyphen, BOM) are dropped.
    let invisible = |c: char| matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}');
    let folded: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c) && !invisible(*c) && !c.is_control())
        .collect::<String>()
        .to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}
