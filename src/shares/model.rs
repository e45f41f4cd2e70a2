//! Share links' shapes: what a patient asks for, the link as made (with its one-time URL), the
//! link as listed (never the token), and what the link's page shows.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::records::files::FileInfo;
use crate::records::model::Record;

/// What a link shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareScope {
    /// The whole history as it stands when the link is opened (later records included).
    All,
    /// The records chosen when the link was made.
    Records,
}

impl ShareScope {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareScope::All => "all",
            ShareScope::Records => "records",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "all" => Some(ShareScope::All),
            "records" => Some(ShareScope::Records),
            _ => None,
        }
    }
}

/// Body of `POST /api/v1/shares`: exactly one of `record_ids` (a non-empty list of the
/// patient's own records) and `all: true`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewShare {
    /// The records to share (ids of the patient's own records; repeats are ignored).
    #[serde(default)]
    pub record_ids: Option<Vec<String>>,
    /// `true` to share the whole history, including records written after the link is made.
    #[serde(default)]
    pub all: Option<bool>,
    /// How long the link works, in minutes: 1 to 10080 (seven days); default 1440 (a day).
    #[serde(default)]
    pub expires_in_minutes: Option<i64>,
}

/// A link just made: the only time its URL (which holds the token) is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedShare {
    /// The link's id (for listing and revoking; not a secret).
    pub id: String,
    /// The absolute URL to give to whoever should read the records. It holds the token, the
    /// link's only secret: careledger keeps only its hash and cannot show it again.
    pub url: String,
    /// The URL as a QR code (SVG).
    pub qr_svg: String,
    /// When the link stops working (RFC 3339).
    pub expires_at: String,
    /// `all` or `records`.
    pub scope: String,
    /// The records shared (empty for `all`).
    pub record_ids: Vec<String>,
}

impl CreatedShare {}

/// A link as its patient lists it (no token, no URL).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShareLink {
    /// The link's id.
    pub id: String,
    /// `all` or `records`.
    pub scope: String,
    /// The records shared (empty for `all`).
    pub record_ids: Vec<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it stops (or stopped) working.
    pub expires_at: String,
    /// When the patient revoked it, if they did.
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    /// How many times it was opened while it worked.
    pub views: i64,
    /// When it was last opened.
    pub last_viewed_at: Option<String>,
}

impl ShareLink {
    /// What it shows, for people.
    pub fn what(&self) -> String {
        match self.scope.as_str() {
            "all" => "Whole history".into(),
            _ if self.record_ids.len() == 1 => "1 record".into(),
            _ => format!("{} records", self.record_ids.len()),
        }
    }
}

/// A stored link, as the store reads it.
#[derive(Debug, Clone)]
pub struct StoredShare {
    /// Id.
    pub id: String,
    /// Whose records.
    pub patient_id: String,
    /// `all` or `records`.
    pub scope: String,
    /// Made at.
    pub created_at: String,
    /// Ends at.
    pub expires_at: String,
    /// Revoked at.
    pub revoked_at: Option<String>,
    /// Views while it worked.
    pub views: i64,
    /// Last view.
    pub last_viewed_at: Option<String>,
}

/// One shared record as the link's page shows it: the record (latest version) and its files'
/// names.
#[derive(Debug, Clone)]
pub struct SharedRecord {
    /// The record.
    pub record: Record,
    /// Its attachments (listed, not downloadable through the link).
    pub files: Vec<FileInfo>,
}

/// What a working link shows.
#[derive(Debug, Clone)]
pub struct SharedView {
    /// The patient's name.
    pub patient_name: String,
    /// `all` or `records`.
    pub scope: ShareScope,
    /// Until when the link works (RFC 3339).
    pub expires_at: String,
    /// The records, newest first.
    pub records: Vec<SharedRecord>,
    /// Whether there were more records than one page shows.
    pub truncated: bool,
}

impl SharedView {}
