//! The audit log, for operators: filtered and paged reads, and verifying the hash chain on the
//! server.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::state::AppState;
use crate::store::audit::{self, AuditEntry, Filter, Head, Verdict};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(list)).routes(routes!(verify))
}

/// Filters and keyset paging for the audit log. Every filter narrows; pages continue with
/// `after` = the last `seq` seen (oldest first) or `before` = the last `seq` seen with
/// `order=desc` (newest first).
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only entries with a larger `seq` (default 0).
    pub after: Option<i64>,
    /// Only entries with a smaller `seq`.
    pub before: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
    /// `asc` (default: oldest first) or `desc` (newest first).
    pub order: Option<String>,
    /// The action, such as `version.approve`; `version.*` for every action starting `version.`.
    pub action: Option<String>,
    /// The actor (principal name, or `system`), exactly.
    pub actor: Option<String>,
    /// The subject, such as `acme/oee@0.1.0`; `acme/*` for every subject starting `acme/`.
    pub subject: Option<String>,
    /// Only entries at or after this time, unix ms.
    pub since: Option<i64>,
    /// Only entries before this time, unix ms.
    pub until: Option<i64>,
}

/// The filter a query asks for; an unknown order is refused, never guessed.
pub fn filter(q: AuditQuery) -> ApiResult<(Filter, i64)> {
    let newest_first = match q.order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::invalid_request(format!("order must be `asc` or `desc`, not `{other}`")));
        }
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let f = Filter {
        after: q.after,
        before: q.before,
        action: q.action,
        actor: q.actor,
        subject: q.subject,
        since: q.since,
        until: q.until,
        newest_first,
    };
    Ok((f, limit))
}

/// Audit entries matching the filters, oldest first (or newest first with `order=desc`).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<AuditQuery>,
) -> ApiResult<axum::Json<Vec<AuditEntry>>> {
    who.require(&[Role::Operator], "audit")?;
    let (f, limit) = filter(q)?;
    Ok(axum::Json(audit::list(&state.store.pool, &f, limit).await?))
}

/// The first entry that is not what was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BrokenEntry {
    /// Its sequence number (or the number expected there).
    pub seq: i64,
    /// `altered`, `removed` or `reordered`.
    pub problem: String,
    /// A sentence for people.
    pub reason: String,
}

/// What verifying the chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verification {
    /// Every entry up to the head is intact and chained, none missing.
    pub ok: bool,
    /// Entries found intact, from the first, before any break.
    pub entries_checked: i64,
    /// The head the chain was checked up to.
    pub head: Head,
    /// The first broken entry; null when `ok`.
    pub first_broken: Option<BrokenEntry>,
}

impl From<audit::Check> for Verification {
    fn from(c: audit::Check) -> Self {
        let first_broken = match c.verdict {
            Verdict::Intact { .. } => None,
            Verdict::Broken { seq, problem, detail } => Some(BrokenEntry { seq, problem, reason: detail }),
        };
        Verification { ok: first_broken.is_none(), entries_checked: c.checked, head: c.head, first_broken }
    }
}

/// Recompute the audit hash chain on the server, as `kiln audit verify` does on the database,
/// and name the first altered, removed or reordered entry (operators). Reads only: a broken
/// chain is a 200 answer with `ok: false`.
#[utoipa::path(post, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, body = Verification), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn verify(State(state): State<AppState>, who: Principal) -> ApiResult<axum::Json<Verification>> {
    who.require(&[Role::Operator], "audit")?;
    Ok(axum::Json(crate::audit::check(&state.store.pool).await?.into()))
}
