//! Tenants' shares of run bundles with the makers of the plugins they ran. A bundle holds the
//! tenant's data, so a maker gets one only through a share the tenant made for that run, to
//! the namespace the run's plugin lives in (whose members are known by identity).

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::{StoreError, WriteTx};

/// One run shared with one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunShare {
    /// The run.
    pub run: String,
    /// The tenant that shared it.
    pub tenant: String,
    /// The namespace it is shared with: its plugin's.
    pub namespace: String,
    /// Who shared it.
    pub shared_by: String,
    /// When, unix ms.
    pub shared_at: i64,
}

fn record(row: &sqlx::any::AnyRow) -> Result<RunShare, StoreError> {
    Ok(RunShare {
        run: row.try_get("run")?,
        tenant: row.try_get("tenant")?,
        namespace: row.try_get("namespace")?,
        shared_by: row.try_get("shared_by")?,
        shared_at: row.try_get("shared_at")?,
    })
}

/// Shares a run; [`StoreError::Conflict`] if it already is.
pub async fn insert(tx: &mut WriteTx, s: &RunShare) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO run_shares (run, tenant, namespace, shared_by, shared_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&s.run)
        .bind(&s.tenant)
        .bind(&s.namespace)
        .bind(&s.shared_by)
        .bind(s.shared_at)
        .execute(&mut *tx.tx)
        .await
        .map_err(super::conflict(format!("run {} is already shared with {}", s.run, s.namespace)))?;
    Ok(())
}

/// Withdraws a tenant's share of a run; returns whether there was one.
pub async fn delete(tx: &mut WriteTx, tenant: &str, run: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM run_shares WHERE tenant = $1 AND run = $2")
        .bind(tenant)
        .bind(run)
        .execute(&mut *tx.tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The share of `run` with `namespace`, if the tenant made one.
pub async fn get(pool: &AnyPool, namespace: &str, run: &str) -> Result<Option<RunShare>, StoreError> {
    let row = sqlx::query("SELECT * FROM run_shares WHERE namespace = $1 AND run = $2")
        .bind(namespace)
        .bind(run)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(record).transpose()
}

/// The runs shared with `namespace`, newest share first.
pub async fn list(pool: &AnyPool, namespace: &str) -> Result<Vec<RunShare>, StoreError> {
    let rows = sqlx::query("SELECT * FROM run_shares WHERE namespace = $1 ORDER BY shared_at DESC, run")
        .bind(namespace)
        .fetch_all(pool)
        .await?;
    rows.iter().map(record).collect()
}
