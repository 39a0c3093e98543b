//! A tenant's datasets: upload CSV or Parquet (streamed to disk under a size cap, checked and
//! stored as Parquet), list, read a version's schema, preview rows, delete.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::AsyncWriteExt as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::datasets::ingest::{self, Column, Format, MONTHLY_INDICATORS};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::quota;
use crate::state::AppState;
use crate::store::datasets::{self, DatasetVersion, MONTHLY_REPORT, Purge};
use crate::store::{StoreError, now_ms, tenants};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list))
        .routes(routes!(versions, upload, delete))
        .routes(routes!(show))
        .routes(routes!(preview))
        .routes(routes!(purge))
}

/// The longest dataset name, in bytes (all ASCII).
pub const DATASET_NAME_MAX_LEN: usize = 64;

/// [`valid_dataset_name`] as a regular expression, for the OpenAPI document.
pub const DATASET_NAME_PATTERN: &str = "^[a-z][a-z0-9_]*$";

/// Whether `name` may name a dataset: a lowercase letter, then lowercase letters, digits and
/// underscores, at most [`DATASET_NAME_MAX_LEN`] bytes (plugins name datasets like
/// `monthly_indicators`).
pub fn valid_dataset_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= DATASET_NAME_MAX_LEN
}

fn io_error(what: &str) -> impl FnOnce(std::io::Error) -> ApiError + '_ {
    move |e| {
        tracing::error!(error = %e, "{what}");
        ApiError::internal(format!("{what} failed"))
    }
}

/// Upload a new version of a dataset: the body is the CSV (`Content-Type: text/csv`) or
/// Parquet (`application/vnd.apache.parquet`) file. `monthly_indicators` must have the
/// standard schema; its rows for this tenant become the tenant's monthly report.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/datasets/{name}", tag = "datasets",
    params(("tenant" = String, Path), ("name" = String, Path)),
    request_body(description = "The file: CSV text or Parquet bytes", content((String = "text/csv"), (String = "application/vnd.apache.parquet"))),
    responses((status = 201, body = DatasetVersion), (status = 404, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
              (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, axum::Json<DatasetVersion>)> {
    who.require_tenant(&tenant, "data")?;
    if !valid_dataset_name(&name) {
        return Err(ApiError::invalid_name(format!(
            "`{name}` is not a valid dataset name (lowercase letters, digits and `_`, starting with a letter)"
        )));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = Format::from_content_type(content_type).ok_or_else(|| {
        ApiError::unsupported_format(format!(
            "Content-Type `{content_type}`: send text/csv or application/vnd.apache.parquet"
        ))
    })?;
    let record = tenants::get(&state.store.pool, &tenant).await?;
    let quota = record.quotas.storage_bytes;
    let used = {
        let mut conn = state.store.pool.acquire().await.map_err(StoreError::from)?;
        datasets::storage_used(&mut conn, &tenant).await?
    };
    if used >= quota {
        return Err(ApiError::quota_exceeded(format!("tenant {tenant} stores {used} of its {quota} bytes")));
    }

    // Stream the body to disk, never holding it whole, and stop at the cap.
    let work = tempfile::tempdir_in(&state.work_dir).map_err(io_error("making a work directory"))?;
    let raw = work.path().join("upload");
    let mut file = tokio::fs::File::create(&raw).await.map_err(io_error("writing the upload"))?;
    let cap = state.limits.max_dataset_bytes;
    let mut received = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid_request(format!("reading the upload: {e}")))?;
        received += chunk.len() as u64;
        if received > cap {
            return Err(ApiError::too_large(format!("datasets are limited to {cap} bytes per upload")));
        }
        file.write_all(&chunk).await.map_err(io_error("writing the upload"))?;
    }
    file.flush().await.map_err(io_error("writing the upload"))?;
    drop(file);

    let parquet = work.path().join("data.parquet");
    let (raw_path, parquet_path, dataset, tenant_id) = (raw.clone(), parquet.clone(), name.clone(), tenant.clone());
    let limits = state.limits.ingest.clone();
    let (ingested, report) = tokio::task::spawn_blocking(move || {
        let ingested = ingest::ingest(&raw_path, format, &parquet_path, &limits)?;
        let report = if dataset == MONTHLY_REPORT {
            ingest::check_standard(&ingested.columns, MONTHLY_INDICATORS, &dataset)?;
            let rows = ingest::monthly_rows(&parquet_path)?;
            // A tenant's report is the rows about itself; others in the file are not its to report.
            Some(rows.into_iter().filter(|r| r.enterprise_id.eq_ignore_ascii_case(&tenant_id)).collect::<Vec<_>>())
        } else {
            None
        };
        Ok::<_, ingest::IngestError>((ingested, report))
    })
    .await
    .map_err(|e| ApiError::internal(format!("ingest task failed: {e}")))?
    .map_err(|e| match e {
        ingest::IngestError::Io(e) => io_error("ingesting")(e),
        ingest::IngestError::TooLarge(m) => ApiError::too_large(m),
        other => ApiError::invalid_data(other.to_string()),
    })?;
    if used + ingested.bytes as i64 > quota {
        return Err(ApiError::quota_exceeded(format!(
            "tenant {tenant} stores {used} of its {quota} bytes; this version needs {} more",
            ingested.bytes
        )));
    }

    // Bytes first, row second, as for components: a crash leaves an unreferenced blob only.
    // Streamed from the file (as a multipart upload when large), never held whole.
    let sha256 = crate::blobs::sha256_file(&parquet).await.map_err(io_error("reading the ingested dataset"))?;
    state.blobs.put_file(&sha256, &parquet).await.map_err(|e| {
        tracing::error!(error = %e, "blob write failed");
        ApiError::internal("storing the dataset failed")
    })?;
    let mut version = DatasetVersion {
        tenant: tenant.clone(),
        name: name.clone(),
        version: 0,
        sha256,
        bytes: ingested.bytes as i64,
        rows: ingested.rows as i64,
        columns: ingested.columns,
        format,
        created_by: who.name.clone(),
        created_at: now_ms(),
    };
    let mut tx = state.store.write().await?;
    // The checks above refuse early; this one, inside the write that stores the version,
    // holds: concurrent uploads are checked one after another against what the others stored.
    quota::storage(&mut tx, &tenant, version.bytes).await?;
    version.version = datasets::insert(&mut tx, &version).await?;
    if let Some(rows) = &report {
        datasets::replace_monthly_report(&mut tx, &tenant, version.version, rows).await?;
    }
    let details = json!({"version": version.version, "sha256": version.sha256, "rows": version.rows,
                         "monthly_report_rows": report.as_ref().map(Vec::len)});
    tx.record(&who.name, "dataset.upload", &format!("{tenant}/{name}"), details).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(version)))
}

/// The newest version of each of the tenant's datasets.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/datasets", tag = "datasets", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<DatasetVersion>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
) -> ApiResult<axum::Json<Vec<DatasetVersion>>> {
    who.require_tenant(&tenant, "data")?;
    Ok(axum::Json(datasets::list(&state.store.pool, &tenant).await?))
}

/// Every live version of one dataset, newest first.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/datasets/{name}", tag = "datasets",
    params(("tenant" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Vec<DatasetVersion>), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn versions(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Vec<DatasetVersion>>> {
    who.require_tenant(&tenant, "data")?;
    let versions = datasets::versions(&state.store.pool, &tenant, &name).await?;
    if versions.is_empty() {
        return Err(ApiError::not_found(format!("dataset {name} not found")));
    }
    Ok(axum::Json(versions))
}

/// One version, with its schema.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/datasets/{name}/versions/{version}", tag = "datasets",
    params(("tenant" = String, Path), ("name" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = DatasetVersion), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, name, version)): Path<(String, String, i64)>,
) -> ApiResult<axum::Json<DatasetVersion>> {
    who.require_tenant(&tenant, "data")?;
    Ok(axum::Json(datasets::get(&state.store.pool, &tenant, &name, Some(version)).await?))
}

/// `?version=&limit=` for previews.
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct PreviewQuery {
    /// The version (default: the newest).
    pub version: Option<i64>,
    /// Rows to show (default 20, at most 1000).
    pub limit: Option<usize>,
}

/// The first rows of a dataset version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preview {
    /// The version shown.
    pub version: i64,
    /// Its schema.
    pub columns: Vec<Column>,
    /// The first rows, each an object of column name to value (null where missing).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// The first rows of a dataset version, as JSON objects.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/datasets/{name}/preview", tag = "datasets",
    params(("tenant" = String, Path), ("name" = String, Path), PreviewQuery),
    responses((status = 200, body = Preview), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn preview(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, name)): Path<(String, String)>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<axum::Json<Preview>> {
    who.require_tenant(&tenant, "data")?;
    let version = datasets::get(&state.store.pool, &tenant, &name, q.version).await?;
    let path = state.runner.dataset_file(&version.sha256).await.map_err(|(_, e)| ApiError::integrity(e))?;
    let limit = q.limit.unwrap_or(20).min(1000);
    let rows = tokio::task::spawn_blocking(move || ingest::preview(&path, limit))
        .await
        .map_err(|e| ApiError::internal(format!("preview task failed: {e}")))?
        .map_err(|e| ApiError::integrity(e.to_string()))?;
    Ok(axum::Json(Preview { version: version.version, columns: version.columns, rows }))
}

/// Delete a dataset (every version), refused while an unfinished run reads it.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/datasets/{name}", tag = "datasets",
    params(("tenant" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    who.require_tenant(&tenant, "data")?;
    let mut tx = state.store.write().await?;
    let using = datasets::runs_using(&mut tx, &tenant, &name).await?;
    if !using.is_empty() {
        return Err(ApiError::in_use(format!("dataset {name} is read by unfinished runs: {}", using.join(", "))));
    }
    if datasets::delete(&mut tx, &tenant, &name, now_ms()).await? == 0 {
        return Err(ApiError::not_found(format!("dataset {name} not found")));
    }
    tx.record(&who.name, "dataset.delete", &format!("{tenant}/{name}"), json!({})).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What to purge.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurgeRequest {
    /// Why, for the audit log and for whoever tries to replay a run that read it.
    pub reason: String,
    /// Only this version (default: every version).
    pub version: Option<i64>,
}

/// What a purge did.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PurgeReport {
    /// The versions purged.
    pub purged: Vec<Purge>,
    /// The blobs removed from the store (a blob another dataset or plugin still holds stays).
    pub blobs_removed: Vec<String>,
}

/// Purge a tenant's dataset, for operators: unlike a delete, its blobs are removed from the
/// store for good. The versions' rows stay, marked, so a replay of a run that read one says
/// what was purged, when, by whom and why. Refused while an unfinished run reads it.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/datasets/{name}/purge", tag = "datasets",
    params(("tenant" = String, Path), ("name" = String, Path)), request_body = PurgeRequest,
    responses((status = 200, body = PurgeReport), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn purge(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, name)): Path<(String, String)>,
    Json(req): Json<PurgeRequest>,
) -> ApiResult<axum::Json<PurgeReport>> {
    who.require(&[Role::Operator], "tenants")?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.len() > 500 {
        return Err(ApiError::invalid_request("a purge needs a reason of 1 to 500 bytes"));
    }
    let mut tx = state.store.write().await?;
    let using = datasets::runs_using(&mut tx, &tenant, &name).await?;
    if !using.is_empty() {
        return Err(ApiError::in_use(format!("dataset {name} is read by unfinished runs: {}", using.join(", "))));
    }
    let purged = datasets::mark_purged(&mut tx, &tenant, &name, req.version, &who.name, reason, now_ms()).await?;
    if purged.is_empty() {
        let which = req.version.map_or_else(String::new, |v| format!(" version {v}"));
        return Err(ApiError::not_found(format!("dataset {name}{which} has nothing left to purge")));
    }
    let versions: Vec<i64> = purged.iter().map(|p| p.version).collect();
    tx.record(&who.name, "dataset.purge", &format!("{tenant}/{name}"), json!({"versions": versions, "reason": reason}))
        .await?;
    tx.commit().await?;
    // After the commit: a blob is removed only once no row that still needs it can appear.
    let mut blobs_removed = Vec::new();
    for p in &purged {
        state.runner.forget_dataset(&p.sha256);
        if !blobs_removed.contains(&p.sha256) && datasets::blob_unreferenced(&state.store.pool, &p.sha256).await? {
            state.blobs.delete(&p.sha256).await.map_err(|e| ApiError::internal(format!("removing a blob: {e}")))?;
            blobs_removed.push(p.sha256.clone());
        }
    }
    Ok(axum::Json(PurgeReport { purged, blobs_removed }))
}
