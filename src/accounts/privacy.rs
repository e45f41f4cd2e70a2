//! The privacy notice people accept when they register (GDPR article 13: what is processed, why,
//! for how long, and the person's rights), and the record of that acceptance.

use crate::db::Db;
use crate::error::Error;
use crate::ids::UserId;

/// The version of the notice in force (`templates/privacy.html`). A new text gets a new
/// version; each account keeps the version it accepted and when.
pub const NOTICE_VERSION: &str = "2026-11-27";

/// What an account accepted: the notice's version and when (accounts made before acceptance
/// was recorded have none).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Acceptance {
    /// The notice's version.
    pub version: String,
    /// When (RFC 3339).
    pub accepted_at: String,
}

impl Acceptance {}

/// The acceptance recorded for an account, if any.
pub async fn acceptance(db: &Db, user: UserId) -> Result<Option<Acceptance>, Error> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT privacy_notice, privacy_accepted_at FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&db.pool)
            .await?;
    Ok(match row {
        Some((Some(version), Some(accepted_at))) => Some(Acceptance { version, accepted_at }),
        _ => None,
    })
}
