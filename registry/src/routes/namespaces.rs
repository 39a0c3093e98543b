//! Namespaces makers publish under, and their members.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::manifest::valid_name;
use crate::state::AppState;
use crate::store::namespaces::{self, Namespace};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/namespaces", post(create))
        .route("/v1/namespaces/{ns}", get(show))
        .route("/v1/namespaces/{ns}/members", post(add_member))
}

/// A namespace to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateNamespace {
    /// Its name.
    pub name: String,
    /// Its first member: required when an operator creates it, must be omitted by makers
    /// (who become the owner themselves).
    pub owner: Option<String>,
}

/// A member to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AddMember {
    /// The principal.
    pub principal: String,
}

/// Create a namespace.
#[utoipa::path(post, path = "/v1/namespaces", tag = "namespaces", request_body = CreateNamespace,
    responses((status = 201, body = Namespace), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(req): Json<CreateNamespace>,
) -> ApiResult<(StatusCode, axum::Json<Namespace>)> {
    who.require(&[Role::Operator, Role::Maker], "namespaces")?;
    let owner = match (who.role, req.owner) {
        (Role::Operator, Some(owner)) => owner,
        (Role::Operator, None) => return Err(ApiError::invalid_request("an operator must name the namespace's owner")),
        (_, Some(owner)) if owner != who.name => {
            return Err(ApiError::forbidden("makers create namespaces for themselves"));
        }
        _ => who.name.clone(),
    };
    for name in [&req.name, &owner] {
        if !valid_name(name) {
            return Err(ApiError::invalid_name(format!("`{name}` is not a valid name")));
        }
    }
    let mut tx = state.store.write().await?;
    namespaces::create(&mut tx, &req.name, &owner).await?;
    tx.record(&who.name, "namespace.create", &format!("namespace:{}", req.name), json!({"owner": owner})).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(namespaces::get(&state.store.pool, &req.name).await?)))
}

/// Show a namespace and its members.
#[utoipa::path(get, path = "/v1/namespaces/{ns}", tag = "namespaces", params(("ns" = String, Path)),
    responses((status = 200, body = Namespace), (status = 404, body = crate::error::Problem)), security(("token" = [])))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    Path(ns): Path<String>,
) -> ApiResult<axum::Json<Namespace>> {
    who.require(&[Role::Operator, Role::Maker, Role::EnterpriseAdmin], "read")?;
    Ok(axum::Json(namespaces::get(&state.store.pool, &ns).await?))
}

/// Add a member: by a member of the namespace or an operator.
#[utoipa::path(post, path = "/v1/namespaces/{ns}/members", tag = "namespaces", params(("ns" = String, Path)), request_body = AddMember,
    responses((status = 200, body = Namespace), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    who: Principal,
    Path(ns): Path<String>,
    Json(req): Json<AddMember>,
) -> ApiResult<axum::Json<Namespace>> {
    who.require(&[Role::Operator, Role::Maker], "namespaces")?;
    namespaces::get(&state.store.pool, &ns).await?;
    if !who.is_operator() && !namespaces::is_member(&state.store.pool, &ns, &who.name).await? {
        return Err(ApiError::forbidden(format!("you are not a member of namespace `{ns}`")));
    }
    if !valid_name(&req.principal) {
        return Err(ApiError::invalid_name(format!("`{}` is not a valid principal name", req.principal)));
    }
    let mut tx = state.store.write().await?;
    namespaces::add_member(&mut tx, &ns, &req.principal).await?;
    tx.record(&who.name, "namespace.add-member", &format!("namespace:{ns}"), json!({"member": req.principal})).await?;
    tx.commit().await?;
    Ok(axum::Json(namespaces::get(&state.store.pool, &ns).await?))
}
