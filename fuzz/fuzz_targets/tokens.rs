//! Credentials and ids from the wire: the Authorization header, access tokens (JWT, HS256),
//! session cookies, emails, ids and file hashes. Nothing may panic, and a token that differs
//! from one the server issued must never verify as someone else.
#![no_main]

use careledger::http::auth::bearer_token;
use careledger::accounts::model::Role;
use careledger::accounts::tokens::{TokenKeys, token_hash};
use careledger::config::Secret;
use careledger::ids::{Email, RecordId, SessionId, UserId};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let keys = TokenKeys::new(&Secret::new(vec![7u8; 32]));
    if let Ok(token) = bearer_token(data) {
        assert!(keys.verify(token, NOW).is_err(), "a fuzzed token verified");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(keys.verify(text, NOW).is_err(), "a fuzzed token verified");
        let _ = Email::parse(text);
        let _ = text.parse::<RecordId>();
        let _ = text.parse::<UserId>();
        let _ = text.parse::<SessionId>();
        assert_eq!(token_hash(text).len(), 64);
    }
    // Forgery: change one byte of a real token; if it still verifies, it must name the same
    // user and session (base64url can spell the same bytes two ways in its last character).
    let (user, session) = (UserId::new(), SessionId::new());
    let Ok(real) = keys.issue(user, Role::Doctor.as_str(), session, NOW) else { return };
    if let [at, value, ..] = data {
        let mut forged = real.clone().into_bytes();
        let i = *at as usize % forged.len();
        forged[i] = *value;
        if let Ok(forged) = String::from_utf8(forged)
            && let Ok(ids) = keys.verify(&forged, NOW)
        {
            assert_eq!(ids, (user, session), "a changed token verified as someone else");
        }
    }
});
