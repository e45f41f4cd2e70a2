//! Rendering pages: the page header, templates to HTML, and the error page every refusal or
//! failure on a page becomes.

use std::fmt::Display;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use chrono::{DateTime, Utc};

use crate::accounts::Role;
use crate::clock::Zone;
use crate::error::Error;
use crate::http::problem::OpaqueFailure;
use crate::i18n::Words;

/// What the layout needs to draw the header and show times: who is signed in, their form
/// token, their role's pages, and the zone and moment the page is drawn in.
#[derive(Clone, Debug)]
pub struct Nav {
    /// Display name, when signed in.
    pub name: Option<String>,
    /// Role label, when signed in.
    pub role: Option<String>,
    /// Where "Dashboard" leads.
    pub home: String,
    /// CSRF token for the sign-out form.
    pub csrf: String,
    /// The role's pages in the header (path, message id of their words).
    pub links: Vec<(&'static str, &'static str)>,
    /// The zone times are shown in: the reader's choice, else the clinic's.
    pub zone: Zone,
    /// When the page is drawn (for "3 minutes ago").
    pub now: DateTime<Utc>,
    /// `light` or `dark` when the reader chose one; none follows their device.
    pub theme: Option<String>,
    /// The clinic's name (printed pages).
    pub clinic: String,
    /// The reader's language and its messages.
    pub words: Words,
}

impl Nav {
    /// The message `key` in the reader's language (`locales/<lang>/*.ftl`).
    pub fn t(&self, key: &str) -> String {
        self.words.t(key)
    }

    /// The message `key` with one argument `$name`.
    pub fn t1(&self, key: &str, name: &str, value: impl Display) -> String {
        self.words.with(key, &[(name, &value)])
    }

    /// The message `key` with two arguments.
    pub fn t2(&self, key: &str, a: &str, va: impl Display, b: &str, vb: impl Display) -> String {
        self.words.with(key, &[(a, &va), (b, &vb)])
    }

    /// The message `key` with three arguments (name and value pairs, as templates write them).
    #[allow(clippy::too_many_arguments)]
    pub fn t3(&self, key: &str, a: &str, va: impl Display, b: &str, vb: impl Display, c: &str, vc: impl Display) -> String {
        self.words.with(key, &[(a, &va), (b, &vb), (c, &vc)])
    }

    /// The message `key` for a count `$n`, in the plural form the language wants.
    pub fn tn(&self, key: &str, n: impl Count) -> String {
        self.words.count(key, n.as_count())
    }

    /// An English sentence from domain code (a refusal, a form error) in the reader's language.
    pub fn sentence(&self, english: &str) -> String {
        self.words.sentence(english)
    }

    /// A device's name as sessions store it ("Chrome on Linux", "Unknown device") in the reader's
    /// words; browser and system names stay as they are.
    pub fn device(&self, name: &str) -> String {
        match name.split_once(" on ") {
            Some((browser, system)) => self.words.with("device-on", &[("browser", &self.words.sentence(browser)), ("system", &system)]),
            None => self.words.sentence(name),
        }
    }

    /// The `<html lang>` of the page.
    pub fn lang(&self) -> &'static str {
        self.words.lang.code()
    }

    /// A day and month in the reader's language: `27 Nov 2026` / `27 nov 2026`.
    fn day_month_year(&self, d: &impl chrono::Datelike) -> String {
        self.words
            .with("date-day", &[("day", &d.day()), ("month", &self.words.t(&format!("month-short-{}", d.month()))), ("year", &d.year())])
    }

    /// A stored time as the reader reads it: `27 Nov 2026, 21:44`.
    pub fn when(&self, stored: &str) -> String {
        match self.zone.local(stored) {
            Some(t) => self.words.with("date-when", &[("date", &self.day_month_year(&t)), ("time", &t.format("%H:%M"))]),
            None => stored.to_string(),
        }
    }

    /// The day of a stored time: `27 Nov 2026`.
    pub fn day(&self, stored: &str) -> String {
        self.zone.local(stored).map(|t| self.day_month_year(&t)).unwrap_or_else(|| stored.to_string())
    }

    /// How often a day, in words: "once a day", "twice a day", "3 times a day".
    pub fn times_a_day(&self, n: &i64) -> String {
        self.words.count("times-a-day", *n)
    }

    /// A calendar day (`2026-11-27`) in words: `Fri 27 Nov 2026`.
    pub fn date(&self, day: &str) -> String {
        match crate::clock::parse_day(day) {
            Some(d) => {
                let weekday = self.words.t(&format!("weekday-short-{}", chrono::Datelike::weekday(&d).number_from_monday()));
                self.words.with("date-weekday", &[("weekday", &weekday), ("date", &self.day_month_year(&d))])
            }
            None => day.to_string(),
        }
    }

    /// The clock time of a stored time: `21:44`.
    pub fn time(&self, stored: &str) -> String {
        self.zone.time(stored)
    }

    /// How long ago (or how soon) a stored time is, within a week: "3 minutes ago", "in 2
    /// hours", "just now".
    pub fn ago(&self, stored: &str) -> Option<String> {
        let t = crate::clock::parse(stored)?;
        let secs = (self.now - t).num_seconds();
        let (n, past) = (secs.unsigned_abs() as i64, secs >= 0);
        let (count, unit) = match n {
            0..60 => return Some(self.words.t("just-now")),
            60..3600 => (n / 60, "minutes"),
            3600..86_400 => (n / 3600, "hours"),
            86_400..604_800 => (n / 86_400, "days"),
            _ => return None,
        };
        Some(self.words.count(&format!("{}-{unit}", if past { "ago" } else { "in" }), count))
    }

    /// A stored time with how long ago it was when that helps: `27 Nov 2026, 21:44 (3 minutes
    /// ago)`; beyond a week the date alone.
    pub fn when_ago(&self, stored: &str) -> String {
        match self.ago(stored) {
            Some(ago) => format!("{} ({ago})", self.when(stored)),
            None => self.when(stored),
        }
    }

    /// The clinic's name for the header, when the clinic gave one (`--clinic-name`).
    pub fn clinic_on_screen(&self) -> Option<&str> {
        Some(self.clinic.as_str()).filter(|c| !c.is_empty() && *c != crate::config::defaults::CLINIC_NAME)
    }

    /// Now, as the reader reads times (for "printed on").
    pub fn printed(&self) -> String {
        self.when(&crate::clock::format(self.now))
    }

    /// A number with its thousands grouped as the language groups them: `1,204` / `1.204`.
    pub fn count(&self, n: &i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let separator = self.words.t("thousands-separator");
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push_str(&separator);
            }
            out.push(c);
        }
        if *n < 0 { format!("-{out}") } else { out }
    }

    /// A quantity with its decimal separator as the language writes it: `0.5` / `0,5`.
    pub fn number(&self, n: &f64) -> String {
        let text = n.to_string();
        match self.words.t("decimal-separator").as_str() {
            "." => text,
            separator => text.replace('.', separator),
        }
    }

    /// A size in bytes as people read it, in binary units (IEC 80000-13): `271.4 KiB` / `271,4 KiB`.
    pub fn bytes(&self, n: &i64) -> String {
        const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        if n.unsigned_abs() < 1024 {
            return format!("{} B", self.count(n));
        }
        let mut value = *n as f64 / 1024.0;
        let mut unit = 0;
        while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        format!("{} {}", self.number(&((value * 10.0).round() / 10.0)), UNITS[unit])
    }

    /// A calendar day (`2026-12-16`) without its weekday: `16 Dec 2026`.
    pub fn calendar_day(&self, day: &str) -> String {
        crate::clock::parse_day(day).map(|d| self.day_month_year(&d)).unwrap_or_else(|| day.to_string())
    }

    /// A code (a status, a kind, an outcome, an audit action) in words.
    pub fn say(&self, code: &str) -> String {
        crate::http::words::say(&self.words, code)
    }

    /// A role's code (`receptionist`) as its label (`Front desk`).
    pub fn role_label(&self, code: &str) -> String {
        match Role::parse(code) {
            Some(r) => self.words.t(&format!("role-{}", r.as_str())),
            None => self.say(code),
        }
    }

    /// The pages a role reaches from the header (path, message id).
    pub fn links_for(role: Role, active: bool) -> Vec<(&'static str, &'static str)> {
        if !active {
            return Vec::new();
        }
        match role {
            Role::Patient => vec![
                ("/patient/dashboard", "nav-my-records"),
                ("/history", "nav-history"),
                ("/me/access-log", "nav-who-looked"),
                ("/me/shares", "nav-share"),
            ],
            Role::Doctor => {
                vec![("/doctor/dashboard", "nav-dashboard"), ("/patients", "nav-patients"), ("/appointments", "nav-appointments")]
            }
            Role::Admin => vec![
                ("/admin/users", "nav-users"),
                ("/admin/audit", "nav-audit-trail"),
                ("/admin/ledger", "nav-ledger"),
                ("/admin/emergency-access", "nav-emergency-access"),
                ("/admin/status", "nav-health"),
            ],
            Role::Pharmacist => vec![("/pharmacy", "nav-pharmacy"), ("/prescriptions/verify", "nav-verify-prescription")],
            Role::Receptionist => {
                vec![("/appointments", "nav-front-desk"), ("/patients", "nav-find-patient"), ("/patients/register", "nav-register-patient")]
            }
            Role::Lab => vec![("/lab", "nav-lab-orders")],
        }
    }
}

/// A number a message counts (templates hand over fields by reference and literals by value).
pub trait Count {
    /// The number.
    fn as_count(&self) -> i64;
}

macro_rules! count_for {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn as_count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_for!(i64, i32, u32, usize, u64);

impl<T: Count> Count for &T {
    fn as_count(&self) -> i64 {
        (*self).as_count()
    }
}

/// What a page says once after an action led to it (`?done=`): good news in green, a refusal
/// in amber, both read out by screen readers (`role="status"`).
#[derive(Clone, Debug, Default)]
pub struct Flash {
    /// The words; empty for none.
    pub text: String,
    /// Whether the action went through.
    pub ok: bool,
}

impl Flash {
    /// The action went through.
    pub fn done(text: &str) -> Self {
        Self { text: text.into(), ok: true }
    }

    /// The action was refused or changed nothing.
    pub fn refused(text: &str) -> Self {
        Self { text: text.into(), ok: false }
    }

    /// Whether there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
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
struct ErrorPage {
    nav: Nav,
    status: u16,
    title: String,
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
            return sign_in_needed();
        }
        let mut response = error_page_saying(status, said(&self.0), None);
        if let Some(secs) = self.0.retry_after().and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs);
        }
        response
    }
}

/// Marks an opaque 5xx that should be drawn as a page, not as JSON.
#[derive(Clone, Copy, Debug)]
pub struct HtmlFailure;

/// An error page waiting to be drawn: [`frame`] draws it with the person's header (their name,
/// their pages, sign-out) and in their language.
#[derive(Clone, Debug)]
pub struct ErrorPageParts {
    /// What the page says.
    pub detail: Said,
    /// The request id shown on a 5xx page.
    pub request_id: Option<String>,
}

/// What an error page says, to be put in the reader's words when it is drawn.
#[derive(Clone, Debug)]
pub enum Said {
    /// An English sentence from domain code or a handler (`locales/*/domain.ftl` translates it).
    Sentence(String),
    /// A message of `errors.ftl` with its arguments.
    Message(&'static str, Vec<(&'static str, Arg)>),
}

/// An argument of an error message.
#[derive(Clone, Debug)]
pub enum Arg {
    /// An English sentence from domain code.
    Sentence(String),
    /// A stored time, shown in the reader's zone.
    Time(String),
    /// A number.
    Count(i64),
    /// Form fields and why each was refused (English sentences from domain code).
    Fields(Vec<(String, String)>),
}

impl Said {
    /// The words in the reader's language.
    pub fn in_words(&self, nav: &Nav) -> String {
        match self {
            Said::Sentence(english) => nav.sentence(english),
            Said::Message(key, args) => {
                let mut fluent = fluent_bundle::FluentArgs::new();
                for (name, arg) in args {
                    let value = match arg {
                        Arg::Sentence(english) => fluent_bundle::FluentValue::from(nav.sentence(english)),
                        Arg::Time(stored) => fluent_bundle::FluentValue::from(nav.when(stored)),
                        Arg::Count(n) => fluent_bundle::FluentValue::from(*n),
                        Arg::Fields(fields) => fluent_bundle::FluentValue::from(
                            fields.iter().map(|(field, why)| format!("{field}: {}", nav.sentence(why))).collect::<Vec<_>>().join("; "),
                        ),
                    };
                    fluent.set(*name, value);
                }
                nav.words.with_args(key, &fluent)
            }
        }
    }
}

/// What a page says about a refused or failed request.
fn said(error: &Error) -> Said {
    use Said::Message;
    let sentence = |s: &str| Arg::Sentence(s.to_string());
    match error {
        // Say which field and why, as the API's `errors` member does.
        Error::Validation(errors) if !errors.is_empty() => {
            Message("error-fields", vec![("fields", Arg::Fields(errors.iter().map(|e| (e.field.clone(), e.message.clone())).collect()))])
        }
        Error::Validation(_) => Message("error-validation", vec![]),
        Error::Malformed(why) => Message("error-malformed", vec![("why", sentence(why))]),
        Error::PayloadTooLarge => Message("error-too-large", vec![]),
        Error::UnsupportedMediaType(what) => Said::Sentence((*what).into()),
        Error::EmailTaken => Message("error-email-taken", vec![]),
        Error::InvalidCredentials => Message("error-invalid-credentials", vec![]),
        Error::AccountPendingApproval => Message("error-pending-approval", vec![]),
        Error::AccountDisabled => Message("error-account-disabled", vec![]),
        Error::AccountLocked(until) => Message("error-account-locked", vec![("until", Arg::Time(until.clone()))]),
        Error::RateLimited(secs) => Message("error-rate-limited", vec![("n", Arg::Count(i64::try_from(*secs).unwrap_or(i64::MAX)))]),
        Error::RefreshTokenReused | Error::InvalidRefreshToken | Error::InvalidToken | Error::Unauthenticated => {
            Message("error-sign-in-again", vec![])
        }
        Error::MfaRequired | Error::MfaEnrollmentRequired => Message("error-mfa-required", vec![]),
        Error::InvalidMfaCode => Message("error-invalid-code", vec![]),
        Error::CsrfFailed => Message("error-csrf", vec![]),
        Error::Forbidden(why) => Message("error-forbidden", vec![("why", sentence(why))]),
        Error::NotFound(_) => Message("error-not-found", vec![]),
        Error::Gone(_) => Message("error-gone", vec![]),
        Error::Conflict(_, why) => Said::Sentence((*why).into()),
        Error::SafetyWarnings(w) => Message("error-safety-warnings", vec![("n", Arg::Count(i64::try_from(w.len()).unwrap_or(i64::MAX)))]),
        Error::DatabaseUnavailable(_) => Message("error-database-unavailable", vec![]),
        Error::NotSealedYet => Message("error-not-sealed-yet", vec![]),
        Error::Internal(_) => Message("error-internal", vec![]),
    }
}

/// A page that needs someone signed in: [`frame`] sends the browser to the sign-in page with
/// the page to come back to.
#[derive(Clone, Copy, Debug)]
pub struct SignInNeeded;

/// The answer for a page that needs sign-in (drawn by [`frame`]).
pub fn sign_in_needed() -> Response {
    let mut response = axum::response::Redirect::to("/login").into_response();
    response.extensions_mut().insert(SignInNeeded);
    response
}

/// The error page saying an English sentence (translated when drawn).
pub fn error_page(status: StatusCode, detail: String, request_id: Option<String>) -> Response {
    error_page_saying(status, Said::Sentence(detail), request_id)
}

/// The error page, drawn by [`frame`] with the reader's header and in their language.
pub fn error_page_saying(status: StatusCode, detail: Said, request_id: Option<String>) -> Response {
    let mut response = status.into_response();
    response.extensions_mut().insert(ErrorPageParts { detail, request_id });
    response
}

pub(crate) fn draw_error(nav: Nav, status: StatusCode, detail: &Said, request_id: Option<String>) -> Response {
    let detail = detail.in_words(&nav);
    let title = nav.t(title_of(status));
    let page = ErrorPage { nav, status: status.as_u16(), title, detail, request_id };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// An error's heading in words a visitor understands (not the HTTP reason phrase).
fn title_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "error-title-400",
        401 => "error-title-401",
        403 => "error-title-403",
        404 => "error-title-404",
        405 => "error-title-405",
        409 => "error-title-409",
        413 => "error-title-413",
        415 => "error-title-415",
        422 => "error-title-422",
        423 => "error-title-423",
        429 => "error-title-429",
        503 => "error-title-503",
        s if s >= 500 => "error-title-500",
        _ => "error-title-other",
    }
}

/// Where a page that needs sign-in sends the browser: `/login?next=` the page asked for, when
/// it was a plain visit (a form's address is not a page to come back to).
pub(crate) fn login_redirect(method: &axum::http::Method, path_and_query: &str) -> String {
    if method == axum::http::Method::GET && path_and_query != "/" && safe_next(path_and_query).is_some() {
        let next: String = url::form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
        format!("/login?next={next}")
    } else {
        "/login?why=signin".into()
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

/// A page of this site to go back to after signing in, or `None`: only a path of this site
/// (`/records/…?…`), never another site (`//evil.example`, `/\\evil.example`, `https://…`), a
/// control character, the sign-in or sign-out pages themselves, or an API address (OWASP
/// Unvalidated Redirects and Forwards cheat sheet: only known-local destinations).
pub fn safe_next(next: &str) -> Option<String> {
    let next = next.trim();
    let bytes = next.as_bytes();
    let local = bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/') | Some(b'\\'));
    if !local || !next.is_ascii() || next.len() > 1000 || next.bytes().any(|b| b.is_ascii_control() || b == b'\\') {
        return None;
    }
    let parsed: axum::http::uri::PathAndQuery = next.parse().ok()?;
    let path = parsed.path();
    let refused = ["/login", "/logout", "/register", "/api/", "/fhir/", "/static/"];
    if refused.iter().any(|r| path == r.trim_end_matches('/') || path.starts_with(r)) {
        return None;
    }
    Some(parsed.as_str().to_string())
}
