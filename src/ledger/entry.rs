//! Ledger entries: their kinds, what domains put in them ([`Ledgered`]), and their canonical
//! bytes: RFC 8785 JSON Canonicalization Scheme (JCS).
//!
//! Entries hold only strings and integers, for which JCS is: object members sorted by key
//! (UTF-16 code units; every key here is ASCII), no insignificant white space, strings escaped
//! as ECMAScript's JSON.stringify does (which serde_json's escaping matches), integers in plain
//! decimal. Floats are refused, so no number formatting question can arise.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The canonical (RFC 8785) serialisation of a JSON value made of objects, arrays, strings,
/// integers, booleans and null.
pub fn canonical(value: &Value) -> Result<String, Error> {
    let mut out = String::new();
    write(value, &mut out)?;
    Ok(out)
}

fn write(value: &Value, out: &mut String) -> Result<(), Error> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_i64() || n.is_u64() => out.push_str(&n.to_string()),
        Value::Number(_) => return Err(Error::Internal(anyhow::anyhow!("ledger entries hold no floats"))),
        Value::String(s) => out.push_str(&serde_json::to_string(s).map_err(|e| Error::Internal(e.into()))?),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sort by UTF-16 code units, as RFC 8785 section 3.2.3 says.
            let sorted: BTreeMap<Vec<u16>, (&String, &Value)> = map.iter().map(|(k, v)| (k.encode_utf16().collect(), (k, v))).collect();
            out.push('{');
            for (i, (_, (k, v))) in sorted.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).map_err(|e| Error::Internal(e.into()))?);
                out.push(':');
                write(v, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// SHA-256 of the canonical form of some content, lowercase hex. Entries carry this, never
/// the content itself (so erasing content leaves the log verifiable).
pub fn content_sha256(content: &Value) -> Result<String, Error> {
    Ok(hex::encode(Sha256::digest(canonical(content)?.as_bytes())))
}

/// The kinds of entry: one per kind of clinical write. Written into the entry as text (the
/// names are part of every entry's bytes, so they never change).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A record's first version.
    RecordCreated,
    /// A later version of a record.
    RecordAmended,
    /// A file attached to a record.
    FileAttached,
    /// A staff account approved by an admin.
    StaffApproved,
    /// A staff member's role changed by an admin.
    RoleChanged,
    /// A doctor added to a patient's care team (by referral or by the patient).
    CareTeamAdded,
    /// A doctor removed from a patient's care team.
    CareTeamRemoved,
    /// A tree head of the audit trail (its size and root), so the trail is as tamper-evident
    /// as the ledger.
    AuditCheckpoint,
    /// A patient's data erased (their data key destroyed, their files deleted).
    PatientErased,
    /// An allergy written in a patient's chart.
    AllergyRecorded,
    /// A problem written in a patient's problem list.
    ProblemRecorded,
    /// A prescription issued (its first version, signed).
    PrescriptionIssued,
    /// A prescription changed by its author within the hour (a later version, signed).
    PrescriptionChanged,
    /// A prescription dispensed by the pharmacy (the batches taken).
    PrescriptionDispensed,
    /// A lab test ordered by a doctor.
    LabOrdered,
    /// A lab result posted by lab staff.
    LabResulted,
    /// An appointment booked.
    AppointmentBooked,
    /// An appointment moved, cancelled or taken through the queue.
    AppointmentChanged,
}

impl EntryKind {
    /// Every kind.
    pub const ALL: [EntryKind; 18] = [
        EntryKind::RecordCreated,
        EntryKind::RecordAmended,
        EntryKind::FileAttached,
        EntryKind::StaffApproved,
        EntryKind::RoleChanged,
        EntryKind::CareTeamAdded,
        EntryKind::CareTeamRemoved,
        EntryKind::AuditCheckpoint,
        EntryKind::PatientErased,
        EntryKind::AllergyRecorded,
        EntryKind::ProblemRecorded,
        EntryKind::PrescriptionIssued,
        EntryKind::PrescriptionChanged,
        EntryKind::PrescriptionDispensed,
        EntryKind::LabOrdered,
        EntryKind::LabResulted,
        EntryKind::AppointmentBooked,
        EntryKind::AppointmentChanged,
    ];

    /// The name written in entries.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::RecordCreated => "record_created",
            EntryKind::RecordAmended => "record_amended",
            EntryKind::FileAttached => "file_attached",
            EntryKind::StaffApproved => "staff_approved",
            EntryKind::RoleChanged => "role_changed",
            EntryKind::CareTeamAdded => "care_team_added",
            EntryKind::CareTeamRemoved => "care_team_removed",
            EntryKind::AuditCheckpoint => "audit_checkpoint",
            EntryKind::PatientErased => "patient_erased",
            EntryKind::AllergyRecorded => "allergy_recorded",
            EntryKind::ProblemRecorded => "problem_recorded",
            EntryKind::PrescriptionIssued => "prescription_issued",
            EntryKind::PrescriptionChanged => "prescription_changed",
            EntryKind::PrescriptionDispensed => "prescription_dispensed",
            EntryKind::LabOrdered => "lab_ordered",
            EntryKind::LabResulted => "lab_resulted",
            EntryKind::AppointmentBooked => "appointment_booked",
            EntryKind::AppointmentChanged => "appointment_changed",
        }
    }

    /// A kind from its name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a domain puts in the ledger. Each domain's ledgered content implements it (a record
/// version, an attachment, a staff change, ...): the write builds it to append, and `ledger
/// verify` rebuilds it from the rows to check the entry still matches them.
pub trait Ledgered: Send + Sync {
    /// The entry's kind.
    fn kind(&self) -> EntryKind;
    /// The main thing the entry is about (record or user id), for lookups.
    fn subject_id(&self) -> String;
    /// Ids involved, by name (`record_id`, `patient_id`, `user_id`, ...).
    fn ids(&self) -> Vec<(&'static str, String)>;
    /// Who did it (a user id).
    fn actor(&self) -> String;
    /// When (stored RFC 3339 time).
    fn time(&self) -> String;
    /// The content whose SHA-256 the entry carries (never the content itself, so erasing it
    /// leaves the log verifiable).
    fn content(&self) -> Value;
    /// Whether the content was destroyed (an erased patient's): `ledger verify` then checks
    /// the entry's kind, ids, actor and time against the row, and takes the content hash as
    /// the entry states it.
    fn content_erased(&self) -> bool {
        false
    }
}

/// What a clinical write appends: a [`Ledgered`] value reduced to the entry's fields.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The kind.
    pub kind: EntryKind,
    /// The main thing the entry is about (record or user id), for lookups.
    pub subject_id: String,
    /// Ids involved, by name.
    pub ids: Vec<(&'static str, String)>,
    /// Who did it.
    pub actor: String,
    /// When (RFC 3339).
    pub time: String,
    /// SHA-256 of the stored content's canonical form.
    pub content_sha256: String,
}

impl NewEntry {
    /// The entry for a domain's ledgered content.
    pub fn of(item: &dyn Ledgered) -> Result<Self, Error> {
        Ok(Self {
            kind: item.kind(),
            subject_id: item.subject_id(),
            ids: item.ids(),
            actor: item.actor(),
            time: item.time(),
            content_sha256: content_sha256(&item.content())?,
        })
    }

    /// The entry's canonical bytes at position `index` of the log.
    pub fn encode(&self, index: i64) -> Result<String, Error> {
        let mut ids = serde_json::Map::new();
        for (k, v) in &self.ids {
            ids.insert((*k).to_string(), Value::String(v.clone()));
        }
        canonical(&serde_json::json!({
            "index": index,
            "kind": self.kind.as_str(),
            "ids": ids,
            "actor": self.actor,
            "time": self.time,
            "content_sha256": self.content_sha256,
        }))
    }
}

/// Where the entry covering a domain's row is: rows that keep their entry's index name it;
/// older rows that do not are found by kind, subject and time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EntryRef {
    /// The entry at this index.
    Index(i64),
    /// The entry of this kind about this subject written at this time.
    At(EntryKind, String, String),
}

/// One row a domain has put in the ledger, rebuilt as it stands now.
pub struct Declared {
    /// The entry that covers it.
    pub entry: EntryRef,
    /// The ledgered content, from the row.
    pub item: Box<dyn Ledgered>,
    /// How a problem names the row (`record … version 2`).
    pub row: String,
}

/// What a domain declares it has put in the ledger, for `ledger verify`: its rows, and the
/// problems only it can see (a record whose current text is not its latest proven version, a
/// file whose bytes changed).
#[derive(Default)]
pub struct Declaration {
    /// Rows covered by entries.
    pub rows: Vec<Declared>,
    /// Problems found by the domain's own checks.
    pub problems: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8785_example_without_numbers() -> Result<(), Error> {
        // RFC 8785 section 3.2.2's example, less its floats (which entries never hold).
        let input: Value =
            serde_json::from_str(r#"{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}"#)
                .map_err(|e| Error::Internal(e.into()))?;
        assert_eq!(canonical(&input)?, r#"{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}"#);
        Ok(())
    }

    #[test]
    fn keys_sort_by_utf16_and_floats_are_refused() -> Result<(), Error> {
        let v = serde_json::json!({"b": 1, "a": {"z": [2, "x"], "y": null}, "\u{e9}": true});
        assert_eq!(canonical(&v)?, r#"{"a":{"y":null,"z":[2,"x"]},"b":1,"é":true}"#);
        assert!(canonical(&serde_json::json!({"f": 1.5})).is_err());
        Ok(())
    }
}
