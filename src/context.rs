//! The context every domain service takes: the database, the clock, the settings and the keys.
//! Small and cheap to clone; it knows nothing of HTTP, so the command line, the background
//! sealer and the web handlers call the same services with it.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Settings;
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::files::FileStore;
use crate::hasher::Hasher;
use crate::keys::{LedgerKeys, TokenKeys};
use crate::mail::Mailer;

/// What a domain service may reach. Holds no per-user truth (that is in the database), so any
/// number of copies can serve behind a load balancer.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The database.
    pub db: Db,
    /// Resolved settings.
    pub settings: Arc<Settings>,
    /// The clock (tests move it; production reads the system time). The only source of "now".
    pub clock: Clock,
    /// Attached files, content-addressed.
    pub files: FileStore,
    /// The ledger's signing key.
    pub ledger: Arc<LedgerKeys>,
    /// Access-token keys, derived once at start.
    pub tokens: Arc<TokenKeys>,
    /// The key TOTP secrets are stored under (`<data-dir>/keys/totp-secrets.key`).
    pub totp_key: Arc<FieldKey>,
    /// The master keyring, the patients' data keys and the blind index key.
    pub vault: Arc<crate::vault::Vault>,
    /// Account emails, when SMTP is configured.
    pub mailer: Option<Mailer>,
    /// Password hashing, bounded to one job per core.
    pub passwords: Hasher,
    /// An Argon2id hash of a random password, verified against when an email is unknown so
    /// that sign-in time does not tell which accounts exist.
    pub dummy_hash: Arc<str>,
}
