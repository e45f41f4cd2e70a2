//! The web kit every domain's handlers share: extractors, sign-in, problem details, page
//! rendering, middleware, metrics and the route-table builder. It imports no domain handler
//! (the top-level `router` assembles those).

pub mod auth;
pub mod cookies;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod ops;
pub mod pages;
pub mod problem;
pub mod render;
pub mod routes;
pub mod state;
pub mod words;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::Error;

/// Largest request body any route accepts (notes are at most 50,000 characters, well under).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// CORS (Fetch standard) only for the origins configured with `--cors-origin`; with none,
/// no CORS headers are sent and browsers keep other sites from reading answers.
pub fn cors(origins: &[HeaderValue]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

fn wants_problem(req: &Request) -> bool {
    let path = req.uri().path();
    path.starts_with("/api/") || path.starts_with("/fhir/")
}

/// The answer for a path no route matches: a problem under `/api/`, a page elsewhere.
pub async fn not_found(req: Request) -> Response {
    if wants_problem(&req) {
        Error::NotFound("not_found").into_response()
    } else {
        render::error_page(StatusCode::NOT_FOUND, "There is no page here.".into(), None)
    }
}

/// The answer for a method a route does not take.
pub async fn method_not_allowed(req: Request) -> Response {
    let detail = format!("{} is not allowed here.", req.method());
    if wants_problem(&req) {
        problem::problem_response(problem::Problem {
            kind: "about:blank",
            title: "Method Not Allowed".into(),
            status: 405,
            code: "method_not_allowed",
            detail,
            errors: vec![],
            warnings: vec![],
            request_id: None,
        })
    } else {
        render::error_page(StatusCode::METHOD_NOT_ALLOWED, detail, None)
    }
}
