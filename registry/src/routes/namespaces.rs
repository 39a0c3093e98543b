//! Namespaces makers publish under, their members, and everything published in them.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Page, Paged, Path, Query};
use crate::manifest::valid_name;
use crate::state::AppState;
use crate::store::WriteTx;
use crate::store::namespaces::{self, Namespace, NamespaceSummary};
use crate::store::plugins::{self, PluginVersions};
use crate::store::principals::{self, PrincipalRecord};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(create, list))
        .routes(routes!(show))
        .routes(routes!(add_member))
        .routes(routes!(plugins))
}

/// A namespace to create.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreateNamespace {
    /// Its name.
    pub name: String,
    /// Its first member: required when an operator creates it, must be omitted by makers
    /// (who become the owner themselves).
    pub owner: Option<String>,
}

/// A member to add.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AddMember {
    /// The principal.
    pub principal: String,
}

/// The principal named `name` as a namespace member: a maker (reserved as one, without tokens
/// yet, if the name is free) or an operator (who sees every namespace anyway). A tenant's admin
/// is refused: membership lets a principal see pending versions, and a tenant admin sharing a
/// maker's name must not get in by it.
async fn member(tx: &mut WriteTx, name: &str) -> ApiResult<PrincipalRecord> {
    match principals::by_name(&mut tx.tx, name).await? {
        Some(p) if p.role == Role::EnterpriseAdmin => Err(ApiError::invalid_request(format!(
            "`{name}` is an enterprise admin of tenant {}; only makers and operators are namespace members",
            p.tenant.as_deref().unwrap_or("?")
        ))),
        Some(p) => Ok(p),
        None if !valid_name(name) => Err(ApiError::invalid_name(format!("`{name}` is not a valid principal name"))),
        None => principals::resolve_or_create(tx, name, Role::Maker, None)
            .await?
            .map_err(|m| ApiError::conflict(format!("{m}; principal names are unique"))),
    }
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
    if !valid_name(&req.name) {
        return Err(ApiError::invalid_name(format!("`{}` is not a valid name", req.name)));
    }
    let mut tx = state.store.write().await?;
    let owner_id = if who.is_operator() { member(&mut tx, &owner).await?.id } else { who.id.clone() };
    namespaces::create(&mut tx, &req.name, &owner, &owner_id).await?;
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
    if !who.is_operator() && !namespaces::is_member(&state.store.pool, &ns, &who.id).await? {
        return Err(ApiError::forbidden(format!("you are not a member of namespace `{ns}`")));
    }
    let mut tx = state.store.write().await?;
    let member = member(&mut tx, &req.principal).await?;
    namespaces::add_member(&mut tx, &ns, &member.id).await?;
    tx.record(&who.name, "namespace.add-member", &format!("namespace:{ns}"), json!({"member": req.principal})).await?;
    tx.commit().await?;
    Ok(axum::Json(namespaces::get(&state.store.pool, &ns).await?))
}

/// List the namespaces the caller is a member of; operators see every namespace.
#[utoipa::path(get, path = "/v1/namespaces", tag = "namespaces", params(Page),
    responses((status = 200, body = Paged<NamespaceSummary>), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem, description = "`forbidden`: enterprise admins belong to no namespace"),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(page): Query<Page>,
) -> ApiResult<axum::Json<Paged<NamespaceSummary>>> {
    who.require(&[Role::Operator, Role::Maker], "read")?;
    let (limit, offset) = page.limit_offset()?;
    let member = if who.is_operator() { None } else { Some(who.id.as_str()) };
    let (items, total) = namespaces::list(&state.store.pool, member, limit, offset).await?;
    Ok(axum::Json(Paged::new(items, page, Some(total))))
}

/// Every plugin of a namespace with all its versions, whatever their review state (pending,
/// approved, rejected, yanked, taken down), for its members and operators. Anyone else is told
/// the namespace does not exist, as for one that does not.
#[utoipa::path(get, path = "/v1/namespaces/{ns}/plugins", tag = "namespaces", params(("ns" = String, Path), Page),
    responses((status = 200, body = Paged<PluginVersions>), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn plugins(
    State(state): State<AppState>,
    who: Principal,
    Path(ns): Path<String>,
    Query(page): Query<Page>,
) -> ApiResult<axum::Json<Paged<PluginVersions>>> {
    who.require(&[Role::Operator, Role::Maker, Role::EnterpriseAdmin], "read")?;
    let (limit, offset) = page.limit_offset()?;
    if who.is_operator() {
        namespaces::get(&state.store.pool, &ns).await?;
    } else if !namespaces::is_member(&state.store.pool, &ns, &who.id).await? {
        return Err(ApiError::not_found(format!("namespace {ns} not found")));
    }
    let (items, total) = plugins::in_namespace(&state.store.pool, &ns, limit, offset).await?;
    Ok(axum::Json(Paged::new(items, page, Some(total))))
}
