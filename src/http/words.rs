//! Codes as people read them: every status, kind, outcome and audit action a page shows goes
//! through [`words`], so no `pending_approval` or `record.read` shows through on a page (the
//! API keeps the codes, which are its contract).

use crate::i18n::Words;

/// The words for a code a page shows, in the reader's language (`locales/*/words.ftl`, keys
/// `code-<code>` with `.` as `-`); a code not listed reads with its underscores as spaces,
/// capitalised (and a test keeps every code careledger writes listed).
pub fn say(words: &Words, code: &str) -> String {
    let key = key(code);
    if !code.is_empty() && words.has(&key) { words.t(&key) } else { fallback(code) }
}

/// The message id of a code's words.
fn key(code: &str) -> String {
    format!("code-{}", code.replace('.', "-"))
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
    "fhir.everything",
    "fhir.read",
    "fhir.search",
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
    "status.read",
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
    use super::say;
    use crate::i18n::{Catalog, Lang, Words};

    #[test]
    fn codes_read_as_words() {
        let en = Words::english();
        assert_eq!(say(&en, "pending_approval"), "Waiting for approval");
        assert_eq!(say(&en, "with_doctor"), "With the doctor");
        assert_eq!(say(&en, "record.read"), "Opened a record");
        assert_eq!(say(&en, "something_new"), "Something new");
        assert_eq!(say(&en, ""), "");
        let es = Words::new(std::sync::Arc::new(Catalog::load()), Lang::Es);
        assert_eq!(say(&es, "pending_approval"), "Pendiente de aprobación");
        assert_eq!(say(&es, "record.read"), "Abrió un registro");
    }

    /// Every audit action a route or service names is listed (none falls back), in both
    /// languages.
    #[test]
    fn every_audit_action_has_words() {
        let catalog = Catalog::load();
        let sources = ["src/router.rs", "src/accounts/service.rs", "src/accounts/pages.rs", "src/audit/mod.rs"];
        for path in sources {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            for (i, _) in text.match_indices(".audited(\"") {
                let rest = &text[i + 10..];
                let code = rest.split('"').next().unwrap_or_default();
                for lang in Lang::ALL {
                    assert!(catalog.has(lang, &super::key(code)), "{code} (from {path}) has no words in {lang:?}");
                }
                assert!(super::AUDIT_ACTIONS.contains(&code), "{code} (from {path}) is not offered on the audit page");
            }
        }
        for code in super::AUDIT_ACTIONS.iter().chain(super::OUTCOMES) {
            for lang in Lang::ALL {
                assert!(catalog.has(lang, &super::key(code)), "{code} has no words in {lang:?}");
            }
        }
    }
}
