//! Every query string careledger reads: record filters (ids, dates, type, text), paging
//! (limit and the opaque cursor), user filters, ledger paging and consistency sizes. Parsed as
//! the handlers parse them; refusals must be 4xx problems. Cursors must round-trip.
#![no_main]

use axum::response::IntoResponse;
use careledger::error::Validator;
use careledger::pagination::{PageParams, PageRequest};
use libfuzzer_sys::fuzz_target;

fn client_error(e: careledger::Error) {
    let status = e.into_response().status();
    assert!(status.is_client_error(), "a query parse error answered {status}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    if let Ok(filter) = serde_urlencoded::from_str::<careledger::records::model::RecordFilter>(query)
        && let Err(e) = careledger::records::service::parse_filter(&filter)
    {
        client_error(e);
    }
    if let Ok(page) = serde_urlencoded::from_str::<PageParams>(query) {
        let mut v = Validator::default();
        let request = PageRequest::parse(&page, &mut v);
        assert!((1..=200).contains(&request.limit));
        if let Err(e) = v.finish() {
            client_error(e);
        }
        // A cursor this server issues for a key parses back to that key.
        if let Some(key) = request.after {
            let next = PageRequest { limit: 1, after: None }.finish(vec![key.clone(), key.clone()], |k| k.clone());
            let again = PageRequest::parse(&PageParams { limit: None, cursor: next.next_cursor }, &mut Validator::default());
            assert_eq!(again.after, Some(key));
        }
    }
    if let Ok(users) = serde_urlencoded::from_str::<careledger::accounts::admin::UserQuery>(query) {
        let mut v = Validator::default();
        careledger::accounts::admin::parse_query(&users, &mut v);
        if let Err(e) = v.finish() {
            client_error(e);
        }
    }
    if let Ok(blocks) = serde_urlencoded::from_str::<careledger::ledger::api::BlocksQuery>(query) {
        match blocks.parse() {
            Ok((_, limit)) => assert!((1..=200).contains(&limit)),
            Err(e) => client_error(e),
        }
    }
    if let Ok(sizes) = serde_urlencoded::from_str::<careledger::ledger::api::ConsistencyQuery>(query)
        && let Err(e) = sizes.parse()
    {
        client_error(e);
    }
});
