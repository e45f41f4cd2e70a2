//! API access tokens (JWT, RFC 7519, HS256; keys in `crate::keys`) and opaque secrets (refresh
//! tokens, session cookies).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};

pub use crate::keys::{ACCESS_TTL_SECS, Claims, TokenKeys};

/// A refresh token is good for 14 days, unless spent or its session revoked first.
pub const REFRESH_TTL_SECS: i64 = 14 * 24 * 60 * 60;

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
    use crate::accounts::Role;
    use crate::config::Secret;
    use crate::error::Error;
    use crate::ids::{SessionId, UserId};

    #[test]
    fn tokens_verify_only_with_their_key_and_before_expiry() -> Result<(), Error> {
        let keys = TokenKeys::new(&Secret::new(vec![7u8; 32]));
        let other = TokenKeys::new(&Secret::new(vec![8u8; 32]));
        let (u, s) = (UserId::new(), SessionId::new());
        let now = chrono::Utc::now().timestamp();
        let t = keys.issue(u, Role::Doctor.as_str(), s, now)?;
        assert_eq!(keys.verify(&t, now)?, (u, s));
        assert!(other.verify(&t, now).is_err());
        assert!(keys.verify(&t, now + ACCESS_TTL_SECS).is_err(), "expired at exp");
        let expired = keys.issue(u, Role::Doctor.as_str(), s, now - ACCESS_TTL_SECS - 1)?;
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
