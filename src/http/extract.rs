//! Request extractors for the JSON API whose refusals are problem details with a `code`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;

use crate::client::ClientInfo;
use crate::error::{Error, FieldError};

/// A JSON body. Not JSON: 415 `unsupported_media_type`; not well-formed: 400 `malformed_body`;
/// wrong shape (missing field, wrong type): 422 `validation_failed` naming the field; over the
/// body limit: 413 `payload_too_large`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Error::UnsupportedMediaType("Send the body as application/json."));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::Malformed("the body could not be read".into())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// What a refused NUL says: PostgreSQL cannot store U+0000 in text at all, and no clinical
/// text needs it, so it is refused the same way on both databases, before any query.
pub const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// Where a JSON value holds a NUL (in a string or a member name), as a path like `notes` or
/// `items[2].title`.
fn nul_path(v: &serde_json::Value, at: &str) -> Option<String> {
    match v {
        serde_json::Value::String(s) if s.contains('\0') => Some(if at.is_empty() { "body".into() } else { at.to_string() }),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| nul_path(x, &format!("{at}[{i}]"))),
        serde_json::Value::Object(members) => members.iter().find_map(|(k, x)| {
            let here = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
            if k.contains('\0') { Some(here) } else { nul_path(x, &here) }
        }),
        _ => None,
    }
}

/// Refuses a JSON body holding a NUL anywhere (422 naming the field).
fn refuse_nul_in_json(bytes: &[u8]) -> Result<(), Error> {
    // JSON can only carry U+0000 escaped; only a body with that escape is looked at closely.
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(bytes).ok().and_then(|v| nul_path(&v, "")) {
        Some(field) => Err(Error::Validation(vec![FieldError::new(field, NUL_MESSAGE)])),
        None => Ok(()),
    }
}

/// Refuses form-encoded text (a query string or a form body) holding a NUL: 422 naming the
/// parameter.
pub fn refuse_nul_in_form(encoded: &[u8]) -> Result<(), Error> {
    if !encoded.contains(&0) && !encoded.windows(3).any(|w| w == b"%00") {
        return Ok(());
    }
    let field = url::form_urlencoded::parse(encoded)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', "\u{FFFD}"))
        .unwrap_or_else(|| "query".into());
    Err(Error::Validation(vec![FieldError::new(field, NUL_MESSAGE)]))
}

/// Parses JSON, telling a syntax error (400) from a shape error (422 with the field's path);
/// a NUL in any string is a 422 too.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        // Every request body is an object: serde would also fill a struct from an array of its
        // fields in order (`["<doctor id>"]`), which is not what the API documents.
        Ok(_) if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') => {
            Err(Error::Validation(vec![FieldError::new("body", "the body must be a JSON object")]))
        }
        Ok(value) => refuse_nul_in_json(bytes).map(|()| value),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let message = inner.to_string();
                    let message = message.split(" at line ").next().unwrap_or(&message).to_string();
                    // A missing field is reported at its parent; name the field itself.
                    let field = match message.strip_prefix("missing field `") {
                        Some(rest) => rest.trim_end_matches('`').to_string(),
                        None if path == "." => "body".to_string(),
                        None => path,
                    };
                    Err(Error::Validation(vec![FieldError::new(field, message)]))
                }
                _ => Err(Error::Malformed("not well-formed JSON".into())),
            }
        }
    }
}

/// A path parameter parsed into a newtype. An id that does not parse cannot name anything the
/// caller may see, so it answers 404 `not_found` like an unknown one (no probing of ids).
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|_| Error::NotFound("not_found"))
    }
}

/// Query parameters. Fields are strings parsed by the service, so a bad value is a 422 that
/// names it; a query string that is not even form-encoded is a 400.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query).map(ApiQuery).map_err(|e| Error::Malformed(format!("query string: {e}")))
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// Reads the peer address and `User-Agent` of the request.
impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let user_agent =
            // Bytes that are not UTF-8 (headers may carry Latin-1) become replacement
            // characters, so that a client cannot blank its name in the audit trail with one
            // odd byte; control characters are dropped.
            parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
        Ok(Self { ip, user_agent })
    }
}

/// The request's audit note (see `audit::note`), for a handler on a public audited route
/// (sign-in) whose service names the account acting; signed-in routes reach it through the
/// `Actor`. Never refuses: a route the guard does not audit gets a note nobody reads.
impl<S: Send + Sync> FromRequestParts<S> for crate::audit::note::AuditNote {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().cloned().unwrap_or_default())
    }
}
