//! Key files shared by every copy of careledger through the data directory.
//!
//! Copies on one host (or on shared storage) that point at the same `--data-dir` read the same
//! files, so a token issued by one copy is accepted by every other (DESIGN.md, Architecture).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::config::Secret;
use crate::error::Error;
use crate::ids::{SessionId, UserId};

/// Access tokens live 15 minutes; refresh tokens renew them.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
const ISSUER: &str = "careledger";

/// Length of generated secrets: 256 bits, the HMAC-SHA-256 block-strength recommendation
/// of RFC 7518 section 3.2 for HS256.
const SECRET_LEN: usize = 32;

/// Loads the secret in `<data-dir>/keys/<name>`, creating it on first start.
///
/// Creation is race-free between copies starting at once: the secret is written to a private
/// temporary file and published with `hard_link`, which fails if another copy won, in which case
/// that copy's secret is read instead.
pub fn load_or_create_secret(data_dir: &Path, name: &str) -> anyhow::Result<Secret<Vec<u8>>> {
    let dir = data_dir.join("keys");
    crate::datadir::create_private_dir(&dir)?;
    let path = dir.join(name);
    if let Some(secret) = read_secret(&path)? {
        return Ok(secret);
    }
    let mut bytes = [0u8; SECRET_LEN];
    rand::rng().fill_bytes(&mut bytes);
    let tmp: PathBuf = dir.join(format!(".{name}.{}", uuid::Uuid::now_v7()));
    {
        let mut file = private_file(&tmp)?;
        file.write_all(hex::encode(bytes).as_bytes())?;
        file.sync_all()?;
    }
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
    read_secret(&path)?.with_context(|| format!("{} is empty", path.display()))
}

/// Loads an existing secret without creating one (for tools that must not invent keys).
pub fn load_existing_secret(data_dir: &Path, name: &str) -> anyhow::Result<Option<Secret<Vec<u8>>>> {
    read_secret(&data_dir.join("keys").join(name))
}

fn read_secret(path: &Path) -> anyhow::Result<Option<Secret<Vec<u8>>>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).with_context(|| format!("{} is not a hex-encoded key", path.display()))?;
            anyhow::ensure!(bytes.len() >= SECRET_LEN, "{} is shorter than 256 bits", path.display());
            Ok(Some(Secret::new(bytes)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)
}

/// The claims of an access token. `sid` ties it to a session row, so logging out (or an
/// admin action) revokes it at once rather than after 15 minutes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user (RFC 7519 section 4.1.2).
    pub sub: String,
    /// The session this token belongs to.
    pub sid: String,
    /// The role at issue time (informational; the database is authoritative).
    pub role: String,
    /// Issuer.
    pub iss: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// Signing keys, derived once at start from the shared key file (never per request).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// The key of sign-in tickets: derived from the token secret with its own label, so a
    /// ticket can never pass for an access token or the other way round.
    ticket_key: [u8; 32],
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

impl TokenKeys {
    /// Keys from the shared secret in the data directory.
    pub fn new(secret: &Secret<Vec<u8>>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 0;
        // Expiry is checked against the application's clock in `verify`, not the system's.
        validation.validate_exp = false;
        let ticket_key: [u8; 32] = {
            use sha2::Digest;
            sha2::Sha256::new_with_prefix(b"careledger sign-in ticket\0").chain_update(secret.expose()).finalize().into()
        };
        Self {
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
            validation,
            ticket_key,
        }
    }

    /// A short signed ticket for `payload`: base64url(payload) `.` base64url(HMAC-SHA256) (RFC
    /// 2104). It hides nothing (nothing secret goes in); it proves careledger made it.
    pub fn sign_ticket(&self, payload: &[u8]) -> Result<String, Error> {
        use base64::Engine;
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.ticket_key).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
        mac.update(payload);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        Ok(format!("{}.{}", b64.encode(payload), b64.encode(mac.finalize().into_bytes())))
    }

    /// The payload of a ticket this server signed, or `None` (altered, cut, made elsewhere).
    pub fn open_ticket(&self, ticket: &str) -> Option<Vec<u8>> {
        use base64::Engine;
        use hmac::{KeyInit, Mac};
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (payload, tag) = ticket.trim().split_once('.')?;
        let payload = b64.decode(payload).ok()?;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.ticket_key).ok()?;
        mac.update(&payload);
        mac.verify_slice(&b64.decode(tag).ok()?).ok()?;
        Some(payload)
    }

    /// Signs an access token for a session.
    pub fn issue(&self, user: UserId, role: &str, session: SessionId, now: i64) -> Result<String, Error> {
        let claims = Claims {
            sub: user.to_string(),
            sid: session.to_string(),
            role: role.into(),
            iss: ISSUER.into(),
            iat: now,
            exp: now + ACCESS_TTL_SECS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| Error::Internal(e.into()))
    }

    /// Checks signature, issuer and expiry (at `now`, seconds since the epoch); returns the
    /// user and session ids.
    pub fn verify(&self, token: &str, now: i64) -> Result<(UserId, SessionId), Error> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|_| Error::InvalidToken)?;
        if data.claims.exp <= now {
            return Err(Error::InvalidToken);
        }
        let user = data.claims.sub.parse().map_err(|_| Error::InvalidToken)?;
        let session = data.claims.sid.parse().map_err(|_| Error::InvalidToken)?;
        Ok((user, session))
    }
}

/// The server's Ed25519 key for signing block headers (RFC 8032), from the data directory.
#[derive(Clone)]
pub struct LedgerKeys {
    signing: SigningKey,
    /// The public half, published at `/api/v1/ledger/public-key`.
    pub verifying: VerifyingKey,
}

impl std::fmt::Debug for LedgerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LedgerKeys(public {})", hex::encode(self.verifying.as_bytes()))
    }
}

impl LedgerKeys {
    /// Keys from a 32-byte seed.
    pub fn from_seed(seed: &Secret<Vec<u8>>) -> anyhow::Result<Self> {
        let bytes: [u8; 32] =
            seed.expose().get(..32).and_then(|s| s.try_into().ok()).ok_or_else(|| anyhow::anyhow!("the ledger key must be 32 bytes"))?;
        let signing = SigningKey::from_bytes(&bytes);
        Ok(Self { verifying: signing.verifying_key(), signing })
    }

    /// The hex Ed25519 signature (RFC 8032) of a message (a block header's signed bytes).
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.signing.sign(message).to_bytes())
    }

    /// Whether `signature_hex` is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature_hex: &str) -> bool {
        verify_signature(&self.verifying, message, signature_hex)
    }

    /// Loads `<data-dir>/keys/ledger-signing.key`, creating it on first start.
    pub fn load(data_dir: &std::path::Path) -> anyhow::Result<Self> {
        Self::from_seed(&load_or_create_secret(data_dir, "ledger-signing.key")?)
    }
}

/// Whether `signature_hex` is an Ed25519 signature (RFC 8032, checked strictly: no malleable
/// encodings) of `message` by `key`.
pub fn verify_signature(key: &VerifyingKey, message: &[u8], signature_hex: &str) -> bool {
    let Ok(bytes) = hex::decode(signature_hex) else { return false };
    let Ok(signature) = ed25519_dalek::Signature::from_slice(&bytes) else { return false };
    key.verify_strict(message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("cl-keys-{}", uuid::Uuid::now_v7()));
        let a = load_or_create_secret(&dir, "k").map(|s| s.expose().clone()).unwrap_or_default();
        let b = load_or_create_secret(&dir, "k").map(|s| s.expose().clone()).unwrap_or_default();
        assert_eq!(a.len(), SECRET_LEN);
        assert_eq!(a, b);
        let _ = std::fs::remove_dir_all(dir);
    }
}
