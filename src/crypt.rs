//! Values encrypted at rest in a column (TOTP secrets): XChaCha20-Poly1305 (RFC 8439 with the
//! extended 192-bit nonce of draft-irtf-cfrg-xchacha, so random nonces are safe), the row's
//! identity as associated data so a value copied to another row does not decrypt, and a
//! versioned text form `v1:<base64url(nonce || ciphertext || tag)>`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::Rng;

use crate::config::Secret;
use crate::error::Error;

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;
/// The first bytes of a sealed blob.
const BLOB_TAG: &[u8] = b"CLE1";

/// A 256-bit key for column values, from a key file. `Debug` never shows it.
#[derive(Clone)]
pub struct FieldKey(XChaCha20Poly1305);

impl std::fmt::Debug for FieldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldKey([redacted])")
    }
}

impl FieldKey {
    /// The key in a secret of at least 32 bytes.
    pub fn new(secret: &Secret<Vec<u8>>) -> anyhow::Result<Self> {
        let bytes = secret.expose().get(..32).ok_or_else(|| anyhow::anyhow!("a field key must be 32 bytes"))?;
        Ok(Self(XChaCha20Poly1305::new_from_slice(bytes).map_err(|_| anyhow::anyhow!("a field key must be 32 bytes"))?))
    }

    /// Loads `<data-dir>/keys/<name>`, creating it on first start (shared by copies like the
    /// other key files).
    pub fn load(data_dir: &std::path::Path, name: &str) -> anyhow::Result<Self> {
        Self::new(&crate::keys::load_or_create_secret(data_dir, name)?)
    }

    /// Encrypts `plain` for the row named by `context` (e.g. `totp:<user id>`).
    pub fn seal(&self, plain: &str, context: &str) -> Result<String, Error> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(&XNonce::from(nonce), Payload { msg: plain.as_bytes(), aad: context.as_bytes() })
            .map_err(|_| Error::Internal(anyhow::anyhow!("encryption failed")))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Decrypts a value [`FieldKey::seal`] made for the same `context`. A value that does not
    /// open (another key, another row, edited) is an internal error: the stored data or the key
    /// file is wrong, not the request.
    pub fn open(&self, stored: &str, context: &str) -> Result<Secret<String>, Error> {
        let broken = || Error::Internal(anyhow::anyhow!("an encrypted column value does not open with this key"));
        let raw = stored.strip_prefix(PREFIX).ok_or_else(broken)?;
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| broken())?;
        if bytes.len() < NONCE_LEN {
            return Err(broken());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| broken())?;
        let plain = self.0.decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: context.as_bytes() }).map_err(|_| broken())?;
        String::from_utf8(plain).map(Secret::new).map_err(|_| broken())
    }

    /// Encrypts bytes (a file) for the thing named by `context`: `nonce || ciphertext || tag`,
    /// after a four-byte format tag, so a sealed blob is told from an older clear one.
    pub fn seal_bytes(&self, plain: &[u8], context: &str) -> Result<Vec<u8>, Error> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad: context.as_bytes() })
            .map_err(|_| Error::Internal(anyhow::anyhow!("encryption failed")))?;
        let mut out = Vec::with_capacity(BLOB_TAG.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(BLOB_TAG);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts bytes [`FieldKey::seal_bytes`] made for the same `context`; `None` when they do
    /// not open (another key or context, or edited).
    pub fn open_bytes(&self, stored: &[u8], context: &str) -> Option<Vec<u8>> {
        let rest = stored.strip_prefix(BLOB_TAG)?;
        if rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.0.decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: context.as_bytes() }).ok()
    }

    /// Whether a stored value is in the encrypted form (older releases stored some in clear).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_open_only_with_their_key_and_row() -> Result<(), Error> {
        let key = FieldKey::new(&Secret::new(vec![9u8; 32])).map_err(Error::Internal)?;
        let other = FieldKey::new(&Secret::new(vec![8u8; 32])).map_err(Error::Internal)?;
        let sealed = key.seal("JBSWY3DPEHPK3PXP", "totp:a")?;
        assert!(FieldKey::is_sealed(&sealed) && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, key.seal("JBSWY3DPEHPK3PXP", "totp:a")?, "a fresh nonce each time");
        assert_eq!(key.open(&sealed, "totp:a")?.expose(), "JBSWY3DPEHPK3PXP");
        assert!(key.open(&sealed, "totp:b").is_err(), "bound to its row");
        assert!(other.open(&sealed, "totp:a").is_err(), "bound to its key");
        let mut edited = sealed.clone();
        edited.replace_range(10..11, if &sealed[10..11] == "A" { "B" } else { "A" });
        assert!(key.open(&edited, "totp:a").is_err(), "authenticated");
        assert!(key.open("JBSWY3DPEHPK3PXP", "totp:a").is_err());
        assert!(format!("{key:?}").contains("redacted"));
        Ok(())
    }
}
