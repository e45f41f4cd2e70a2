//! Allergies and problems as stored, submitted and ledgered.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ledger::entry::{EntryKind, Ledgered};

/// A recorded allergy or intolerance (FHIR R4 AllergyIntolerance, reduced).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Allergy {
    /// UUIDv7.
    pub id: String,
    /// The patient.
    pub patient_id: String,
    /// The doctor who wrote it.
    pub author_id: String,
    /// Their name.
    pub author_name: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// The substance: a drug, a synonym or a drug class (`penicillin`, `NSAIDs`), or anything
    /// else (`peanuts`). Drug names and classes are checked against new prescriptions.
    pub substance: String,
    /// What happens (`hives`, `anaphylaxis`).
    pub reaction: Option<String>,
    /// `mild`, `moderate` or `severe` (FHIR AllergyIntolerance.reaction.severity).
    pub severity: Option<String>,
    /// The ledger entry that proves it.
    pub entry_index: i64,
}

/// What a doctor submits to record an allergy.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewAllergy {
    /// 1–200 characters.
    pub substance: String,
    /// Up to 500 characters.
    pub reaction: Option<String>,
    /// `mild`, `moderate` or `severe`.
    pub severity: Option<String>,
}

/// The sealed part of an allergy row.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AllergyBody {
    /// The substance.
    pub substance: String,
    /// The reaction.
    pub reaction: Option<String>,
    /// The severity.
    pub severity: Option<String>,
}

/// A problem on the patient's problem list (FHIR R4 Condition, reduced).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// UUIDv7.
    pub id: String,
    /// The patient.
    pub patient_id: String,
    /// The doctor who wrote it.
    pub author_id: String,
    /// Their name.
    pub author_name: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// What it is (`Type 2 diabetes mellitus`).
    pub description: String,
    /// A code for it (ICD-10 `E11.9`, SNOMED CT, ...), as written.
    pub code: Option<String>,
    /// When it began (YYYY-MM-DD).
    pub onset: Option<String>,
    /// `active`, `inactive` or `resolved` (FHIR Condition.clinicalStatus).
    pub status: String,
    /// The ledger entry that proves it.
    pub entry_index: i64,
}

/// What a doctor submits to add a problem.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewProblem {
    /// 1–500 characters.
    pub description: String,
    /// Up to 40 characters.
    pub code: Option<String>,
    /// YYYY-MM-DD, not in the future.
    pub onset: Option<String>,
    /// `active` (the default), `inactive` or `resolved`.
    pub status: Option<String>,
}

/// The sealed part of a problem row.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProblemBody {
    /// What it is.
    pub description: String,
    /// Its code.
    pub code: Option<String>,
    /// When it began.
    pub onset: Option<String>,
    /// Where it stands.
    pub status: String,
}

/// A sealed clinical row as its ledger entry covers it (an allergy, a problem, a prescription
/// version): what the write appends, and what `ledger verify` rebuilds from the row once its
/// body is opened.
#[derive(Debug, Clone)]
pub struct ClinicalEntry {
    /// The entry's kind.
    pub kind: EntryKind,
    /// The id's name in the entry (`allergy_id`, `problem_id`, `prescription_id`).
    pub id_name: &'static str,
    /// The row's id.
    pub id: String,
    /// The patient.
    pub patient_id: String,
    /// Who wrote it.
    pub author_id: String,
    /// The version, for rows that have versions.
    pub version: Option<i64>,
    /// When.
    pub time: String,
    /// The clinical fields as sealed in the row (JSON text, opened): the entry covers its
    /// SHA-256, so verifying needs no second serialisation (and no floats in canonical JSON).
    pub body: String,
    /// The patient was erased: the body cannot be opened, so `ledger verify` checks the rest.
    pub erased: bool,
}

impl Ledgered for ClinicalEntry {
    fn kind(&self) -> EntryKind {
        self.kind
    }

    fn subject_id(&self) -> String {
        self.id.clone()
    }

    fn ids(&self) -> Vec<(&'static str, String)> {
        let mut ids = vec![(self.id_name, self.id.clone()), ("patient_id", self.patient_id.clone())];
        if let Some(v) = self.version {
            ids.push(("version", v.to_string()));
        }
        ids
    }

    fn actor(&self) -> String {
        self.author_id.clone()
    }

    fn time(&self) -> String {
        self.time.clone()
    }

    fn content(&self) -> Value {
        serde_json::json!({
            "id": self.id, "patient_id": self.patient_id, "author_id": self.author_id,
            "version": self.version, "time": self.time,
            "body_sha256": hex::encode(<sha2::Sha256 as sha2::Digest>::digest(self.body.as_bytes())),
        })
    }

    fn content_erased(&self) -> bool {
        self.erased
    }
}
