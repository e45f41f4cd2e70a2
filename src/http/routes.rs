//! The route table: every route is added with the permission it needs, so a route cannot be
//! added without declaring one, and the table that builds the router is the one the
//! permission-matrix test walks.

use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::accounts::permissions::{Denied, Permission, authorize};
use crate::audit::note::{AuditNote, Subject};
use crate::audit::trail::NewAccess;
use crate::client::ClientInfo;
use crate::error::Error;
use crate::http::auth::{ApiUser, MaybeWebUser};
use crate::http::pages::PageError;
use crate::http::state::AppState;

/// Who a route answers: API clients (bearer tokens, problem details) or browsers (cookie
/// sessions, pages, a redirect to `/login`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// JSON API.
    Api,
    /// Server-rendered pages.
    Page,
}

/// How a signed-in caller without the permission is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 403 `forbidden`.
    Forbidden,
    /// 404 with this code: for routes that name a resource, so a refusal looks exactly like a
    /// resource that does not exist (DESIGN.md: no probing of ids).
    NotFound(&'static str),
}

/// One row of the route table.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: Method,
    /// Path template as axum matches it.
    pub path: &'static str,
    /// API or page.
    pub surface: Surface,
    /// The permission the route needs.
    pub permission: Permission,
    /// How a refusal answers.
    pub refusal: Refusal,
    /// A health check or metrics scrape: public, and never rate-limited, so that load balancers
    /// and monitoring see the truth during a flood.
    pub probe: bool,
    /// What the audit trail records of each request (`None`: nothing, for routes that touch
    /// no patient data and change no access).
    pub audit: Option<Audited>,
}

/// How a route appears in the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Audited {
    /// The action (`record.read`, `auth.sign_in`, ...).
    pub action: &'static str,
    /// What the path's `{id}` names (`record`, `user`, ...); `patient` makes it the patient.
    pub resource: &'static str,
}

/// Collects routes with their permissions (and audit actions); the guard is put on each when
/// the table is finished, so [`Routes::audited`] can still add to the last route's row.
pub struct Routes {
    routes: Vec<(RouteSpec, MethodRouter<AppState>)>,
    state: AppState,
}

impl Routes {
    /// An empty table.
    pub fn new(state: AppState) -> Self {
        Self { routes: Vec::new(), state }
    }

    /// The route just added is recorded in the audit trail as `action` on `resource` (what its
    /// path's `{id}` names; `patient` when it is the patient's id).
    pub fn audited(mut self, action: &'static str, resource: &'static str) -> Self {
        if let Some((spec, _)) = self.routes.last_mut() {
            spec.audit = Some(Audited { action, resource });
        }
        self
    }

    /// Adds `method path` answered by `handler`, guarded by `permission`.
    pub fn add<H, T>(self, method: Method, path: &'static str, surface: Surface, permission: Permission, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add_refusing(method, path, surface, permission, Refusal::Forbidden, handler)
    }

    /// Like [`Routes::add`], with a chosen refusal.
    pub fn add_refusing<H, T>(
        self,
        method: Method,
        path: &'static str,
        surface: Surface,
        permission: Permission,
        refusal: Refusal,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let spec = RouteSpec { method: method.clone(), path, surface, permission, refusal, probe: false, audit: None };
        self.route(spec, handler)
    }

    /// A public `GET path` that is never rate-limited (health checks, metrics).
    pub fn add_probe<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let spec = RouteSpec {
            method: Method::GET,
            path,
            surface: Surface::Api,
            permission: Permission::Public,
            refusal: Refusal::Forbidden,
            probe: true,
            audit: None,
        };
        self.route(spec, handler)
    }

    fn route<H, T>(mut self, spec: RouteSpec, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(spec.method.clone()).unwrap_or(MethodFilter::GET);
        self.routes.push((spec, on(filter, handler)));
        self
    }

    /// Like [`Routes::add_refusing`] for an upload route with its own body limit.
    #[allow(clippy::too_many_arguments)]
    pub fn add_upload<H, T>(
        mut self,
        path: &'static str,
        surface: Surface,
        permission: Permission,
        refusal: Refusal,
        body_limit: usize,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let spec = RouteSpec { method: Method::POST, path, surface, permission, refusal, probe: false, audit: None };
        let method_router = on(MethodFilter::POST, handler).layer(axum::extract::DefaultBodyLimit::max(body_limit));
        self.routes.push((spec, method_router));
        self
    }

    /// The router and the table it was built from.
    pub fn finish(self) -> (Router<AppState>, Vec<RouteSpec>) {
        let mut router = Router::new();
        let mut table = Vec::with_capacity(self.routes.len());
        for (spec, method_router) in self.routes {
            let guarded = method_router.route_layer(axum::middleware::from_fn_with_state((self.state.clone(), spec.clone()), guard));
            router = router.route(spec.path, guarded);
            table.push(spec);
        }
        (router, table)
    }
}

/// Checks the route's permission before the handler runs. The signed-in user it finds is
/// left in the request's extensions, so the handler's extractor does not look it up again. On
/// an audited route it then writes the audit trail's rows (refusals included) and lets the
/// response go only once they are committed.
async fn guard(State((state, spec)): State<(AppState, RouteSpec)>, req: Request, next: Next) -> Response {
    if spec.probe {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let mut audit = match spec.audit {
        Some(a) => Some(Pending::start(&mut parts, &state, a).await),
        None => None,
    };
    if spec.permission == Permission::Public {
        // Signed-in callers count against their own limit; everyone else against their IP's
        // (shared by every copy), so that no one can flood a public route (ledger proofs,
        // sign-in pages) from one address.
        let limited = match signed_in(&mut parts, &state, spec.surface).await {
            Some(user) => state.user_limiter.check(user),
            None => {
                let Ok(client) = ClientInfo::from_request_parts(&mut parts, &state).await;
                state.public_limiter.check(&state.db, &state.settings.limits, client.ip, state.clock.now()).await
            }
        };
        if let Err(e) = limited {
            return refuse(spec.surface, e);
        }
        if let Some(a) = &audit {
            parts.extensions.insert(a.note.clone());
        }
        let response = next.run(Request::from_parts(parts, body)).await;
        return finish(&state, spec.surface, audit, response).await;
    }
    let (user, session, session_mfa) = match spec.surface {
        Surface::Api => match ApiUser::from_request_parts(&mut parts, &state).await {
            Ok(caller) => {
                parts.extensions.insert(caller.clone());
                (caller.user, caller.session_id, caller.mfa)
            }
            Err(e) => return e.into_response(),
        },
        Surface::Page => match MaybeWebUser::from_request_parts(&mut parts, &state).await {
            Ok(MaybeWebUser(Some(u))) => (u.user, u.session_id, u.mfa),
            Ok(MaybeWebUser(None)) => return crate::http::render::sign_in_needed(),
            Err(e) => return e.into_response(),
        },
    };
    let (user_id, role) = (user.id, user.role);
    if let Some(a) = audit.as_mut() {
        a.actor = Some((user_id.to_string(), role.as_str()));
    }
    match authorize(user, session, session_mfa, spec.permission) {
        // The handler (and the service it calls) receives the verified actor.
        Ok(actor) => {
            if let Some(a) = audit.as_mut() {
                a.note = actor.audit().clone();
            }
            parts.extensions.insert(actor);
        }
        Err(denied) => {
            tracing::info!(permission = spec.permission.name(), role = role.as_str(), ?denied, "refused");
            let error = match (denied, spec.refusal) {
                (Denied::MfaEnrollment, _) if spec.surface == Surface::Page => {
                    // Enrolment first, then on to the page asked for.
                    let asked = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                    let to = match crate::http::render::safe_next(asked) {
                        Some(next) if parts.method == Method::GET => {
                            format!("/me/mfa?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>())
                        }
                        _ => "/me/mfa".to_string(),
                    };
                    return finish(&state, spec.surface, audit, Redirect::to(&to).into_response()).await;
                }
                (Denied::MfaEnrollment, _) => Error::MfaEnrollmentRequired,
                (_, Refusal::NotFound(code)) => Error::NotFound(code),
                (Denied::Inactive, Refusal::Forbidden) => Error::AccountPendingApproval,
                (Denied::NotGranted, Refusal::Forbidden) => Error::Forbidden("your role does not have this permission"),
            };
            if let Some(a) = audit.as_mut() {
                a.note.outcome("denied");
            }
            return finish(&state, spec.surface, audit, refuse(spec.surface, error)).await;
        }
    }
    // The general per-user limit (per copy; off with --rate-limits off).
    if let Err(e) = state.user_limiter.check(user_id) {
        return finish(&state, spec.surface, audit, refuse(spec.surface, e)).await;
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    finish(&state, spec.surface, audit, response).await
}

/// An audited request on its way: what the guard knows before the handler runs.
struct Pending {
    audited: Audited,
    at: String,
    ip: String,
    user_agent: String,
    request_id: Option<String>,
    path_id: Option<String>,
    actor: Option<(String, &'static str)>,
    note: AuditNote,
}

impl Pending {
    async fn start(parts: &mut axum::http::request::Parts, state: &AppState, audited: Audited) -> Self {
        let Ok(client) = ClientInfo::from_request_parts(parts, state).await;
        let path_id = match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => params.iter().find(|(k, _)| *k == "id").map(|(_, v)| v.chars().take(100).collect()),
            Err(_) => None,
        };
        Self {
            audited,
            at: crate::clock::format(state.clock.now()),
            ip: client.ip.to_string(),
            user_agent: client.user_agent,
            request_id: parts.headers.get(crate::http::middleware::REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_string),
            path_id,
            actor: None,
            note: AuditNote::default(),
        }
    }

    /// The trail's rows: one per patient (or resource) the service noted, else one for the
    /// path's id.
    fn rows(self, status: StatusCode) -> Vec<NewAccess> {
        let noted = self.note.take();
        let actor = noted.actor.or(self.actor);
        let outcome = noted.outcome.unwrap_or_else(|| outcome_of(status));
        let mut subjects = noted.subjects;
        if subjects.is_empty() {
            // The patient's id as careledger writes ids (a path may spell it in capitals), or
            // none when the path does not hold one.
            let patient = (self.audited.resource == "patient")
                .then(|| self.path_id.as_deref().and_then(|p| p.parse::<crate::ids::UserId>().ok()).map(|p| p.to_string()))
                .flatten();
            subjects.push(Subject { patient_id: patient, resource_type: self.audited.resource, resource_id: self.path_id.clone() });
        }
        subjects
            .into_iter()
            .map(|s| {
                // A patient acting on their own account, and let through, acted on their own
                // data (a refusal may have been about someone else's).
                let patient = s
                    .patient_id
                    .or_else(|| actor.as_ref().filter(|(_, role)| *role == "patient" && status.as_u16() < 400).map(|(id, _)| id.clone()));
                NewAccess {
                    id: uuid::Uuid::now_v7().to_string(),
                    at: self.at.clone(),
                    actor_id: actor.as_ref().map(|(id, _)| id.clone()),
                    actor_role: actor.as_ref().map(|(_, role)| (*role).to_string()),
                    action: noted.action.unwrap_or(self.audited.action).to_string(),
                    patient_id: patient,
                    resource_type: Some(s.resource_type.to_string()),
                    resource_id: s.resource_id,
                    outcome: outcome.to_string(),
                    ip: Some(self.ip.clone()),
                    user_agent: Some(self.user_agent.clone()).filter(|u| !u.is_empty()),
                    request_id: self.request_id.clone(),
                    detail: noted.detail.clone(),
                }
                .bounded()
            })
            .collect()
    }
}

/// How a request ended, from its status, when the service noted nothing more precise.
fn outcome_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200..=399 => "success",
        401 => "unauthenticated",
        403 => "denied",
        404 => "not_found",
        409 => "conflict",
        410 => "erased",
        429 => "rate_limited",
        500.. => "error",
        _ => "rejected",
    }
}

/// Writes an audited request's rows, then lets its response go; if the trail cannot be
/// written the response is withheld and the caller gets an opaque 500 (fail closed: no
/// unaudited access to patient data).
async fn finish(state: &AppState, surface: Surface, audit: Option<Pending>, response: Response) -> Response {
    let Some(pending) = audit else { return response };
    match state.audit.write(pending.rows(response.status())).await {
        Ok(()) => response,
        Err(e) => refuse(surface, e),
    }
}

/// A refusal as the route's surface answers: a problem for the API, a page for browsers.
fn refuse(surface: Surface, e: Error) -> Response {
    match surface {
        Surface::Api => e.into_response(),
        Surface::Page => PageError(e).into_response(),
    }
}

/// The user a request to a public route is signed in as, if its credentials are good (a bad
/// or forged one makes it anonymous, not refused: the route is public).
async fn signed_in(parts: &mut axum::http::request::Parts, state: &AppState, surface: Surface) -> Option<crate::ids::UserId> {
    match surface {
        Surface::Api if parts.headers.contains_key(axum::http::header::AUTHORIZATION) => {
            let caller = ApiUser::from_request_parts(parts, state).await.ok()?;
            parts.extensions.insert(caller.clone());
            Some(caller.user.id)
        }
        Surface::Api => None,
        Surface::Page => MaybeWebUser::from_request_parts(parts, state).await.ok()?.0.map(|u| u.user.id),
    }
}
