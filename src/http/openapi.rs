//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        accounts::api::approve,
        accounts::api::list_users,
        accounts::api::reject,
        accounts::api::deactivate,
        accounts::api::reactivate,
        accounts::api::unlock,
        accounts::api::change_role,
        accounts::api::audit,
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
        crate::ledger::api::alerts,
        crate::ledger::api::head,
        crate::ledger::api::public_key,
        crate::ledger::api::blocks,
        crate::ledger::api::block,
        crate::ledger::api::entry,
        crate::ledger::api::consistency,
    ),
    components(schemas(crate::http::problem::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registration, sign-in and tokens"),
        (name = "admin", description = "User administration"),
        (name = "records", description = "Clinical records"),
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
