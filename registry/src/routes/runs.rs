//! Runs: submit one under an enablement — synchronously for small work (capped time), or
//! queued for `kiln worker` — then read its record, fetch its output as JSON or CSV, cancel
//! it, or replay it on its pinned inputs. Submission and replays check the tenant's quotas.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Page, Paged, Path, Query};
use crate::results::table_csv;
use crate::state::AppState;
use crate::store::runs::{self, RunRecord, RunState};
use crate::store::{StoreError, now_ms};
use crate::submission::{self, Requester};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(submit))
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(result))
        .routes(routes!(cancel))
        .routes(routes!(replay))
}

/// How to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Queue it for a worker (the default).
    #[default]
    Queued,
    /// Run it now and answer with the finished record; the timeout is capped for this.
    Sync,
}

/// A run request.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// `queued` (default) or `sync`.
    #[serde(default)]
    pub mode: Mode,
}

/// Submit a run of an enablement with its grants, parameters and limits, reading the newest
/// version of each granted dataset. Queued runs answer 202 at once; sync runs 200 when done.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/enablements/{id}/runs", tag = "runs",
    params(("tenant" = String, Path), ("id" = String, Path)), request_body = NewRun,
    responses((status = 200, body = RunRecord), (status = 202, body = RunRecord), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 410, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
              (status = 429, body = crate::error::Problem), (status = 503, body = crate::error::Problem, description = "`busy`: every instance that could run it is in use; retry after `Retry-After` seconds",
              headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))),
    security(("token" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, axum::Json<RunRecord>)> {
    who.require_tenant(&tenant, "runs")?;
    let sync = mode(&body)? == Mode::Sync;
    let prepared = {
        let mut conn = state.store.pool.acquire().await.map_err(StoreError::from)?;
        submission::prepare(&mut conn, &state.limits, &tenant, &id, sync).await?
    };
    launch(&state, &who, prepared).await
}

/// Replay a run that succeeded: run the same component on the same dataset versions with the
/// same parameters, limits, seed and clock start, as a run of its own (quotas apply) linked to
/// the original by `replay_of`. When it finishes its `verdict` says `identical` (the same output
/// sha256) or where the outputs first differ; a replay also re-checks every input against its
/// hash in the blob store. 410 `purged` names the data an operator purged since.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/runs/{id}/replay", tag = "runs",
    params(("tenant" = String, Path), ("id" = String, Path)), request_body = NewRun,
    responses((status = 200, body = RunRecord), (status = 202, body = RunRecord), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 410, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem), (status = 503, body = crate::error::Problem, description = "`busy`: every instance that could run it is in use; retry after `Retry-After` seconds",
              headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))),
    security(("token" = [])))]
pub async fn replay(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, axum::Json<RunRecord>)> {
    who.require_tenant(&tenant, "runs")?;
    let sync = mode(&body)? == Mode::Sync;
    let prepared = {
        let mut conn = state.store.pool.acquire().await.map_err(StoreError::from)?;
        submission::prepare_replay(&mut conn, &state.limits, &tenant, &id, sync).await?
    };
    launch(&state, &who, prepared).await
}

/// The mode a run request asks for; an empty body means a queued run.
fn mode(body: &[u8]) -> ApiResult<Mode> {
    if body.is_empty() {
        return Ok(Mode::default());
    }
    let request =
        serde_json::from_slice::<NewRun>(body).map_err(|e| ApiError::invalid_request(format!("run request: {e}")))?;
    Ok(request.mode)
}

/// Admits a prepared run and, for a synchronous one, executes it here and records how it ended.
async fn launch(
    state: &AppState,
    who: &Principal,
    prepared: submission::Prepared,
) -> ApiResult<(StatusCode, axum::Json<RunRecord>)> {
    let (tenant, sync) = (prepared.tenant.clone(), prepared.sync);
    // A synchronous run needs one of this process's instance slots now, within the tenant's
    // share of them; without one it is refused as `busy` before anything is recorded.
    // It is counted at its plugin's weight: the slots one instance of it takes. (A plugin that
    // does not load is counted as one; the run then records why it failed.)
    let slot = match sync {
        true => {
            let slots = state.runner.plugin(&prepared.sha256, false).await.map_or(1, |p| p.slots());
            let share = state.shares.sync_runs.enter(&tenant, slots as usize)?;
            let slot = state.host.try_run_slot(slots).map_err(|e| ApiError::busy(e.to_string()))?;
            Some((share, slot))
        }
        false => None,
    };
    let mut tx = state.store.write().await?;
    let by = Requester { name: &who.name, details: json!({}) };
    let mut run = submission::admit(&mut tx, prepared, &by, now_ms()).await?;
    tx.commit().await?;

    let Some((share, slot)) = slot else {
        return Ok((StatusCode::ACCEPTED, axum::Json(run)));
    };
    let finish = state.runner.execute_in(&run, Some(slot)).await;
    drop(share);
    let by = run.lease_owner.clone().unwrap_or_else(|| who.name.clone());
    crate::runner::record_finish(&state.store, &run, &finish, &by, now_ms()).await?;
    run = runs::get(&state.store.pool, &tenant, &run.id).await?;
    Ok((StatusCode::OK, axum::Json(run)))
}

/// `?state=`, `?replay_of=` and paging for the run list.
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only runs in this state.
    pub state: Option<RunState>,
    /// Only the replays of this run.
    pub replay_of: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: Option<u32>,
}

/// The tenant's runs, newest first.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/runs", tag = "runs", params(("tenant" = String, Path), ListQuery),
    responses((status = 200, body = Paged<RunRecord>), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<Paged<RunRecord>>> {
    who.require_tenant(&tenant, "runs")?;
    let page = Page { page: q.page, per_page: q.per_page };
    let (limit, offset) = page.limit_offset()?;
    let filter = runs::RunFilter { state: q.state, replay_of: q.replay_of.as_deref() };
    let (items, total) = runs::list(&state.store.pool, &tenant, &filter, limit, offset).await?;
    Ok(axum::Json(Paged::new(items, page, Some(total))))
}

/// One run: what ran with what, its state, usage and log.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/runs/{id}", tag = "runs", params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = RunRecord), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<RunRecord>> {
    who.require_tenant(&tenant, "runs")?;
    Ok(axum::Json(runs::get(&state.store.pool, &tenant, &id).await?))
}

/// `?format=json|csv&table=` for results.
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct ResultQuery {
    /// `json` (default: the whole output) or `csv` (one table).
    pub format: Option<String>,
    /// For CSV, the table (default: the first).
    pub table: Option<String>,
}

/// A run's output document, as `GET .../result` answers it. The service writes it straight
/// from the host's output ([`crate::results::OutputDocument`]); clients read it as this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunOutput {
    /// The tables, in the order the plugin returned them.
    pub tables: Vec<OutputTable>,
    /// The metrics.
    pub metrics: Vec<OutputMetric>,
}

/// One table of an output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutputTable {
    /// Its name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<OutputColumn>,
    /// Its rows, each one cell per column: a number, string or boolean, or null where the row
    /// has no value (or a float is not finite).
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// A column of an output table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutputColumn {
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_: OutputType,
}

/// The type of an output column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutputType {
    /// 64-bit floats.
    F64,
    /// 64-bit signed integers.
    S64,
    /// UTF-8 text.
    String,
    /// Booleans.
    Bool,
    /// Timestamps, integers as the plugin gave them.
    Timestamp,
}

/// A named number of an output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutputMetric {
    /// Its name.
    pub name: String,
    /// Its value; null when not finite.
    pub value: Option<f64>,
    /// Its unit.
    pub unit: String,
}

/// A succeeded run's output: the whole document as JSON, or one table as CSV.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/runs/{id}/result", tag = "runs",
    params(("tenant" = String, Path), ("id" = String, Path), ResultQuery),
    responses((status = 200, description = "The output document (`format=json`) or one table (`format=csv`)",
                 content((RunOutput = "application/json"), (String = "text/csv"))),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn result(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Query<ResultQuery>,
) -> ApiResult<Response> {
    who.require_tenant(&tenant, "runs")?;
    let run = runs::get(&state.store.pool, &tenant, &id).await?;
    let Some(sha) = run.output_sha256.as_deref().filter(|_| run.state == RunState::Succeeded) else {
        let why = run.error.clone().map(|e| format!(": {e}")).unwrap_or_default();
        return Err(ApiError::not_finished(format!("run {id} is {}{why}", run.state.as_str())));
    };
    let bytes =
        state.blobs.get(sha, state.runner.caps().output).await.map_err(|e| ApiError::integrity(e.to_string()))?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response()),
        "csv" => {
            let csv = table_csv(&bytes, q.table.as_deref())
                .map_err(|e| ApiError::internal(format!("the stored output is malformed: {e}")))?
                .ok_or_else(|| {
                    ApiError::not_found(format!("run {id} has no table `{}`", q.table.as_deref().unwrap_or("(first)")))
                })?;
            Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
        }
        other => Err(ApiError::invalid_request(format!("format `{other}`: use json or csv"))),
    }
}

/// Cancel a run: a queued one at once, a running one as soon as its worker next renews its
/// lease. Finished runs cannot be cancelled.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/runs/{id}/cancel", tag = "runs", params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 202, body = RunRecord), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, axum::Json<RunRecord>)> {
    who.require_tenant(&tenant, "runs")?;
    let before = runs::get(&state.store.pool, &tenant, &id).await?;
    if before.state.is_final() {
        return Err(ApiError::conflict(format!("run {id} already finished ({})", before.state.as_str())));
    }
    let mut tx = state.store.write().await?;
    let after = runs::cancel(&mut tx, &tenant, &id, now_ms()).await?;
    tx.record(&who.name, "run.cancel", &format!("{tenant}/run:{id}"), json!({"state": after.map(RunState::as_str)}))
        .await?;
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, axum::Json(runs::get(&state.store.pool, &tenant, &id).await?)))
}
