//! careledger's cookies: names (`__Host-` under TLS), attributes, and the pre-login CSRF token.

use axum::http::HeaderMap;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::accounts::tokens;
use crate::context::Ctx;

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

/// Name of the page-session cookie (`__Host-careledger_session` under TLS).
pub const SESSION_COOKIE: &str = "careledger_session";
/// Name of the known-device cookie (`__Host-careledger_device` under TLS).
pub const DEVICE_COOKIE: &str = "careledger_device";

/// The page-session cookie, named and flagged for the connection: under TLS `__Host-` and
/// Secure; always HttpOnly and SameSite=Lax.
pub fn session_cookie(value: String, secure: bool) -> axum_extra::extract::cookie::Cookie<'static> {
    cookie(cookie_name(SESSION_COOKIE, secure), value, secure)
}

/// The known-device cookie (see `lockout`): HttpOnly, SameSite=Strict (only the sign-in form
/// of this site needs it), kept 400 days (the longest browsers allow, RFC 6265bis 5.6.2).
pub fn device_cookie(value: String, secure: bool) -> axum_extra::extract::cookie::Cookie<'static> {
    let mut c = cookie(cookie_name(DEVICE_COOKIE, secure), value, secure);
    c.set_same_site(axum_extra::extract::cookie::SameSite::Strict);
    c.set_max_age(cookie::time::Duration::days(400));
    c
}

/// Whether cookies must be `Secure`: configured so, or the request came through TLS at a proxy.
pub fn cookies_secure(ctx: &Ctx, headers: &HeaderMap) -> bool {
    ctx.settings.cookie_secure
        || ctx.settings.tls.is_some()
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
