//! The audit trail as pages: admins search it (and download it as CSV); patients see who
//! accessed their records.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

use crate::accounts::permissions::Actor;
use crate::audit::trail::AccessEvent;
use crate::audit::{self as service, AccessLogItem, TrailParams};
use crate::error::Error;
use crate::http::auth::WebUser;
use crate::http::pages::{FormErrors, Nav, PageError, render};
use crate::http::state::AppState;
use crate::i18n::Words;
use crate::pagination::PageParams;

/// A row as the admin page shows it.
struct Row {
    at: String,
    actor: String,
    role: String,
    action: String,
    patient: String,
    resource: String,
    outcome: String,
    ip: String,
    request_id: String,
}

impl From<AccessEvent> for Row {
    fn from(e: AccessEvent) -> Self {
        let name_or_id = |name: Option<String>, id: Option<String>| name.or(id).unwrap_or_default();
        Self {
            at: e.at,
            actor: name_or_id(e.actor_name, e.actor_id.clone()),
            role: e.actor_role.unwrap_or_default(),
            action: e.action,
            patient: name_or_id(e.patient_name, e.patient_id),
            resource: match (e.resource_type, e.resource_id) {
                (Some(t), Some(id)) => format!("{t} {id}"),
                (Some(t), None) => t,
                _ => String::new(),
            },
            outcome: e.outcome,
            ip: e.ip.unwrap_or_default(),
            request_id: e.request_id.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    nav: Nav,
    filter: TrailParams,
    errors: FormErrors,
    rows: Vec<Row>,
    next_link: Option<String>,
    export_link: String,
    fields: Vec<Field>,
    sorts: Vec<(&'static str, &'static str)>,
    sort: String,
}

/// A filter field: name, label (a message id), value, and the choices (code, words in the
/// reader's language) when it is chosen from a list rather than typed.
type Field = (&'static str, &'static str, String, Vec<(String, String)>);

fn fields(f: &TrailParams, words: &Words) -> Vec<Field> {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let said = |codes: &[&str]| codes.iter().map(|c| (c.to_string(), crate::http::words::say(words, c))).collect::<Vec<_>>();
    let roles = crate::accounts::Role::ALL.iter().map(|r| (r.as_str().to_string(), words.t(&format!("role-{}", r.as_str())))).collect();
    let fields = vec![
        ("actor_id", "admin_audit-field-actor_id", v(&f.actor_id), Vec::new()),
        ("actor_role", "admin_audit-field-actor_role", v(&f.actor_role), roles),
        ("action", "admin_audit-field-action", v(&f.action), said(crate::http::words::AUDIT_ACTIONS)),
        ("patient_id", "admin_audit-field-patient_id", v(&f.patient_id), Vec::new()),
        ("resource_id", "admin_audit-field-resource_id", v(&f.resource_id), Vec::new()),
        ("outcome", "admin_audit-field-outcome", v(&f.outcome), said(crate::http::words::OUTCOMES)),
        ("ip", "admin_audit-field-ip", v(&f.ip), Vec::new()),
        ("request_id", "admin_audit-field-request_id", v(&f.request_id), Vec::new()),
    ];
    // A value the lists do not hold (typed into the address) stays shown, so the filter in
    // force is the filter on screen; it is matched against codes only, so it is shown as given.
    fields
        .into_iter()
        .map(|(name, label, value, mut choices)| {
            if !choices.is_empty() && !value.is_empty() && !choices.iter().any(|(c, _)| *c == value) {
                choices.push((value.clone(), value.clone()));
            }
            (name, label, value, choices)
        })
        .collect()
}

/// The orders offered: value, and the message id of its words.
const SORTS: [(&str, &str); 11] = [
    ("-seq", "admin_audit-sort-newest"),
    ("seq", "admin_audit-sort-oldest"),
    ("actor_id", "admin_audit-sort-actor_id"),
    ("actor_role", "admin_audit-sort-actor_role"),
    ("action", "admin_audit-sort-action"),
    ("patient_id", "admin_audit-sort-patient_id"),
    ("resource_id", "admin_audit-sort-resource_id"),
    ("outcome", "admin_audit-sort-outcome"),
    ("ip", "admin_audit-sort-ip"),
    ("user_agent", "admin_audit-sort-user_agent"),
    ("request_id", "admin_audit-sort-request_id"),
];

/// `GET /admin/audit`: the audit trail, filtered and sorted as the API's, with a CSV link.
pub async fn audit(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let raw = raw.unwrap_or_default();
    let filter: TrailParams = serde_urlencoded::from_str(&raw).map_err(|e| Error::Malformed(format!("the filters do not parse: {e}")))?;
    state.audit.flush().await?;
    let (rows, next_cursor, errors) = match service::search(&state, &actor, &filter).await {
        Ok(page) => (page.items, page.next_cursor, FormErrors::default()),
        Err(Error::Validation(errors)) => (Vec::new(), None, FormErrors(errors)),
        Err(e) => return Err(e.into()),
    };
    let mut without_cursor = filter.clone();
    without_cursor.cursor = None;
    let query = serde_urlencoded::to_string(&without_cursor).unwrap_or_default();
    let next_link = next_cursor.map(|c| format!("/admin/audit?{query}{}cursor={c}", if query.is_empty() { "" } else { "&" }));
    let export_link = format!("/admin/audit/export?{query}");
    let page = AuditPage {
        nav: Nav::signed_in(&user),
        fields: fields(&filter, &user.words),
        sorts: SORTS.to_vec(),
        sort: filter.sort.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "-seq".into()),
        filter,
        errors,
        rows: rows.into_iter().map(Row::from).collect(),
        next_link,
        export_link,
    };
    Ok(render(&page)?.into_response())
}

/// `GET /admin/audit/export`: the CSV download from the page (same as the API's).
pub async fn export(State(state): State<AppState>, actor: Actor, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let filter: TrailParams =
        serde_urlencoded::from_str(&raw.unwrap_or_default()).map_err(|e| Error::Malformed(format!("the filters do not parse: {e}")))?;
    state.audit.flush().await?;
    let (csv, truncated) = service::export_csv(&state, &actor, &filter).await?;
    let mut response = (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
        ],
        csv,
    )
        .into_response();
    if truncated {
        response.headers_mut().insert("careledger-export-truncated", axum::http::HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A line as the patient's page shows it.
struct LogLine {
    at: String,
    who: String,
    role: String,
    what: String,
    outcome: String,
}

impl LogLine {
    /// An access as the patient reads it, in their language.
    fn new(i: AccessLogItem, words: &Words) -> Self {
        Self {
            at: i.at,
            who: i.who.unwrap_or_else(|| words.t("access_log-who-not-signed-in")),
            role: i.role.unwrap_or_default(),
            what: describe(&i.action, words),
            // An attempt that did not go through, said so a patient is not alarmed by a verb
            // describing what did not happen.
            outcome: match i.outcome.as_str() {
                "success" => String::new(),
                "denied" => words.t("access_log-outcome-denied"),
                "not_found" => words.t("access_log-outcome-not-found"),
                "conflict" => words.t("access_log-outcome-conflict"),
                _ => words.t("access_log-outcome-other"),
            },
        }
    }
}

/// An action in a patient's words.
fn describe(action: &str, words: &Words) -> String {
    let key = match action {
        "record.read" => "access_log-did-record-read",
        "record.search" => "access_log-did-record-search",
        "history.read" => "access_log-did-history-read",
        "record.versions" => "access_log-did-record-versions",
        "record.proof" => "access_log-did-record-proof",
        "record.create" => "access_log-did-record-create",
        "record.amend" => "access_log-did-record-amend",
        "file.attach" => "access_log-did-file-attach",
        "file.list" => "access_log-did-file-list",
        "file.download" => "access_log-did-file-download",
        "care_team.read" => "access_log-did-care_team-read",
        "care_team.add" => "access_log-did-care_team-add",
        "care_team.remove" => "access_log-did-care_team-remove",
        "emergency_access.open" => "access_log-did-emergency_access-open",
        "share.view" => "access_log-did-share-view",
        "share.revoke" => "access_log-did-share-revoke",
        other => return crate::http::words::say(words, other),
    };
    words.t(key)
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    nav: Nav,
    lines: Vec<LogLine>,
    next_link: Option<String>,
}

/// `GET /me/access-log`: who accessed my records.
pub async fn access_log(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let p: PageParams = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    state.audit.flush().await?;
    let found = service::access_log(&state, &actor, crate::pagination::DEFAULT_LIMIT, p.cursor.as_deref()).await?;
    let next_link = found.next_cursor.map(|c| format!("/me/access-log?cursor={c}"));
    let page = AccessLogPage {
        nav: Nav::signed_in(&user),
        lines: found.items.into_iter().map(|i| LogLine::new(i, &user.words)).collect(),
        next_link,
    };
    Ok(render(&page)?.into_response())
}
