//! The names of districts, parks and industries the registry has learned, for operators.

use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Page, Paged, Query};
use crate::places::{Place, PlaceKind};
use crate::state::AppState;
use crate::store::places;

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(list))
}

/// `?kind=` and paging for the place list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PlaceQuery {
    /// Only places of this kind: `district`, `park` or `industry`.
    pub kind: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: Option<u32>,
}

/// Named places: districts, then parks, then industries, each by id (operators).
#[utoipa::path(get, path = "/v1/places", tag = "places", params(PlaceQuery),
    responses((status = 200, body = Paged<Place>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PlaceQuery>,
) -> ApiResult<axum::Json<Paged<Place>>> {
    who.require(&[Role::Operator], "monitoring")?;
    let kind = q.kind.as_deref().map(str::parse::<PlaceKind>).transpose().map_err(ApiError::invalid_request)?;
    let page = Page { page: q.page, per_page: q.per_page };
    let (limit, offset) = page.limit_offset()?;
    let (items, total) = places::list(&state.store.pool, kind, limit, offset).await?;
    Ok(axum::Json(Paged::new(items, page, Some(total))))
}
