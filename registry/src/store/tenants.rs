//! Enterprise tenants: where they sit in the region (for rollups), whether they opted in to
//! regional statistics, and their quotas.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AnyPool, Row};

use super::{StoreError, WriteTx, conflict};

/// What a tenant may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Quotas {
    /// Runs queued or running at once.
    pub max_active_runs: i64,
    /// Plugin CPU time per UTC day, in milliseconds.
    pub cpu_ms_per_day: i64,
    /// Bytes of stored dataset versions.
    pub storage_bytes: i64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas { max_active_runs: 500, cpu_ms_per_day: 3_600_000, storage_bytes: 1 << 30 }
    }
}

/// An enterprise tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantRecord {
    /// Its id, such as `e00017`.
    pub id: String,
    /// The enterprise's name.
    pub name: String,
    /// District id, such as `yanta`.
    pub district: String,
    /// Industrial park id, or `none`.
    pub park: String,
    /// GB/T 4754-2017 industry division, such as `C39`.
    pub industry: String,
    /// `large`, `medium`, `small` or `micro`.
    pub size_class: String,
    /// Whether its monthly reports count in regional statistics.
    pub opted_in: bool,
    /// Its quotas.
    pub quotas: Quotas,
    /// Created, unix ms.
    pub created_at: i64,
}

fn record(row: &sqlx::any::AnyRow) -> Result<TenantRecord, StoreError> {
    Ok(TenantRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        district: row.try_get("district")?,
        park: row.try_get("park")?,
        industry: row.try_get("industry")?,
        size_class: row.try_get("size_class")?,
        opted_in: row.try_get::<i64, _>("opted_in")? != 0,
        quotas: Quotas {
            max_active_runs: row.try_get("max_active_runs")?,
            cpu_ms_per_day: row.try_get("cpu_ms_per_day")?,
            storage_bytes: row.try_get("storage_bytes")?,
        },
        created_at: row.try_get("created_at")?,
    })
}

/// Stores a new tenant.
pub async fn insert(tx: &mut WriteTx, t: &TenantRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tenants (id, name, district, park, industry, size_class, opted_in, max_active_runs, \
         cpu_ms_per_day, storage_bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&t.id)
    .bind(&t.name)
    .bind(&t.district)
    .bind(&t.park)
    .bind(&t.industry)
    .bind(&t.size_class)
    .bind(i64::from(t.opted_in))
    .bind(t.quotas.max_active_runs)
    .bind(t.quotas.cpu_ms_per_day)
    .bind(t.quotas.storage_bytes)
    .bind(t.created_at)
    .execute(&mut *tx.tx)
    .await
    .map_err(conflict(format!("tenant {}", t.id)))?;
    Ok(())
}

/// Rewrites a tenant's attributes and quotas.
pub async fn update(tx: &mut WriteTx, t: &TenantRecord) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tenants SET name = $1, district = $2, park = $3, industry = $4, size_class = $5, opted_in = $6, \
         max_active_runs = $7, cpu_ms_per_day = $8, storage_bytes = $9 WHERE id = $10",
    )
    .bind(&t.name)
    .bind(&t.district)
    .bind(&t.park)
    .bind(&t.industry)
    .bind(&t.size_class)
    .bind(i64::from(t.opted_in))
    .bind(t.quotas.max_active_runs)
    .bind(t.quotas.cpu_ms_per_day)
    .bind(t.quotas.storage_bytes)
    .bind(&t.id)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// One tenant.
pub async fn get(pool: &AnyPool, id: &str) -> Result<TenantRecord, StoreError> {
    let row = sqlx::query("SELECT * FROM tenants WHERE id = $1").bind(id).fetch_optional(pool).await?;
    row.as_ref().map(record).transpose()?.ok_or_else(|| StoreError::NotFound(format!("tenant {id}")))
}

/// One tenant, read on the pool or inside a write (`&mut tx.tx`): quota checks read the quota
/// in the same transaction that consumes it.
pub async fn get_in(conn: &mut AnyConnection, id: &str) -> Result<TenantRecord, StoreError> {
    let row = sqlx::query("SELECT * FROM tenants WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(record).transpose()?.ok_or_else(|| StoreError::NotFound(format!("tenant {id}")))
}

/// Whether a tenant exists, on the pool or inside a write (`&mut tx.tx`).
pub async fn exists(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM tenants WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Tenants by id, optionally in one district, with the total count.
pub async fn list(
    pool: &AnyPool,
    district: Option<&str>,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<TenantRecord>, i64), StoreError> {
    // The search text is matched literally: LIKE's wildcards in it are escaped.
    let pattern = search.map(|s| {
        let escaped = s.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("%{escaped}%")
    });
    const FILTER: &str = "WHERE ($1 IS NULL OR district = $1) \
                          AND ($2 IS NULL OR LOWER(id) LIKE $2 ESCAPE '\\' OR LOWER(name) LIKE $2 ESCAPE '\\')";
    let rows = sqlx::query(&format!("SELECT * FROM tenants {FILTER} ORDER BY id LIMIT $3 OFFSET $4"))
        .bind(district)
        .bind(pattern.as_deref())
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
    let total = sqlx::query(&format!("SELECT COUNT(*) AS n FROM tenants {FILTER}"))
        .bind(district)
        .bind(pattern.as_deref())
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    Ok((rows.iter().map(record).collect::<Result<_, _>>()?, total))
}
