//! Prescriptions as submitted, stored, shown and verified.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::SafetyWarning;

/// One drug as the doctor writes it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewItem {
    /// The drug's generic name or a synonym (`paracetamol`, `acetaminophen`); 1–100 characters.
    pub drug: String,
    /// The dose per intake, in mg (more than 0, at most 100,000).
    pub dose_mg: f64,
    /// Intakes per day, 1–24.
    pub frequency_per_day: i64,
    /// For how many days, 1–365.
    pub duration_days: i64,
    /// Up to 500 characters (`with food`).
    pub instructions: Option<String>,
}

/// What a doctor submits to prescribe.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewPrescription {
    /// The patient's id.
    pub patient_id: String,
    /// 1–20 items.
    pub items: Vec<NewItem>,
    /// `true` to go ahead despite the safety warnings (with `override_reason`).
    pub acknowledge_warnings: Option<bool>,
    /// Why the warnings are acknowledged, 1–500 characters (required with
    /// `acknowledge_warnings`).
    pub override_reason: Option<String>,
}

/// A change by the author within the hour: the items as they should now be (checked again).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PrescriptionChange {
    /// 1–20 items, replacing the current ones.
    pub items: Vec<NewItem>,
    /// As for a new prescription.
    pub acknowledge_warnings: Option<bool>,
    /// As for a new prescription.
    pub override_reason: Option<String>,
}

/// One drug as prescribed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Item {
    /// As written.
    pub drug: String,
    /// The knowledge base's generic name, when it knows the drug.
    pub generic: Option<String>,
    /// mg per intake.
    pub dose_mg: f64,
    /// Intakes per day.
    pub frequency_per_day: i64,
    /// Days.
    pub duration_days: i64,
    /// Instructions.
    pub instructions: Option<String>,
}

/// The sealed part of a version: its items, the warnings they raised and why they were
/// acknowledged.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Body {
    /// The items.
    pub items: Vec<Item>,
    /// The warnings raised when this version was written.
    pub warnings: Vec<SafetyWarning>,
    /// Why they were acknowledged.
    pub override_reason: Option<String>,
}

/// A prescription as its readers see it (its latest version).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Prescription {
    /// UUIDv7.
    pub id: String,
    /// The patient.
    pub patient_id: String,
    /// Their name.
    pub patient_name: String,
    /// The prescriber.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// When it was issued (RFC 3339).
    pub created_at: String,
    /// `open`, `dispensed` or `cancelled`.
    pub status: String,
    /// The latest version (1 until changed).
    pub version: i64,
    /// Its items.
    pub items: Vec<Item>,
    /// The safety warnings its latest version raised (acknowledged, or `unknown_drug` ones,
    /// which do not stop a prescription).
    pub warnings: Vec<SafetyWarning>,
    /// Why the warnings were acknowledged.
    pub override_reason: Option<String>,
    /// Allergy warnings that arose after it was issued (an allergy recorded since), on a
    /// prescription read alone and on its verification; empty in lists.
    pub alerts: Vec<SafetyWarning>,
    /// Until when the author may change it (RFC 3339), while nothing is dispensed.
    pub editable_until: String,
    /// Whether it can no longer be changed (an hour passed, or it was dispensed or cancelled).
    pub locked: bool,
    /// The token a pharmacist verifies it with (`GET /api/v1/prescriptions/verify?token=`),
    /// printed as a QR code: the prescription's id, version and Ed25519 signature.
    pub verification_token: String,
    /// The ledger entry of the latest version.
    pub entry_index: i64,
}

/// One version of a prescription (the edit history).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PrescriptionVersion {
    /// 1 as issued.
    pub version: i64,
    /// Who wrote it.
    pub author_id: String,
    /// When.
    pub created_at: String,
    /// Its items.
    pub items: Vec<Item>,
    /// The warnings it raised.
    pub warnings: Vec<SafetyWarning>,
    /// Why they were acknowledged.
    pub override_reason: Option<String>,
    /// SHA-256 of its ledgered content (hex).
    pub content_sha256: String,
    /// The server's Ed25519 signature (hex) of the version.
    pub signature: String,
    /// Its ledger entry.
    pub entry_index: i64,
}

/// What a pharmacist learns from a prescription's token.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Verification {
    /// Signed by this server's key, for a prescription it holds.
    pub genuine: bool,
    /// The token's version is the latest and its content is as signed.
    pub unchanged: bool,
    /// Not dispensed or cancelled yet.
    pub open: bool,
    /// What that means, for the pharmacist.
    pub summary: String,
    /// The prescription as it stands, when genuine.
    pub prescription: Option<Prescription>,
}

/// Filters of `GET /api/v1/prescriptions`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrescriptionFilter {
    /// Only this patient's.
    pub patient_id: Option<String>,
    /// `open`, `dispensed` or `cancelled`.
    pub status: Option<String>,
}

/// `?token=` of the verification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// The token printed on the prescription (its QR code).
    pub token: Option<String>,
}
