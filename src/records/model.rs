//! The clinical record and the shapes used to create and find records.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{RecordId, UserId};
use crate::ledger::entry::{EntryKind, Ledgered};

/// What kind of entry a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// An encounter (the default).
    Visit,
    /// A diagnosis.
    Diagnosis,
    /// A laboratory result.
    LabResult,
    /// An imaging study or report.
    Imaging,
    /// A procedure.
    Procedure,
    /// A free note.
    Note,
}

impl RecordType {
    /// Every type, in display order.
    pub const ALL: [RecordType; 6] =
        [RecordType::Visit, RecordType::Diagnosis, RecordType::LabResult, RecordType::Imaging, RecordType::Procedure, RecordType::Note];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Visit => "visit",
            RecordType::Diagnosis => "diagnosis",
            RecordType::LabResult => "lab_result",
            RecordType::Imaging => "imaging",
            RecordType::Procedure => "procedure",
            RecordType::Note => "note",
        }
    }

    /// A label for pages.
    pub fn label(self) -> &'static str {
        match self {
            RecordType::Visit => "Visit",
            RecordType::Diagnosis => "Diagnosis",
            RecordType::LabResult => "Lab result",
            RecordType::Imaging => "Imaging",
            RecordType::Procedure => "Procedure",
            RecordType::Note => "Note",
        }
    }

    /// Parses a stored or submitted type name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A clinical record. Immutable once written.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Record {
    /// UUIDv7.
    #[schema(value_type = String, format = Uuid)]
    pub id: RecordId,
    /// The patient the record is about.
    #[schema(value_type = String, format = Uuid)]
    pub patient_id: UserId,
    /// The doctor who wrote it.
    #[schema(value_type = String, format = Uuid)]
    pub doctor_id: UserId,
    /// Short title, 1–200 characters.
    pub title: String,
    /// Clinical notes, up to 50,000 characters.
    pub notes: String,
    /// Kind of record.
    pub record_type: RecordType,
    /// When it was written (RFC 3339, UTC).
    pub created_at: String,
    /// The patient's name.
    pub patient_name: String,
    /// The doctor's name.
    pub doctor_name: String,
    /// The latest version's number (1 until amended).
    pub version: i64,
}

/// What a doctor submits to write a record: the patient by id or by email.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewRecord {
    /// The patient's id (or give `patient_email`).
    pub patient_id: Option<String>,
    /// The patient's email (or give `patient_id`).
    pub patient_email: Option<String>,
    /// 1–200 characters.
    pub title: String,
    /// Up to 50,000 characters.
    #[serde(default)]
    pub notes: String,
    /// `visit` (default), `diagnosis`, `lab_result`, `imaging`, `procedure` or `note`.
    pub record_type: Option<String>,
}

/// Filters for listing records, as sent (parsed by the service so errors name the field).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordFilter {
    /// Only this patient's records.
    pub patient_id: Option<String>,
    /// Written at or after this time (RFC 3339) or day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Written at or before this time (RFC 3339) or day (YYYY-MM-DD, the whole day).
    pub to: Option<String>,
    /// Only records by this doctor (id).
    pub provider: Option<String>,
    /// Only records of this type.
    #[serde(rename = "type")]
    pub record_type: Option<String>,
    /// Words to look for in title and notes: each must begin a word of the record (at least
    /// three characters for a prefix; shorter words match whole words), case-insensitive.
    pub q: Option<String>,
}

impl Record {}

/// One version of a record, as stored and as the ledger proves it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecordVersion {
    /// 1 for the record as first written.
    pub version: i64,
    /// Title of this version.
    pub title: String,
    /// Notes of this version.
    pub notes: String,
    /// Who wrote this version.
    pub author_id: String,
    /// Why it was amended ("" for version 1).
    pub reason: String,
    /// When.
    pub created_at: String,
    /// The ledger entry that proves it.
    pub entry_index: i64,
}

/// A record version as its ledger entry covers it: what the write appends, and what `ledger
/// verify` rebuilds from the version row.
#[derive(Debug, Clone)]
pub struct VersionEntry {
    /// The record.
    pub record_id: String,
    /// Its patient.
    pub patient_id: String,
    /// Its author (the doctor who wrote version 1).
    pub doctor_id: String,
    /// Its type.
    pub record_type: String,
    /// The version (1 when created).
    pub version: i64,
    /// Title of this version.
    pub title: String,
    /// Notes of this version.
    pub notes: String,
    /// Who wrote this version.
    pub author_id: String,
    /// Why it was amended ("" for version 1).
    pub reason: String,
    /// When.
    pub time: String,
    /// The patient was erased: the text is gone, so `ledger verify` cannot rebuild the content
    /// and checks the rest of the entry only.
    pub erased: bool,
}

impl Ledgered for VersionEntry {
    fn content_erased(&self) -> bool {
        self.erased
    }

    fn kind(&self) -> EntryKind {
        if self.version == 1 { EntryKind::RecordCreated } else { EntryKind::RecordAmended }
    }

    fn subject_id(&self) -> String {
        self.record_id.clone()
    }

    fn ids(&self) -> Vec<(&'static str, String)> {
        vec![("record_id", self.record_id.clone()), ("patient_id", self.patient_id.clone()), ("version", self.version.to_string())]
    }

    fn actor(&self) -> String {
        self.author_id.clone()
    }

    fn time(&self) -> String {
        self.time.clone()
    }

    /// Everything that makes the version what it is (RFC 8785 canonical JSON of this object).
    fn content(&self) -> serde_json::Value {
        serde_json::json!({
            "record_id": self.record_id, "patient_id": self.patient_id, "doctor_id": self.doctor_id,
            "record_type": self.record_type, "version": self.version, "title": self.title, "notes": self.notes,
            "author_id": self.author_id, "reason": self.reason, "time": self.time,
        })
    }
}
