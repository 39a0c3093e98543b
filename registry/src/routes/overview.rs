//! The operators' overview ([`crate::overview`]).

use axum::extract::State;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::ApiResult;
use crate::overview::{self, Overview};
use crate::state::AppState;
use crate::store::now_ms;

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(show))
}

/// Pending reviews, today's runs (the Asia/Shanghai day) and failures, the queue, tenants and
/// storage, now (operators).
#[utoipa::path(get, path = "/v1/overview", tag = "overview",
    responses((status = 200, body = Overview), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn show(State(state): State<AppState>, who: Principal) -> ApiResult<axum::Json<Overview>> {
    who.require(&[Role::Operator], "monitoring")?;
    Ok(axum::Json(overview::overview(&state.store.pool, now_ms()).await?))
}
