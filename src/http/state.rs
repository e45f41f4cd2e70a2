//! The state handlers receive: the services' context plus what only the web layer needs
//! (metrics recorder, request limiters, the audit writer, the drug knowledge base).

use std::ops::Deref;
use std::sync::Arc;

use crate::audit::writer::AuditWriter;
use crate::context::Ctx;
use crate::drugs::DrugBase;
use crate::http::metrics::Metrics;
use crate::ratelimit::{PublicLimiter, UserLimiter};

/// What every handler can reach. Cheap to clone. Dereferences to [`Ctx`], so a handler hands
/// `&state` straight to a domain service.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The context domain services take.
    pub ctx: Ctx,
    /// Prometheus recorder for this app.
    pub metrics: Arc<Metrics>,
    /// The per-user request limiter of this copy.
    pub user_limiter: Arc<UserLimiter>,
    /// The per-IP limiter for callers who are not signed in (counted in the database).
    pub public_limiter: Arc<PublicLimiter>,
    /// This copy's audit-trail writer (journal, then batched moves).
    pub audit: AuditWriter,
    /// The drug knowledge base (shipped files and the clinic's own), loaded at start; the
    /// prescription checks are given it.
    pub drugs: Arc<DrugBase>,
    /// The pages' messages in every language, parsed once at start.
    pub catalog: Arc<crate::i18n::Catalog>,
}

impl AppState {
    /// The words of a page in `lang`.
    pub fn words(&self, lang: crate::i18n::Lang) -> crate::i18n::Words {
        crate::i18n::Words::new(self.catalog.clone(), lang)
    }
}

impl Deref for AppState {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}
