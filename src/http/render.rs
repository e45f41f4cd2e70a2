//! Rendering pages: the page header, templates to HTML, and the error page every refusal or
//! failure on a page becomes.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::accounts::Role;
use crate::error::Error;
use crate::http::problem::OpaqueFailure;

/// What the layout needs to draw the header: who is signed in and their form token.
#[derive(Clone, Debug, Default)]
pub struct Nav {
    /// Display name, when signed in.
    pub name: Option<String>,
    /// Role label, when signed in.
    pub role: Option<String>,
    /// Where "Dashboard" leads.
    pub home: String,
    /// CSRF token for the sign-out form.
    pub csrf: String,
}

/// An error shown as a page. 5xx pages are made opaque by the middleware (with a request id).
#[derive(Debug)]
pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Nav,
    status: u16,
    title: &'a str,
    detail: String,
    request_id: Option<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, code) = self.0.status_and_code();
        self.0.log();
        if self.0.is_opaque() {
            let mut response = status.into_response();
            response.extensions_mut().insert(OpaqueFailure { code });
            response.extensions_mut().insert(HtmlFailure);
            return response;
        }
        if matches!(self.0, Error::Unauthenticated | Error::InvalidToken) {
            return axum::response::Redirect::to("/login").into_response();
        }
        let detail = match &self.0 {
            // Say which field and why, as the API's `errors` member does.
            Error::Validation(errors) if !errors.is_empty() => {
                errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            }
            other => other.public_detail(),
        };
        let mut response = error_page(status, detail, None);
        if let Some(secs) = self.0.retry_after().and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs);
        }
        response
    }
}

/// Marks an opaque 5xx that should be drawn as a page, not as JSON.
#[derive(Clone, Copy, Debug)]
pub struct HtmlFailure;

/// Renders the error page.
pub fn error_page(status: StatusCode, detail: String, request_id: Option<String>) -> Response {
    let page = ErrorPage {
        nav: Nav { home: "/".into(), ..Nav::default() },
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error"),
        detail,
        request_id,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// Renders a template to a page, turning a template failure into an opaque 500.
pub fn render<T: Template>(page: &T) -> Result<Html<String>, PageError> {
    page.render().map(Html).map_err(|e| PageError(Error::Internal(e.into())))
}

/// Where a role lands after signing in.
pub fn dashboard_path(role: Role) -> &'static str {
    match role {
        Role::Doctor => "/doctor/dashboard",
        Role::Patient => "/patient/dashboard",
        Role::Admin => "/admin/users",
        _ => "/",
    }
}
