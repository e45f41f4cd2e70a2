//! Pages for accounts: landing, register, login, logout.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::accounts::model::{Role, Status};
use crate::accounts::service::{self, Credentials, Registration, SignedIn};
use crate::accounts::{mfa, sessions};
use crate::audit::note::AuditNote;
use crate::client::ClientInfo;
use crate::error::{Error, FieldError};
use crate::http::auth::WebUser;
use crate::http::auth::{BrowserLang, MaybeWebUser};
use crate::http::cookies::{DEVICE_COOKIE, SESSION_COOKIE, device_cookie, session_cookie};
use crate::http::pages::{
    ANON_CSRF_COOKIE, CsrfForm, Flash, FormErrors, Nav, PageError, SelectOption, anon_csrf, cookies_secure, dashboard_path, forget_cookie,
    read_cookie, render, safe_next,
};
use crate::http::state::AppState;
use crate::i18n::Lang;

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    nav: Nav,
    csrf: String,
    pending: bool,
    /// The message id of what the role does here ("" for a visitor).
    role_note: &'static str,
    /// The role's pages, once the account is active (path, message id of their words).
    links: Vec<(&'static str, &'static str)>,
    message: Flash,
}

/// `GET /`: the landing page, or a welcome for someone signed in.
pub async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    MaybeWebUser(user): MaybeWebUser,
    axum::extract::Query(q): axum::extract::Query<SecurityDone>,
) -> Result<Response, PageError> {
    let message = if q.done.as_deref() == Some("signed_out") { Flash::done("You are signed out.") } else { Flash::default() };
    if let Some(u) = user {
        let role_note = match u.user.role {
            Role::Doctor | Role::Patient => "landing-note-records",
            Role::Admin => "landing-note-admin",
            Role::Pharmacist => "landing-note-pharmacist",
            Role::Receptionist => "landing-note-receptionist",
            Role::Lab => "landing-note-lab",
        };
        let active = u.user.status == Status::Active;
        let links = match u.user.role {
            Role::Pharmacist if active => vec![("/pharmacy", "nav-pharmacy"), ("/prescriptions/verify", "nav-verify-prescription")],
            Role::Receptionist if active => {
                vec![("/appointments", "nav-front-desk"), ("/patients", "nav-find-patient"), ("/patients/register", "nav-register-patient")]
            }
            Role::Lab if active => vec![("/lab", "nav-lab-orders")],
            _ => Vec::new(),
        };
        let page = Landing {
            nav: Nav::signed_in(&u),
            csrf: String::new(),
            pending: u.user.status == Status::PendingApproval,
            role_note,
            links,
            message,
        };
        return Ok(render(&page)?.into_response());
    }
    let (jar, csrf) = anon_csrf(jar, cookies_secure(&state, &headers));
    let page = Landing { nav: Nav::visitor(&state, &headers), csrf, pending: false, role_note: "", links: Vec::new(), message };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    csrf: String,
    email: String,
    /// Why sign-in is asked for (a page needed it, the session ended), or "".
    message: String,
    error: String,
    /// How many wrong answers in a row this form has seen for `email`, and the warning when
    /// the next ones would pause the account.
    attempts: i64,
    warning: String,
    /// The page to go on to (a same-site path), or "".
    next: String,
}

impl LoginPage {
    fn new(state: &AppState, headers: &HeaderMap, csrf: String, next: &str) -> Self {
        Self {
            nav: Nav::visitor(state, headers),
            csrf,
            email: String::new(),
            message: String::new(),
            error: String::new(),
            attempts: 0,
            warning: String::new(),
            next: safe_next(next).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct LoginCodePage {
    nav: Nav,
    csrf: String,
    email: String,
    ticket: String,
    error: String,
    next: String,
}

/// `?next=` (the page to go back to) and `?why=` on the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    why: String,
}

/// `GET /login`: the form, saying why it is asked for when a page sent the browser here.
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    MaybeWebUser(user): MaybeWebUser,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Result<Response, PageError> {
    if let Some(u) = user {
        let to = safe_next(&q.next).unwrap_or_else(|| dashboard_path(u.user.role).to_string());
        return Ok(Redirect::to(&to).into_response());
    }
    let (jar, csrf) = anon_csrf(jar, cookies_secure(&state, &headers));
    let mut page = LoginPage::new(&state, &headers, csrf, &q.next);
    page.message = if !page.next.is_empty() {
        page.nav.t("login-why-next")
    } else if q.why == "signin" {
        page.nav.t("login-why-signin")
    } else if q.why == "password_set" {
        page.nav.t("login-why-password-set")
    } else {
        String::new()
    };
    Ok((jar, render(&page)?).into_response())
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// Scripts may still send the code with the password (the page asks for it on a second
    /// step).
    #[serde(default)]
    totp_code: String,
    #[serde(default)]
    next: String,
    /// Wrong answers in a row this form has seen, and for which email (text: a bad value reads
    /// as none, not as a broken form).
    #[serde(default)]
    attempts: String,
    #[serde(default)]
    tried: String,
}

/// The second step's form: the code, with the ticket the first step gave.
#[derive(Debug, Deserialize)]
pub struct LoginCodeForm {
    csrf_token: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    totp_code: String,
    #[serde(default)]
    next: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    nav: Nav,
    notice: String,
    next: String,
}

/// Signed in: the page session, then the page asked for (or the role's dashboard), after a
/// notice to read first when there is one.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    jar: CookieJar,
    secure: bool,
    client: &ClientInfo,
    signed: SignedIn,
    next: &str,
) -> Result<Response, PageError> {
    let SignedIn { user, notice, mfa, device_token } = signed;
    let token = service::start_web_session(state, &user, mfa, client).await?;
    let jar = forget_cookie(jar, ANON_CSRF_COOKIE).add(session_cookie(token, secure)).add(device_cookie(device_token, secure));
    let next = safe_next(next).unwrap_or_else(|| dashboard_path(user.role).to_string());
    match notice {
        // Told once, before going on.
        Some(notice) => {
            // In the language the person chose, if they did (they are signed in now).
            let lang =
                user.language.as_deref().and_then(crate::i18n::Lang::parse).unwrap_or_else(|| crate::http::auth::browser_language(headers));
            let page = NoticePage { nav: Nav::anonymous(state, BrowserLang(lang)), notice, next };
            Ok((jar, render(&page)?).into_response())
        }
        None => Ok((jar, Redirect::to(&next)).into_response()),
    }
}

/// The words for a refused sign-in (in the reader's language, times in the page's zone), with
/// the HTTP status and `Retry-After`.
fn refusal(state: &AppState, nav: &Nav, e: &Error) -> (StatusCode, String, Option<String>) {
    let (status, _) = e.status_and_code();
    let retry = match e {
        Error::RateLimited(secs) => Some(secs.to_string()),
        _ => None,
    };
    let words = match e {
        Error::InvalidMfaCode => nav.t("login-refused-code"),
        // The same words whether the email is unknown, the password wrong or the account
        // paused by failed attempts elsewhere (see `lockout`).
        Error::InvalidCredentials => nav.t("login-refused-credentials"),
        Error::AccountLocked(until) => nav.t1(
            if state.mailer.is_some() { "login-refused-locked-email" } else { "login-refused-locked-admin" },
            "until",
            nav.when(until),
        ),
        other => nav.sentence(&other.public_detail()),
    };
    (status, words, retry)
}

fn with_retry(mut response: Response, retry: Option<String>) -> Response {
    if let Some(v) = retry.and_then(|r| axum::http::HeaderValue::from_str(&r).ok()) {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

/// `POST /login`: the same sign-in as the API (lockout, limits, second factor); then a page
/// session and the page asked for. An account with two-factor sign-in gets a second step that
/// asks for the code alone.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    client: ClientInfo,
    note: AuditNote,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let secure = cookies_secure(&state, &headers);
    let creds = Credentials {
        email: form.email.clone(),
        password: form.password,
        totp_code: Some(form.totp_code).filter(|c| !c.trim().is_empty()),
        device_token: read_cookie(&jar, DEVICE_COOKIE, secure),
        ticket: None,
    };
    match service::sign_in(&state, creds, &client, &note).await {
        Ok(signed) => signed_in(&state, &headers, jar, secure, &client, signed, &form.next).await,
        Err(Error::MfaRequired) => {
            // The password was right: the second step asks for the code alone.
            let ticket = service::sign_in_ticket(&state, &form.email, &form.csrf_token).await?;
            let page = LoginCodePage {
                nav: Nav::visitor(&state, &headers),
                csrf: form.csrf_token,
                email: form.email,
                ticket,
                error: String::new(),
                next: safe_next(&form.next).unwrap_or_default(),
            };
            Ok(render(&page)?.into_response())
        }
        Err(
            e @ (Error::InvalidCredentials
            | Error::InvalidMfaCode
            | Error::AccountLocked(_)
            | Error::AccountDisabled
            | Error::RateLimited(_)),
        ) => {
            let mut page = LoginPage::new(&state, &headers, form.csrf_token, &form.next);
            let (status, error, retry) = refusal(&state, &page.nav, &e);
            // Counted by this form, for this email, whether or not the account exists (a count
            // kept by the account would tell who has one); the lock itself counts every device.
            if matches!(e, Error::InvalidCredentials | Error::InvalidMfaCode) {
                let same = form.tried.trim().eq_ignore_ascii_case(form.email.trim());
                let before = form.attempts.trim().parse::<i64>().unwrap_or(0).clamp(0, 100);
                page.attempts = if same { before + 1 } else { 1 };
                let left = crate::accounts::lockout::LOCK_AFTER - page.attempts;
                let minutes = crate::accounts::lockout::LOCK_MINUTES;
                if (1..=2).contains(&left) {
                    let key = if left == 1 { "login-warning-left-one" } else { "login-warning-left-other" };
                    page.warning = page.nav.t2(key, "n", left, "minutes", minutes);
                } else if left <= 0 {
                    // Said from this form's count (the same for any email): after that many, a
                    // right password is refused too until the pause ends.
                    page.warning = page.nav.t2("login-warning-paused", "n", crate::accounts::lockout::LOCK_AFTER, "minutes", minutes);
                }
            }
            page.email = form.email;
            page.error = error;
            Ok(with_retry((status, render(&page)?).into_response(), retry))
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /login/code`: the second step. A wrong code asks again (and counts toward the lock);
/// a ticket that is too old, altered or from another browser goes back to the first step.
pub async fn login_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    client: ClientInfo,
    note: AuditNote,
    CsrfForm(form): CsrfForm<LoginCodeForm>,
) -> Result<Response, PageError> {
    let secure = cookies_secure(&state, &headers);
    let email = service::ticket_email(&state, &form.ticket).unwrap_or_default();
    let creds = Credentials {
        email: email.clone(),
        password: String::new(),
        totp_code: Some(form.totp_code.clone()).filter(|c| !c.trim().is_empty()),
        device_token: read_cookie(&jar, DEVICE_COOKIE, secure),
        ticket: Some((form.ticket.clone(), form.csrf_token.clone())),
    };
    match service::sign_in(&state, creds, &client, &note).await {
        Ok(signed) => signed_in(&state, &headers, jar, secure, &client, signed, &form.next).await,
        Err(e @ (Error::InvalidMfaCode | Error::MfaRequired)) => {
            let nav = Nav::visitor(&state, &headers);
            let error = if matches!(e, Error::MfaRequired) { nav.t("login_code-enter-code") } else { refusal(&state, &nav, &e).1 };
            let page = LoginCodePage {
                nav,
                csrf: form.csrf_token,
                email,
                ticket: form.ticket,
                error,
                next: safe_next(&form.next).unwrap_or_default(),
            };
            Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response())
        }
        Err(e @ (Error::InvalidCredentials | Error::AccountLocked(_) | Error::AccountDisabled | Error::RateLimited(_))) => {
            let mut page = LoginPage::new(&state, &headers, form.csrf_token, &form.next);
            let (status, mut error, retry) = refusal(&state, &page.nav, &e);
            if matches!(e, Error::InvalidCredentials) {
                error = page.nav.t1("login-ticket-gone", "minutes", service::TICKET_MINUTES);
            }
            page.email = email;
            page.error = error;
            Ok(with_retry((status, render(&page)?).into_response(), retry))
        }
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    nav: Nav,
    csrf: String,
    notice_version: &'static str,
    full_name: String,
    email: String,
    roles: Vec<SelectOption>,
    errors: FormErrors,
}

fn role_options(selected: &str) -> Vec<SelectOption> {
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Admin)
        .map(|r| SelectOption { value: r.as_str(), label: r.label(), selected: r.as_str() == selected })
        .collect()
}

/// `GET /register`.
pub async fn register_form(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Result<Response, PageError> {
    let (jar, csrf) = anon_csrf(jar, cookies_secure(&state, &headers));
    let page = RegisterPage {
        nav: Nav::visitor(&state, &headers),
        csrf,
        notice_version: crate::accounts::privacy::NOTICE_VERSION,
        full_name: String::new(),
        email: String::new(),
        roles: role_options("patient"),
        errors: FormErrors::default(),
    };
    Ok((jar, render(&page)?).into_response())
}

/// The registration form.
#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    csrf_token: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

/// `POST /register`: the same service as the API; on success the person is signed in.
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    client: ClientInfo,
    note: AuditNote,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    let registration =
        Registration { email: form.email.clone(), password: form.password, role: form.role.clone(), full_name: form.full_name.clone() };
    let (status, errors) = match service::register(&state, registration, &client, &note).await {
        Ok(user) => {
            let token = service::start_web_session(&state, &user, false, &client).await?;
            let jar = forget_cookie(jar, ANON_CSRF_COOKIE).add(session_cookie(token, cookies_secure(&state, &headers)));
            return Ok((jar, Redirect::to(dashboard_path(user.role))).into_response());
        }
        Err(Error::Validation(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Err(Error::EmailTaken) => (StatusCode::CONFLICT, vec![FieldError::new("email", "An account with this email already exists.")]),
        Err(e) => return Err(PageError(e)),
    };
    let page = RegisterPage {
        nav: Nav::visitor(&state, &headers),
        csrf: form.csrf_token,
        notice_version: crate::accounts::privacy::NOTICE_VERSION,
        full_name: form.full_name,
        email: form.email,
        roles: role_options(&form.role),
        errors: FormErrors(errors),
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    nav: Nav,
}

/// `GET /logout`: a confirmation with a CSRF-protected button (sign-out is a POST).
pub async fn logout_form(user: WebUser) -> Result<Response, PageError> {
    Ok(render(&LogoutPage { nav: Nav::signed_in(&user) })?.into_response())
}

/// A form carrying only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    csrf_token: String,
}

/// `POST /logout`: ends the page session.
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    user: WebUser,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, PageError> {
    service::logout(&state, user.session_id).await?;
    let jar = forget_cookie(jar, SESSION_COOKIE);
    Ok((jar, Redirect::to("/?done=signed_out")).into_response())
}

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    nav: Nav,
    enabled: bool,
    required: bool,
    /// The account still waits for an administrator's approval.
    pending: bool,
    /// The page to go on to once two-factor sign-in is on (a same-site path), or "".
    next: String,
    enrolment: Option<mfa::Enrolment>,
    recovery_codes: Option<Vec<String>>,
    error: String,
}

impl MfaPage {
    fn new(user: &WebUser) -> Self {
        Self {
            nav: Nav::signed_in(user),
            enabled: user.user.mfa_enabled,
            required: user.user.must_use_mfa(),
            pending: user.user.status == Status::PendingApproval,
            next: String::new(),
            enrolment: None,
            recovery_codes: None,
            error: String::new(),
        }
    }
}

/// `GET /me/mfa`: the state of two-factor sign-in, resuming an enrolment in progress.
pub async fn mfa_page(
    State(state): State<AppState>,
    user: WebUser,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Result<Response, PageError> {
    let mut page = MfaPage::new(&user);
    page.next = safe_next(&q.next).unwrap_or_default();
    if !user.user.mfa_enabled {
        page.enrolment = mfa::pending(&state, &user.user, user.session_id).await?;
    }
    Ok(render(&page)?.into_response())
}

/// `POST /me/mfa`: starts enrolment and shows the QR code.
pub async fn mfa_begin(State(state): State<AppState>, user: WebUser, CsrfForm(form): CsrfForm<NextForm>) -> Result<Response, PageError> {
    let mut page = MfaPage::new(&user);
    page.next = safe_next(&form.next).unwrap_or_default();
    page.enrolment = Some(mfa::begin(&state, &user.user, user.session_id).await?);
    Ok(render(&page)?.into_response())
}

/// A form with its CSRF token and the page to go on to.
#[derive(Debug, Deserialize)]
pub struct NextForm {
    csrf_token: String,
    #[serde(default)]
    next: String,
}

/// The confirmation form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf_token: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// `POST /me/mfa/confirm`: turns MFA on and shows the recovery codes once.
pub async fn mfa_confirm(State(state): State<AppState>, user: WebUser, CsrfForm(form): CsrfForm<CodeForm>) -> Result<Response, PageError> {
    let mut page = MfaPage::new(&user);
    page.next = safe_next(&form.next).unwrap_or_default();
    match mfa::confirm(&state, &user.user, user.session_id, &form.code).await {
        Ok(codes) => {
            page.enabled = true;
            page.recovery_codes = Some(codes);
            Ok(render(&page)?.into_response())
        }
        Err(Error::Validation(errors)) => {
            page.enrolment = mfa::pending(&state, &user.user, user.session_id).await?;
            page.error = errors.first().map(|e| e.message.clone()).unwrap_or_default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    nav: Nav,
    mfa_enabled: bool,
    privacy: Option<crate::accounts::privacy::Acceptance>,
    sessions: Vec<crate::accounts::sessions::SessionView>,
    idle_minutes: i64,
    errors: FormErrors,
    message: Flash,
    /// The zone times are shown in, and whether it is the person's own choice.
    zone: String,
    own_zone: bool,
    clinic_zone: &'static str,
    zones: Vec<&'static str>,
    /// The language the person chose (`en`, `es`), or "" to follow their browser.
    language: &'static str,
    /// The languages offered: code and the language's own name.
    languages: Vec<(&'static str, &'static str)>,
}

async fn security(state: &AppState, user: &WebUser, errors: Vec<FieldError>, message: Flash) -> Result<String, PageError> {
    let page = SecurityPage {
        nav: Nav::signed_in(user),
        mfa_enabled: user.user.mfa_enabled,
        privacy: crate::accounts::privacy::acceptance(&state.db, user.user.id).await?,
        sessions: sessions::list(state, &user.user, user.session_id).await?,
        idle_minutes: sessions::IDLE_MINUTES,
        errors: FormErrors(errors),
        message,
        zone: user.zone.name().to_string(),
        own_zone: user.user.time_zone.is_some(),
        clinic_zone: state.settings.time_zone.name(),
        zones: {
            // The person's own zone is offered even when it is one of the old aliases.
            let mut zones: Vec<&'static str> = crate::clock::Zone::names().collect();
            if !zones.contains(&user.zone.name()) {
                zones.insert(0, user.zone.name());
            }
            zones
        },
        language: user.user.language.as_deref().and_then(Lang::parse).map(Lang::code).unwrap_or(""),
        languages: Lang::ALL.iter().map(|l| (l.code(), l.endonym())).collect(),
    };
    Ok(render(&page)?.0)
}

/// `?done=` after an action on the security page.
#[derive(Debug, Default, Deserialize)]
pub struct SecurityDone {
    done: Option<String>,
}

/// `GET /me/security`: two-factor status, signed-in devices, password change, time zone, look,
/// language.
pub async fn security_page(
    State(state): State<AppState>,
    user: WebUser,
    axum::extract::Query(q): axum::extract::Query<SecurityDone>,
) -> Result<Response, PageError> {
    let message = match q.done.as_deref() {
        Some("signed_out") => Flash::done("That session is signed out."),
        Some("time_zone") => Flash::done("Times are now shown in the zone you chose."),
        Some("theme") => Flash::done("The look is saved for this account."),
        Some("language") => Flash::done("Language saved."),
        _ => Flash::default(),
    };
    Ok(axum::response::Html(security(&state, &user, vec![], message).await?).into_response())
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    nav: Nav,
    csrf: String,
    email: String,
    sent: bool,
    can_email: bool,
    minutes: i64,
}

/// `GET /forgot-password`.
pub async fn forgot_form(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Result<Response, PageError> {
    let (jar, csrf) = anon_csrf(jar, cookies_secure(&state, &headers));
    let page = ForgotPage {
        nav: Nav::visitor(&state, &headers),
        csrf,
        email: String::new(),
        sent: false,
        can_email: state.mailer.is_some(),
        minutes: crate::accounts::reset::RESET_MINUTES,
    };
    Ok((jar, render(&page)?).into_response())
}

/// The forgot-password form.
#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    csrf_token: String,
    #[serde(default)]
    email: String,
}

/// `POST /forgot-password`: the same page whether or not an account has this email.
pub async fn forgot(
    State(state): State<AppState>,
    lang: BrowserLang,
    client: ClientInfo,
    note: AuditNote,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, PageError> {
    crate::accounts::reset::request(&state, &form.email, &client, &note).await?;
    let page = ForgotPage {
        nav: Nav::anonymous(&state, lang),
        csrf: form.csrf_token,
        email: form.email,
        sent: true,
        can_email: state.mailer.is_some(),
        minutes: crate::accounts::reset::RESET_MINUTES,
    };
    Ok(render(&page)?.into_response())
}

/// The theme form.
#[derive(Debug, Deserialize)]
pub struct ThemeForm {
    csrf_token: String,
    #[serde(default)]
    theme: String,
}

/// `POST /me/theme`: light, dark, or (empty) the device's setting.
pub async fn set_theme(State(state): State<AppState>, user: WebUser, CsrfForm(form): CsrfForm<ThemeForm>) -> Result<Response, PageError> {
    let theme = Some(form.theme.trim().to_string()).filter(|t| !t.is_empty());
    let prefs = service::Preferences { theme, ..kept(&user) };
    save_preferences(&state, &user, prefs, "theme").await
}

/// The time zone form.
#[derive(Debug, Deserialize)]
pub struct TimeZoneForm {
    csrf_token: String,
    #[serde(default)]
    time_zone: String,
}

/// `POST /me/time-zone`: the zone this person reads times in (empty: the clinic's).
pub async fn set_time_zone(
    State(state): State<AppState>,
    user: WebUser,
    CsrfForm(form): CsrfForm<TimeZoneForm>,
) -> Result<Response, PageError> {
    let time_zone = Some(form.time_zone.trim().to_string()).filter(|z| !z.is_empty());
    save_preferences(&state, &user, service::Preferences { time_zone, ..kept(&user) }, "time_zone").await
}

/// The language form.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    csrf_token: String,
    /// Required: a form without it is refused, not read as "follow the browser" (empty).
    #[serde(default)]
    language: Option<String>,
}

/// `POST /me/language`: the language of pages (empty: the browser's).
pub async fn set_language(
    State(state): State<AppState>,
    user: WebUser,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> Result<Response, PageError> {
    let Some(chosen) = form.language else {
        let errors = vec![crate::error::FieldError::new("language", "Choose a language, or to follow the browser.")];
        let html = security(&state, &user, errors, Flash::default()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(html)).into_response());
    };
    let language = Some(chosen.trim().to_string()).filter(|l| !l.is_empty());
    save_preferences(&state, &user, service::Preferences { language, ..kept(&user) }, "language").await
}

/// The preferences a person has now (one form changes one of them).
fn kept(user: &WebUser) -> service::Preferences {
    service::Preferences { time_zone: user.user.time_zone.clone(), theme: user.user.theme.clone(), language: user.user.language.clone() }
}

/// Saves a preference from the account page: back to it with `?done=`, or the page again with
/// the field at fault.
async fn save_preferences(state: &AppState, user: &WebUser, prefs: service::Preferences, done: &str) -> Result<Response, PageError> {
    match service::set_preferences(state, &user.user, prefs).await {
        Ok(_) => Ok(Redirect::to(&format!("/me/security?done={done}")).into_response()),
        Err(Error::Validation(errors)) => {
            let html = security(state, user, errors, Flash::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(html)).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /me/password`.
pub async fn change_password(
    State(state): State<AppState>,
    user: WebUser,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let change = sessions::PasswordChange { current_password: form.current_password, new_password: form.new_password };
    match sessions::change_password(&state, &user.user, user.session_id, change).await {
        Ok(n) => {
            let message = user.words.count("flash-password-changed", i64::try_from(n).unwrap_or(i64::MAX));
            Ok(axum::response::Html(security(&state, &user, vec![], Flash::done(&message)).await?).into_response())
        }
        Err(Error::Validation(errors)) => {
            let html = security(&state, &user, errors, Flash::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(html)).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /me/sessions/{id}/revoke`: signs out one of your devices.
pub async fn revoke_session(
    State(state): State<AppState>,
    user: WebUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, PageError> {
    let sid = id.parse().map_err(|_| PageError(Error::NotFound("session_not_found")))?;
    sessions::revoke(&state, &user.user, sid).await?;
    Ok(Redirect::to("/me/security?done=signed_out").into_response())
}

#[derive(Template)]
#[template(path = "unlock.html")]
struct UnlockPage {
    nav: Nav,
    csrf: String,
    token: String,
    done: bool,
    error: String,
}

/// The query of an emailed unlock link.
#[derive(Debug, Default, Deserialize)]
struct UnlockQuery {
    #[serde(default)]
    token: String,
}

/// `GET /unlock?token=`: what the emailed link opens. It asks before spending the link, since
/// mail scanners open links by themselves.
pub async fn unlock_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let q: UnlockQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let (jar, csrf) = anon_csrf(jar, cookies_secure(&state, &headers));
    let nav = Nav::visitor(&state, &headers);
    let error = if q.token.is_empty() {
        nav.t("unlock-no-link")
    } else if !crate::accounts::lockout::unlock_link_works(&state.db, q.token.trim(), state.clock.now()).await? {
        nav.t(UNLOCK_LINK_GONE)
    } else {
        String::new()
    };
    let page = UnlockPage { nav, csrf, token: q.token, done: false, error };
    Ok((jar, render(&page)?).into_response())
}

/// The message id of what a spent, old or broken unlock link says.
const UNLOCK_LINK_GONE: &str = "unlock-link-gone";

/// The unlock form.
#[derive(Debug, Deserialize)]
pub struct UnlockForm {
    csrf_token: String,
    #[serde(default)]
    token: String,
}

/// `POST /unlock`: spends the link and lifts the lock.
pub async fn unlock(State(state): State<AppState>, lang: BrowserLang, CsrfForm(form): CsrfForm<UnlockForm>) -> Result<Response, PageError> {
    let mut page =
        UnlockPage { nav: Nav::anonymous(&state, lang), csrf: form.csrf_token, token: String::new(), done: false, error: String::new() };
    match crate::accounts::lockout::redeem_unlock(&state.db, form.token.trim(), state.clock.now()).await {
        Ok(_) => {
            page.done = true;
            Ok(render(&page)?.into_response())
        }
        Err(Error::NotFound(_)) => {
            page.error = page.nav.t(UNLOCK_LINK_GONE);
            Ok((StatusCode::NOT_FOUND, render(&page)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

crate::csrf_protected!(
    LoginForm,
    NextForm,
    LoginCodeForm,
    TimeZoneForm,
    LanguageForm,
    ThemeForm,
    ForgotForm,
    RegisterForm,
    CsrfOnly,
    CodeForm,
    PasswordForm,
    UnlockForm
);

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    nav: Nav,
    version: &'static str,
}

/// `GET /privacy`: the privacy notice in force (accepted at registration).
pub async fn privacy(
    State(state): State<AppState>,
    lang: BrowserLang,
    user: crate::http::auth::MaybeWebUser,
) -> Result<Response, PageError> {
    let nav = user.0.as_ref().map(Nav::signed_in).unwrap_or_else(|| Nav::anonymous(&state, lang));
    Ok(render(&PrivacyPage { nav, version: crate::accounts::privacy::NOTICE_VERSION })?.into_response())
}
