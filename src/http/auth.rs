//! Who is asking: extractors for API bearer tokens and page session cookies. Every handler
//! that needs a signed-in user takes one of these; none reads credentials by itself.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use crate::accounts::model::User;
use crate::accounts::permissions::Actor;
use crate::accounts::sessions;
use crate::error::Error;
use crate::http::cookies::{SESSION_COOKIE, cookies_secure, read_cookie};
use crate::http::render::PageError;
use crate::http::state::AppState;
use crate::ids::SessionId;

/// A caller signed in to the API with a valid bearer access token (RFC 6750) whose session is
/// still live. Missing credentials answer 401 `unauthenticated`; bad ones 401 `invalid_token`.
#[derive(Clone, Debug)]
pub struct ApiUser {
    /// The user, as the database has it now (not as the token had it).
    pub user: User,
    /// The session the token belongs to.
    pub session_id: SessionId,
    /// Whether this session passed the second factor (its own assurance, not the account's).
    pub mfa: bool,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        // The route's permission guard has usually looked the caller up already.
        if let Some(found) = parts.extensions.get::<ApiUser>() {
            return Ok(found.clone());
        }
        let header = parts.headers.get(AUTHORIZATION).ok_or(Error::Unauthenticated)?;
        let (session_id, found) = sessions::by_access_token(state, bearer_token(header.as_bytes())?).await?;
        tracing::Span::current().record("user_id", tracing::field::display(found.user.id));
        Ok(Self { user: found.user, session_id, mfa: found.mfa })
    }
}

/// The token of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1); the scheme is
/// case-insensitive (RFC 9110 section 11.1).
pub fn bearer_token(header: &[u8]) -> Result<&str, Error> {
    let value = std::str::from_utf8(header).map_err(|_| Error::InvalidToken)?;
    let (scheme, token) = value.split_once(' ').ok_or(Error::InvalidToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::InvalidToken);
    }
    Ok(token.trim())
}

/// A person signed in to the pages with a live session cookie. Without one the page redirects
/// to `/login`.
#[derive(Clone, Debug)]
pub struct WebUser {
    /// The user, as the database has it now.
    pub user: User,
    /// The session row.
    pub session_id: SessionId,
    /// This session's CSRF synchronizer token, for forms.
    pub csrf_token: String,
    /// Whether this session passed the second factor.
    pub mfa: bool,
    /// The zone this person reads times in: their choice, else the clinic's.
    pub zone: crate::clock::Zone,
    /// When the request came (for "3 minutes ago").
    pub now: chrono::DateTime<chrono::Utc>,
    /// The clinic's name (printed pages).
    pub clinic: String,
    /// The language pages are drawn in for them: their saved choice, else their browser's.
    pub words: crate::i18n::Words,
}

/// `Some` when the request carries a live session cookie; never rejects.
#[derive(Clone, Debug)]
pub struct MaybeWebUser(pub Option<WebUser>);

impl FromRequestParts<AppState> for MaybeWebUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        // Looked up once per request; the CSRF check reuses it.
        if let Some(found) = parts.extensions.get::<MaybeWebUser>() {
            return Ok(found.clone());
        }
        let found = MaybeWebUser(web_user(state, &parts.headers).await.map_err(PageError)?);
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

/// The person a request's session cookie belongs to, if it is live.
pub async fn web_user(state: &AppState, headers: &axum::http::HeaderMap) -> Result<Option<WebUser>, Error> {
    let jar = CookieJar::from_headers(headers);
    let secure = cookies_secure(state, headers);
    let found = match read_cookie(&jar, SESSION_COOKIE, secure) {
        Some(cookie) => sessions::by_cookie(state, &cookie).await?,
        None => None,
    };
    let now = state.clock.now();
    Ok(found.map(|s| {
        tracing::Span::current().record("user_id", tracing::field::display(s.user.id));
        let zone = s.user.time_zone.as_deref().and_then(crate::clock::Zone::parse).unwrap_or(state.settings.time_zone);
        let lang = s.user.language.as_deref().and_then(crate::i18n::Lang::parse).unwrap_or_else(|| browser_language(headers));
        WebUser {
            user: s.user,
            session_id: s.id,
            csrf_token: s.csrf_token,
            mfa: s.mfa,
            zone,
            now,
            clinic: state.settings.clinic_name.clone(),
            words: state.words(lang),
        }
    }))
}

/// The language a browser asks for (`Accept-Language`), among those careledger speaks.
pub fn browser_language(headers: &axum::http::HeaderMap) -> crate::i18n::Lang {
    // A byte outside ASCII spoils one item, not the whole header.
    let header = headers.get(axum::http::header::ACCEPT_LANGUAGE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    crate::i18n::Lang::from_accept_language(header.as_deref())
}

/// A visitor's language, from their browser (`Accept-Language`); never rejects.
#[derive(Clone, Copy, Debug)]
pub struct BrowserLang(pub crate::i18n::Lang);

impl<S: Send + Sync> FromRequestParts<S> for BrowserLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(browser_language(&parts.headers)))
    }
}

/// Rejection for pages that need a signed-in user.
#[derive(Debug)]
pub enum WebAuthRejection {
    /// Not signed in: go to the login page.
    Login,
    /// The session lookup failed.
    Failed(PageError),
}

impl IntoResponse for WebAuthRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Login => crate::http::render::sign_in_needed(),
            Self::Failed(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = WebAuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let MaybeWebUser(found) = MaybeWebUser::from_request_parts(parts, state).await.map_err(WebAuthRejection::Failed)?;
        found.ok_or(WebAuthRejection::Login)
    }
}

/// The verified actor the route guard left for the handler (see `accounts::permissions`). A
/// route without a permission guard has none: that is a bug in the route table, answered 500.
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        parts.extensions.get::<Actor>().cloned().ok_or_else(|| Error::Internal(anyhow::anyhow!("no route guard ran for this handler")))
    }
}
