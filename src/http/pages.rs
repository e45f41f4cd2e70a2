//! What every server-rendered page shares: CSRF-checked forms, the signed-in header, form
//! errors and the stylesheet (rendering and cookies are re-exported from their modules).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::http::auth::{BrowserLang, MaybeWebUser, WebUser};
pub use crate::http::cookies::{
    ANON_CSRF_COOKIE, anon_csrf, cookie, cookie_name, cookies_secure, device_cookie, forget_cookie, read_cookie, session_cookie,
};
pub use crate::http::render::{Flash, HtmlFailure, Nav, PageError, dashboard_path, error_page, render, safe_next};
use crate::http::state::AppState;

/// The one stylesheet, served by the binary (no CDN).
pub const STYLESHEET: &str = include_str!("../../static/style.css");

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

/// A multipart form from a page (a file upload) whose first field is the signed-in session's
/// CSRF token (`csrf_token`): the rest of the body is left to the handler. Refused like
/// [`CsrfForm`] otherwise.
pub struct CsrfMultipart(pub axum::extract::Multipart);

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        same_origin(state, &parts.headers)?;
        let MaybeWebUser(user) = MaybeWebUser::from_request_parts(&mut parts, state).await?;
        let expected = user.map(|u| u.csrf_token).filter(|t| !t.is_empty()).ok_or(PageError(Error::CsrfFailed))?;
        let req = Request::from_parts(parts, body);
        let mut multipart = axum::extract::Multipart::from_request(req, state).await.map_err(|_| PageError(Error::CsrfFailed))?;
        let field = multipart.next_field().await.map_err(|_| PageError(Error::CsrfFailed))?.ok_or(PageError(Error::CsrfFailed))?;
        if field.name() != Some("csrf_token") {
            return Err(PageError(Error::CsrfFailed));
        }
        let sent = field.text().await.map_err(|_| PageError(Error::CsrfFailed))?;
        if bool::from(expected.as_bytes().ct_eq(sent.as_bytes())) {
            Ok(CsrfMultipart(multipart))
        } else {
            Err(PageError(Error::CsrfFailed))
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
    let expected = site_origin(state, headers, None).ok_or_else(refused)?;
    if origin.eq_ignore_ascii_case(&expected) { Ok(()) } else { Err(refused()) }
}

/// This site's origin (`https://records.clinic.example`, no trailing slash): `--public-url`'s
/// when set, else the scheme of the connection (TLS here or at a proxy) and the request's
/// `Host` (or, over HTTP/2, the request URI's authority). `None` when neither names a valid
/// host. Links made from a request's `Host` point wherever that request said it was going,
/// so a clinic behind a proxy sets `--public-url`.
pub fn site_origin(ctx: &crate::context::Ctx, headers: &HeaderMap, uri: Option<&axum::http::Uri>) -> Option<String> {
    if let Some(public) = &ctx.settings.public_url {
        return Some(public.origin().ascii_serialization());
    }
    let host = match headers.get(header::HOST) {
        Some(h) => h.to_str().ok()?.to_string(),
        None => uri?.authority()?.as_str().to_string(),
    };
    // Only a host and port: nothing that would change where a link leads.
    let authority: axum::http::uri::Authority = host.parse().ok()?;
    if authority.as_str().contains('@') {
        return None;
    }
    Some(format!("{}://{}", if cookies_secure(ctx, headers) { "https" } else { "http" }, authority.as_str()))
}

/// The app's icon (SVG), and as PNG at the sizes installers ask for.
pub const ICON_SVG: &str = include_str!("../../static/icon.svg");
const ICON_192: &[u8] = include_bytes!("../../static/icon-192.png");
const ICON_512: &[u8] = include_bytes!("../../static/icon-512.png");

fn asset(content_type: &'static str, body: impl IntoResponse) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        body,
    )
        .into_response()
}

/// `GET /static/icon.svg`.
pub async fn icon_svg() -> axum::response::Response {
    asset("image/svg+xml", ICON_SVG)
}

/// `GET /static/icon-192.png`.
pub async fn icon_192() -> axum::response::Response {
    asset("image/png", ICON_192)
}

/// `GET /static/icon-512.png`.
pub async fn icon_512() -> axum::response::Response {
    asset("image/png", ICON_512)
}

/// `GET /manifest.webmanifest`: what a tablet or phone needs to install careledger as an app
/// (W3C Web Application Manifest): its name, where it starts, its icons and colours.
pub async fn manifest() -> axum::response::Response {
    let body = serde_json::json!({
        "name": "careledger",
        "short_name": "careledger",
        "description": "The clinic's shared, provable record of care",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7fa",
        "theme_color": "#0b6e69",
        "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
            {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}
        ]
    });
    asset("application/manifest+json", body.to_string())
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
    /// The header for a signed-in person: their role's pages, times in their zone.
    pub fn signed_in(u: &WebUser) -> Self {
        let active = u.user.status == crate::accounts::Status::Active;
        Self {
            name: Some(u.user.full_name.clone()),
            role: Some(u.words.t(&format!("role-{}", u.user.role.as_str()))),
            home: dashboard_path(u.user.role).into(),
            csrf: u.csrf_token.clone(),
            links: Nav::links_for(u.user.role, active),
            zone: u.zone,
            now: u.now,
            theme: u.user.theme.clone(),
            clinic: u.clinic.clone(),
            words: u.words.clone(),
        }
    }

    /// The header for a visitor whose request headers are at hand.
    pub fn visitor(state: &crate::http::state::AppState, headers: &HeaderMap) -> Self {
        Self::anonymous(state, BrowserLang(crate::http::auth::browser_language(headers)))
    }

    /// The header for a visitor: times in the clinic's zone, words in their browser's language.
    pub fn anonymous(state: &crate::http::state::AppState, lang: BrowserLang) -> Self {
        Self {
            name: None,
            role: None,
            home: "/".into(),
            csrf: String::new(),
            links: Vec::new(),
            zone: state.settings.time_zone,
            now: state.clock.now(),
            theme: None,
            clinic: state.settings.clinic_name.clone(),
            words: state.words(lang.0),
        }
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
