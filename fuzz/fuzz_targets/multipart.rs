//! File uploads: a multipart/form-data body (RFC 7578) read exactly as the upload route reads
//! it, then the file type sniffed from its bytes and the name cleaned and put in a download
//! header. Broken bodies must be refused, never panic.
#![no_main]

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::Request;
use axum::response::IntoResponse;
use careledger::records::files::{clean_filename, content_disposition, read_upload, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else { return };
    let Ok(request) = Request::builder()
        .method("POST")
        .header("content-type", "multipart/form-data; boundary=careledger-fuzz")
        .body(Body::from(data.to_vec()))
    else {
        return;
    };
    rt.block_on(async {
        let Ok(multipart) = Multipart::from_request(request, &()).await else { return };
        match read_upload(multipart).await {
            Ok((name, bytes)) => {
                let _ = sniff(&bytes);
                // The stored name and the download header: no control or format character
                // survives, and the header is always a valid HTTP header value.
                let clean = clean_filename(&name);
                assert!(!clean.chars().any(|c| c.is_control() || c == '\u{202E}' || c == '\u{200B}'), "{clean:?}");
                let header = content_disposition(&name);
                assert!(axum::http::HeaderValue::from_str(&header).is_ok(), "{header:?}");
            }
            Err(e) => assert!(e.into_response().status().is_client_error()),
        }
    });
});
