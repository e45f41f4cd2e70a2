//! The route table: every route is added with the permission it needs, so a route cannot be
//! added without declaring one, and the table that builds the router is the one the
//! permission-matrix test walks.

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, on};

use crate::accounts::permissions::{Denied, Permission, authorize};
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
}

/// Collects routes with their permissions.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteSpec>,
    state: AppState,
}

impl Routes {
    /// An empty table.
    pub fn new(state: AppState) -> Self {
        Self { router: Router::new(), table: Vec::new(), state }
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
        let spec = RouteSpec { method: method.clone(), path, surface, permission, refusal, probe: false };
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
        };
        self.route(spec, handler)
    }

    fn route<H, T>(mut self, spec: RouteSpec, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let (method, path) = (spec.method.clone(), spec.path);
        let filter = MethodFilter::try_from(method).unwrap_or(MethodFilter::GET);
        let guarded = on(filter, handler).route_layer(axum::middleware::from_fn_with_state((self.state.clone(), spec.clone()), guard));
        self.router = self.router.route(path, guarded);
        self.table.push(spec);
        self
    }

    /// Like [`Routes::add_refusing`] for an upload route with its own body limit.
    #[allow(clippy::too_many_arguments)]
    pub fn add_upload<H, T>(mut self, path: &'static str, permission: Permission, refusal: Refusal, body_limit: usize, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let spec = RouteSpec { method: Method::POST, path, surface: Surface::Api, permission, refusal, probe: false };
        let guarded = on(MethodFilter::POST, handler)
            .layer(axum::extract::DefaultBodyLimit::max(body_limit))
            .route_layer(axum::middleware::from_fn_with_state((self.state.clone(), spec.clone()), guard));
        self.router = self.router.route(path, guarded);
        self.table.push(spec);
        self
    }

    /// The router and the table it was built from.
    pub fn finish(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.table)
    }
}

/// Checks the route's permission before the handler runs. The signed-in user it finds is
/// left in the request's extensions, so the handler's extractor does not look it up again.
async fn guard(State((state, spec)): State<(AppState, RouteSpec)>, req: Request, next: Next) -> Response {
    if spec.probe {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
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
        return next.run(Request::from_parts(parts, body)).await;
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
            Ok(MaybeWebUser(None)) => return Redirect::to("/login").into_response(),
            Err(e) => return e.into_response(),
        },
    };
    let (user_id, role) = (user.id, user.role);
    match authorize(user, session, session_mfa, spec.permission) {
        // The handler (and the service it calls) receives the verified actor.
        Ok(actor) => {
            parts.extensions.insert(actor);
        }
        Err(denied) => {
            tracing::info!(permission = spec.permission.name(), role = role.as_str(), ?denied, "refused");
            let error = match (denied, spec.refusal) {
                (Denied::MfaEnrollment, _) if spec.surface == Surface::Page => {
                    return Redirect::to("/me/mfa").into_response();
                }
                (Denied::MfaEnrollment, _) => Error::MfaEnrollmentRequired,
                (_, Refusal::NotFound(code)) => Error::NotFound(code),
                (Denied::Inactive, Refusal::Forbidden) => Error::AccountPendingApproval,
                (Denied::NotGranted, Refusal::Forbidden) => Error::Forbidden("your role does not have this permission"),
            };
            return refuse(spec.surface, error);
        }
    }
    // The general per-user limit (per copy; off with --rate-limits off).
    if let Err(e) = state.user_limiter.check(user_id) {
        return refuse(spec.surface, e);
    }
    next.run(Request::from_parts(parts, body)).await
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
