//! Makers' signing keys.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::manifest::public_key;
use crate::state::AppState;
use crate::store::keys::{self, SigningKey};
use crate::store::{new_id, now_ms};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(add, list)).routes(routes!(revoke))
}

/// A public key to register.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AddKey {
    /// The ed25519 public key: 32 bytes, hex.
    pub public_key: String,
    /// A label.
    #[serde(default)]
    pub name: String,
}

/// Register a public key for the caller's signatures.
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = AddKey,
    responses((status = 201, body = SigningKey), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn add(
    State(state): State<AppState>,
    who: Principal,
    Json(req): Json<AddKey>,
) -> ApiResult<(StatusCode, axum::Json<SigningKey>)> {
    who.require(&[Role::Maker], "keys")?;
    public_key(&req.public_key).map_err(|e| ApiError::invalid_request(e.to_string()))?;
    let key = SigningKey {
        id: new_id(),
        principal: who.name.clone(),
        principal_id: who.id.clone(),
        public_key: req.public_key.to_lowercase(),
        name: req.name,
        created_at: now_ms(),
        revoked_at: None,
    };
    let mut tx = state.store.write().await?;
    keys::insert(&mut tx, &key).await?;
    tx.record(&who.name, "key.add", &format!("key:{}", key.id), json!({"public_key": key.public_key})).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(key)))
}

/// The caller's keys.
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = Vec<SigningKey>)), security(("token" = [])))]
pub async fn list(State(state): State<AppState>, who: Principal) -> ApiResult<axum::Json<Vec<SigningKey>>> {
    who.require(&[Role::Maker], "keys")?;
    Ok(axum::Json(keys::list(&state.store.pool, &who.id).await?))
}

/// Revoke a key: one's own, or any for operators. Versions it signed stay valid.
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), security(("token" = [])))]
pub async fn revoke(State(state): State<AppState>, who: Principal, Path(id): Path<String>) -> ApiResult<StatusCode> {
    who.require(&[Role::Maker, Role::Operator], "keys")?;
    let key = keys::get(&state.store.pool, &id).await?;
    if !who.is_operator() && key.principal_id != who.id {
        return Err(ApiError::not_found(format!("key {id} not found")));
    }
    let mut tx = state.store.write().await?;
    if !keys::revoke(&mut tx, &id, now_ms()).await? {
        return Err(ApiError::conflict(format!("key {id} is already revoked")));
    }
    tx.record(&who.name, "key.revoke", &format!("key:{id}"), json!({"principal": key.principal})).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
