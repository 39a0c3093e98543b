//! Publishing and reading the catalog: publish, list, get, download, resolve, yank.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role};
use crate::changes::Changes;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Page, Paged, Path, Query};
use crate::manifest::{Manifest, valid_name, verify};
use crate::state::AppState;
use crate::store::plugins::{self, PluginRecord, Search, Status, VersionRecord};
use crate::store::{keys, namespaces, now_ms};

/// Routes ([`super`] tells how to add one).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(search))
        .routes(routes!(publish, list_versions))
        .routes(routes!(show))
        .routes(routes!(changes))
        .routes(routes!(download))
        .routes(routes!(source))
        .routes(routes!(yank))
        .routes(routes!(unyank))
        .routes(routes!(resolve))
}

/// A signed publish.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishRequest {
    /// What the maker declares.
    pub manifest: Manifest,
    /// ed25519 signature over `kiln_registry::manifest::signing_payload`, hex.
    pub signature: String,
    /// The registered key that made it.
    pub key_id: String,
    /// The component bytes, base64 (standard alphabet).
    pub component: String,
}

const ALL: &[Role] = &[Role::Operator, Role::Maker, Role::EnterpriseAdmin];

/// Whether `who` may see `v`: operators and namespace members see everything, others only
/// approved versions.
async fn visible(state: &AppState, who: &Principal, v: &VersionRecord) -> ApiResult<bool> {
    Ok(who.is_operator()
        || v.status == Status::Approved
        || namespaces::is_member(&state.store.pool, &v.namespace, &who.id).await?)
}

/// The version at the path, if `who` may see it.
async fn find(state: &AppState, who: &Principal, ns: &str, name: &str, version: &str) -> ApiResult<VersionRecord> {
    let v = plugins::get_version(&state.store.pool, ns, name, version).await?;
    if !visible(state, who, &v).await? {
        return Err(ApiError::not_found(format!("version {ns}/{name}@{version} not found")));
    }
    Ok(v)
}

/// Publish a signed version. It waits in `pending` until an operator approves it.
#[utoipa::path(post, path = "/v1/plugins/{ns}/{name}/versions", tag = "plugins", request_body = PublishRequest,
    params(("ns" = String, Path), ("name" = String, Path)),
    responses((status = 201, body = VersionRecord), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 410, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
              (status = 503, body = crate::error::Problem, description = "`busy`: every instance that could run it is in use; retry after `Retry-After` seconds",
              headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))),
    security(("token" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name)): Path<(String, String)>,
    Json(req): Json<PublishRequest>,
) -> ApiResult<(StatusCode, axum::Json<VersionRecord>)> {
    who.require(&[Role::Maker], "publish")?;
    for n in [&ns, &name] {
        if !valid_name(n) {
            return Err(ApiError::invalid_name(format!("`{n}` is not a valid name")));
        }
    }
    if !namespaces::is_member(&state.store.pool, &ns, &who.id).await? {
        return Err(ApiError::forbidden(format!("you are not a member of namespace `{ns}`")));
    }
    let m = &req.manifest;
    if m.namespace != ns || m.name != name {
        return Err(ApiError::manifest_mismatch(format!(
            "the manifest is for {}/{}, not {ns}/{name}",
            m.namespace, m.name
        )));
    }
    if let Some(c) = m.categories.iter().find(|c| !valid_name(c)) {
        return Err(ApiError::invalid_name(format!("`{c}` is not a valid category")));
    }
    semver::Version::parse(&m.version)
        .map_err(|e| ApiError::invalid_version(format!("`{}` is not semver: {e}", m.version)))?;
    if let Ok(p) = plugins::get_plugin(&state.store.pool, &ns, &name).await
        && p.taken_down_at.is_some()
    {
        return Err(ApiError::unavailable(format!("{ns}/{name} was taken down")));
    }

    let max = state.limits.largest_component();
    if req.component.len() / 4 * 3 > max + 3 {
        return Err(ApiError::too_large(format!("components are limited to {max} bytes")));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&req.component)
        .map_err(|e| ApiError::invalid_request(format!("component is not base64: {e}")))?;
    if bytes.len() > max {
        return Err(ApiError::too_large(format!("component is {} bytes; the limit is {max}", bytes.len())));
    }

    let key = keys::get(&state.store.pool, &req.key_id).await.map_err(|_| ApiError::unknown_key(&req.key_id))?;
    if key.principal_id != who.id || key.revoked_at.is_some() {
        return Err(ApiError::unknown_key(format!("key {} is not an active key of {}", req.key_id, who.name)));
    }
    let sha256 = kiln_host::sha256_hex(&bytes);
    verify(&key.public_key, &req.signature, &sha256, m).map_err(|e| ApiError::bad_signature(e.to_string()))?;

    // The same check as every run's load: a component exporting the plugin world, importing
    // nothing beyond the contract and WASI's allow-list, whose describe() works. It is read
    // first, so a component that can never load is refused before anything compiles it; the
    // compile (seconds for a Python component) is bounded by the host and by the maker's share
    // of publishes, and a full host is `busy`, never the component's fault.
    let inspection = state.host.inspect(&bytes)?;
    kiln_host::source::extract(&bytes).map_err(|e| ApiError::invalid_component(e.to_string()))?;
    let limit = state.limits.component_limit(inspection.language);
    if bytes.len() > limit {
        return Err(ApiError::too_large(format!(
            "component is {} bytes; the limit is {limit} ({} for components embedding an interpreter, such as Python's)",
            bytes.len(),
            state.limits.max_interpreter_component_bytes
        )));
    }
    let share = state.shares.publishes.enter(&who.id, 1)?;
    let compiled = crate::artifacts::compile(&state.host, &bytes, &sha256).await?;
    let plugin = state.host.try_load_compiled(&bytes, &compiled.bytes).await?;
    drop(share);
    if let Some(why) = m.disagreement(plugin.info()) {
        return Err(ApiError::manifest_mismatch(why));
    }

    // Bytes first, rows second: a crash between them leaves unreferenced blobs, never a
    // version without its bytes or an artifact record without its code.
    let stored = async {
        state.blobs.put(&sha256, Bytes::from(bytes)).await?;
        state.blobs.put(&compiled.record.artifact_sha256, compiled.bytes.clone()).await
    };
    stored.await.map_err(|e| {
        tracing::error!(error = %e, "blob write failed");
        ApiError::internal("storing the component failed")
    })?;
    let now = now_ms();
    let record = VersionRecord {
        namespace: ns.clone(),
        name: name.clone(),
        version: m.version.clone(),
        sha256: sha256.clone(),
        size: plugin.size() as i64,
        manifest: serde_json::to_value(m).unwrap_or_default(),
        describe: serde_json::to_value(plugin.info()).unwrap_or_default(),
        imports: Some(plugin.interfaces().imports.clone()),
        contract: plugin.wit_version().to_string(),
        language: plugin.language().as_str().to_string(),
        signature: req.signature.clone(),
        key_id: key.id.clone(),
        status: Status::Pending,
        status_reason: None,
        yanked: false,
        taken_down: false,
        takedown_reason: None,
        published_by: who.name.clone(),
        published_at: now,
        reviewed_by: None,
        reviewed_at: None,
    };
    let plugin_row = PluginRecord {
        namespace: ns,
        name,
        description: m.description.clone(),
        categories: m.categories.clone(),
        created_at: now,
        taken_down_at: None,
        takedown_reason: None,
    };
    let mut tx = state.store.write().await?;
    plugins::insert_version(&mut tx, &plugin_row, &record).await?;
    crate::store::artifacts::record(&mut *tx.tx, &compiled.record).await?;
    tx.record(&who.name, "version.publish", &record.subject(), json!({"sha256": sha256, "key_id": key.id})).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(record)))
}

/// Catalog search filters.
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Substring of the name or description.
    pub q: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Namespace.
    pub namespace: Option<String>,
    /// Only plugins with a version in this status (operators; others see approved ones).
    pub status: Option<Status>,
    /// Page number.
    pub page: Option<u32>,
    /// Page size.
    pub per_page: Option<u32>,
}

/// Search the catalog.
#[utoipa::path(get, path = "/v1/plugins", tag = "plugins", params(SearchQuery),
    responses((status = 200, body = Paged<PluginRecord>), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("token" = [])))]
pub async fn search(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<SearchQuery>,
) -> ApiResult<axum::Json<Paged<PluginRecord>>> {
    who.require(ALL, "read")?;
    if let Some(c) = q.category.as_ref().filter(|c| !valid_name(c)) {
        return Err(ApiError::invalid_name(format!("`{c}` is not a valid category")));
    }
    // Operators see everything; others see approved plugins that are not taken down.
    let (status, include_taken_down) =
        if who.is_operator() { (q.status, true) } else { (Some(Status::Approved), false) };
    let filter = Search { q: q.q, category: q.category, namespace: q.namespace, status, include_taken_down };
    let page = Page { page: q.page, per_page: q.per_page };
    let (limit, offset) = page.limit_offset()?;
    let (items, total) = plugins::search(&state.store.pool, &filter, limit, offset).await?;
    Ok(axum::Json(Paged::new(items, page, Some(total))))
}

/// A plugin's versions that the caller may see.
#[utoipa::path(get, path = "/v1/plugins/{ns}/{name}/versions", tag = "plugins", params(("ns" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Vec<VersionRecord>), (status = 404, body = crate::error::Problem)), security(("token" = [])))]
pub async fn list_versions(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Vec<VersionRecord>>> {
    who.require(ALL, "read")?;
    plugins::get_plugin(&state.store.pool, &ns, &name).await?;
    let mut shown = Vec::new();
    for v in plugins::list_versions(&state.store.pool, &ns, &name).await? {
        if visible(&state, &who, &v).await? {
            shown.push(v);
        }
    }
    if shown.is_empty() {
        // Every version is hidden from the caller: answer as for a plugin that does not exist.
        return Err(ApiError::not_found(format!("plugin {ns}/{name} not found")));
    }
    Ok(axum::Json(shown))
}

/// One version.
#[utoipa::path(get, path = "/v1/plugins/{ns}/{name}/versions/{version}", tag = "plugins",
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = VersionRecord), (status = 404, body = crate::error::Problem)), security(("token" = [])))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<VersionRecord>> {
    who.require(ALL, "read")?;
    Ok(axum::Json(find(&state, &who, &ns, &name, &version).await?))
}

/// What changed in a version since the version before it (the highest approved version
/// below it, else the highest below it), among the versions the caller may see: parameters,
/// datasets and columns, outputs, imports, size, signing key.
#[utoipa::path(get, path = "/v1/plugins/{ns}/{name}/versions/{version}/changes", tag = "plugins",
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = Changes), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn changes(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<Changes>> {
    who.require(ALL, "read")?;
    let v = find(&state, &who, &ns, &name, &version).await?;
    let mut shown = Vec::new();
    for other in plugins::list_versions(&state.store.pool, &ns, &name).await? {
        if visible(&state, &who, &other).await? {
            shown.push(other);
        }
    }
    Ok(axum::Json(crate::changes::changes(&v, crate::changes::base(&v, &shown))))
}

/// Download a version's component, verified against its recorded sha256. Yanked versions
/// still download (for pinned users); taken-down ones do not.
#[utoipa::path(get, path = "/v1/plugins/{ns}/{name}/versions/{version}/download", tag = "plugins",
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, description = "The component bytes", content_type = "application/wasm", body = String), (status = 404, body = crate::error::Problem), (status = 410, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn download(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    who.require(ALL, "read")?;
    let v = find(&state, &who, &ns, &name, &version).await?;
    if v.taken_down {
        return Err(ApiError::unavailable(format!(
            "{} was taken down: {}",
            v.subject(),
            v.takedown_reason.unwrap_or_default()
        )));
    }
    let bytes = component(&state, &v).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/wasm".to_string()),
            (header::HeaderName::from_static("x-kiln-sha256"), v.sha256),
        ],
        bytes,
    )
        .into_response())
}

/// A version's component from the blob store, checked against its recorded sha256.
async fn component(state: &AppState, v: &VersionRecord) -> ApiResult<Bytes> {
    state.blobs.get(&v.sha256, state.runner.caps().component).await.map_err(|e| {
        tracing::error!(error = %e, subject = %v.subject(), "blob read failed");
        ApiError::integrity(format!("the stored bytes of {} could not be read intact", v.subject()))
    })
}

/// A version's source, as its component carries it (`kiln plugin build` embeds a Python
/// plugin's; the publish signature covers it with the component).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Source {
    /// The files, sorted by path; empty when the component carries no source (a Rust
    /// plugin's source is in its repository, see the manifest).
    pub files: Vec<SourceFile>,
}

/// One file of a version's source.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceFile {
    /// Its path in the maker's project, `/`-separated.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// The source files a version's component carries, for review: taken-down versions included,
/// so an operator can read what was taken down.
#[utoipa::path(get, path = "/v1/plugins/{ns}/{name}/versions/{version}/source", tag = "plugins",
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = Source), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn source(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<Source>> {
    who.require(ALL, "read")?;
    let v = find(&state, &who, &ns, &name, &version).await?;
    let bytes = component(&state, &v).await?;
    // Checked at publish: a stored component whose source does not read is the store's fault.
    let files = kiln_host::source::extract(&bytes)
        .map_err(|e| ApiError::integrity(format!("the source of {}: {e}", v.subject())))?
        .unwrap_or_default();
    Ok(axum::Json(Source { files: files.into_iter().map(|f| SourceFile { path: f.path, text: f.text }).collect() }))
}

/// `?req=` for resolve.
#[derive(Debug, Serialize, Deserialize, utoipa::IntoParams)]
pub struct ResolveQuery {
    /// A semver requirement such as `^0.1`.
    pub req: String,
}

/// The newest approved, non-yanked, available version matching a semver requirement.
#[utoipa::path(get, path = "/v1/plugins/{ns}/{name}/resolve", tag = "plugins", params(("ns" = String, Path), ("name" = String, Path), ResolveQuery),
    responses((status = 200, body = VersionRecord), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn resolve(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name)): Path<(String, String)>,
    Query(q): Query<ResolveQuery>,
) -> ApiResult<axum::Json<VersionRecord>> {
    who.require(ALL, "read")?;
    let req = semver::VersionReq::parse(&q.req)
        .map_err(|e| ApiError::invalid_version(format!("`{}` is not a semver requirement: {e}", q.req)))?;
    plugins::resolve(&state.store.pool, &ns, &name, &req)
        .await?
        .map(axum::Json)
        .ok_or_else(|| ApiError::no_match(format!("no approved version of {ns}/{name} matches `{}`", q.req)))
}

async fn set_yank(
    state: AppState,
    who: Principal,
    ns: String,
    name: String,
    version: String,
    yanked: bool,
) -> ApiResult<axum::Json<VersionRecord>> {
    who.require(&[Role::Maker], "publish")?;
    // Membership first, so outsiders cannot tell hidden versions from missing ones.
    if !namespaces::is_member(&state.store.pool, &ns, &who.id).await? {
        return Err(ApiError::forbidden(format!("only members of `{ns}` yank its versions")));
    }
    let v = plugins::get_version(&state.store.pool, &ns, &name, &version).await?;
    let mut tx = state.store.write().await?;
    plugins::set_yanked(&mut tx, &v, yanked).await?;
    let action = if yanked { "version.yank" } else { "version.unyank" };
    tx.record(&who.name, action, &v.subject(), json!({})).await?;
    tx.commit().await?;
    Ok(axum::Json(plugins::get_version(&state.store.pool, &ns, &name, &version).await?))
}

/// Yank a version: new resolutions skip it; pinned users can still download it.
#[utoipa::path(post, path = "/v1/plugins/{ns}/{name}/versions/{version}/yank", tag = "plugins",
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = VersionRecord), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn yank(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<VersionRecord>> {
    set_yank(state, who, ns, name, version, true).await
}

/// Undo a yank.
#[utoipa::path(post, path = "/v1/plugins/{ns}/{name}/versions/{version}/unyank", tag = "plugins",
    params(("ns" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = VersionRecord), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("token" = [])))]
pub async fn unyank(
    State(state): State<AppState>,
    who: Principal,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<VersionRecord>> {
    set_yank(state, who, ns, name, version, false).await
}
