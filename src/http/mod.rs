//! What all domains share over HTTP: router assembly, extractors, problem details, pages,
//! middleware, metrics and the OpenAPI document.

pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod problem;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;
use crate::error::Error;
use crate::{accounts, records};

/// Largest request body any route accepts (notes are at most 50,000 characters, well under).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Assembles every route with the shared layers.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v1/auth/register", post(accounts::api::register))
        .route("/api/v1/auth/login", post(accounts::api::login))
        .route("/api/v1/auth/refresh", post(accounts::api::refresh))
        .route("/api/v1/auth/logout", post(accounts::api::logout))
        .route("/api/v1/me", get(accounts::api::me))
        .route("/api/v1/admin/users", get(accounts::api::list_users))
        .route("/api/v1/admin/users/{id}/approve", post(accounts::api::approve))
        .route("/api/v1/records", post(records::api::create).get(records::api::list))
        .route("/api/v1/records/{id}", get(records::api::get))
        .route("/api/v1/patients/{id}/history", get(records::api::history));

    let pages = Router::new()
        .route("/", get(accounts::pages::landing))
        .route("/login", get(accounts::pages::login_form).post(accounts::pages::login))
        .route("/register", get(accounts::pages::register_form).post(accounts::pages::register))
        .route("/logout", get(accounts::pages::logout_form).post(accounts::pages::logout))
        .route("/doctor/dashboard", get(records::pages::doctor_dashboard))
        .route("/patient/dashboard", get(records::pages::patient_dashboard))
        .route("/records/create", get(records::pages::create_form).post(records::pages::create))
        .route("/records/{id}", get(records::pages::show))
        .route("/history", get(records::pages::history))
        .route("/static/style.css", get(pages::stylesheet));

    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics));

    Router::new()
        .merge(api)
        .merge(pages)
        .merge(ops)
        // Serves both `/api/v1/openapi.json` and the Swagger UI at `/docs`, from the binary.
        .merge(SwaggerUi::new("/docs").url("/api/v1/openapi.json", openapi::ApiDoc::openapi()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Clinical pages and API answers must not linger in shared or browser caches (the
        // stylesheet sets its own caching); RFC 9111 section 5.2.2.5.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::observe))
        .layer(CatchPanicLayer::custom(|_| {
            // A bug, not a request problem: answer an opaque 500 (the middleware adds the id).
            Error::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(PropagateRequestIdLayer::new(middleware::REQUEST_ID))
        .layer(SetRequestIdLayer::new(middleware::REQUEST_ID, middleware::MakeUuidV7))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

fn wants_problem(req: &Request) -> bool {
    let path = req.uri().path();
    path.starts_with("/api/") || path.starts_with("/fhir/")
}

async fn not_found(req: Request) -> Response {
    if wants_problem(&req) {
        Error::NotFound("not_found").into_response()
    } else {
        pages::error_page(StatusCode::NOT_FOUND, "There is no page here.".into(), None)
    }
}

async fn method_not_allowed(req: Request) -> Response {
    let detail = format!("{} is not allowed here.", req.method());
    if wants_problem(&req) {
        problem::problem_response(problem::Problem {
            kind: "about:blank",
            title: "Method Not Allowed".into(),
            status: 405,
            code: "method_not_allowed",
            detail,
            errors: vec![],
            request_id: None,
        })
    } else {
        pages::error_page(StatusCode::METHOD_NOT_ALLOWED, detail, None)
    }
}
