//! What a request's service tells the audit trail: whose data it touched, and how it ended when
//! the status alone does not say. The route guard writes the trail's rows from it.

use std::sync::{Arc, Mutex, MutexGuard};

/// One patient's data (or one resource) a request touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// Whose data, when it is a patient's.
    pub patient_id: Option<String>,
    /// What kind of thing (`record`, `file`, `care_team`, `user`, ...).
    pub resource_type: &'static str,
    /// Which one.
    pub resource_id: Option<String>,
}

/// What the service noted.
#[derive(Clone, Debug, Default)]
pub struct Noted {
    /// Every patient (or resource) touched, in order, without repeats.
    pub subjects: Vec<Subject>,
    /// An outcome the status code does not tell (`locked`, `denied`).
    pub outcome: Option<&'static str>,
    /// A more precise action than the route's (one page route that approves, rejects, ...).
    pub action: Option<&'static str>,
    /// Who acted, for a route that has no signed-in actor yet (a sign-in): `(user id, role)`.
    pub actor: Option<(String, &'static str)>,
    /// A short detail (never clinical text).
    pub detail: Option<String>,
}

/// A request's audit note, shared by the route guard (which writes the rows) and the service
/// (which knows whose data it read). Cheap to clone: clones share the note.
#[derive(Clone, Debug, Default)]
pub struct AuditNote(Arc<Mutex<Noted>>);

impl AuditNote {
    fn lock(&self) -> MutexGuard<'_, Noted> {
        // A poisoned note still holds what was noted before the panic; keep it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The request touched `resource` of `patient`'s data.
    pub fn touched(&self, patient: Option<impl ToString>, resource_type: &'static str, resource_id: Option<impl ToString>) {
        let subject =
            Subject { patient_id: patient.map(|p| p.to_string()), resource_type, resource_id: resource_id.map(|r| r.to_string()) };
        let mut n = self.lock();
        if !n.subjects.contains(&subject) {
            n.subjects.push(subject);
        }
    }

    /// The request ended this way, whatever its status says.
    pub fn outcome(&self, outcome: &'static str) {
        self.lock().outcome = Some(outcome);
    }

    /// The request did this, more precisely than its route says.
    pub fn action(&self, action: &'static str) {
        self.lock().action = Some(action);
    }

    /// Who acted, on a route that has no signed-in actor (a sign-in names the account tried).
    pub fn actor(&self, user_id: impl ToString, role: &'static str) {
        self.lock().actor = Some((user_id.to_string(), role));
    }

    /// A short detail: ids, counts, a role; never clinical text or a secret.
    pub fn detail(&self, detail: impl Into<String>) {
        self.lock().detail = Some(detail.into());
    }

    /// What was noted.
    pub fn take(&self) -> Noted {
        std::mem::take(&mut *self.lock())
    }
}
