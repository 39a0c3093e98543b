//! API tokens: created (shown once), listed, revoked.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role, SCOPES, new_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Page, Paged, Path, Query};
use crate::manifest::valid_name;
use crate::state::AppState;
use crate::store::tokens::{self, TokenRecord};
use crate::store::{Store, StoreError, new_id, now_ms, principals, tenants};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(create, list)).routes(routes!(revoke))
}

/// A token to create.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreateToken {
    /// The principal it acts as. Only operators create tokens for others.
    pub principal: String,
    /// Its role.
    pub role: Role,
    /// The tenant, required for (and only for) enterprise admins.
    pub tenant: Option<String>,
    /// Scopes to limit it to; omitted or empty for all its role allows.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Days until it expires (default 90; 0 for never).
    pub expires_in_days: Option<u32>,
}

/// A created token: the secret, shown this once, and its record.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The secret to send as `Authorization: Bearer ...`. Only its hash is stored.
    pub token: String,
    /// The stored record.
    pub record: TokenRecord,
}

/// Issues a token, expiring no later than `cap` if given, and audits it. Shared with `kiln
/// admin bootstrap`. The token belongs to the principal named `req.principal`: the existing one
/// if the name is held by exactly that role and tenant, a new one if the name is free; a name
/// held by another identity is a `conflict`, so one name never means two principals.
pub async fn issue(store: &Store, actor: &str, req: CreateToken, cap: Option<i64>) -> ApiResult<CreatedToken> {
    if let Some(bad) = req.scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(ApiError::invalid_request(format!("unknown scope `{bad}`; scopes are {}", SCOPES.join(", "))));
    }
    match (&req.role, &req.tenant) {
        (Role::EnterpriseAdmin, None) => {
            return Err(ApiError::invalid_request("an enterprise-admin token needs a tenant"));
        }
        (Role::EnterpriseAdmin, Some(t)) if !valid_name(t) => {
            return Err(ApiError::invalid_name(format!("`{t}` is not a valid tenant name")));
        }
        (Role::Operator | Role::Maker, Some(_)) => {
            return Err(ApiError::invalid_request("only enterprise admins have a tenant"));
        }
        _ => {}
    }
    let now = now_ms();
    let days = req.expires_in_days.unwrap_or(90);
    let mut tx = store.write().await?;
    // Names of principals migrated from before principals were identities may fall outside
    // today's rule; they still get tokens for themselves, but no new principal takes one.
    let principal = match principals::by_name(&mut tx.tx, &req.principal).await? {
        None if !valid_name(&req.principal) => {
            return Err(ApiError::invalid_name(format!("`{}` is not a valid principal name", req.principal)));
        }
        _ => principals::resolve_or_create(&mut tx, &req.principal, req.role, req.tenant.as_deref())
            .await?
            .map_err(|m| ApiError::conflict(format!("{m}; principal names are unique")))?,
    };
    let record = TokenRecord {
        id: new_id(),
        principal: principal.name,
        principal_id: principal.id,
        role: principal.role,
        tenant: principal.tenant,
        scopes: req.scopes,
        created_at: now,
        expires_at: match ((days > 0).then(|| now + i64::from(days) * 86_400_000), cap) {
            (Some(at), Some(cap)) => Some(at.min(cap)),
            (at, cap) => at.or(cap),
        },
        revoked_at: None,
    };
    let token = new_token();
    tokens::insert(&mut tx, &record, &token_hash(&token)).await?;
    let details = json!({"principal": record.principal, "principal_id": record.principal_id, "role": record.role,
                         "tenant": record.tenant, "scopes": record.scopes, "expires_at": record.expires_at});
    tx.record(actor, "token.create", &format!("token:{}", record.id), details).await?;
    tx.commit().await?;
    Ok(CreatedToken { token, record })
}

/// Create a token. Operators create any; others only more tokens for themselves.
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`conflict`: the name belongs to another identity"),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(req): Json<CreateToken>,
) -> ApiResult<(StatusCode, axum::Json<CreatedToken>)> {
    who.require(&[Role::Operator, Role::Maker, Role::EnterpriseAdmin], "tokens")?;
    if !who.is_operator() && (req.principal != who.name || req.role != who.role || req.tenant != who.tenant) {
        return Err(ApiError::forbidden("only operators create tokens for other principals or roles"));
    }
    // A scoped token grants no more than it holds: no scopes would mean all the role allows.
    if !who.scopes.is_empty() && (req.scopes.is_empty() || req.scopes.iter().any(|s| !who.scopes.contains(s))) {
        return Err(ApiError::forbidden("a scoped token only creates tokens with a subset of its scopes"));
    }
    // Nor does it outlive the token that made it: an explicit later expiry is refused, the
    // default is cut to the creator's.
    let cap = if who.is_operator() { None } else { who.expires_at };
    if let (Some(limit), Some(days)) = (cap, req.expires_in_days)
        && (days == 0 || now_ms() + i64::from(days) * 86_400_000 > limit)
    {
        return Err(ApiError::forbidden("a new token cannot expire later than the token creating it"));
    }
    if let Some(tenant) = &req.tenant
        && !tenants::exists(&mut *state.store.pool.acquire().await.map_err(StoreError::from)?, tenant).await?
    {
        return Err(ApiError::not_found(format!("tenant {tenant} not found; create it first")));
    }
    let created = issue(&state.store, &who.name, req, cap).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// List tokens: all for operators, one's own (the same principal id) for others.
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", params(Page),
    responses((status = 200, body = Paged<TokenRecord>), (status = 401, body = crate::error::Problem)), security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(page): Query<Page>,
) -> ApiResult<axum::Json<Paged<TokenRecord>>> {
    who.require(&[Role::Operator, Role::Maker, Role::EnterpriseAdmin], "tokens")?;
    let (limit, offset) = page.limit_offset()?;
    let principal = (!who.is_operator()).then_some(who.id.as_str());
    let items = tokens::list(&state.store.pool, principal, limit, offset).await?;
    Ok(axum::Json(Paged::new(items, page, None)))
}

/// Revoke a token: any for operators, one's own (the same principal id) for others.
///
/// A token may always revoke itself, whatever its scopes: giving up one's own access grants
/// nothing, and `kiln logout` must work with any token `kiln login` accepted.
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path, description = "token id")),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("token" = [])))]
pub async fn revoke(State(state): State<AppState>, who: Principal, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if id != who.token_id {
        who.require(&[Role::Operator, Role::Maker, Role::EnterpriseAdmin], "tokens")?;
    }
    let record = tokens::get(&state.store.pool, &id).await?;
    if !who.is_operator() && record.principal_id != who.id {
        // Someone else's token: say nothing about whether it exists.
        return Err(ApiError::not_found(format!("token {id} not found")));
    }
    let mut tx = state.store.write().await?;
    if !tokens::revoke(&mut tx, &id, now_ms()).await? {
        return Err(ApiError::conflict(format!("token {id} is already revoked")));
    }
    tx.record(
        &who.name,
        "token.revoke",
        &format!("token:{id}"),
        json!({"principal": record.principal, "principal_id": record.principal_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
