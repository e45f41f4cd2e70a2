//! Request extractors for the JSON API whose refusals are problem details with a `code`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;

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
            return Err(Error::UnsupportedMediaType);
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

/// Parses JSON, telling a syntax error (400) from a shape error (422 with the field's path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(value) => Ok(value),
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
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| Error::Malformed(format!("query string: {e}")))
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// Who is on the other end: the peer address and the browser or client name, for sign-in
/// limits and the sessions list.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    /// The peer's IP address (the load balancer's, unless it forwards the client's).
    pub ip: std::net::IpAddr,
    /// The `User-Agent` header, shortened.
    pub user_agent: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        Ok(Self { ip, user_agent })
    }
}
