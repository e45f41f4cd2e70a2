//! Patient identity as pages: the staff's patient search, the front desk's registration form
//! (which shows the one-time link to print), and the page the link opens to set a password.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::accounts::permissions::{Actor, Permission};
use crate::error::{Error, FieldError};
use crate::http::auth::WebUser;
use crate::http::cookies::{anon_csrf, cookies_secure};
use crate::http::pages::{CsrfForm, FormErrors, Nav, PageError, render};
use crate::http::state::AppState;
use crate::patients::model::{NewPatient, PatientQuery, PatientSummary, Registered, SetPassword};
use crate::patients::service;

/// A patient's sex (`female`, `male`, `other`, `unknown`) in the reader's words; anything else
/// as it is.
pub fn sex_words(nav: &Nav, sex: &str) -> String {
    match sex {
        "female" => nav.t("patients-sex-female"),
        "male" => nav.t("patients-sex-male"),
        "other" => nav.t("patients-sex-other"),
        "unknown" => nav.t("patients-sex-unknown"),
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "patients.html")]
struct SearchPage {
    nav: Nav,
    q: String,
    results: Option<Vec<PatientSummary>>,
    error: String,
    can_register: bool,
    can_chart: bool,
}

/// `GET /patients?q=`.
pub async fn search(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let q: PatientQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let text = q.q.unwrap_or_default();
    let (results, error) = if text.trim().is_empty() {
        (None, String::new())
    } else {
        match service::search(&state, &actor, Some(&text)).await {
            Ok(found) => (Some(found), String::new()),
            Err(Error::Validation(e)) => (None, e.first().map(|e| e.message.clone()).unwrap_or_default()),
            Err(e) => return Err(PageError(e)),
        }
    };
    let page = SearchPage {
        nav: Nav::signed_in(&user),
        q: text,
        results,
        error,
        can_register: actor.holds(Permission::PatientsRegister),
        can_chart: actor.holds(Permission::RecordsRead),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "patient_register.html")]
struct RegisterPage {
    nav: Nav,
    form: RegisterForm,
    errors: FormErrors,
    done: Option<Registered>,
    site: String,
}

/// The registration form, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
}

/// `GET /patients/register`.
pub async fn register_form(State(_state): State<AppState>, user: WebUser) -> Result<Response, PageError> {
    let page = RegisterPage {
        nav: Nav::signed_in(&user),
        form: RegisterForm::default(),
        errors: FormErrors::default(),
        done: None,
        site: String::new(),
    };
    Ok(render(&page)?.into_response())
}

/// `POST /patients/register`: the patient is registered and the page shows their one-time link
/// to print (and says whether it was emailed).
pub async fn register(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    let blank = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let body = NewPatient {
        full_name: form.full_name.clone(),
        email: form.email.clone(),
        date_of_birth: form.date_of_birth.clone(),
        sex: form.sex.clone(),
        phone: blank(&form.phone),
        address: blank(&form.address),
    };
    let site = crate::http::pages::site_origin(&state, &headers, None).unwrap_or_default();
    let (status, errors, done) = match service::register(&state, &actor, body).await {
        Ok(r) => (StatusCode::CREATED, Vec::new(), Some(r)),
        Err(Error::Validation(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e, None),
        Err(Error::EmailTaken) => {
            (StatusCode::CONFLICT, vec![FieldError::new("email", "An account with this email exists already.")], None)
        }
        Err(e) => return Err(PageError(e)),
    };
    let form = if done.is_some() { RegisterForm::default() } else { form };
    let page = RegisterPage { nav: Nav::signed_in(&user), form, errors: FormErrors(errors), done, site };
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    nav: Nav,
    csrf: String,
    token: String,
    error: String,
    /// The link no longer works: no form, only the way back.
    dead: bool,
}

/// `?token=`.
#[derive(Debug, Default, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// `GET /set-password?token=`: the page the one-time link opens.
pub async fn set_password_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: TokenQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let (jar, csrf) = anon_csrf(jar, cookies_secure(&state, &headers));
    let token = q.token.unwrap_or_default();
    let dead = !service::link_is_open(&state, &token).await?;
    let nav = Nav::visitor(&state, &headers);
    let error = if dead { nav.t("set_password-link-dead") } else { String::new() };
    let page = SetPasswordPage { nav, csrf, token, error, dead };
    Ok((jar, render(&page)?).into_response())
}

/// The set-password form.
#[derive(Debug, Deserialize)]
pub struct SetPasswordForm {
    csrf_token: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// `POST /set-password`: on to the sign-in page once set.
pub async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    note: crate::audit::note::AuditNote,
    CsrfForm(form): CsrfForm<SetPasswordForm>,
) -> Result<Response, PageError> {
    let nav = Nav::visitor(&state, &headers);
    let mut dead = false;
    let error = match service::set_password(&state, SetPassword { token: form.token.clone(), password: form.password }, &note).await {
        Ok(()) => return Ok(Redirect::to("/login?why=password_set").into_response()),
        Err(Error::Validation(e)) => e.first().map(|e| e.message.clone()).unwrap_or_default(),
        Err(Error::NotFound(_)) => {
            dead = true;
            nav.t("set_password-link-dead")
        }
        Err(e) => return Err(PageError(e)),
    };
    let (jar, csrf) = anon_csrf(jar, cookies_secure(&state, &headers));
    let page = SetPasswordPage { nav, csrf, token: form.token, error, dead };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, render(&page)?).into_response())
}

crate::csrf_protected!(RegisterForm, SetPasswordForm);
