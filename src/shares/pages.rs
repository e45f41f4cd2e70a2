//! Share links as pages: the patient's "Share my records" page (their links, revoking, and a
//! form that makes a link and shows it once with its QR code), and the link's own page, which
//! shows the shared records read-only to anyone holding the link.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::permissions::Actor;
use crate::audit::note::AuditNote;
use crate::error::{Error, FieldError};
use crate::http::auth::{BrowserLang, WebUser};
use crate::http::pages::{CsrfForm, Flash, FormErrors, Nav, PageError, error_page, render, site_origin};
use crate::http::state::AppState;
use crate::records::model::Record;
use crate::shares::model::{CreatedShare, NewShare, ShareLink, ShareScope, SharedView};
use crate::shares::service;

/// One expiry the form offers.
#[derive(Debug)]
struct ExpiryOption {
    minutes: i64,
    /// The message id of its words.
    label: &'static str,
    selected: bool,
}

/// The expiries the form offers, up to the longest a link may work (minutes, message id).
const EXPIRIES: [(i64, &str); 4] = [
    (60, "shares-expiry-1-hour"),
    (service::DEFAULT_MINUTES, "shares-expiry-1-day"),
    (3 * 24 * 60, "shares-expiry-3-days"),
    (service::MAX_MINUTES, "shares-expiry-7-days"),
];

/// One of the patient's records, as a checkbox.
#[derive(Debug)]
struct RecordChoice {
    record: Record,
    checked: bool,
}

#[derive(Template)]
#[template(path = "shares.html")]
struct SharesPage {
    nav: Nav,
    links: Vec<ShareLink>,
    records: Vec<RecordChoice>,
    all: bool,
    expiries: Vec<ExpiryOption>,
    errors: FormErrors,
    created: Option<CreatedShare>,
    message: Flash,
}

/// The form as sent back (empty when the page is first shown).
#[derive(Debug, Default)]
struct Refill {
    all: bool,
    record_ids: Vec<String>,
    minutes: i64,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    user: &WebUser,
    form: Refill,
    created: Option<CreatedShare>,
    message: Flash,
) -> Result<SharesPage, PageError> {
    // A patient has a handful of links: the page shows the newest 200 (the API pages on).
    let links = service::list(state, actor, &crate::pagination::PageRequest { limit: 200, after: None }).await?.items;
    let records = service::choosable(state, actor)
        .await?
        .into_iter()
        .map(|record| RecordChoice { checked: form.record_ids.contains(&record.id.to_string()), record })
        .collect();
    let minutes = if form.minutes == 0 { service::DEFAULT_MINUTES } else { form.minutes };
    Ok(SharesPage {
        nav: Nav::signed_in(user),
        links,
        records,
        all: form.all,
        expiries: EXPIRIES.iter().map(|(m, label)| ExpiryOption { minutes: *m, label, selected: *m == minutes }).collect(),
        errors: form.errors,
        created,
        message,
    })
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

/// `GET /me/shares`: the patient's links and the form to make one.
pub async fn show(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let done: Done = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let message = match done.done.as_deref() {
        Some("revoked") => Flash::done("The link is revoked: it opens nothing any more."),
        _ => Flash::default(),
    };
    let page = page(&state, &actor, &user, Refill::default(), None, message).await?;
    Ok(render(&page)?.into_response())
}

/// The form that makes a link: `scope` (`all` or `records`), a `record:<id>` checkbox per
/// record, and `minutes`.
#[derive(Debug, Deserialize)]
pub struct CreateForm {
    csrf_token: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    minutes: String,
    /// The ticked records' checkboxes (`record:<id>`), each with its own name, since a form
    /// body's repeated names do not fit a struct.
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

/// `POST /me/shares`: makes a link with the API's service and shows it, once, with its QR code.
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    headers: HeaderMap,
    uri: Uri,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> Result<Response, PageError> {
    let all = form.scope == "all";
    let mut record_ids: Vec<String> = form.rest.keys().filter_map(|k| k.strip_prefix("record:")).map(str::to_string).collect();
    record_ids.sort();
    let minutes = form.minutes.trim().parse::<i64>().unwrap_or(service::DEFAULT_MINUTES);
    let body = NewShare { record_ids: (!all).then(|| record_ids.clone()), all: all.then_some(true), expires_in_minutes: Some(minutes) };
    let site = site_origin(&state, &headers, Some(&uri))
        .ok_or_else(|| Error::Malformed("the request's Host header is missing or not a host; the server needs --public-url".into()))?;
    let refill = |errors| Refill { all, record_ids: record_ids.clone(), minutes, errors: FormErrors(errors) };
    match service::create(&state, &actor, &body, &site).await {
        Ok(created) => {
            let page = page(&state, &actor, &user, Refill::default(), Some(created), Flash::default()).await?;
            Ok(render(&page)?.into_response())
        }
        Err(Error::Validation(errors)) => {
            // The API's fields, in the form's words.
            let errors = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "record_ids" if record_ids.is_empty() => {
                        FieldError::new("records", "Tick at least one record, or share the whole history.")
                    }
                    "record_ids" => FieldError::new("records", e.message),
                    "expires_in_minutes" => FieldError::new("minutes", "Choose how long the link works, up to seven days."),
                    _ => e,
                })
                .collect();
            let page = page(&state, &actor, &user, refill(errors), None, Flash::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf_token: String,
}

/// `POST /me/shares/{id}/revoke`: the patient revokes one of their links.
pub async fn revoke(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<RevokeForm>,
) -> Result<Response, PageError> {
    service::revoke(&state, &actor, &id).await?;
    Ok(Redirect::to("/me/shares?done=revoked").into_response())
}

crate::csrf_protected!(CreateForm, RevokeForm);

#[derive(Template)]
#[template(path = "share.html")]
struct SharePage {
    nav: Nav,
    view: SharedView,
    whole_history: bool,
}

/// What a share link's page says when it opens nothing: the same for an unknown token, an
/// expired link and a revoked one, so a guesser learns nothing.
const GONE: &str = "This share link does not open anything: it may have expired or been revoked, or its address is incomplete. \
    Ask whoever gave it to you for a new one.";

/// The headers of a share link's page, whatever it shows: never cached or indexed, and its
/// address (which holds the token) never sent on as a referrer.
fn private(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    response
}

/// `GET /share/{token}`: the shared records, read-only, for anyone holding the link (no
/// sign-in); 404 once it has expired or been revoked, and for any token that is not a link's.
pub async fn view(
    State(state): State<AppState>,
    lang: BrowserLang,
    note: AuditNote,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    match service::view(&state, &note, &token).await {
        Ok(view) => {
            let whole_history = view.scope == ShareScope::All;
            Ok(private(render(&SharePage { nav: Nav::anonymous(&state, lang), view, whole_history })?.into_response()))
        }
        Err(Error::NotFound(_)) => Ok(private(error_page(StatusCode::NOT_FOUND, GONE.into(), None))),
        Err(e) => Err(e.into()),
    }
}
