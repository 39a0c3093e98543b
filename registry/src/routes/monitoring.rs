//! Operators' regional statistics: rollups of the standard indicators by district → park →
//! industry → enterprise for a month, over opted-in tenants, with cells backed by fewer than
//! k enterprises suppressed (also where subtraction from a parent would reveal them). Every
//! answer is cut from the same fully suppressed hierarchy, so no two answers can be
//! differenced into a hidden cell.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::monitoring::rollup::{Cell, Level};
use crate::monitoring::{self, K};
use crate::state::AppState;

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(months)).routes(routes!(rollup_route))
}

/// A month with reports.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    /// Opted-in enterprises reporting it.
    pub enterprises: i64,
}

/// Months with reports, newest first (operators).
#[utoipa::path(get, path = "/v1/monitoring/months", tag = "monitoring",
    responses((status = 200, body = Vec<Month>), (status = 403, body = crate::error::Problem)), security(("token" = [])))]
pub async fn months(State(state): State<AppState>, who: Principal) -> ApiResult<axum::Json<Vec<Month>>> {
    who.require(&[Role::Operator], "monitoring")?;
    let months = monitoring::months(&state.store.pool).await?;
    Ok(axum::Json(months.into_iter().map(|(month, enterprises)| Month { month, enterprises }).collect()))
}

/// Which cells to return.
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct RollupQuery {
    /// `YYYY-MM` (default: the newest month reported).
    pub month: Option<String>,
    /// `region`, `district` (default), `park`, `industry` or `enterprise`.
    pub level: Option<String>,
    /// Only cells in this district.
    pub district: Option<String>,
    /// Only cells in this park.
    pub park: Option<String>,
    /// Only cells in this industry.
    pub industry: Option<String>,
}

/// A rollup answer.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rollup {
    /// The month.
    pub month: String,
    /// The suppression threshold.
    pub k: u64,
    /// The level returned.
    pub level: Level,
    /// Cells at that level, within the filters.
    pub cells: Vec<Cell>,
}

/// Rollup cells of one level for a month (operators).
#[utoipa::path(get, path = "/v1/monitoring/rollup", tag = "monitoring", params(RollupQuery),
    responses((status = 200, body = Rollup), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn rollup_route(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<RollupQuery>,
) -> ApiResult<axum::Json<Rollup>> {
    who.require(&[Role::Operator], "monitoring")?;
    let level: Level = q.level.as_deref().unwrap_or("district").parse().map_err(ApiError::invalid_request)?;
    let month = match q.month {
        Some(m) => {
            monitoring::year_before(&m)
                .ok_or_else(|| ApiError::invalid_request(format!("month `{m}` is not YYYY-MM")))?;
            m
        }
        None => monitoring::latest_month(&state.store.pool)
            .await?
            .ok_or_else(|| ApiError::not_found("no tenant has reported a month yet"))?,
    };
    let all = state.rollups.get(&state.store.pool, &month).await?;
    let matches = |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
    let cells = all
        .iter()
        .filter(|c| c.level == level)
        .filter(|c| matches(&q.district, &c.district) && matches(&q.park, &c.park) && matches(&q.industry, &c.industry))
        .cloned()
        .collect();
    Ok(axum::Json(Rollup { month, k: K, level, cells }))
}
