//! Schedules: a tenant's admin makes an enablement run on a cron expression in a time zone
//! ("on the 2nd of each month at 08:00", `0 8 2 * *` in Asia/Shanghai), pauses and resumes it,
//! sees its next fire times and what each firing did. Firing is [`crate::schedules::fire`].

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Page, Paged, Path, Query};
use crate::schedules::{DEFAULT_ZONE, Timetable, TimetableError};
use crate::state::AppState;
use crate::store::enablements::{self, EnablementStatus};
use crate::store::schedules::{self, CatchUp, ScheduleRow, TickRecord};
use crate::store::{StoreError, new_id, now_ms};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(show, delete))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(ticks))
}

/// The most live schedules a tenant may have: each is work for every server's scheduler.
pub const MAX_SCHEDULES_PER_TENANT: i64 = 100;

/// How many upcoming fire times a schedule's answer shows.
pub const UPCOMING: usize = 5;

/// A schedule to create.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    /// The enablement to run (one of the tenant's, active).
    pub enablement: String,
    /// Five fields: minute, hour, day of month, month, day of week — `0 8 2 * *` is 08:00 on
    /// the 2nd of every month. Names (`MON`, `JAN`), ranges, lists, steps, `L`, `W` and `#`
    /// are understood; seconds and years are not.
    pub cron: String,
    /// The IANA time zone the expression is read in (default `Asia/Shanghai`).
    pub zone: Option<String>,
    /// What to do with ticks missed while no server ran (default `skip`).
    pub catch_up: Option<CatchUp>,
    /// Create it paused (default false).
    pub paused: Option<bool>,
}

/// One upcoming tick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FireTime {
    /// Unix ms.
    pub at: i64,
    /// RFC 3339 in the schedule's zone, such as `2025-02-02T08:00:00+08:00`.
    pub local: String,
}

/// A schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Schedule {
    /// Its id.
    pub id: String,
    /// The tenant.
    pub tenant: String,
    /// The enablement it runs.
    pub enablement: String,
    /// The cron expression.
    pub cron: String,
    /// What the expression means, in English.
    pub description: String,
    /// The IANA time zone it is read in.
    pub zone: String,
    /// What it does with missed ticks.
    pub catch_up: CatchUp,
    /// Paused schedules do not fire; resuming goes on from the next tick after the resume.
    pub paused: bool,
    /// The next tick to fire, unix ms; null while paused.
    pub next_fire_at: Option<i64>,
    /// The next ticks to fire, from `next_fire_at` on (empty while paused).
    pub next_fires: Vec<FireTime>,
    /// The last tick a firing covered, unix ms.
    pub last_tick_at: Option<i64>,
    /// Who created it. Its runs' `created_by` is `schedule:<id>`.
    pub created_by: String,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last changed (paused, resumed, fired), unix ms.
    pub updated_at: i64,
}

impl Schedule {
    /// The answer for a stored schedule, with its next fire times.
    pub fn of(row: ScheduleRow) -> ApiResult<Self> {
        let table = Timetable::parse(&row.cron, &row.zone)
            .map_err(|e| ApiError::from(StoreError::Corrupt(format!("schedule {}: {e}", row.id))))?;
        let next_fires = row
            .next_fire_at
            .map(|next| table.upcoming(next, UPCOMING))
            .unwrap_or_default()
            .into_iter()
            .map(|at| FireTime { at, local: table.local(at) })
            .collect();
        Ok(Schedule {
            id: row.id,
            tenant: row.tenant,
            enablement: row.enablement,
            cron: row.cron,
            description: table.describe(),
            zone: row.zone,
            catch_up: row.catch_up,
            paused: row.paused,
            next_fire_at: row.next_fire_at,
            next_fires,
            last_tick_at: row.last_tick_at,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The problem for an expression or zone that cannot be used.
fn refused(e: TimetableError) -> ApiError {
    match e {
        TimetableError::Cron { .. } => ApiError::invalid_cron(e.to_string()),
        TimetableError::Zone(_) => ApiError::unknown_zone(e.to_string()),
    }
}

/// Schedule an enablement's runs. Its first tick is the first after now.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/schedules", tag = "schedules", params(("tenant" = String, Path)),
    request_body = NewSchedule,
    responses((status = 201, body = Schedule), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
              (status = 429, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
    Json(req): Json<NewSchedule>,
) -> ApiResult<(StatusCode, axum::Json<Schedule>)> {
    who.require_tenant(&tenant, "runs")?;
    let cron = req.cron.trim().to_string();
    let table = Timetable::parse(&cron, req.zone.as_deref().unwrap_or(DEFAULT_ZONE)).map_err(refused)?;
    let now = now_ms();
    let paused = req.paused.unwrap_or(false);
    let mut tx = state.store.write().await?;
    // Another tenant's enablement is "not found", exactly like one that does not exist.
    let enablement = enablements::get(&mut *tx.tx, &tenant, &req.enablement).await?;
    if enablement.status != EnablementStatus::Active {
        let why = enablement.status_reason.unwrap_or_default();
        return Err(ApiError::not_runnable(format!("enablement {} is {:?}: {why}", enablement.id, enablement.status)));
    }
    let live = schedules::count(&mut tx.tx, &tenant).await?;
    if live >= MAX_SCHEDULES_PER_TENANT {
        return Err(ApiError::quota_exceeded(format!(
            "tenant {tenant} has {live} schedules; at most {MAX_SCHEDULES_PER_TENANT} are allowed"
        )));
    }
    let row = ScheduleRow {
        id: new_id(),
        tenant: tenant.clone(),
        enablement: enablement.id,
        cron,
        zone: table.zone_name().to_string(),
        catch_up: req.catch_up.unwrap_or_default(),
        paused,
        next_fire_at: if paused { None } else { table.next_after(now) },
        last_tick_at: None,
        created_by: who.name.clone(),
        created_at: now,
        updated_at: now,
    };
    schedules::insert(&mut tx, &row).await?;
    let view = Schedule::of(row)?;
    tx.record(&who.name, "schedule.create", &format!("{tenant}/schedule:{}", view.id), json!(view)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// The tenant's schedules, oldest first, each with its next fire times.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/schedules", tag = "schedules", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<Schedule>), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Path(tenant): Path<String>,
) -> ApiResult<axum::Json<Vec<Schedule>>> {
    who.require_tenant(&tenant, "runs")?;
    let rows = schedules::list(&state.store.pool, &tenant).await?;
    Ok(axum::Json(rows.into_iter().map(Schedule::of).collect::<ApiResult<_>>()?))
}

/// One schedule, with its next fire times.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/schedules/{id}", tag = "schedules",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Schedule), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Schedule>> {
    who.require_tenant(&tenant, "runs")?;
    let mut conn = state.store.pool.acquire().await.map_err(StoreError::from)?;
    Ok(axum::Json(Schedule::of(schedules::get(&mut conn, &tenant, &id).await?)?))
}

/// Pause a schedule: it fires no more until resumed. Pausing a paused one changes nothing.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/schedules/{id}/pause", tag = "schedules",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Schedule), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn pause(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Schedule>> {
    who.require_tenant(&tenant, "runs")?;
    set_paused(&state, &who, &tenant, &id, true).await
}

/// Resume a paused schedule from the first tick after now: ticks that passed while it was
/// paused are not run. Resuming a running one changes nothing.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/schedules/{id}/resume", tag = "schedules",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Schedule), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn resume(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Schedule>> {
    who.require_tenant(&tenant, "runs")?;
    set_paused(&state, &who, &tenant, &id, false).await
}

/// Pauses or resumes, audited; a schedule already so is answered as it is.
async fn set_paused(
    state: &AppState,
    who: &Principal,
    tenant: &str,
    id: &str,
    paused: bool,
) -> ApiResult<axum::Json<Schedule>> {
    let mut tx = state.store.write().await?;
    let mut row = schedules::get(&mut tx.tx, tenant, id).await?;
    if row.paused == paused {
        // Nothing changes, so nothing is written (dropping `tx` rolls it back).
        return Ok(axum::Json(Schedule::of(row)?));
    }
    let now = now_ms();
    let table = Timetable::parse(&row.cron, &row.zone)
        .map_err(|e| ApiError::from(StoreError::Corrupt(format!("schedule {id}: {e}"))))?;
    let next = if paused { None } else { table.next_after(now) };
    schedules::set_paused(&mut tx, tenant, id, paused, next, now).await?;
    let action = if paused { "schedule.pause" } else { "schedule.resume" };
    tx.record(&who.name, action, &format!("{tenant}/schedule:{id}"), json!({"next_fire_at": next})).await?;
    tx.commit().await?;
    (row.paused, row.next_fire_at, row.updated_at) = (paused, next, now);
    Ok(axum::Json(Schedule::of(row)?))
}

/// Delete a schedule: it never fires again. Runs it queued stay, and so does the record of
/// its firings.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/schedules/{id}", tag = "schedules",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    who.require_tenant(&tenant, "runs")?;
    let mut tx = state.store.write().await?;
    schedules::get(&mut tx.tx, &tenant, &id).await?;
    schedules::delete(&mut tx, &tenant, &id, now_ms()).await?;
    tx.record(&who.name, "schedule.delete", &format!("{tenant}/schedule:{id}"), json!({})).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What each firing of a schedule did, newest first: the run it queued, or why the run was
/// refused, or which missed ticks were skipped.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/schedules/{id}/ticks", tag = "schedules",
    params(("tenant" = String, Path), ("id" = String, Path), Page),
    responses((status = 200, body = Paged<TickRecord>), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn ticks(
    State(state): State<AppState>,
    who: Principal,
    Path((tenant, id)): Path<(String, String)>,
    Query(page): Query<Page>,
) -> ApiResult<axum::Json<Paged<TickRecord>>> {
    who.require_tenant(&tenant, "runs")?;
    let (limit, offset) = page.limit_offset()?;
    {
        let mut conn = state.store.pool.acquire().await.map_err(StoreError::from)?;
        schedules::get(&mut conn, &tenant, &id).await?;
    }
    let (items, total) = schedules::ticks(&state.store.pool, &tenant, &id, limit, offset).await?;
    Ok(axum::Json(Paged::new(items, page, Some(total))))
}
