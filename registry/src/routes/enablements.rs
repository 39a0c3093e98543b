//! Enablements: a tenant turns on an approved plugin, grants it datasets and columns, and sets
//! its parameters (checked against the plugin's describe()) and limits (no higher than the
//! operator's caps).

use axum::extract::State;
use axum::http::StatusCode;
use kiln_host::PluginInfo;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::runner::{params_from_json, params_to_json};
use crate::state::AppState;
use crate::store::enablements::{self, EnablementRecord, EnablementStatus, Grant, LimitSpec};
use crate::store::plugins::{self, VersionRecord};
use crate::store::{datasets, new_id, now_ms};
use crate::submission::limits_within;

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(list, create)).routes(routes!(show, update, disable))
}

/// An enablement to create.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnablement {
    /// The plugin's namespace.
    pub namespace: String,
    /// The plugin.
    pub plugin: String,
    /// A semver requirement, such as `^0.1` (default `*`).
    pub requirement: Option<String>,
    /// Datasets and columns granted (default: what the plugin's describe() asks for).
    pub grants: Option<Vec<Grant>>,
    /// Parameters by name (default: the plugin's defaults).
    #[schema(value_type = Object, nullable)]
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
    /// Limits (default: the operator's caps).
    pub limits: Option<LimitSpec>,
}

/// Changes to an enablement; absent fields stay. Every change re-resolves the requirement and
/// re-checks grants and parameters against the resolved version.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnablementUpdate {
    /// A new semver requirement.
    pub requirement: Option<String>,
    /// New grants.
    pub grants: Option<Vec<Grant>>,
    /// New parameters (replacing the old ones).
    #[schema(value_type = Object, nullable)]
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
    /// New limits.
    pub limits: Option<LimitSpec>,
}

/// The approved version `requirement` resolves to, and its describe().
async fn resolve(
    state: &AppState,
    ns: &str,
    plugin: &str,
    requirement: &str,
) -> ApiResult<(VersionRecord, PluginInfo)> {
    let req = semver::VersionReq::parse(requirement)
        .map_err(|e| ApiError::invalid_version(format!("`{requirement}` is not a semver requirement: {e}")))?;
    let version = plugins::resolve(&state.store.pool, ns, plugin, &req).await?.ok_or_else(|| {
        ApiError::no_match(format!("no approved, available version of {ns}/{plugin} matches `{requirement}`"))
    })?;
    let info: PluginInfo = serde_json::from_value(version.describe.clone()).map_err(|e| {
        ApiError::internal(format!("the stored describe() of {} is unreadable: {e}", version.subject()))
    })?;
    Ok((version, info))
}

/// Checks each grant names a live dataset of the tenant and columns it has.
async fn check_grants(state: &AppState, tenant: &str, grants: &[Grant]) -> ApiResult<()> {
    let mut seen = std::collections::HashSet::new();
    for g in grants {
        if !seen.insert(&g.dataset) {
            return Err(ApiError::invalid_grant(format!("dataset {} is granted twice", g.dataset)));
        }
        let latest = datasets::get(&state.store.pool, tenant, &g.dataset, None)
            .await
            .map_err(|_| ApiError::invalid_grant(format!("the tenant has no dataset `{}`", g.dataset)))?;
        if let Some(missing) = g.columns.iter().find(|c| !latest.columns.iter().any(|have| &have.name == *c)) {
            return Err(ApiError::invalid_grant(format!("dataset `{}` has no column `{missing}`", g.dataset)));
        }
    }
    Ok(())
}

/// Fills in and checks a configuration against the resolved version.
async fn configure(
    state: &AppState,
    tenant: &str,
    info: &PluginInfo,
    grants: Option<Vec<Grant>>,
    params: &serde_json::Map<String, serde_json::Value>,
    limits: &LimitSpec,
) -> ApiResult<(Vec<Grant>, serde_json::Map<String, serde_json::Value>)> {
    let grants = grants.unwrap_or_else(|| {
        info.datasets.iter().map(|d| Grant { dataset: d.name.clone(), columns: d.columns.clone() }).collect()
    });
    check_grants(state, tenant, &grants).await?;
    let params = params_from_json(info, params).map_err(ApiError::invalid_params)?;
    limits_within(limits, &state.limits.run_cap)?;
    Ok((grants, params_to_json(&params)))
}

/// Enable a plugin for the tenant.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/enablements", tag = "enablements", params(("tenant" = String, Path)),
    request_body = NewEnablement,
    responses((status = 201, body = EnablementRecord), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
    Json(req): Json<NewEnablement>,
) -> ApiResult<(StatusCode, axum::Json<EnablementRecord>)> {
    who.require_tenant(&tenant, "runs")?;
    let requirement = req.requirement.unwrap_or_else(|| "*".into());
    let (version, info) = resolve(&state, &req.namespace, &req.plugin, &requirement).await?;
    let limits = req.limits.unwrap_or_default();
    let (grants, params) =
        configure(&state, &tenant, &info, req.grants, &req.params.unwrap_or_default(), &limits).await?;
    let now = now_ms();
    let record = EnablementRecord {
        id: new_id(),
        tenant: tenant.clone(),
        namespace: req.namespace,
        plugin: req.plugin,
        requirement,
        version: version.version,
        grants,
        params,
        limits,
        status: EnablementStatus::Active,
        status_reason: None,
        created_by: who.name.clone(),
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.store.write().await?;
    enablements::insert(&mut tx, &record).await?;
    tx.record(&who.name, "enablement.create", &format!("{tenant}/enablement:{}", record.id), json!(record)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(record)))
}

/// The tenant's enablements.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/enablements", tag = "enablements", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<EnablementRecord>), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
) -> ApiResult<axum::Json<Vec<EnablementRecord>>> {
    who.require_tenant(&tenant, "runs")?;
    Ok(axum::Json(enablements::list(&state.store.pool, &tenant).await?))
}

/// One enablement.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/enablements/{id}", tag = "enablements",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = EnablementRecord), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<EnablementRecord>> {
    who.require_tenant(&tenant, "runs")?;
    Ok(axum::Json(enablements::get(&state.store.pool, &tenant, &id).await?))
}

/// Reconfigure an enablement. It re-resolves its requirement, so this is also how a suspended
/// or disabled enablement becomes active again.
#[utoipa::path(patch, path = "/v1/tenants/{tenant}/enablements/{id}", tag = "enablements",
    params(("tenant" = String, Path), ("id" = String, Path)), request_body = EnablementUpdate,
    responses((status = 200, body = EnablementRecord), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
    Json(req): Json<EnablementUpdate>,
) -> ApiResult<axum::Json<EnablementRecord>> {
    who.require_tenant(&tenant, "runs")?;
    let mut record = enablements::get(&state.store.pool, &tenant, &id).await?;
    let requirement = req.requirement.unwrap_or(record.requirement.clone());
    let (version, info) = resolve(&state, &record.namespace, &record.plugin, &requirement).await?;
    let limits = req.limits.unwrap_or(record.limits);
    let grants = Some(req.grants.unwrap_or(record.grants.clone()));
    let (grants, params) =
        configure(&state, &tenant, &info, grants, &req.params.unwrap_or(record.params.clone()), &limits).await?;
    record.requirement = requirement;
    record.version = version.version;
    record.grants = grants;
    record.params = params;
    record.limits = limits;
    record.status = EnablementStatus::Active;
    record.status_reason = None;
    record.updated_at = now_ms();
    let mut tx = state.store.write().await?;
    enablements::update(&mut tx, &record).await?;
    tx.record(&who.name, "enablement.update", &format!("{tenant}/enablement:{id}"), json!(record)).await?;
    tx.commit().await?;
    Ok(axum::Json(record))
}

/// Turn an enablement off. It stays listed with its runs; a PATCH turns it on again.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/enablements/{id}", tag = "enablements",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = EnablementRecord), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn disable(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<EnablementRecord>> {
    who.require_tenant(&tenant, "runs")?;
    let mut record = enablements::get(&state.store.pool, &tenant, &id).await?;
    record.status = EnablementStatus::Disabled;
    record.status_reason = Some(format!("disabled by {}", who.name));
    record.updated_at = now_ms();
    let mut tx = state.store.write().await?;
    enablements::update(&mut tx, &record).await?;
    tx.record(&who.name, "enablement.disable", &format!("{tenant}/enablement:{id}"), json!({})).await?;
    tx.commit().await?;
    Ok(axum::Json(record))
}
