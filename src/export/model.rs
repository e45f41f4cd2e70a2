//! What an export gathers from the other domains before it is written as FHIR: the patient,
//! their records with every version and file, their consents, their care team and their access
//! log, each as its own domain reads it.

use crate::accounts::model::User;
use crate::audit::AccessLogItem;
use crate::care_team::model::{Consent, Member};
use crate::chart::model::{Allergy, Problem};
use crate::prescriptions::model::Prescription;
use crate::records::files::FileInfo;
use crate::records::model::{Record, RecordVersion};

/// One of the patient's records, with its history and its files.
#[derive(Debug, Clone)]
pub struct ExportedRecord {
    /// The record as it stands (its latest version).
    pub record: Record,
    /// Every version, oldest first (the last is the record as it stands).
    pub versions: Vec<RecordVersion>,
    /// Its files in attachment order, with their bytes (checked against their SHA-256).
    pub files: Vec<(FileInfo, Vec<u8>)>,
}

/// A doctor the export names (an author, a consent's grantee, a care-team member).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Doctor {
    /// Their id.
    pub id: String,
    /// Their name.
    pub name: String,
}

/// Everything careledger holds about one patient, read for their export.
#[derive(Debug, Clone)]
pub struct Holdings {
    /// The patient's account.
    pub patient: User,
    /// When the export was made (RFC 3339).
    pub at: String,
    /// Their records, newest first.
    pub records: Vec<ExportedRecord>,
    /// Every doctor named anywhere in the export, once each, by id.
    pub doctors: Vec<Doctor>,
    /// The consents they granted, ended ones included, newest first.
    pub consents: Vec<Consent>,
    /// Their care team as it stands.
    pub care_team: Vec<Member>,
    /// Who accessed their data (their access log), newest first.
    pub access_log: Vec<AccessLogItem>,
    /// Their recorded allergies, newest first.
    pub allergies: Vec<Allergy>,
    /// Their problem list, newest first.
    pub problems: Vec<Problem>,
    /// Their prescriptions (each as it stands), newest first.
    pub prescriptions: Vec<Prescription>,
}
