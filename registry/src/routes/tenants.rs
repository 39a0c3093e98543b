//! Tenants: operators create them (one by one or imported in bulk from an `enterprises`
//! table) and set their quotas; an enterprise admin reads its own and chooses whether it is
//! counted in regional statistics.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Page, Paged, Path, Query};
use crate::manifest::valid_name;
use crate::places::{self, NewPlace};
use crate::quota::utc_day_start;
use crate::state::AppState;
use crate::store::places as store_places;
use crate::store::tenants::{self, Quotas, TenantRecord};
use crate::store::{datasets, now_ms, runs};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(create, list))
        .routes(routes!(import))
        .routes(routes!(show, update))
        .routes(routes!(usage))
}

/// The longest name, district, park or industry of a tenant, in characters: a place's.
pub const TEXT_MAX_LEN: usize = places::NAME_MAX_LEN;

/// The size classes of the national statistics standard.
pub const SIZE_CLASSES: &[&str] = &["large", "medium", "small", "micro"];

/// A tenant to create.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// Its id: lowercase letters, digits and dashes, such as `e00017`.
    pub id: String,
    /// The enterprise's name.
    pub name: String,
    /// District id.
    pub district: String,
    /// Industrial park id, or `none`.
    pub park: String,
    /// GB/T 4754-2017 industry division, such as `C39`.
    pub industry: String,
    /// `large`, `medium`, `small` or `micro`.
    pub size_class: String,
    /// Whether it is counted in regional statistics (default true).
    #[serde(default = "yes")]
    pub opted_in: bool,
    /// Quotas (default: the service's).
    pub quotas: Option<Quotas>,
}

fn yes() -> bool {
    true
}

fn check(t: &NewTenant) -> ApiResult<()> {
    if !valid_name(&t.id) {
        return Err(ApiError::invalid_name(format!("`{}` is not a valid tenant id", t.id)));
    }
    for (field, value) in [("name", &t.name), ("district", &t.district), ("park", &t.park), ("industry", &t.industry)] {
        // Characters, not bytes, as the OpenAPI document's `maxLength` counts them.
        if value.trim().is_empty() || value.chars().count() > TEXT_MAX_LEN {
            return Err(ApiError::invalid_request(format!(
                "tenant {}: `{field}` must be 1 to {TEXT_MAX_LEN} characters, not all spaces",
                t.id
            )));
        }
    }
    if !SIZE_CLASSES.contains(&t.size_class.as_str()) {
        return Err(ApiError::invalid_request(format!(
            "tenant {}: size_class `{}` is not one of {}",
            t.id,
            t.size_class,
            SIZE_CLASSES.join(", ")
        )));
    }
    if let Some(q) = t.quotas
        && (q.max_active_runs < 0 || q.cpu_ms_per_day < 0 || q.storage_bytes < 0)
    {
        return Err(ApiError::invalid_request(format!("tenant {}: quotas cannot be negative", t.id)));
    }
    Ok(())
}

fn record(t: NewTenant, at: i64) -> TenantRecord {
    TenantRecord {
        id: t.id,
        name: t.name,
        district: t.district,
        park: t.park,
        industry: t.industry,
        size_class: t.size_class,
        opted_in: t.opted_in,
        quotas: t.quotas.unwrap_or_default(),
        created_at: at,
    }
}

/// Create a tenant (operators).
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", request_body = NewTenant,
    responses((status = 201, body = TenantRecord), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(req): Json<NewTenant>,
) -> ApiResult<(StatusCode, axum::Json<TenantRecord>)> {
    who.require(&[Role::Operator], "tenants")?;
    check(&req)?;
    let tenant = record(req, now_ms());
    let mut tx = state.store.write().await?;
    tenants::insert(&mut tx, &tenant).await?;
    tx.record(&who.name, "tenant.create", &format!("tenant:{}", tenant.id), json!(tenant)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(tenant)))
}

/// Tenants to create in bulk, and the names of their places.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportRequest {
    /// At most 10,000 tenants.
    pub tenants: Vec<NewTenant>,
    /// Names of districts, parks and industries (at most 10,000), such as an `enterprises`
    /// table's `district`/`district_en` beside its `district_id`. Known ids get the new names.
    #[serde(default)]
    pub places: Vec<NewPlace>,
}

/// What an import did.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Tenants created.
    pub created: u64,
    /// Tenants that already existed, left as they were.
    pub existing: u64,
    /// Places whose names were stored.
    #[serde(default)]
    pub places: u64,
}

/// Create tenants in bulk, all or none; ids that exist are left alone, so an import can be
/// repeated. The places' names are stored (replacing earlier ones) in the same transaction
/// (operators).
#[utoipa::path(post, path = "/v1/tenants/import", tag = "tenants", request_body = ImportRequest,
    responses((status = 200, body = ImportReport), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn import(
    State(state): State<AppState>,
    who: Principal,
    Json(req): Json<ImportRequest>,
) -> ApiResult<axum::Json<ImportReport>> {
    who.require(&[Role::Operator], "tenants")?;
    if req.tenants.len() > 10_000 || req.places.len() > 10_000 {
        return Err(ApiError::too_large("import at most 10,000 tenants and 10,000 places per request"));
    }
    let places = places::check(req.places).map_err(ApiError::invalid_request)?;
    let mut seen = std::collections::HashSet::new();
    for t in &req.tenants {
        check(t)?;
        if !seen.insert(t.id.as_str()) {
            return Err(ApiError::invalid_request(format!("tenant {} appears twice", t.id)));
        }
    }
    let now = now_ms();
    let mut report = ImportReport { created: 0, existing: 0, places: places.len() as u64 };
    let mut tx = state.store.write().await?;
    store_places::upsert(&mut tx, &places, now).await?;
    for t in req.tenants {
        if tenants::exists(&mut tx.tx, &t.id).await? {
            report.existing += 1;
        } else {
            tenants::insert(&mut tx, &record(t, now)).await?;
            report.created += 1;
        }
    }
    tx.record(
        &who.name,
        "tenant.import",
        "tenants",
        json!({"created": report.created, "existing": report.existing, "places": report.places}),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(report))
}

/// `?district=`, `?q=` and paging for the tenant list.
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only tenants in this district.
    pub district: Option<String>,
    /// Only tenants whose id or name contains this text (ASCII letters in any case).
    pub q: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: Option<u32>,
}

/// List tenants: all for operators; an enterprise admin sees only its own.
#[utoipa::path(get, path = "/v1/tenants", tag = "tenants", params(ListQuery),
    responses((status = 200, body = Paged<TenantRecord>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<Paged<TenantRecord>>> {
    who.require(&[Role::Operator, Role::EnterpriseAdmin], "tenants")?;
    let page = Page { page: q.page, per_page: q.per_page };
    if !who.is_operator() {
        let own = match &who.tenant {
            Some(t) => vec![tenants::get(&state.store.pool, t).await?],
            None => vec![],
        };
        let total = own.len() as i64;
        return Ok(axum::Json(Paged::new(own, page, Some(total))));
    }
    let (limit, offset) = page.limit_offset()?;
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let (items, total) = tenants::list(&state.store.pool, q.district.as_deref(), search, limit, offset).await?;
    Ok(axum::Json(Paged::new(items, page, Some(total))))
}

/// One tenant (operators, or its own admin).
#[utoipa::path(get, path = "/v1/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path)),
    responses((status = 200, body = TenantRecord), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
) -> ApiResult<axum::Json<TenantRecord>> {
    who.require_operator_or_tenant(&tenant, "tenants")?;
    Ok(axum::Json(tenants::get(&state.store.pool, &tenant).await?))
}

/// Changes to a tenant; absent fields stay as they are.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantUpdate {
    /// The enterprise's name (operators).
    pub name: Option<String>,
    /// District id (operators).
    pub district: Option<String>,
    /// Park id (operators).
    pub park: Option<String>,
    /// Industry division (operators).
    pub industry: Option<String>,
    /// Size class (operators).
    pub size_class: Option<String>,
    /// Counted in regional statistics (operators, or the tenant's own admin).
    pub opted_in: Option<bool>,
    /// Quotas (operators).
    pub quotas: Option<Quotas>,
}

/// Update a tenant. Operators change anything; the tenant's admin only its opt-in.
#[utoipa::path(patch, path = "/v1/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path)), request_body = TenantUpdate,
    responses((status = 200, body = TenantRecord), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
    Json(req): Json<TenantUpdate>,
) -> ApiResult<axum::Json<TenantRecord>> {
    who.require_operator_or_tenant(&tenant, "tenants")?;
    let admin_only_opt_in = req.name.is_none()
        && req.district.is_none()
        && req.park.is_none()
        && req.industry.is_none()
        && req.size_class.is_none()
        && req.quotas.is_none();
    if !who.is_operator() && !admin_only_opt_in {
        return Err(ApiError::forbidden("an enterprise admin may change only its tenant's opt-in"));
    }
    let current = tenants::get(&state.store.pool, &tenant).await?;
    let next = NewTenant {
        id: current.id.clone(),
        name: req.name.unwrap_or(current.name),
        district: req.district.unwrap_or(current.district),
        park: req.park.unwrap_or(current.park),
        industry: req.industry.unwrap_or(current.industry),
        size_class: req.size_class.unwrap_or(current.size_class),
        opted_in: req.opted_in.unwrap_or(current.opted_in),
        quotas: Some(req.quotas.unwrap_or(current.quotas)),
    };
    check(&next)?;
    let updated = record(next, current.created_at);
    let mut tx = state.store.write().await?;
    tenants::update(&mut tx, &updated).await?;
    tx.record(&who.name, "tenant.update", &format!("tenant:{tenant}"), json!(updated)).await?;
    tx.commit().await?;
    Ok(axum::Json(updated))
}

/// A tenant's quotas and what it uses of them.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Usage {
    /// The quotas.
    pub quotas: Quotas,
    /// Runs queued or running now.
    pub active_runs: i64,
    /// Plugin CPU milliseconds used since UTC midnight, plus what unfinished runs hold reserved.
    pub cpu_ms_today: i64,
    /// Bytes of live dataset versions stored.
    pub storage_bytes: i64,
}

/// A tenant's quotas and usage (operators, or its own admin).
#[utoipa::path(get, path = "/v1/tenants/{tenant}/usage", tag = "tenants", params(("tenant" = String, Path)),
    responses((status = 200, body = Usage), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn usage(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
) -> ApiResult<axum::Json<Usage>> {
    who.require_operator_or_tenant(&tenant, "tenants")?;
    let record = tenants::get(&state.store.pool, &tenant).await?;
    let pool = &state.store.pool;
    let mut conn = pool.acquire().await.map_err(crate::store::StoreError::from)?;
    Ok(axum::Json(Usage {
        quotas: record.quotas,
        active_runs: runs::active(&mut conn, &tenant).await?,
        cpu_ms_today: runs::cpu_ms_since(&mut conn, &tenant, utc_day_start(now_ms())).await?,
        storage_bytes: datasets::storage_used(&mut conn, &tenant).await?,
    }))
}
