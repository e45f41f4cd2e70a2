//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::accounts;
use crate::records;

/// Every API call, its bodies and its problem codes.
#[derive(OpenApi)]
#[openapi(
    info(title = "careledger API", description = "Medical records with a provable ledger of care. \
        Errors are RFC 9457 problem details with a stable `code`."),
    paths(
        accounts::api::register,
        accounts::api::login,
        accounts::api::refresh,
        accounts::api::logout,
        accounts::api::me,
        accounts::api::set_preferences,
        accounts::api::password_reset,
        accounts::admin::api::reset_link,
        accounts::admin::api::approve,
        accounts::admin::api::list_users,
        accounts::admin::api::reject,
        accounts::admin::api::deactivate,
        accounts::admin::api::reactivate,
        accounts::admin::api::unlock,
        accounts::admin::api::change_role,
        crate::audit::api::audit,
        crate::audit::api::trail,
        crate::audit::api::export,
        crate::audit::api::access_log,
        accounts::api::mfa_begin,
        accounts::api::mfa_confirm,
        accounts::api::mfa_disable,
        accounts::api::sessions_list,
        accounts::api::sessions_revoke,
        accounts::api::change_password,
        records::api::create,
        records::api::list,
        records::api::get,
        records::api::history,
        records::api::amend,
        records::api::versions,
        records::api::proof,
        records::api::attach,
        records::api::list_files,
        records::api::download,
        crate::care_team::api::list,
        crate::chart::api::add_allergy,
        crate::chart::api::allergies,
        crate::chart::api::add_problem,
        crate::chart::api::problems,
        crate::prescriptions::api::create,
        crate::prescriptions::api::list,
        crate::prescriptions::api::get,
        crate::prescriptions::api::change,
        crate::prescriptions::api::versions,
        crate::prescriptions::api::verify,
        crate::appointments::api::book,
        crate::appointments::api::list,
        crate::appointments::api::get,
        crate::appointments::api::change,
        crate::patients::api::register,
        crate::patients::api::search,
        crate::patients::api::set_password,
        crate::lab::api::order,
        crate::lab::api::list,
        crate::lab::api::get,
        crate::lab::api::post_result,
        crate::pharmacy::api::dispense,
        crate::pharmacy::api::add,
        crate::pharmacy::api::list,
        crate::pharmacy::api::change,
        crate::care_team::api::add,
        crate::care_team::api::remove,
        crate::care_team::api::grant,
        crate::care_team::api::consents,
        crate::care_team::api::revoke,
        crate::care_team::api::emergency_open,
        crate::care_team::api::emergency_report,
        crate::shares::api::create,
        crate::shares::api::list,
        crate::shares::api::revoke,
        crate::erasure::api::erase,
        crate::export::api::export,
        crate::fhir::api::metadata,
        crate::fhir::api::patients,
        crate::fhir::api::patient,
        crate::fhir::api::everything,
        crate::fhir::api::documents,
        crate::fhir::api::document,
        crate::fhir::api::allergies,
        crate::fhir::api::conditions,
        crate::fhir::api::medication_requests,
        crate::fhir::api::practitioner,
        crate::fhir::api::appointments,
        crate::fhir::api::service_requests,
        crate::fhir::api::observations,
        crate::fhir::api::consents,
        crate::fhir::api::audit_events,
        crate::fhir::api::medication_dispenses,
        crate::fhir::api::provenance,
        crate::fhir::api::practitioners,
        crate::fhir::api::allergy,
        crate::fhir::api::condition,
        crate::fhir::api::medication_request,
        crate::fhir::api::medication_dispense,
        crate::fhir::api::appointment,
        crate::fhir::api::service_request,
        crate::fhir::api::observation,
        crate::fhir::api::consent,
        crate::fhir::api::provenance_read,
        crate::fhir::api::audit_event,
        crate::ledger::api::alerts,
        crate::health::api::get_status,
        crate::ledger::api::head,
        crate::ledger::api::public_key,
        crate::ledger::api::blocks,
        crate::ledger::api::block,
        crate::ledger::api::entry,
        crate::ledger::api::consistency,
    ),
    components(schemas(crate::http::problem::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth, &CommonResponses),
    tags(
        (name = "fhir", description = "FHIR R4 (JSON) at /fhir/r4: the same tokens and access rules; errors are OperationOutcomes"),
        (name = "auth", description = "Registration, sign-in and tokens"),
        (name = "admin", description = "User administration"),
        (name = "care team", description = "Which doctors read a patient's history"),
        (name = "privacy", description = "What a patient sees of who accessed their records, the links they share them by, and their export (FHIR R4)"),
        (name = "records", description = "Clinical records"),
        (name = "chart", description = "A patient's allergies and problem list"),
        (name = "appointments", description = "Appointments without conflicts, and the front desk's queue"),
        (name = "patients", description = "Patient registration at the front desk and staff search"),
        (name = "lab", description = "Lab orders and results"),
        (name = "pharmacy", description = "The pharmacy's stock and dispensing"),
        (name = "prescriptions", description = "Prescriptions: offline drug-safety checks, an hour of changes, signed and verifiable"),
        (name = "ledger", description = "The integrity ledger: signed heads and RFC 9162 proofs"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// What any operation may answer besides its own outcomes, so the document matches the server
/// (schema fuzzing checks every answer against it): problem bodies are `application/problem+json`
/// (RFC 9457 section 3); signed-in operations add 401, 403 and the per-user 429; operations with
/// a body add 400, 413, 415 and 422; with a query string, 400 and 422; sign-in routes add the
/// per-IP 429; every operation may meet 503 `database_unavailable`.
struct CommonResponses;

const PROBLEM_JSON: &str = "application/problem+json";
const FHIR_JSON: &str = "application/fhir+json";

fn is_problem(content: &RefOr<Content>) -> bool {
    matches!(content, RefOr::T(c) if matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")))
}

fn add_common(path: &str, op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_query = op.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)));
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    if secured {
        wanted.push(("401", "`unauthenticated` (no token) or `invalid_token` (expired, revoked or forged)"));
        wanted.push(("403", "`forbidden`, `mfa_enrollment_required` or `account_pending_approval`"));
        wanted.push(("429", "`rate_limited`: this user's requests per minute (see Retry-After)"));
    }
    if path.starts_with("/api/v1/auth/") {
        wanted.push(("429", "`rate_limited`: this address's sign-in requests (see Retry-After)"));
    }
    if has_body {
        wanted.push(("400", "`malformed`: the body is not well-formed"));
        wanted.push(("413", "`payload_too_large`"));
        wanted.push(("415", "`unsupported_media_type`: send the documented content type"));
        wanted.push(("422", "`validation_failed`: see `errors`"));
    }
    if has_query {
        wanted.push(("400", "`malformed`: the query string is not form-encoded"));
        wanted.push(("422", "`validation_failed`: see `errors`"));
    }
    // FHIR reads: a patient or resource the caller may not read is 404, an erased one 410.
    let fhir = path.starts_with("/fhir/");
    if fhir && secured {
        wanted.push(("404", "not-found: no such resource, or not the caller's to read"));
        wanted.push(("410", "not-found: the patient's data was erased"));
    }
    wanted.push(("503", "`database_unavailable`: try again shortly"));
    for (status, description) in wanted {
        op.responses.responses.entry(status.to_string()).or_insert_with(|| {
            // On /fhir/ every error is an OperationOutcome (FHIR R4 §3.1.0.4.1).
            let content = if fhir {
                (FHIR_JSON, Content::new(Some(utoipa::openapi::schema::ObjectBuilder::new().build())))
            } else {
                (PROBLEM_JSON, Content::new(Some(Ref::from_schema_name("Problem"))))
            };
            RefOr::T(ResponseBuilder::new().description(description).content(content.0, content.1).build())
        });
    }
    for response in op.responses.responses.values_mut() {
        if let RefOr::T(response) = response
            && response.content.get("application/json").is_some_and(is_problem)
            && let Some(content) = response.content.shift_remove("application/json")
        {
            response.content.insert(PROBLEM_JSON.to_string(), content);
        }
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch].into_iter().flatten() {
                add_common(path, op);
            }
        }
    }
}
