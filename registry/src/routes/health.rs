//! Liveness, readiness, metrics and the OpenAPI document.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive", content_type = "text/plain", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database and the blob store answer.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready", content_type = "text/plain", body = String),
    (status = 503, body = crate::error::Problem, description = "`not-ready`: the detail names what does not answer")))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<&'static str> {
    state.store.ping().await.map_err(|_| ApiError::not_ready("the database does not answer"))?;
    state.blobs.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness: blob store");
        ApiError::not_ready(format!("the blob store {} does not answer", state.blobs.location()))
    })?;
    Ok("ready")
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

/// This API's OpenAPI 3 document.
#[utoipa::path(get, path = "/openapi.json", tag = "health", responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn openapi(Extension(document): Extension<Arc<utoipa::openapi::OpenApi>>) -> impl IntoResponse {
    axum::Json(document)
}
