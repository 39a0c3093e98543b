//! Run bundles ([`crate::bundle`]): a tenant's admin exports one of the tenant's runs, and may
//! share a run with the maker of its plugin, whose namespace members can then fetch that one
//! bundle. Every export and every share is audited: a bundle holds the tenant's data.

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::state::AppState;
use crate::store::runs::{self, RunRecord};
use crate::store::shares::{self, RunShare};
use crate::store::{namespaces, now_ms};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(export))
        .routes(routes!(share, unshare))
        .routes(routes!(shared))
        .routes(routes!(shared_bundle))
}

/// A run's bundle (`application/x-tar`): its component, the dataset versions it read, its
/// parameters, limits, seed, and recorded output, for `kiln plugin run --replay`.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/runs/{id}/bundle", tag = "runs",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "The bundle", content_type = "application/x-tar", body = String),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn export(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    who.require_tenant(&tenant, "runs")?;
    let run = runs::get(&state.store.pool, &tenant, &id).await?;
    bundle_response(&state, &who, &run).await
}

/// Share a run's bundle with the maker of its plugin (the members of the plugin's namespace).
#[utoipa::path(post, path = "/v1/tenants/{tenant}/runs/{id}/share", tag = "runs",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 201, body = RunShare), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn share(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, axum::Json<RunShare>)> {
    who.require_tenant(&tenant, "runs")?;
    let run = runs::get(&state.store.pool, &tenant, &id).await?;
    if run.output_sha256.is_none() {
        return Err(ApiError::not_finished(format!("run {id} has no output to share")));
    }
    let share = RunShare {
        run: id,
        tenant,
        namespace: run.namespace.clone(),
        shared_by: who.name.clone(),
        shared_at: now_ms(),
    };
    let mut tx = state.store.write().await?;
    shares::insert(&mut tx, &share).await?;
    let subject = format!("{}/run:{}", share.tenant, share.run);
    tx.record(&who.name, "run.share", &subject, json!({"namespace": share.namespace})).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(share)))
}

/// Withdraw the share of a run's bundle.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/runs/{id}/share", tag = "runs",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn unshare(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    who.require_tenant(&tenant, "runs")?;
    let mut tx = state.store.write().await?;
    if !shares::delete(&mut tx, &tenant, &id).await? {
        return Err(ApiError::not_found(format!("run {id} is not shared")));
    }
    tx.record(&who.name, "run.unshare", &format!("{tenant}/run:{id}"), json!({})).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The runs tenants shared with a namespace, for its members.
#[utoipa::path(get, path = "/v1/namespaces/{ns}/shared-runs", tag = "namespaces", params(("ns" = String, Path)),
    responses((status = 200, body = Vec<RunShare>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn shared(
    State(state): State<AppState>,
    who: Principal,
    Path(ns): Path<String>,
) -> ApiResult<axum::Json<Vec<RunShare>>> {
    require_member(&state, &who, &ns).await?;
    Ok(axum::Json(shares::list(&state.store.pool, &ns).await?))
}

/// The bundle of a run shared with a namespace, for its members.
#[utoipa::path(get, path = "/v1/namespaces/{ns}/shared-runs/{id}/bundle", tag = "namespaces",
    params(("ns" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "The bundle", content_type = "application/x-tar", body = String),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn shared_bundle(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_member(&state, &who, &ns).await?;
    // Unshared and nonexistent look the same: a maker learns nothing of runs not shared.
    let share = shares::get(&state.store.pool, &ns, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {id} is not shared with {ns}")))?;
    let run = runs::get(&state.store.pool, &share.tenant, &id).await?;
    bundle_response(&state, &who, &run).await
}

async fn require_member(state: &AppState, who: &Principal, ns: &str) -> ApiResult<()> {
    who.require(&[Role::Maker], "read")?;
    namespaces::get(&state.store.pool, ns).await?;
    if !namespaces::is_member(&state.store.pool, ns, &who.id).await? {
        return Err(ApiError::forbidden(format!("you are not a member of namespace `{ns}`")));
    }
    Ok(())
}

/// Writes `run`'s bundle to scratch, records the export, and streams the file.
async fn bundle_response(state: &AppState, who: &Principal, run: &RunRecord) -> ApiResult<Response> {
    let dir = tempfile::TempDir::new_in(&state.scratch.work_dir)
        .map_err(|e| ApiError::internal(format!("scratch space: {e}")))?;
    let path = crate::bundle::export(&state.blobs, state.runner.caps(), run, dir.path(), now_ms()).await.map_err(
        |e| match e {
            crate::bundle::BundleError::NoOutput(_) => ApiError::not_finished(e.to_string()),
            crate::bundle::BundleError::Blob { .. } => ApiError::integrity(e.to_string()),
            other => ApiError::internal(other.to_string()),
        },
    )?;
    let file = tokio::fs::File::open(&path).await.map_err(|e| ApiError::internal(format!("the bundle: {e}")))?;
    let size = file.metadata().await.map_err(|e| ApiError::internal(format!("the bundle: {e}")))?.len();
    // The open file outlives its directory on unix; the body streams it, so memory stays flat.
    drop(dir);
    let mut tx = state.store.write().await?;
    let subject = format!("{}/run:{}", run.tenant, run.id);
    tx.record(&who.name, "run.export", &subject, json!({"provenance": run.provenance, "bytes": size})).await?;
    tx.commit().await?;
    let name = format!("attachment; filename=\"run-{}.kiln-bundle.tar\"", run.id);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [(header::CONTENT_TYPE, "application/x-tar".to_string()), (header::CONTENT_DISPOSITION, name)],
        [(header::CONTENT_LENGTH, size.to_string())],
        body,
    )
        .into_response())
}
