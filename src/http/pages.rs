//! What every server-rendered page shares: rendering, the error page, CSRF-checked forms,
//! cookies and the stylesheet.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::accounts::auth::MaybeWebUser;
use crate::accounts::tokens;
use crate::app::AppState;
use crate::error::Error;
use crate::http::problem::OpaqueFailure;

/// Cookie holding the CSRF token for forms shown before signing in (double-submit, OWASP CSRF
/// cheat sheet); signed-in forms use the session's synchronizer token instead. Under TLS it is
/// named with the `__Host-` prefix, like every cookie careledger sets (see [`cookie_name`]).
pub const ANON_CSRF_COOKIE: &str = "careledger_csrf";

/// A cookie's name on this connection: under TLS with the `__Host-` prefix, which browsers set
/// only with Secure, Path=/ and no Domain, so that a sibling domain or a plain-HTTP answer
/// cannot plant it (RFC 6265bis section 4.1.3.2).
pub fn cookie_name(base: &str, secure: bool) -> String {
    if secure { format!("__Host-{base}") } else { base.to_string() }
}

/// The value of one of careledger's cookies as this connection must send it: under TLS only
/// the `__Host-` one counts (one without the prefix may have been planted).
pub fn read_cookie(jar: &CookieJar, base: &str, secure: bool) -> Option<String> {
    jar.get(&cookie_name(base, secure)).map(|c| c.value().to_string()).filter(|v| !v.is_empty())
}

/// Removes a cookie under both of its names.
pub fn forget_cookie(jar: CookieJar, base: &'static str) -> CookieJar {
    jar.remove(Cookie::build(cookie_name(base, false)).path("/")).remove(Cookie::build(cookie_name(base, true)).path("/"))
}

/// The one stylesheet, served by the binary (no CDN).
pub const STYLESHEET: &str = include_str!("../../static/style.css");

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
        if status.is_server_error() {
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
        error_page(status, detail, None)
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

/// Forms carry their CSRF token in a `csrf_token` field.
pub trait CsrfProtected {
    /// The token the form was sent with.
    fn csrf_token(&self) -> &str;
}

/// Implements [`CsrfProtected`] for form structs with a `csrf_token: String` field.
#[macro_export]
macro_rules! csrf_protected {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::http::pages::CsrfProtected for $form {
            fn csrf_token(&self) -> &str {
                &self.csrf_token
            }
        })+
    };
}

/// A form body whose CSRF token matched: the session's token when signed in, otherwise the
/// pre-login cookie's. Anything else is refused with 403 before the handler runs.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: DeserializeOwned + CsrfProtected + Send,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        same_origin(state, &parts.headers)?;
        let MaybeWebUser(user) = MaybeWebUser::from_request_parts(&mut parts, state).await?;
        let expected = match user {
            Some(u) => Some(u.csrf_token),
            None => read_cookie(&CookieJar::from_headers(&parts.headers), ANON_CSRF_COOKIE, cookies_secure(state, &parts.headers)),
        };
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")));
        let req = Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                PageError(Error::PayloadTooLarge)
            } else {
                PageError(Error::CsrfFailed)
            }
        })?;
        // A form that is not one, or does not even parse, cannot carry a valid token either.
        let form: T = if is_form {
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError(Error::CsrfFailed))?
        } else {
            return Err(PageError(Error::CsrfFailed));
        };
        let sent = form.csrf_token().as_bytes();
        match expected {
            Some(expected) if !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent)) => {
                crate::http::extract::refuse_nul_in_form(&bytes)?;
                Ok(CsrfForm(form))
            }
            _ => Err(PageError(Error::CsrfFailed)),
        }
    }
}

/// Refuses a form posted from another site, before its token is even looked at. A browser
/// that sends Fetch Metadata is believed: `Sec-Fetch-Site` must say `same-origin` (or `none`,
/// typed by the user), whatever the `Origin` (Chromium sends `Origin: null` on same-site posts
/// under some referrer policies). Without it, an `Origin` must be this site's (OWASP CSRF cheat
/// sheet, "Fetch Metadata headers" and "Verifying Origin With Standard Headers"). Requests with
/// neither (old browsers, scripts) rely on the token alone. This is what stops login CSRF: a
/// cross-site `POST /login` with a token planted in a cookie.
fn same_origin(state: &AppState, headers: &HeaderMap) -> Result<(), PageError> {
    let refused = || PageError(Error::CsrfFailed);
    if let Some(site) = headers.get("sec-fetch-site") {
        return if matches!(site.to_str().unwrap_or(""), "same-origin" | "none") { Ok(()) } else { Err(refused()) };
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return Ok(()) };
    let origin = origin.to_str().map_err(|_| refused())?;
    let expected = match &state.settings.public_url {
        Some(public) => public.origin().ascii_serialization(),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).ok_or_else(refused)?;
            format!("{}://{host}", if cookies_secure(state, headers) { "https" } else { "http" })
        }
    };
    if origin.eq_ignore_ascii_case(&expected) { Ok(()) } else { Err(refused()) }
}

/// Whether cookies must be `Secure`: configured so, or the request came through TLS at a proxy.
pub fn cookies_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.cookie_secure
        || state.settings.tls.is_some()
        || headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A cookie with careledger's attributes: HttpOnly, SameSite=Lax, Path=/, Secure under TLS.
pub fn cookie(name: String, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value)).http_only(true).same_site(SameSite::Lax).path("/").secure(secure).build()
}

/// The pre-login CSRF token, creating its cookie when absent.
pub fn anon_csrf(jar: CookieJar, secure: bool) -> (CookieJar, String) {
    if let Some(existing) = read_cookie(&jar, ANON_CSRF_COOKIE, secure) {
        return (jar, existing);
    }
    let token = tokens::random_token();
    (jar.add(cookie(cookie_name(ANON_CSRF_COOKIE, secure), token.clone(), secure)), token)
}

/// `GET /static/style.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        STYLESHEET,
    )
}

impl Nav {
    /// The header for a signed-in person.
    pub fn signed_in(u: &crate::accounts::WebUser) -> Self {
        Self {
            name: Some(u.user.full_name.clone()),
            role: Some(u.user.role.label().into()),
            home: dashboard_path(u.user.role).into(),
            csrf: u.csrf_token.clone(),
        }
    }

    /// The header for a visitor.
    pub fn anonymous() -> Self {
        Self { home: "/".into(), ..Self::default() }
    }
}

/// Where a role lands after signing in.
pub fn dashboard_path(role: crate::accounts::Role) -> &'static str {
    match role {
        crate::accounts::Role::Doctor => "/doctor/dashboard",
        crate::accounts::Role::Patient => "/patient/dashboard",
        crate::accounts::Role::Admin => "/admin/users",
        _ => "/",
    }
}

/// Field errors for re-drawing a form beside the fields at fault.
#[derive(Debug, Default)]
pub struct FormErrors(pub Vec<crate::error::FieldError>);

impl FormErrors {
    /// Whether `field` has an error.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
    /// The message for `field`, or "".
    pub fn get(&self, field: &str) -> &str {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str()).unwrap_or("")
    }
    /// Whether there are no errors at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One `<option>` of a `<select>`.
#[derive(Debug)]
pub struct SelectOption {
    /// Submitted value.
    pub value: &'static str,
    /// Shown label.
    pub label: &'static str,
    /// Pre-selected.
    pub selected: bool,
}
