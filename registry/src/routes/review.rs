//! Operator review: the queue, approve, reject, take down.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::changes::{self, Changes};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Paged, Path, Query};
use crate::state::AppState;
use crate::store::plugins::{self, PluginRecord, Status, VersionRecord};
use crate::store::{enablements, now_ms};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(queue))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(take_down_version))
        .routes(routes!(take_down_plugin))
}

/// `?status=` for the queue.
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct QueueQuery {
    /// Which status to list (default `pending`).
    pub status: Option<Status>,
    /// Page number.
    pub page: Option<u32>,
    /// Page size.
    pub per_page: Option<u32>,
}

/// Why an operator acted.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    /// A sentence for the maker and the audit log.
    pub reason: String,
}

/// A version on the review desk: the version record (with its `describe()`, imports, size,
/// sha256 and signing key) and what changed since the version before it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ReviewItem {
    /// The version.
    #[serde(flatten)]
    pub version: VersionRecord,
    /// What changed since its base version (see `Changes.base`).
    pub changes: Changes,
}

/// The review item of `v`, compared with the plugin's versions as an operator sees them.
pub async fn review_item(state: &AppState, v: VersionRecord) -> ApiResult<ReviewItem> {
    let versions = plugins::list_versions(&state.store.pool, &v.namespace, &v.name).await?;
    let changes = changes::changes(&v, changes::base(&v, &versions));
    Ok(ReviewItem { version: v, changes })
}

/// Versions waiting for review (or in another status), oldest first, each with what changed
/// since the version before it.
#[utoipa::path(get, path = "/v1/review", tag = "review", params(QueueQuery),
    responses((status = 200, body = Paged<ReviewItem>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn queue(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<QueueQuery>,
) -> ApiResult<axum::Json<Paged<ReviewItem>>> {
    who.require(&[Role::Operator], "review")?;
    let page = crate::extract::Page { page: q.page, per_page: q.per_page };
    let (limit, offset) = page.limit_offset()?;
    let status = q.status.unwrap_or(Status::Pending);
    let versions = plugins::list_by_status(&state.store.pool, status, limit, offset).await?;
    let total = plugins::count_by_status(&state.store.pool, status).await?;
    let mut items = Vec::with_capacity(versions.len());
    for v in versions {
        items.push(review_item(&state, v).await?);
    }
    Ok(axum::Json(Paged::new(items, page, Some(total))))
}

async fn decide(
    state: &AppState,
    who: &Principal,
    (ns, name, version): (String, String, String),
    to: Status,
    reason: Option<String>,
) -> ApiResult<axum::Json<VersionRecord>> {
    who.require(&[Role::Operator], "review")?;
    let v = plugins::get_version(&state.store.pool, &ns, &name, &version).await?;
    if v.status != Status::Pending {
        return Err(ApiError::conflict(format!("{} is {}, not pending", v.subject(), v.status.as_str())));
    }
    let mut tx = state.store.write().await?;
    // Checked again under the write lock: a concurrent decision may have committed since the read.
    if !plugins::review(&mut tx, &v, to, reason.as_deref(), &who.name, now_ms()).await? {
        return Err(ApiError::conflict(format!("{} was decided meanwhile, not pending", v.subject())));
    }
    let action = if to == Status::Approved { "version.approve" } else { "version.reject" };
    tx.record(&who.name, action, &v.subject(), json!({"reason": reason})).await?;
    tx.commit().await?;
    Ok(axum::Json(plugins::get_version(&state.store.pool, &ns, &name, &version).await?))
}

/// Approve a pending version: enterprises can now resolve and enable it.
#[utoipa::path(post, path = "/v1/plugins/{ns}/{name}/versions/{version}/approve", tag = "review",
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = VersionRecord), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    who: Principal,
    Path(path): Path<(String, String, String)>,
) -> ApiResult<axum::Json<VersionRecord>> {
    decide(&state, &who, path, Status::Approved, None).await
}

/// Reject a pending version, with a reason.
#[utoipa::path(post, path = "/v1/plugins/{ns}/{name}/versions/{version}/reject", tag = "review", request_body = Reason,
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = VersionRecord), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn reject(
    State(state): State<AppState>,
    who: Principal,
    Path(path): Path<(String, String, String)>,
    Json(r): Json<Reason>,
) -> ApiResult<axum::Json<VersionRecord>> {
    if r.reason.trim().is_empty() {
        return Err(ApiError::invalid_request("a rejection needs a reason"));
    }
    decide(&state, &who, path, Status::Rejected, Some(r.reason)).await
}

/// Take one version down: it no longer resolves or downloads.
#[utoipa::path(post, path = "/v1/plugins/{ns}/{name}/versions/{version}/takedown", tag = "review", request_body = Reason,
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = VersionRecord), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn take_down_version(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name, version)): Path<(String, String, String)>,
    Json(r): Json<Reason>,
) -> ApiResult<axum::Json<VersionRecord>> {
    who.require(&[Role::Operator], "review")?;
    if r.reason.trim().is_empty() {
        return Err(ApiError::invalid_request("a takedown needs a reason"));
    }
    let v = plugins::get_version(&state.store.pool, &ns, &name, &version).await?;
    let mut tx = state.store.write().await?;
    let now = now_ms();
    plugins::take_down_version(&mut tx, &v, &r.reason, now).await?;
    // Enablements pinned to it stop in the same transaction: no run starts on a taken-down version.
    let why = format!("{} was taken down: {}", v.subject(), r.reason);
    let suspended = enablements::suspend(&mut tx, &ns, &name, Some(&version), &why, now).await?;
    tx.record(&who.name, "version.takedown", &v.subject(), json!({"reason": r.reason, "suspended": suspended})).await?;
    tx.commit().await?;
    Ok(axum::Json(plugins::get_version(&state.store.pool, &ns, &name, &version).await?))
}

/// Take a whole plugin down: every version stops resolving and downloading.
#[utoipa::path(post, path = "/v1/plugins/{ns}/{name}/takedown", tag = "review", request_body = Reason,
    params(("ns" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = PluginRecord), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn take_down_plugin(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name)): Path<(String, String)>,
    Json(r): Json<Reason>,
) -> ApiResult<axum::Json<PluginRecord>> {
    who.require(&[Role::Operator], "review")?;
    if r.reason.trim().is_empty() {
        return Err(ApiError::invalid_request("a takedown needs a reason"));
    }
    plugins::get_plugin(&state.store.pool, &ns, &name).await?;
    let mut tx = state.store.write().await?;
    let now = now_ms();
    plugins::take_down_plugin(&mut tx, &ns, &name, &r.reason, now).await?;
    let why = format!("{ns}/{name} was taken down: {}", r.reason);
    let suspended = enablements::suspend(&mut tx, &ns, &name, None, &why, now).await?;
    tx.record(
        &who.name,
        "plugin.takedown",
        &format!("{ns}/{name}"),
        json!({"reason": r.reason, "suspended": suspended}),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(plugins::get_plugin(&state.store.pool, &ns, &name).await?))
}
