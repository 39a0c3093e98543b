//! The HTTP API: one module per resource, each with its own `router()`, merged here with the
//! cross-cutting layers (request ids, tracing, body limit, metrics).
//!
//! The OpenAPI document is built from the same routers ([`api`]), so a route cannot be served
//! without being documented, nor documented without being served. To add routes:
//!
//! 1. Annotate each handler with `#[utoipa::path(METHOD, path = "/v1/...", tag = "...",
//!    responses(...), security(("token" = [])))]`: the path and method are read from there.
//! 2. In the module's `router()`, register the handlers with one `routes!` per path, listing
//!    every handler of that path (a `routes!` registers all its handlers on each of their
//!    paths, so two paths in one `routes!` would serve each other's methods):
//!
//!    ```ignore
//!    pub fn router() -> OpenApiRouter<AppState> {
//!        OpenApiRouter::default()
//!            .routes(routes!(list, create))        // GET and POST /v1/things
//!            .routes(routes!(show, update))        // GET and PATCH /v1/things/{id}
//!    }
//!    ```
//!
//!    Never `.route(...)` with a plain `MethodRouter`: that route would be missing from the
//!    document (the `every_route_of_the_router_is_documented` test refuses it).
//!    The module imports `utoipa_axum::router::OpenApiRouter` and `utoipa_axum::routes`; a
//!    layer for its routes only goes on with `.route_layer(...)`.
//! 3. A new module: `pub mod things;` here and `.merge(things::router())` in [`api`].
//! 4. Its request and response types derive both `Serialize` and `Deserialize` (and
//!    `utoipa::ToSchema`, or `IntoParams` for queries): the CLI and the tests send and read
//!    them, so there is one set of API types.
//! 5. The authorization matrix (`registry/tests/api/authz.rs`) lists every route, and the
//!    snapshot `registry/tests/api/openapi.snapshot.json` must be updated and its diff read.
//!
//! What is not the API (such as the console's static files) is added in [`router`], beside
//! the routes of [`api`], and is not in the document.

pub mod audit;
pub mod bundles;
pub mod console;
pub mod datasets;
pub mod enablements;
pub mod health;
pub mod keys;
pub mod monitoring;
pub mod namespaces;
pub mod overview;
pub mod places;
pub mod plugins;
pub mod review;
pub mod runs;
pub mod schedules;
pub mod session;
pub mod tenants;
pub mod tokens;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::{Extension, Router};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every route with its OpenAPI operations, before the cross-cutting layers: the one
/// construction both [`router`] and [`crate::openapi::document`] are made from.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::base())
        .merge(health::router())
        .merge(tokens::router())
        .merge(session::router())
        .merge(namespaces::router())
        .merge(keys::router())
        .merge(plugins::router())
        .merge(review::router())
        .merge(audit::router())
        .merge(tenants::router())
        .merge(datasets::router())
        .merge(enablements::router())
        .merge(runs::router())
        .merge(bundles::router())
        .merge(schedules::router())
        .merge(monitoring::router())
        .merge(places::router())
        .merge(overview::router())
}

/// The `Strict-Transport-Security` a service reached over HTTPS sends.
pub const HSTS: &str = "max-age=31536000";

/// The whole service, serving at `/openapi.json` the document of the routes it serves.
pub fn router(state: AppState) -> Router {
    let body_limit = state.limits.max_body_bytes;
    // Over HTTPS, browsers are told to keep to it: a year, this host only.
    let hsts = state.https.then(|| {
        SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS))
    });
    let (routes, document) = api().split_for_parts();
    routes
        .fallback(console::fallback)
        .method_not_allowed_fallback(wrong_method)
        .layer(Extension(Arc::new(crate::openapi::complete(document))))
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(tower::util::option_layer(hsts))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RandomRequestId))
        .with_state(state)
}

/// A known path with the wrong method gets a problem document too.
async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> crate::error::ApiError {
    crate::error::ApiError::method_not_allowed(format!("{method} is not allowed on {}", uri.path()))
}

#[derive(Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&hex::encode(rand::random::<[u8; 8]>())).ok().map(RequestId::new)
    }
}

async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    state.metrics.record(&method, &route, response.status().as_u16());
    response
}
