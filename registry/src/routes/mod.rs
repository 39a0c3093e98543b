//! The HTTP API: one module per resource, each with its own `router()`, merged here with the
//! cross-cutting layers (request ids, tracing, body limit, metrics).

pub mod audit;
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
pub mod tenants;
pub mod tokens;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// The whole service.
pub fn router(state: AppState) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .merge(health::router())
        .merge(tokens::router())
        .merge(namespaces::router())
        .merge(keys::router())
        .merge(plugins::router())
        .merge(review::router())
        .merge(audit::router())
        .merge(tenants::router())
        .merge(datasets::router())
        .merge(enablements::router())
        .merge(runs::router())
        .merge(monitoring::router())
        .merge(places::router())
        .merge(overview::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RandomRequestId))
        .with_state(state)
}

/// Unknown paths get a problem document like every other error, not an empty 404.
async fn unknown_route(uri: axum::http::Uri) -> crate::error::ApiError {
    crate::error::ApiError::not_found(format!("no route for {}", uri.path()))
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
