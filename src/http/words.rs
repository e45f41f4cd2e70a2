//! Codes as people read them: every status, kind, outcome and audit action a page shows goes
//! through [`words`], so no `pending_approval` or `record.read` shows through on a page (the
//! API keeps the codes, which are its contract).

/// The words for a code a page shows; a code not listed reads with its underscores as spaces,
/// capitalised (and a test keeps every code careledger writes listed).
pub fn words(code: &str) -> String {
    let said = match code {
        // Accounts.
        "pending_approval" => "Waiting for approval",
        "active" => "Active",
        "deactivated" => "Deactivated",
        "rejected" => "Rejected",
        // Appointments.
        "booked" => "Booked",
        "checked_in" => "Checked in",
        "with_doctor" => "With the doctor",
        "done" => "Done",
        "cancelled" => "Cancelled",
        // Prescriptions, lab orders, problems, share links.
        "open" => "Open",
        "dispensed" => "Dispensed",
        "resulted" => "Result posted",
        "inactive" => "Inactive",
        "resolved" => "Resolved",
        "expired" => "Expired",
        "revoked" => "Revoked",
        // Severities and flags.
        "contraindicated" => "Contraindicated",
        "major" => "Major",
        "moderate" => "Moderate",
        "minor" => "Minor",
        "mild" => "Mild",
        "severe" => "Severe",
        "high" => "High",
        "low" => "Low",
        "abnormal" => "Abnormal",
        "normal" => "Normal",
        // Prescription checks.
        "interaction" => "Interaction",
        "duplicate_therapy" => "Duplicate therapy",
        "allergy" => "Allergy",
        "dose" | "dose_range" => "Dose out of range",
        // How an access ended (the audit trail).
        "success" => "Allowed",
        "denied" => "Refused",
        "not_found" => "Found nothing",
        "unauthenticated" => "Not signed in",
        "conflict" => "Refused: changed meanwhile",
        "failure" => "Failed",
        "locked" => "Account paused",
        "mfa_required" => "Code needed",
        "invalid" => "Not valid",
        "rate_limited" => "Too many tries",
        "error" => "Error",
        // What was done (the audit trail).
        "access_log.read" => "Read their access log",
        "account.mfa_confirm" => "Turned on two-factor sign-in",
        "account.mfa_disable" => "Turned off two-factor sign-in",
        "account.mfa_enrol" => "Began two-factor enrolment",
        "account.password_change" => "Changed their password",
        "account.password_reset" => "Reset their password",
        "account.password_reset_request" => "Asked for a password reset",
        "account.reset_link" => "Made a password reset link",
        "account.register" => "Registered",
        "account.set_password" => "Set their password",
        "allergy.create" => "Recorded an allergy",
        "allergy.read" => "Read allergies",
        "appointment.book" => "Booked an appointment",
        "appointment.change" => "Changed an appointment",
        "appointment.list" => "Listed appointments",
        "appointment.read" => "Read an appointment",
        "audit.export" => "Exported the audit trail",
        "audit.read" => "Read the audit trail",
        "audit.search" => "Searched the audit trail",
        "auth.session_revoke" => "Signed out a session",
        "auth.sign_in" => "Signed in",
        "auth.sign_out" => "Signed out",
        "auth.unlock" => "Unlocked an account",
        "care_team.add" => "Added a doctor to a care team",
        "care_team.read" => "Read a care team",
        "care_team.remove" => "Removed a doctor from a care team",
        "chart.read" => "Read a chart",
        "consent.grant" => "Gave consent",
        "consent.list" => "Listed consents",
        "consent.revoke" => "Withdrew consent",
        "emergency_access.open" => "Opened records in an emergency",
        "emergency_access.report" => "Read the emergency access report",
        "export.download" => "Downloaded their records",
        "export.print" => "Opened their records to print",
        "file.attach" => "Attached a file",
        "file.download" => "Opened a file",
        "file.list" => "Listed a record's files",
        "history.read" => "Read a history",
        "inventory.add" => "Added stock",
        "inventory.change" => "Changed stock",
        "inventory.list" => "Listed stock",
        "lab_order.create" => "Ordered a lab test",
        "lab_order.list" => "Listed lab orders",
        "lab_order.read" => "Read a lab order",
        "lab_order.result" => "Posted a lab result",
        "patient.erase" => "Erased a patient",
        "patient.erase_form" => "Opened a patient's erasure",
        "patient.register" => "Registered a patient",
        "patient.register_form" => "Opened patient registration",
        "patient.search" => "Searched patients",
        "prescription.change" => "Changed a prescription",
        "prescription.create" => "Issued a prescription",
        "prescription.dispense" => "Dispensed a prescription",
        "prescription.form" => "Opened a prescription form",
        "prescription.read" => "Read a prescription",
        "prescription.search" => "Listed prescriptions",
        "prescription.verify" => "Verified a prescription",
        "prescription.versions" => "Read a prescription's versions",
        "problem.create" => "Recorded a problem",
        "problem.read" => "Read problems",
        "record.amend" => "Amended a record",
        "record.create" => "Wrote a record",
        "record.proof" => "Checked a record's proof",
        "record.read" => "Opened a record",
        "record.search" => "Listed or searched records",
        "record.versions" => "Read a record's earlier versions",
        "share.create" => "Made a share link",
        "share.list" => "Listed share links",
        "share.revoke" => "Revoked a share link",
        "share.view" => "Opened a share link",
        "user.approve" => "Approved an account",
        "user.change" => "Changed an account",
        "user.deactivate" => "Deactivated an account",
        "user.list" => "Listed accounts",
        "user.reactivate" => "Reactivated an account",
        "user.reject" => "Rejected an account",
        "user.role_change" => "Changed a role",
        "user.unlock" => "Unlocked an account",
        other => return fallback(other),
    };
    said.to_string()
}

/// Every audit action careledger writes, for the audit page's chooser (a test checks that each
/// route's action is here).
pub const AUDIT_ACTIONS: &[&str] = &[
    "access_log.read",
    "account.mfa_confirm",
    "account.mfa_disable",
    "account.mfa_enrol",
    "account.password_change",
    "account.password_reset",
    "account.password_reset_request",
    "account.register",
    "account.reset_link",
    "account.set_password",
    "allergy.create",
    "allergy.read",
    "appointment.book",
    "appointment.change",
    "appointment.list",
    "appointment.read",
    "audit.export",
    "audit.read",
    "audit.search",
    "auth.session_revoke",
    "auth.sign_in",
    "auth.sign_out",
    "auth.unlock",
    "care_team.add",
    "care_team.read",
    "care_team.remove",
    "chart.read",
    "consent.grant",
    "consent.list",
    "consent.revoke",
    "emergency_access.open",
    "emergency_access.report",
    "export.download",
    "export.print",
    "file.attach",
    "file.download",
    "file.list",
    "history.read",
    "inventory.add",
    "inventory.change",
    "inventory.list",
    "lab_order.create",
    "lab_order.list",
    "lab_order.read",
    "lab_order.result",
    "patient.erase",
    "patient.erase_form",
    "patient.register",
    "patient.register_form",
    "patient.search",
    "prescription.change",
    "prescription.create",
    "prescription.dispense",
    "prescription.form",
    "prescription.read",
    "prescription.search",
    "prescription.verify",
    "prescription.versions",
    "problem.create",
    "problem.read",
    "record.amend",
    "record.create",
    "record.proof",
    "record.read",
    "record.search",
    "record.versions",
    "share.create",
    "share.list",
    "share.revoke",
    "share.view",
    "user.approve",
    "user.change",
    "user.deactivate",
    "user.list",
    "user.reactivate",
    "user.reject",
    "user.role_change",
    "user.unlock",
];

/// Every way an audited request can end.
pub const OUTCOMES: &[&str] = &[
    "success",
    "denied",
    "not_found",
    "unauthenticated",
    "conflict",
    "failure",
    "locked",
    "mfa_required",
    "invalid",
    "rate_limited",
    "error",
];

fn fallback(code: &str) -> String {
    let spaced = code.replace(['_', '.'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(words("pending_approval"), "Waiting for approval");
        assert_eq!(words("with_doctor"), "With the doctor");
        assert_eq!(words("record.read"), "Opened a record");
        assert_eq!(words("something_new"), "Something new");
        assert_eq!(words(""), "");
    }

    /// Every audit action a route or service names is listed (none falls back).
    #[test]
    fn every_audit_action_has_words() {
        let sources = ["src/router.rs", "src/accounts/service.rs", "src/accounts/pages.rs", "src/audit/mod.rs"];
        for path in sources {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            for (i, _) in text.match_indices(".audited(\"") {
                let rest = &text[i + 10..];
                let code = rest.split('"').next().unwrap_or_default();
                assert_ne!(words(code), super::fallback(code), "{code} (from {path}) has no words");
                assert!(super::AUDIT_ACTIONS.contains(&code), "{code} (from {path}) is not offered on the audit page");
            }
        }
    }
}
