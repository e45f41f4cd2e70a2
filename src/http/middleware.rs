//! Cross-cutting layers: request ids, structured request logs without patient data, metrics,
//! and the opaque bodies of 5xx responses.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::http::pages::{HtmlFailure, Nav};
use crate::http::problem::{OpaqueFailure, opaque_problem};
use crate::http::state::AppState;

/// The header carrying the request id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids are UUIDv7: unique across copies and sortable by time.
#[derive(Clone, Copy, Debug, Default)]
pub struct MakeUuidV7;

impl MakeRequestId for MakeUuidV7 {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string()).ok().map(RequestId::new)
    }
}

/// Keeps a client's `X-Request-Id` only when it is a short safe token (letters, digits, `.`,
/// `_`, `-`; at most 64): anything else is dropped before the id layer, which then makes a new
/// one, so a forged id can neither write fake fields into the logs nor come back in the answer.
pub async fn safe_request_id(mut req: Request) -> Request {
    let unsafe_id = req.headers().get_all(REQUEST_ID).iter().count() > 1
        || req.headers().get(REQUEST_ID).is_some_and(|v| !is_safe_request_id(v.as_bytes()));
    if unsafe_id {
        req.headers_mut().remove(REQUEST_ID);
    }
    req
}

/// Whether a request id is a short safe token.
pub fn is_safe_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Wraps each request in a span (method, route template, request id; never the query string,
/// which may hold search text) and records metrics; fills in opaque 5xx bodies.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = %route,
        request_id = %request_id,
        user_id = tracing::field::Empty,
    );
    let response = {
        use tracing::Instrument;
        next.run(req).instrument(span.clone()).await
    };
    let status = response.status();
    let response = match response.extensions().get::<OpaqueFailure>().cloned() {
        // A page's failure that the page layer did not draw (it never reached it).
        Some(_) if response.extensions().get::<HtmlFailure>().is_some() => crate::http::render::draw_error(
            Nav::anonymous(&state, crate::http::auth::BrowserLang(crate::i18n::Lang::En)),
            status,
            &crate::http::render::Said::Message("error-internal", Vec::new()),
            Some(request_id.clone()),
        ),
        Some(failure) => opaque_problem(status, failure.code, Some(request_id.clone())),
        None => response,
    };
    let elapsed = started.elapsed();
    state.metrics.record(method.as_str(), &route, status.as_u16(), elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(status = status.as_u16(), latency_ms = elapsed.as_secs_f64() * 1000.0, "request finished");
    });
    response.into_response()
}

/// Refuses a NUL (U+0000) anywhere in the URL before any handler or query runs: PostgreSQL
/// cannot hold it in text, so without this a `%00` in a search or an id answered 500 there
/// while SQLite stored it. A NUL in the path can name nothing: 404. In the query string: 422
/// naming the parameter. (Bodies are checked by the JSON and form extractors.)
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let api = uri.path().starts_with("/api/") || uri.path().starts_with("/fhir/");
    let refusal = if uri.path().contains("%00") {
        Some(crate::error::Error::NotFound("not_found"))
    } else {
        uri.query().and_then(|q| crate::http::extract::refuse_nul_in_form(q.as_bytes()).err())
    };
    match refusal {
        None => next.run(req).await,
        Some(e) if api => e.into_response(),
        Some(e) => crate::http::pages::PageError(e).into_response(),
    }
}

/// Content-Security-Policy for every answer: nothing inline, nothing from elsewhere, no
/// framing (CSP Level 3; `frame-ancestors 'none'` supersedes X-Frame-Options).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// The same policy for Swagger UI at `/docs`, which also needs inline styles.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Security headers on every answer (OWASP Secure Headers Project), and HSTS (RFC 6797)
/// when careledger serves TLS itself or is told it sits behind TLS.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/docs");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    };
    // Swagger UI sets inline styles (never inline scripts); only its pages allow them.
    set(h, "content-security-policy", if docs { DOCS_CSP } else { CSP });
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    // `same-origin`, not `no-referrer`: nothing leaks to other sites, and browsers keep sending
    // this site's own Origin on its form posts (under `no-referrer` they send `Origin: null`).
    // A page with a secret in its own address (a share link) sets `no-referrer` itself.
    if !h.contains_key(axum::http::header::REFERRER_POLICY) {
        set(h, "referrer-policy", "same-origin");
    }
    set(h, "permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
    set(h, "cross-origin-opener-policy", "same-origin");
    // Clinical pages and API answers must not linger in shared or browser caches (RFC 9111
    // section 5.2.2.5); the stylesheet sets its own caching.
    if !h.contains_key(axum::http::header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    if state.settings.tls.is_some() || state.settings.cookie_secure {
        set(h, "strict-transport-security", "max-age=63072000; includeSubDomains");
    }
    response
}

/// The page layer: an error page gets the signed-in person's header (error pages included, as
/// every other page), and a page that needs sign-in sends the browser to sign in and back.
/// API and FHIR answers pass untouched.
pub async fn frame(
    axum::extract::State(state): axum::extract::State<crate::http::state::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/fhir/") {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let asked = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let mut headers = axum::http::HeaderMap::new();
    for (name, value) in req.headers() {
        if matches!(name.as_str(), "cookie" | "x-forwarded-proto" | "host" | "accept-language") {
            headers.append(name.clone(), value.clone());
        }
    }
    let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut response = next.run(req).await;
    if response.extensions().get::<crate::http::render::SignInNeeded>().is_some() {
        let to = crate::http::render::login_redirect(&method, &asked);
        let mut redirect = axum::response::Redirect::to(&to).into_response();
        for cookie in response.headers().get_all(axum::http::header::SET_COOKIE) {
            redirect.headers_mut().append(axum::http::header::SET_COOKIE, cookie.clone());
        }
        return redirect;
    }
    let opaque = response.extensions().get::<OpaqueFailure>().is_some() && response.extensions().get::<HtmlFailure>().is_some();
    let parts = response.extensions().get::<crate::http::render::ErrorPageParts>().cloned();
    if !opaque && parts.is_none() {
        return response;
    }
    let status = response.status();
    // Who is signed in, looked up only for an error page; if even that fails, a visitor's header.
    let user = crate::http::auth::web_user(&state, &headers).await.ok().flatten();
    let nav = match &user {
        Some(u) => Nav::signed_in(u),
        None => Nav::anonymous(&state, crate::http::auth::BrowserLang(crate::http::auth::browser_language(&headers))),
    };
    let mut redrawn = match parts {
        Some(p) if !opaque => crate::http::render::draw_error(nav, status, &p.detail, p.request_id),
        _ => crate::http::render::draw_error(nav, status, &crate::http::render::Said::Message("error-opaque", Vec::new()), request_id),
    };
    // Keep what the answer said besides its body (Retry-After, cookies).
    for (name, value) in response.headers_mut().drain() {
        if let Some(name) = name
            && name != axum::http::header::CONTENT_TYPE
            && name != axum::http::header::CONTENT_LENGTH
        {
            redrawn.headers_mut().append(name, value);
        }
    }
    redrawn
}

/// On `/fhir/` paths every error is a FHIR OperationOutcome (FHIR R4 §3.1.0.4.1), with the
/// status kept: the problem details (RFC 9457) the rest of careledger answers with are turned
/// into one here, whatever made them (a handler, the sign-in extractor, a limit, a fallback).
pub async fn fhir_outcomes(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if !req.uri().path().starts_with("/fhir/") {
        return next.run(req).await;
    }
    let response = next.run(req).await;
    let problem =
        response.headers().get(axum::http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let p: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let status = parts.status.as_u16();
    // FHIR's IssueType codes (http://hl7.org/fhir/R4/valueset-issue-type.html).
    let code = match status {
        400 | 415 | 422 => "invalid",
        401 => "login",
        403 => "forbidden",
        404 | 410 => "not-found",
        405 => "not-supported",
        409 => "conflict",
        413 => "too-long",
        429 => "throttled",
        500.. => "exception",
        _ => "processing",
    };
    let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let invalid = p["errors"].as_array().is_some_and(|e| !e.is_empty());
    let detail = if invalid {
        // The problem's sentence points at its `errors` member; here they are the issues below.
        "Some parameters are not valid; each is an issue below.".to_string()
    } else {
        text(&p["detail"]).or_else(|| text(&p["title"])).unwrap_or_else(|| parts.status.to_string())
    };
    let mut diagnostics = text(&p["code"]).unwrap_or_default();
    if let Some(id) = text(&p["request_id"]) {
        diagnostics = format!("{diagnostics} (request id {id})");
    }
    let mut first = serde_json::json!({ "severity": "error", "code": code, "details": { "text": detail } });
    if !diagnostics.is_empty() {
        first["diagnostics"] = serde_json::json!(diagnostics.trim());
    }
    let mut issues = vec![first];
    for e in p["errors"].as_array().into_iter().flatten() {
        let mut issue =
            serde_json::json!({ "severity": "error", "code": "invalid", "details": { "text": text(&e["message"]).unwrap_or_default() } });
        if let Some(field) = text(&e["field"]) {
            issue["expression"] = serde_json::json!([field]);
        }
        issues.push(issue);
    }
    let outcome = serde_json::json!({ "resourceType": "OperationOutcome", "issue": issues });
    let body = serde_json::to_vec(&outcome).unwrap_or_default();
    parts.headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/fhir+json"));
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}
