//! Enablements: a tenant's configured use of one plugin — the version its requirement resolved
//! to, the data it is granted, its parameters and its limits.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::{StoreError, WriteTx, stored_enum, stored_json};

/// A dataset and the columns of it a plugin may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Grant {
    /// The tenant's dataset.
    pub dataset: String,
    /// Its columns the plugin may read.
    pub columns: Vec<String>,
}

/// Limits an enablement sets for its runs; each absent one is the operator's cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitSpec {
    /// Wall-clock deadline, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// CPU budget, in fuel units (about one per Wasm instruction).
    pub fuel: Option<u64>,
    /// Linear memory, in bytes.
    pub memory_bytes: Option<u64>,
    /// Rows read across all scans.
    pub rows: Option<u64>,
    /// Output size, in bytes.
    pub output_bytes: Option<u64>,
    /// Log kept, in bytes.
    pub log_bytes: Option<u64>,
}

/// Whether an enablement may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EnablementStatus {
    /// It runs.
    Active,
    /// Its version was taken down: it refuses to run until re-resolved to an available version.
    Suspended,
    /// The tenant turned it off; kept for its runs' history.
    Disabled,
}

impl EnablementStatus {
    fn as_str(self) -> &'static str {
        match self {
            EnablementStatus::Active => "active",
            EnablementStatus::Suspended => "suspended",
            EnablementStatus::Disabled => "disabled",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(EnablementStatus::Active),
            "suspended" => Some(EnablementStatus::Suspended),
            "disabled" => Some(EnablementStatus::Disabled),
            _ => None,
        }
    }
}

/// An enablement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnablementRecord {
    /// Its id.
    pub id: String,
    /// The tenant.
    pub tenant: String,
    /// The plugin's namespace.
    pub namespace: String,
    /// The plugin.
    pub plugin: String,
    /// The semver requirement, such as `^0.1`.
    pub requirement: String,
    /// The approved version it resolved to; runs use exactly this one.
    pub version: String,
    /// The data granted.
    pub grants: Vec<Grant>,
    /// Parameters, complete and checked against the plugin's describe().
    #[schema(value_type = Object)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Limits for its runs.
    pub limits: LimitSpec,
    /// Whether it may run.
    pub status: EnablementStatus,
    /// Why it is suspended.
    pub status_reason: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last changed, unix ms.
    pub updated_at: i64,
}

fn record(row: &sqlx::any::AnyRow) -> Result<EnablementRecord, StoreError> {
    let grants: String = row.try_get("grants")?;
    let params: String = row.try_get("params")?;
    let limits: String = row.try_get("limits")?;
    let status: String = row.try_get("status")?;
    Ok(EnablementRecord {
        id: row.try_get("id")?,
        tenant: row.try_get("tenant")?,
        namespace: row.try_get("namespace")?,
        plugin: row.try_get("plugin")?,
        requirement: row.try_get("requirement")?,
        version: row.try_get("version")?,
        grants: stored_json("enablement grants", &grants)?,
        params: stored_json("enablement params", &params)?,
        limits: stored_json("enablement limits", &limits)?,
        status: stored_enum("enablement status", &status, EnablementStatus::parse)?,
        status_reason: row.try_get("status_reason")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Stores a new enablement.
pub async fn insert(tx: &mut WriteTx, e: &EnablementRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO enablements (id, tenant, namespace, plugin, requirement, version, grants, params, limits, \
         status, status_reason, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&e.id)
    .bind(&e.tenant)
    .bind(&e.namespace)
    .bind(&e.plugin)
    .bind(&e.requirement)
    .bind(&e.version)
    .bind(json(&e.grants))
    .bind(json(&e.params))
    .bind(json(&e.limits))
    .bind(e.status.as_str())
    .bind(&e.status_reason)
    .bind(&e.created_by)
    .bind(e.created_at)
    .bind(e.updated_at)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Rewrites an enablement's configuration and status.
pub async fn update(tx: &mut WriteTx, e: &EnablementRecord) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE enablements SET requirement = $1, version = $2, grants = $3, params = $4, limits = $5, status = $6, \
         status_reason = $7, updated_at = $8 WHERE id = $9 AND tenant = $10",
    )
    .bind(&e.requirement)
    .bind(&e.version)
    .bind(json(&e.grants))
    .bind(json(&e.params))
    .bind(json(&e.limits))
    .bind(e.status.as_str())
    .bind(&e.status_reason)
    .bind(e.updated_at)
    .bind(&e.id)
    .bind(&e.tenant)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// One of a tenant's enablements (another tenant's is "not found"), on the pool or inside a
/// write (`&mut *tx.tx`).
pub async fn get<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: &str,
    id: &str,
) -> Result<EnablementRecord, StoreError> {
    let row = sqlx::query("SELECT * FROM enablements WHERE id = $1 AND tenant = $2")
        .bind(id)
        .bind(tenant)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(record).transpose()?.ok_or_else(|| StoreError::NotFound(format!("enablement {id}")))
}

/// A tenant's enablements, oldest first.
pub async fn list(pool: &AnyPool, tenant: &str) -> Result<Vec<EnablementRecord>, StoreError> {
    let rows = sqlx::query("SELECT * FROM enablements WHERE tenant = $1 ORDER BY created_at, id")
        .bind(tenant)
        .fetch_all(pool)
        .await?;
    rows.iter().map(record).collect()
}

/// Suspends the active enablements pinned to a taken-down version (`version: None`: any version
/// of the plugin); returns their ids.
pub async fn suspend(
    tx: &mut WriteTx,
    namespace: &str,
    plugin: &str,
    version: Option<&str>,
    reason: &str,
    at: i64,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "UPDATE enablements SET status = 'suspended', status_reason = $1, updated_at = $2 \
         WHERE namespace = $3 AND plugin = $4 AND ($5 IS NULL OR version = $5) AND status = 'active' RETURNING id",
    )
    .bind(reason)
    .bind(at)
    .bind(namespace)
    .bind(plugin)
    .bind(version)
    .fetch_all(&mut *tx.tx)
    .await?;
    Ok(rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?)
}
