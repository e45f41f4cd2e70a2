//! Every JSON request body careledger accepts: parsed as the API parses it (syntax 400 vs shape
//! 422 naming the field), validated where validation needs no database, and every refusal
//! rendered as the problem response a client would get. Nothing may panic.
#![no_main]

use axum::response::IntoResponse;
use careledger::Error;
use careledger::http::extract::parse_json;
use libfuzzer_sys::fuzz_target;

fn parse<T: serde::de::DeserializeOwned>(data: &[u8]) -> Option<T> {
    match parse_json::<T>(data) {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(matches!(e, Error::Validation(_) | Error::Malformed(_)), "unexpected refusal {e:?}");
            let status = e.into_response().status();
            assert!(status.is_client_error(), "a body parse error answered {status}");
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(r) = parse::<careledger::accounts::service::Registration>(data)
        && let Err(e) = careledger::accounts::service::validate_registration(&r)
    {
        assert!(e.into_response().status().is_client_error());
    }
    if let Some(login) = parse::<careledger::accounts::api::Login>(data) {
        let _ = careledger::ids::Email::parse(&login.email);
    }
    parse::<careledger::accounts::api::Refresh>(data);
    parse::<careledger::accounts::api::MfaCode>(data);
    parse::<careledger::accounts::admin::RoleChange>(data);
    if let Some(p) = parse::<careledger::accounts::sessions::PasswordChange>(data) {
        let _ = careledger::accounts::password::weakness(&p.new_password, &[]);
    }
    parse::<careledger::records::model::NewRecord>(data);
    parse::<careledger::records::service::Amendment>(data);
});
