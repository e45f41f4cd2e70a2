//! Prescriptions as pages: the doctor's form (its safety warnings shown, acknowledged with a
//! reason), the printable prescription with its verification QR code, and the pharmacist's
//! verification page the QR code opens.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::store as users;
use crate::error::{Error, FieldError, SafetyWarning};
use crate::http::auth::WebUser;
use crate::http::pages::{CsrfForm, Flash, FormErrors, Nav, PageError, render, site_origin};
use crate::http::state::AppState;
use crate::prescriptions::model::{NewItem, NewPrescription, Prescription, PrescriptionVersion, Verification, VerifyQuery};
use crate::prescriptions::service;

/// Rows of the form (a prescription holds up to 20 items over the API).
const FORM_ROWS: usize = 3;

/// One item row as typed.
#[derive(Debug, Default, Clone)]
struct Row {
    drug: String,
    dose_mg: String,
    frequency_per_day: String,
    duration_days: String,
    instructions: String,
}

#[derive(Template)]
#[template(path = "prescription_form.html")]
struct FormPage {
    nav: Nav,
    patient_id: String,
    patient_name: String,
    rows: Vec<(usize, Row)>,
    warnings: Vec<SafetyWarning>,
    override_reason: String,
    errors: FormErrors,
}

/// `?patient_id=` of the form.
#[derive(Debug, Default, Deserialize)]
pub struct ForPatient {
    patient_id: Option<String>,
}

async fn patient_name(state: &AppState, id: &str) -> Result<String, PageError> {
    Ok(match id.parse() {
        Ok(id) => users::find_by_id(&state.db, id).await?.map(|u| u.full_name).unwrap_or_default(),
        Err(_) => String::new(),
    })
}

/// `GET /prescriptions/new?patient_id=`.
pub async fn new_form(State(state): State<AppState>, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let q: ForPatient = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let patient_id = q.patient_id.unwrap_or_default();
    let page = FormPage {
        nav: Nav::signed_in(&user),
        patient_name: patient_name(&state, &patient_id).await?,
        patient_id,
        rows: (0..FORM_ROWS).map(|i| (i, Row::default())).collect(),
        warnings: Vec::new(),
        override_reason: String::new(),
        errors: FormErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

/// The form as posted: `drug_0`, `dose_mg_0`, … for each row.
#[derive(Debug, Deserialize)]
pub struct PrescribeForm {
    csrf_token: String,
    #[serde(default)]
    patient_id: String,
    #[serde(default)]
    acknowledge: Option<String>,
    #[serde(default)]
    override_reason: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

/// `POST /prescriptions/new`: the same service as the API; warnings come back on the form, to
/// be acknowledged with a reason.
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    CsrfForm(form): CsrfForm<PrescribeForm>,
) -> Result<Response, PageError> {
    let field = |name: &str, i: usize| form.rest.get(&format!("{name}_{i}")).cloned().unwrap_or_default();
    let rows: Vec<Row> = (0..FORM_ROWS)
        .map(|i| Row {
            drug: field("drug", i),
            dose_mg: field("dose_mg", i),
            frequency_per_day: field("frequency_per_day", i),
            duration_days: field("duration_days", i),
            instructions: field("instructions", i),
        })
        .collect();
    // Rows left blank are not items; numbers that do not parse are named on their row.
    let mut errors = Vec::new();
    let mut items = Vec::new();
    let mut row_of = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.drug.trim().is_empty() && r.dose_mg.trim().is_empty() {
            continue;
        }
        let number = |s: &str, name: &str, errors: &mut Vec<FieldError>| -> Option<f64> {
            match decimal(s) {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new(format!("{name}_{i}"), "Enter a number."));
                    None
                }
            }
        };
        let dose = number(&r.dose_mg, "dose_mg", &mut errors);
        let whole = |s: &str, name: &str, errors: &mut Vec<FieldError>| -> Option<f64> {
            let n = number(s, name, errors)?;
            if n.fract() != 0.0 {
                errors.push(FieldError::new(format!("{name}_{i}"), "Enter a whole number."));
                return None;
            }
            Some(n)
        };
        let frequency = whole(&r.frequency_per_day, "frequency_per_day", &mut errors);
        let duration = whole(&r.duration_days, "duration_days", &mut errors);
        row_of.push(i);
        items.push(NewItem {
            drug: r.drug.clone(),
            dose_mg: dose.unwrap_or(1.0),
            frequency_per_day: frequency.unwrap_or(1.0) as i64,
            duration_days: duration.unwrap_or(1.0) as i64,
            instructions: Some(r.instructions.clone()).filter(|s| !s.trim().is_empty()),
        });
    }
    let redraw = |warnings: Vec<SafetyWarning>, errors: Vec<FieldError>| async {
        let page = FormPage {
            nav: Nav::signed_in(&user),
            patient_name: patient_name(&state, &form.patient_id).await?,
            patient_id: form.patient_id.clone(),
            rows: rows.iter().cloned().enumerate().collect(),
            warnings,
            override_reason: form.override_reason.clone(),
            errors: FormErrors(errors),
        };
        Ok::<_, PageError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    if items.is_empty() {
        errors.push(FieldError::new("drug_0", "Prescribe at least one drug."));
    }
    if !errors.is_empty() {
        return redraw(Vec::new(), errors).await;
    }
    let body = |acknowledge: bool| NewPrescription {
        patient_id: form.patient_id.clone(),
        items: items.clone(),
        acknowledge_warnings: Some(acknowledge),
        override_reason: Some(form.override_reason.clone()),
    };
    match service::create(&state, &actor, &state.drugs, body(form.acknowledge.is_some())).await {
        Ok(p) => Ok(Redirect::to(&format!("/prescriptions/{}?done=issued", p.id)).into_response()),
        Err(Error::SafetyWarnings(warnings)) => redraw(warnings, Vec::new()).await,
        Err(Error::Validation(errors)) => {
            // `items[1].dose_mg` is the second item typed, on whichever row it was.
            let errors = errors
                .into_iter()
                .map(|e| match e.field.strip_prefix("items[").and_then(|s| s.split_once("].")) {
                    Some((n, name)) => {
                        let row = n.parse::<usize>().ok().and_then(|n| row_of.get(n).copied()).unwrap_or(0);
                        FieldError::new(format!("{name}_{row}"), e.message)
                    }
                    None if e.field == "patient_id" => FieldError::new("drug_0", "Open this form from the patient's chart."),
                    None => e,
                })
                .collect::<Vec<_>>();
            // Ticked without a reason: the warnings stay on the form beside the reason asked for.
            let warnings = if errors.iter().any(|e| e.field == "override_reason") {
                match service::create(&state, &actor, &state.drugs, body(false)).await {
                    Err(Error::SafetyWarnings(w)) => w,
                    _ => Vec::new(),
                }
            } else {
                Vec::new()
            };
            redraw(warnings, errors).await
        }
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Template)]
#[template(path = "prescription.html")]
struct ShowPage {
    nav: Nav,
    rx: Prescription,
    versions: Vec<PrescriptionVersion>,
    qr_svg: String,
    verify_url: String,
    is_pharmacy: bool,
    /// For the pharmacy's dispense form: per item, the batches of its drug that can be used.
    batches: Vec<(usize, String, Vec<crate::pharmacy::model::Batch>)>,
    message: Flash,
}

/// `?done=` after a dispense.
#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

/// `GET /prescriptions/{id}`: the printable prescription, its QR code holding the verification
/// link, and its edit history.
pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    user: WebUser,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let rx = service::with_alerts(&state, &state.drugs, service::get(&state, &actor, &id).await?).await?;
    let versions = service::versions(&state, &actor, &id).await?;
    let site = site_origin(&state, &headers, Some(&uri)).unwrap_or_default();
    let verify_url = format!("{site}/prescriptions/verify?token={}", rx.verification_token);
    let qr_svg = crate::shares::service::qr_svg(&verify_url)?;
    let is_pharmacy = actor.holds(Permission::PrescriptionsDispense);
    let mut batches = Vec::new();
    if is_pharmacy && rx.status == "open" && actor.holds(Permission::InventoryManage) {
        for (n, item) in rx.items.iter().enumerate() {
            let filter = crate::pharmacy::model::InventoryFilter { drug: Some(item.drug.clone()), ..Default::default() };
            let usable = crate::pharmacy::service::list(&state, &actor, &state.drugs, &filter)
                .await?
                .into_iter()
                .filter(|b| !b.expired && b.quantity > 0)
                .collect();
            batches.push((n, item.drug.clone(), usable));
        }
    }
    let done: Done = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let message = match done.done.as_deref() {
        Some("issued") => Flash::done("Prescription issued: signed, in the ledger, and ready for the pharmacy."),
        Some("dispensed") => Flash::done("Dispensed: the stock is taken and the prescription is locked."),
        Some("already_dispensed") => Flash::refused("This prescription was dispensed already: do not dispense it again."),
        Some("batch_expired") => Flash::refused("A batch chosen is past its expiry date: choose another."),
        Some("insufficient_stock") => Flash::refused("A batch chosen holds fewer units than asked: choose another or take fewer."),
        Some("dispense_invalid") => Flash::refused("Choose a batch of each drug and a quantity of at least 1."),
        _ => Flash::default(),
    };
    let page = ShowPage { nav: Nav::signed_in(&user), rx, versions, qr_svg, verify_url, is_pharmacy, batches, message };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "prescription_verify.html")]
struct VerifyPage {
    nav: Nav,
    verdict: Option<Verification>,
    token: String,
    /// A message id, or empty.
    message: String,
}

/// `%XX` escapes of a query value decoded (a link pasted whole still reads).
fn percent_decode(s: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("t={s}"))
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// `GET /prescriptions/verify?token=`: where a pharmacist's scan of the QR code lands.
pub async fn verify(State(state): State<AppState>, actor: Actor, user: WebUser, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let q: VerifyQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    // A scanner gives the whole link: its `token=` part is the code.
    let mut token = q.token.unwrap_or_default().trim().to_string();
    if let Some((_, rest)) = token.split_once("token=") {
        token = percent_decode(rest.split('&').next().unwrap_or_default());
    }
    let empty_submit = raw.as_deref().is_some_and(|r| r.contains("token="));
    let verdict = if token.trim().is_empty() { None } else { Some(service::verify(&state, &actor, &state.drugs, Some(&token)).await?) };
    // A message id (the template says it in the reader's words); empty for none.
    let message = if verdict.is_none() && empty_submit { "prescription_verify-empty-token" } else { "" };
    Ok(render(&VerifyPage { nav: Nav::signed_in(&user), verdict, token, message: message.into() })?.into_response())
}

crate::csrf_protected!(PrescribeForm);
/// A number as people write it: `0.5`, or with a decimal comma, `0,5` (one comma and one or two
/// digits after it; `1,000` is refused rather than read as one, or as a thousand).
fn decimal(s: &str) -> Result<f64, std::num::ParseFloatError> {
    let s = s.trim();
    match s.split_once(',') {
        Some((whole, part)) if !s.contains('.') && !part.contains(',') && (1..=2).contains(&part.len()) => {
            format!("{whole}.{part}").parse()
        }
        _ => s.parse(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn doses_read_with_a_decimal_point_or_comma_but_never_a_thousands_guess() {
        assert_eq!(super::decimal("0.5").ok(), Some(0.5));
        assert_eq!(super::decimal(" 0,5 ").ok(), Some(0.5));
        assert_eq!(super::decimal("12,25").ok(), Some(12.25));
        assert_eq!(super::decimal("500").ok(), Some(500.0));
        assert!(super::decimal("1,000").is_err(), "1,000 is neither one nor a thousand");
        assert!(super::decimal("1,5.0").is_err());
        assert!(super::decimal("1,2,3").is_err());
    }
}
