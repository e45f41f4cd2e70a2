//! The router: every domain's routes, each with the permission it needs, assembled with the
//! web kit's shared layers. The top of the layout: it may import any domain's handlers.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::accounts::permissions::Permission;
use crate::error::Error;
use crate::http::routes::{Refusal, RouteSpec, Routes, Surface};
use crate::http::state::AppState;
use crate::http::{BODY_LIMIT, cors, method_not_allowed, middleware, not_found, ops, pages};
use crate::{
    accounts, appointments, audit, care_team, chart, erasure, export, fhir, health, lab, ledger, patients, pharmacy, prescriptions,
    records, shares,
};

/// Every route, with the permission it needs (see `accounts::permissions` for the role table).
pub fn routes(state: AppState) -> Routes {
    use Permission::*;
    use Surface::{Api, Page};
    let get = Method::GET;
    let post = Method::POST;
    Routes::new(state)
        // Accounts API.
        .add(post.clone(), "/api/v1/auth/register", Api, Public, accounts::api::register)
        .audited("account.register", "user")
        .add(post.clone(), "/api/v1/auth/login", Api, Public, accounts::api::login)
        .audited("auth.sign_in", "user")
        .add(post.clone(), "/api/v1/auth/refresh", Api, Public, accounts::api::refresh)
        .add(post.clone(), "/api/v1/auth/logout", Api, SignedIn, accounts::api::logout)
        .audited("auth.sign_out", "session")
        .add(get.clone(), "/api/v1/me", Api, SignedIn, accounts::api::me)
        .add(Method::PUT, "/api/v1/me/preferences", Api, SignedIn, accounts::api::set_preferences)
        .add(get.clone(), "/api/v1/admin/users", Api, UsersManage, accounts::admin::api::list_users)
        .audited("user.list", "user")
        .add(post.clone(), "/api/v1/admin/users/{id}/approve", Api, UsersManage, accounts::admin::api::approve)
        .audited("user.approve", "user")
        .add(post.clone(), "/api/v1/admin/users/{id}/reject", Api, UsersManage, accounts::admin::api::reject)
        .audited("user.reject", "user")
        .add(post.clone(), "/api/v1/admin/users/{id}/deactivate", Api, UsersManage, accounts::admin::api::deactivate)
        .audited("user.deactivate", "user")
        .add(post.clone(), "/api/v1/admin/users/{id}/reactivate", Api, UsersManage, accounts::admin::api::reactivate)
        .audited("user.reactivate", "user")
        .add(post.clone(), "/api/v1/admin/users/{id}/unlock", Api, UsersManage, accounts::admin::api::unlock)
        .audited("user.unlock", "user")
        .add(post.clone(), "/api/v1/admin/users/{id}/role", Api, UsersManage, accounts::admin::api::change_role)
        .audited("user.role_change", "user")
        .add(post.clone(), "/api/v1/admin/users/{id}/reset-link", Api, UsersManage, accounts::admin::api::reset_link)
        .audited("account.reset_link", "user")
        .add(post.clone(), "/api/v1/auth/password-reset", Api, Public, accounts::api::password_reset)
        .audited("account.password_reset_request", "user")
        .add(get.clone(), "/api/v1/admin/audit", Api, AuditRead, audit::api::audit)
        .audited("audit.search", "audit")
        .add(post.clone(), "/api/v1/me/mfa/totp", Api, SignedIn, accounts::api::mfa_begin)
        .audited("account.mfa_enrol", "user")
        .add(post.clone(), "/api/v1/me/mfa/totp/confirm", Api, SignedIn, accounts::api::mfa_confirm)
        .audited("account.mfa_confirm", "user")
        .add(Method::DELETE, "/api/v1/me/mfa/totp", Api, Account, accounts::api::mfa_disable)
        .audited("account.mfa_disable", "user")
        .add(get.clone(), "/api/v1/me/sessions", Api, Account, accounts::api::sessions_list)
        .add(Method::DELETE, "/api/v1/me/sessions/{id}", Api, Account, accounts::api::sessions_revoke)
        .audited("auth.session_revoke", "session")
        .add(post.clone(), "/api/v1/me/password", Api, Account, accounts::api::change_password)
        .audited("account.password_change", "user")
        // Records API.
        .add(post.clone(), "/api/v1/records", Api, RecordsCreate, records::api::create)
        .audited("record.create", "record")
        .add(get.clone(), "/api/v1/records", Api, RecordsRead, records::api::list)
        .audited("record.search", "record")
        .add_refusing(get.clone(), "/api/v1/records/{id}", Api, RecordsRead, Refusal::NotFound("not_found"), records::api::get)
        .audited("record.read", "record")
        .add_refusing(
            get.clone(),
            "/api/v1/patients/{id}/history",
            Api,
            RecordsRead,
            Refusal::NotFound("patient_not_found"),
            records::api::history,
        )
        .audited("history.read", "patient")
        // Roles that write no records are refused by role (403, whatever the id: it tells
        // nothing about records); a doctor who may not see the record gets 404 from the service.
        .add(post.clone(), "/api/v1/records/{id}/amendments", Api, RecordsCreate, records::api::amend)
        .audited("record.amend", "record")
        .add_refusing(
            get.clone(),
            "/api/v1/records/{id}/versions",
            Api,
            RecordsRead,
            Refusal::NotFound("not_found"),
            records::api::versions,
        )
        .audited("record.versions", "record")
        .add_refusing(get.clone(), "/api/v1/records/{id}/proof", Api, RecordsRead, Refusal::NotFound("not_found"), records::api::proof)
        .audited("record.proof", "record")
        .add_upload(
            "/api/v1/records/{id}/files",
            Api,
            RecordsCreate,
            Refusal::Forbidden,
            records::files::MAX_FILE_BYTES + 64 * 1024,
            records::api::attach,
        )
        .audited("file.attach", "record")
        .add_refusing(get.clone(), "/api/v1/records/{id}/files", Api, RecordsRead, Refusal::NotFound("not_found"), records::api::list_files)
        .audited("file.list", "record")
        .add_refusing(
            get.clone(),
            "/api/v1/records/{id}/files/{sha256}",
            Api,
            RecordsRead,
            Refusal::NotFound("not_found"),
            records::api::download,
        )
        .audited("file.download", "record")
        // Care team: who reads a patient's history. Refusals look like a missing patient.
        .add_refusing(
            get.clone(),
            "/api/v1/patients/{id}/care-team",
            Api,
            CareTeamRead,
            Refusal::NotFound("patient_not_found"),
            care_team::api::list,
        )
        .audited("care_team.read", "patient")
        .add(post.clone(), "/api/v1/patients/{id}/care-team", Api, CareTeamManage, care_team::api::add)
        .audited("care_team.add", "patient")
        .add(Method::DELETE, "/api/v1/patients/{id}/care-team/{doctor_id}", Api, CareTeamManage, care_team::api::remove)
        .audited("care_team.remove", "patient")
        // Patients: the front desk registers them, staff find them (demographics only).
        .add(post.clone(), "/api/v1/patients", Api, PatientsRegister, patients::api::register)
        .audited("patient.register", "patient")
        .add(get.clone(), "/api/v1/patients", Api, PatientsSearch, patients::api::search)
        .audited("patient.search", "patient")
        .add(post.clone(), "/api/v1/auth/set-password", Api, Public, patients::api::set_password)
        .audited("account.set_password", "user")
        // The chart: allergies and problems, written by doctors, read under the care-team rule.
        .add(post.clone(), "/api/v1/patients/{id}/allergies", Api, RecordsCreate, chart::api::add_allergy)
        .audited("allergy.create", "patient")
        .add_refusing(
            get.clone(),
            "/api/v1/patients/{id}/allergies",
            Api,
            RecordsRead,
            Refusal::NotFound("patient_not_found"),
            chart::api::allergies,
        )
        .audited("allergy.read", "patient")
        .add(post.clone(), "/api/v1/patients/{id}/problems", Api, RecordsCreate, chart::api::add_problem)
        .audited("problem.create", "patient")
        .add_refusing(
            get.clone(),
            "/api/v1/patients/{id}/problems",
            Api,
            RecordsRead,
            Refusal::NotFound("patient_not_found"),
            chart::api::problems,
        )
        .audited("problem.read", "patient")
        // Prescriptions: doctors prescribe (checked), the pharmacy verifies.
        .add(post.clone(), "/api/v1/prescriptions", Api, PrescriptionsWrite, prescriptions::api::create)
        .audited("prescription.create", "prescription")
        .add(get.clone(), "/api/v1/prescriptions", Api, PrescriptionsRead, prescriptions::api::list)
        .audited("prescription.search", "prescription")
        .add(get.clone(), "/api/v1/prescriptions/verify", Api, PrescriptionsDispense, prescriptions::api::verify)
        .audited("prescription.verify", "prescription")
        .add(get.clone(), "/api/v1/prescriptions/{id}", Api, PrescriptionsRead, prescriptions::api::get)
        .audited("prescription.read", "prescription")
        .add(Method::PATCH, "/api/v1/prescriptions/{id}", Api, PrescriptionsWrite, prescriptions::api::change)
        .audited("prescription.change", "prescription")
        .add(get.clone(), "/api/v1/prescriptions/{id}/versions", Api, PrescriptionsRead, prescriptions::api::versions)
        .audited("prescription.versions", "prescription")
        .add(post.clone(), "/api/v1/prescriptions/{id}/dispense", Api, PrescriptionsDispense, pharmacy::api::dispense)
        .audited("prescription.dispense", "prescription")
        // Appointments: the front desk books for anyone, patients and doctors for themselves.
        .add(post.clone(), "/api/v1/appointments", Api, AppointmentsBook, appointments::api::book)
        .audited("appointment.book", "appointment")
        .add(get.clone(), "/api/v1/appointments", Api, AppointmentsBook, appointments::api::list)
        .audited("appointment.list", "appointment")
        .add(get.clone(), "/api/v1/appointments/{id}", Api, AppointmentsBook, appointments::api::get)
        .audited("appointment.read", "appointment")
        .add(Method::PATCH, "/api/v1/appointments/{id}", Api, AppointmentsBook, appointments::api::change)
        .audited("appointment.change", "appointment")
        // Lab orders: doctors order, lab staff post results, patients and their doctors read.
        .add(post.clone(), "/api/v1/lab-orders", Api, LabOrder, lab::api::order)
        .audited("lab_order.create", "lab_order")
        .add(get.clone(), "/api/v1/lab-orders", Api, LabRead, lab::api::list)
        .audited("lab_order.list", "lab_order")
        .add(get.clone(), "/api/v1/lab-orders/{id}", Api, LabRead, lab::api::get)
        .audited("lab_order.read", "lab_order")
        .add(post.clone(), "/api/v1/lab-orders/{id}/results", Api, LabWork, lab::api::post_result)
        .audited("lab_order.result", "lab_order")
        // The pharmacy's stock.
        .add(post.clone(), "/api/v1/inventory", Api, InventoryManage, pharmacy::api::add)
        .audited("inventory.add", "inventory")
        .add(get.clone(), "/api/v1/inventory", Api, InventoryManage, pharmacy::api::list)
        .audited("inventory.list", "inventory")
        .add(Method::PATCH, "/api/v1/inventory/{id}", Api, InventoryManage, pharmacy::api::change)
        .audited("inventory.change", "inventory")
        // The audit trail: admins search and export it; patients see who accessed their records.
        .add(get.clone(), "/api/v1/audit", Api, AuditRead, audit::api::trail)
        .audited("audit.search", "audit")
        .add(get.clone(), "/api/v1/audit/export", Api, AuditRead, audit::api::export)
        .audited("audit.export", "audit")
        .add(get.clone(), "/api/v1/me/access-log", Api, AccessLogRead, audit::api::access_log)
        .audited("access_log.read", "access_log")
        // Break-glass: doctors open a patient's history for an hour with a reason.
        .add(post.clone(), "/api/v1/patients/{id}/emergency-access", Api, EmergencyAccess, care_team::api::emergency_open)
        .audited("emergency_access.open", "patient")
        .add(get.clone(), "/api/v1/admin/emergency-access", Api, AuditRead, care_team::api::emergency_report)
        .audited("emergency_access.report", "emergency_access")
        .add(post.clone(), "/api/v1/consents", Api, ConsentManage, care_team::api::grant)
        .audited("consent.grant", "consent")
        .add(get.clone(), "/api/v1/consents", Api, ConsentManage, care_team::api::consents)
        .audited("consent.list", "consent")
        .add(Method::DELETE, "/api/v1/consents/{id}", Api, ConsentManage, care_team::api::revoke)
        .audited("consent.revoke", "consent")
        // Share links: the patient makes, lists and revokes links to their records.
        .add(post.clone(), "/api/v1/shares", Api, SharesManage, shares::api::create)
        .audited("share.create", "share")
        .add(get.clone(), "/api/v1/shares", Api, SharesManage, shares::api::list)
        .audited("share.list", "share")
        .add(Method::DELETE, "/api/v1/shares/{id}", Api, SharesManage, shares::api::revoke)
        .audited("share.revoke", "share")
        // Erasure: an admin erases a patient at their request.
        .add(post.clone(), "/api/v1/admin/patients/{id}/erase", Api, PatientsErase, erasure::api::erase)
        .audited("patient.erase", "patient")
        // The patient's export: everything careledger holds about them, as a FHIR Bundle.
        .add(get.clone(), "/api/v1/me/export", Api, ExportOwn, export::api::export)
        .audited("export.download", "patient")
        // FHIR R4: the same tokens and access rules, as FHIR resources; a refused read is 404.
        .add(get.clone(), "/fhir/r4/metadata", Api, Public, fhir::api::metadata)
        .add(get.clone(), "/fhir/r4/Patient", Api, RecordsRead, fhir::api::patients)
        .audited("fhir.search", "patient")
        .add_refusing(get.clone(), "/fhir/r4/Patient/{id}", Api, RecordsRead, Refusal::NotFound("not_found"), fhir::api::patient)
        .audited("fhir.read", "patient")
        .add_refusing(
            get.clone(),
            "/fhir/r4/Patient/{id}/$everything",
            Api,
            RecordsRead,
            Refusal::NotFound("not_found"),
            fhir::api::everything,
        )
        .audited("fhir.everything", "patient")
        .add(get.clone(), "/fhir/r4/DocumentReference", Api, RecordsRead, fhir::api::documents)
        .audited("fhir.search", "record")
        .add_refusing(get.clone(), "/fhir/r4/DocumentReference/{id}", Api, RecordsRead, Refusal::NotFound("not_found"), fhir::api::document)
        .audited("fhir.read", "record")
        .add(get.clone(), "/fhir/r4/AllergyIntolerance", Api, RecordsRead, fhir::api::allergies)
        .audited("fhir.search", "allergy")
        .add(get.clone(), "/fhir/r4/Condition", Api, RecordsRead, fhir::api::conditions)
        .audited("fhir.search", "problem")
        .add(get.clone(), "/fhir/r4/MedicationRequest", Api, PrescriptionsRead, fhir::api::medication_requests)
        .audited("fhir.search", "prescription")
        .add(get.clone(), "/fhir/r4/MedicationDispense", Api, PrescriptionsRead, fhir::api::medication_dispenses)
        .audited("fhir.search", "prescription")
        .add(get.clone(), "/fhir/r4/Provenance", Api, RecordsRead, fhir::api::provenance)
        .audited("fhir.search", "record")
        .add(get.clone(), "/fhir/r4/Practitioner/{id}", Api, Account, fhir::api::practitioner)
        .add(get.clone(), "/fhir/r4/Practitioner", Api, Account, fhir::api::practitioners)
        .add_refusing(get.clone(), "/fhir/r4/AllergyIntolerance/{id}", Api, RecordsRead, Refusal::NotFound("not_found"), fhir::api::allergy)
        .audited("fhir.read", "allergy")
        .add_refusing(get.clone(), "/fhir/r4/Condition/{id}", Api, RecordsRead, Refusal::NotFound("not_found"), fhir::api::condition)
        .audited("fhir.read", "problem")
        .add_refusing(
            get.clone(),
            "/fhir/r4/MedicationRequest/{id}",
            Api,
            PrescriptionsRead,
            Refusal::NotFound("not_found"),
            fhir::api::medication_request,
        )
        .audited("fhir.read", "prescription")
        .add_refusing(
            get.clone(),
            "/fhir/r4/MedicationDispense/{id}",
            Api,
            PrescriptionsRead,
            Refusal::NotFound("not_found"),
            fhir::api::medication_dispense,
        )
        .audited("fhir.read", "prescription")
        .add_refusing(
            get.clone(),
            "/fhir/r4/Appointment/{id}",
            Api,
            AppointmentsBook,
            Refusal::NotFound("not_found"),
            fhir::api::appointment,
        )
        .audited("fhir.read", "appointment")
        .add_refusing(get.clone(), "/fhir/r4/ServiceRequest/{id}", Api, LabRead, Refusal::NotFound("not_found"), fhir::api::service_request)
        .audited("fhir.read", "lab_order")
        .add_refusing(get.clone(), "/fhir/r4/Observation/{id}", Api, LabRead, Refusal::NotFound("not_found"), fhir::api::observation)
        .audited("fhir.read", "lab_order")
        .add_refusing(get.clone(), "/fhir/r4/Consent/{id}", Api, ConsentManage, Refusal::NotFound("not_found"), fhir::api::consent)
        .audited("fhir.read", "consent")
        .add_refusing(get.clone(), "/fhir/r4/Provenance/{id}", Api, RecordsRead, Refusal::NotFound("not_found"), fhir::api::provenance_read)
        .audited("fhir.read", "record")
        .add_refusing(get.clone(), "/fhir/r4/AuditEvent/{id}", Api, AuditRead, Refusal::NotFound("not_found"), fhir::api::audit_event)
        .audited("fhir.read", "audit")
        .add(get.clone(), "/fhir/r4/Appointment", Api, AppointmentsBook, fhir::api::appointments)
        .audited("fhir.search", "appointment")
        .add(get.clone(), "/fhir/r4/ServiceRequest", Api, LabRead, fhir::api::service_requests)
        .audited("fhir.search", "lab_order")
        .add(get.clone(), "/fhir/r4/Observation", Api, LabRead, fhir::api::observations)
        .audited("fhir.search", "lab_order")
        .add(get.clone(), "/fhir/r4/Consent", Api, ConsentManage, fhir::api::consents)
        .audited("fhir.search", "consent")
        .add(get.clone(), "/fhir/r4/AuditEvent", Api, AuditRead, fhir::api::audit_events)
        .audited("fhir.search", "audit")
        .add(get.clone(), "/api/v1/admin/integrity-alerts", Api, AuditRead, ledger::api::alerts)
        .add(get.clone(), "/api/v1/admin/status", Api, AuditRead, health::api::get_status)
        .audited("status.read", "status")
        // Ledger API: heads, blocks and consistency proofs hold only hashes; entries name ids.
        .add(get.clone(), "/api/v1/ledger/head", Api, Public, ledger::api::head)
        .add(get.clone(), "/api/v1/ledger/public-key", Api, Public, ledger::api::public_key)
        .add(get.clone(), "/api/v1/ledger/blocks", Api, Public, ledger::api::blocks)
        .add(get.clone(), "/api/v1/ledger/blocks/{hash}", Api, Public, ledger::api::block)
        .add(get.clone(), "/api/v1/ledger/consistency", Api, Public, ledger::api::consistency)
        .add(get.clone(), "/api/v1/ledger/entries/{index}", Api, AuditRead, ledger::api::entry)
        // Pages.
        .add(get.clone(), "/", Page, Public, accounts::pages::landing)
        .add(get.clone(), "/login", Page, Public, accounts::pages::login_form)
        .add(post.clone(), "/login", Page, Public, accounts::pages::login)
        .audited("auth.sign_in", "user")
        .add(post.clone(), "/login/code", Page, Public, accounts::pages::login_code)
        .audited("auth.sign_in", "user")
        .add(get.clone(), "/forgot-password", Page, Public, accounts::pages::forgot_form)
        .add(post.clone(), "/forgot-password", Page, Public, accounts::pages::forgot)
        .audited("account.password_reset_request", "user")
        .add(post.clone(), "/me/time-zone", Page, SignedIn, accounts::pages::set_time_zone)
        .add(post.clone(), "/me/theme", Page, SignedIn, accounts::pages::set_theme)
        .add(post.clone(), "/me/language", Page, SignedIn, accounts::pages::set_language)
        .add(get.clone(), "/register", Page, Public, accounts::pages::register_form)
        .add(post.clone(), "/register", Page, Public, accounts::pages::register)
        .audited("account.register", "user")
        .add(get.clone(), "/privacy", Page, Public, accounts::pages::privacy)
        .add(get.clone(), "/unlock", Page, Public, accounts::pages::unlock_form)
        .add(post.clone(), "/unlock", Page, Public, accounts::pages::unlock)
        .audited("auth.unlock", "user")
        .add(get.clone(), "/logout", Page, SignedIn, accounts::pages::logout_form)
        .add(post.clone(), "/logout", Page, SignedIn, accounts::pages::logout)
        .audited("auth.sign_out", "session")
        // Dashboards send anyone of another role to their own.
        .add(get.clone(), "/doctor/dashboard", Page, Account, records::pages::doctor_dashboard)
        .audited("record.search", "record")
        .add(get.clone(), "/patient/dashboard", Page, Account, records::pages::patient_dashboard)
        .audited("record.search", "record")
        .add(get.clone(), "/me/mfa", Page, SignedIn, accounts::pages::mfa_page)
        .add(post.clone(), "/me/mfa", Page, SignedIn, accounts::pages::mfa_begin)
        .audited("account.mfa_enrol", "user")
        .add(post.clone(), "/me/mfa/confirm", Page, SignedIn, accounts::pages::mfa_confirm)
        .audited("account.mfa_confirm", "user")
        .add(get.clone(), "/me/security", Page, Account, accounts::pages::security_page)
        .add(get.clone(), "/admin/users", Page, UsersManage, accounts::admin::pages::users)
        .audited("user.list", "user")
        .add(post.clone(), "/admin/users/{id}/role", Page, UsersManage, accounts::admin::pages::change_role)
        .audited("user.role_change", "user")
        .add(post.clone(), "/admin/users/{id}/reset-link", Page, UsersManage, accounts::admin::pages::reset_link)
        .audited("account.reset_link", "user")
        .add(post.clone(), "/admin/users/{id}/{action}", Page, UsersManage, accounts::admin::pages::act)
        .audited("user.change", "user")
        .add(get.clone(), "/admin/audit", Page, AuditRead, audit::pages::audit)
        .audited("audit.search", "audit")
        .add(get.clone(), "/admin/audit/export", Page, AuditRead, audit::pages::export)
        .audited("audit.export", "audit")
        .add(get.clone(), "/me/access-log", Page, AccessLogRead, audit::pages::access_log)
        .audited("access_log.read", "access_log")
        .add(post.clone(), "/me/password", Page, Account, accounts::pages::change_password)
        .audited("account.password_change", "user")
        .add(post.clone(), "/me/sessions/{id}/revoke", Page, Account, accounts::pages::revoke_session)
        .audited("auth.session_revoke", "session")
        .add(get.clone(), "/records/create", Page, RecordsCreate, records::pages::create_form)
        .add(post.clone(), "/records/create", Page, RecordsCreate, records::pages::create)
        .audited("record.create", "record")
        .add_refusing(get.clone(), "/records/{id}", Page, RecordsRead, Refusal::NotFound("not_found"), records::pages::show)
        .audited("record.read", "record")
        .add(get.clone(), "/history", Page, RecordsRead, records::pages::history)
        .audited("record.search", "record")
        .add(post.clone(), "/records/{id}/amend", Page, RecordsCreate, records::pages::amend)
        .audited("record.amend", "record")
        .add_upload(
            "/records/{id}/files",
            Page,
            RecordsCreate,
            Refusal::Forbidden,
            records::files::MAX_FILE_BYTES + 64 * 1024,
            records::pages::attach,
        )
        .audited("file.attach", "record")
        .add_refusing(get.clone(), "/records/{id}/proof", Page, RecordsRead, Refusal::NotFound("not_found"), records::pages::proof)
        .audited("record.proof", "record")
        .add_refusing(get.clone(), "/records/{id}/files/{sha256}", Page, RecordsRead, Refusal::NotFound("not_found"), records::pages::file)
        .audited("file.download", "record")
        .add(get.clone(), "/admin/ledger", Page, AuditRead, ledger::pages::ledger)
        .add(get.clone(), "/admin/status", Page, AuditRead, health::pages::page)
        .audited("status.read", "status")
        .add_refusing(
            get.clone(),
            "/patients/{id}/care-team",
            Page,
            CareTeamRead,
            Refusal::NotFound("patient_not_found"),
            care_team::pages::show,
        )
        .audited("care_team.read", "patient")
        .add(post.clone(), "/patients/{id}/care-team", Page, CareTeamManage, care_team::pages::add)
        .audited("care_team.add", "patient")
        .add(post.clone(), "/patients/{id}/care-team/{doctor_id}/remove", Page, CareTeamManage, care_team::pages::remove)
        .audited("care_team.remove", "patient")
        .add_refusing(get.clone(), "/patients/{id}/chart", Page, RecordsRead, Refusal::NotFound("patient_not_found"), chart::pages::show)
        .audited("chart.read", "patient")
        .add(post.clone(), "/patients/{id}/allergies", Page, RecordsCreate, chart::pages::add_allergy)
        .audited("allergy.create", "patient")
        .add(post.clone(), "/patients/{id}/problems", Page, RecordsCreate, chart::pages::add_problem)
        .audited("problem.create", "patient")
        .add(get.clone(), "/prescriptions/new", Page, PrescriptionsWrite, prescriptions::pages::new_form)
        .audited("prescription.form", "prescription")
        .add(post.clone(), "/prescriptions/new", Page, PrescriptionsWrite, prescriptions::pages::create)
        .audited("prescription.create", "prescription")
        .add(get.clone(), "/prescriptions/verify", Page, PrescriptionsDispense, prescriptions::pages::verify)
        .audited("prescription.verify", "prescription")
        .add(get.clone(), "/prescriptions/{id}", Page, PrescriptionsRead, prescriptions::pages::show)
        .audited("prescription.read", "prescription")
        .add(post.clone(), "/prescriptions/{id}/dispense", Page, PrescriptionsDispense, pharmacy::pages::dispense)
        .audited("prescription.dispense", "prescription")
        .add(get.clone(), "/appointments", Page, AppointmentsBook, appointments::pages::show)
        .audited("appointment.list", "appointment")
        .add(post.clone(), "/appointments/new", Page, AppointmentsBook, appointments::pages::book)
        .audited("appointment.book", "appointment")
        .add(post.clone(), "/appointments/{id}/status", Page, AppointmentsBook, appointments::pages::step)
        .audited("appointment.change", "appointment")
        .add(get.clone(), "/patients", Page, PatientsSearch, patients::pages::search)
        .audited("patient.search", "patient")
        .add(get.clone(), "/patients/register", Page, PatientsRegister, patients::pages::register_form)
        .audited("patient.register_form", "patient")
        .add(post.clone(), "/patients/register", Page, PatientsRegister, patients::pages::register)
        .audited("patient.register", "patient")
        .add(get.clone(), "/set-password", Page, Public, patients::pages::set_password_form)
        .add(post.clone(), "/set-password", Page, Public, patients::pages::set_password)
        .audited("account.set_password", "user")
        .add(get.clone(), "/lab", Page, LabWork, lab::pages::show)
        .audited("lab_order.list", "lab_order")
        .add(post.clone(), "/lab-orders/{id}/results", Page, LabWork, lab::pages::post_result)
        .audited("lab_order.result", "lab_order")
        .add(post.clone(), "/patients/{id}/lab-orders", Page, LabOrder, lab::pages::order)
        .audited("lab_order.create", "patient")
        .add(get.clone(), "/pharmacy", Page, InventoryManage, pharmacy::pages::show)
        .audited("inventory.list", "inventory")
        .add(post.clone(), "/pharmacy/inventory", Page, InventoryManage, pharmacy::pages::add_batch)
        .audited("inventory.add", "inventory")
        .add(get.clone(), "/emergency-access", Page, EmergencyAccess, care_team::pages::emergency_form)
        .add(post.clone(), "/emergency-access", Page, EmergencyAccess, care_team::pages::emergency_open)
        .audited("emergency_access.open", "patient")
        .add(get.clone(), "/admin/patients/{id}/erase", Page, PatientsErase, erasure::pages::form)
        .audited("patient.erase_form", "patient")
        .add(post.clone(), "/admin/patients/{id}/erase", Page, PatientsErase, erasure::pages::erase)
        .audited("patient.erase", "patient")
        .add(get.clone(), "/admin/emergency-access", Page, AuditRead, care_team::pages::emergency_report)
        .audited("emergency_access.report", "emergency_access")
        .add(get.clone(), "/me/shares", Page, SharesManage, shares::pages::show)
        .audited("share.list", "share")
        .add(post.clone(), "/me/shares", Page, SharesManage, shares::pages::create)
        .audited("share.create", "share")
        .add(post.clone(), "/me/shares/{id}/revoke", Page, SharesManage, shares::pages::revoke)
        .audited("share.revoke", "share")
        .add(get.clone(), "/me/export", Page, ExportOwn, export::pages::export)
        .audited("export.download", "patient")
        .add(get.clone(), "/me/records/print", Page, ExportOwn, export::pages::print)
        .audited("export.print", "patient")
        // A share link's page: anyone holding the link, no sign-in. The path's parameter is
        // not `{id}`, so the token never reaches the audit trail; the service notes the link.
        .add(get.clone(), "/share/{token}", Page, Public, shares::pages::view)
        .audited("share.view", "share")
        .add(get.clone(), "/static/style.css", Page, Public, pages::stylesheet)
        .add(get.clone(), "/static/icon.svg", Page, Public, pages::icon_svg)
        .add(get.clone(), "/static/icon-192.png", Page, Public, pages::icon_192)
        .add(get.clone(), "/static/icon-512.png", Page, Public, pages::icon_512)
        .add(get.clone(), "/manifest.webmanifest", Page, Public, pages::manifest)
        // Operations.
        .add_probe("/healthz", ops::healthz)
        .add_probe("/readyz", ops::readyz)
        .add_probe("/metrics", ops::metrics)
}

/// The route table, for the permission-matrix test and documentation.
pub fn route_table(state: AppState) -> Vec<RouteSpec> {
    routes(state).finish().1
}

/// Assembles every route with the shared layers.
pub fn router(state: AppState) -> Router {
    let (app, _) = routes(state.clone()).finish();
    app
        // Serves both `/api/v1/openapi.json` and the Swagger UI at `/docs`, from the binary.
        .merge(SwaggerUi::new("/docs").url("/api/v1/openapi.json", crate::openapi::ApiDoc::openapi()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(middleware::refuse_nul))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::frame))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::observe))
        .layer(CatchPanicLayer::custom(|_| {
            // A bug, not a request problem: answer an opaque 500 (the middleware adds the id).
            Error::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(axum::middleware::from_fn(middleware::fhir_outcomes))
        .layer(PropagateRequestIdLayer::new(middleware::REQUEST_ID))
        .layer(SetRequestIdLayer::new(middleware::REQUEST_ID, middleware::MakeUuidV7))
        .layer(axum::middleware::map_request(middleware::safe_request_id))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(cors(&state.settings.cors_origins))
        .with_state(state)
}
