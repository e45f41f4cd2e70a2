//! API access tokens (JWT, RFC 7519, HS256) and opaque secrets (refresh tokens, session cookies).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::accounts::Role;
use crate::config::Secret;
use crate::error::Error;
use crate::ids::{SessionId, UserId};

/// Access tokens live 15 minutes; refresh tokens renew them.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
/// A refresh token is good for 14 days, unless spent or its session revoked first.
pub const REFRESH_TTL_SECS: i64 = 14 * 24 * 60 * 60;
const ISSUER: &str = "careledger";

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
        Self { encoding: EncodingKey::from_secret(secret.expose()), decoding: DecodingKey::from_secret(secret.expose()), validation }
    }

    /// Signs an access token for a session.
    pub fn issue(&self, user: UserId, role: Role, session: SessionId, now: i64) -> Result<String, Error> {
        let claims = Claims {
            sub: user.to_string(),
            sid: session.to_string(),
            role: role.as_str().into(),
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

/// A new 256-bit random secret, URL-safe base64 (refresh tokens, cookies, CSRF tokens).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for an opaque token: its SHA-256, hex. A stolen database copy gives no
/// usable tokens; no salt is needed since the tokens themselves are 256-bit random.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_key_and_before_expiry() -> Result<(), Error> {
        let keys = TokenKeys::new(&Secret::new(vec![7u8; 32]));
        let other = TokenKeys::new(&Secret::new(vec![8u8; 32]));
        let (u, s) = (UserId::new(), SessionId::new());
        let now = chrono::Utc::now().timestamp();
        let t = keys.issue(u, Role::Doctor, s, now)?;
        assert_eq!(keys.verify(&t, now)?, (u, s));
        assert!(other.verify(&t, now).is_err());
        assert!(keys.verify(&t, now + ACCESS_TTL_SECS).is_err(), "expired at exp");
        let expired = keys.issue(u, Role::Doctor, s, now - ACCESS_TTL_SECS - 1)?;
        assert!(keys.verify(&expired, now).is_err());
        assert!(keys.verify("not.a.token", now).is_err());
        Ok(())
    }

    #[test]
    fn random_tokens_differ_and_hash_stably() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_eq!(token_hash(&a).len(), 64);
    }
}
