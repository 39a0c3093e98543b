//! The audit log, for operators.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::ApiResult;
use crate::extract::Query;
use crate::state::AppState;
use crate::store::audit::{self, AuditEntry};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(list))
}

/// `?after=&limit=`: entries after a sequence number (keyset pagination).
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only entries with a larger `seq` (default 0).
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// Audit entries, oldest first.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = crate::error::Problem)), security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<AuditQuery>,
) -> ApiResult<axum::Json<Vec<AuditEntry>>> {
    who.require(&[Role::Operator], "audit")?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(axum::Json(audit::list(&state.store.pool, q.after.unwrap_or(0), limit).await?))
}
