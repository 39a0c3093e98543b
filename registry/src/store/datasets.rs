//! Tenants' datasets: immutable, numbered versions of a named table, stored as Parquet blobs.
//! Deleting a dataset hides all its versions; the blobs stay for the runs that read them, so
//! any run can be replayed. Only an operator's purge removes a blob, and the row remembers it.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AnyPool, Row};

use super::{StoreError, WriteTx, stored_enum, stored_json};
use crate::datasets::ingest::{Column, Format, MonthlyRow};

/// One version of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DatasetVersion {
    /// The tenant that owns it.
    pub tenant: String,
    /// The dataset's name, as plugins scan it.
    pub name: String,
    /// 1, 2, …: each upload is a new version.
    pub version: i64,
    /// sha256 of the stored Parquet bytes.
    pub sha256: String,
    /// Size of the stored Parquet, in bytes.
    pub bytes: i64,
    /// Rows.
    pub rows: i64,
    /// Its schema.
    pub columns: Vec<Column>,
    /// What was uploaded (it is stored as Parquet either way).
    pub format: Format,
    /// Who uploaded it.
    pub created_by: String,
    /// When, unix ms.
    pub created_at: i64,
}

fn record(row: &sqlx::any::AnyRow) -> Result<DatasetVersion, StoreError> {
    let columns: String = row.try_get("columns")?;
    let format: String = row.try_get("format")?;
    Ok(DatasetVersion {
        tenant: row.try_get("tenant")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        sha256: row.try_get("sha256")?,
        bytes: row.try_get("bytes")?,
        rows: row.try_get("rows_count")?,
        columns: stored_json("dataset columns", &columns)?,
        format: stored_enum("dataset format", &format, |f| match f {
            "csv" => Some(Format::Csv),
            "parquet" => Some(Format::Parquet),
            _ => None,
        })?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores a new version of `d.name`, numbered after the newest one (deleted or not, so a
/// number is never reused); returns the number.
pub async fn insert(tx: &mut WriteTx, d: &DatasetVersion) -> Result<i64, StoreError> {
    // WriteTx holds the audit head's lock, so no other writer can take the same number.
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM datasets WHERE tenant = $1 AND name = $2")
        .bind(&d.tenant)
        .bind(&d.name)
        .fetch_one(&mut *tx.tx)
        .await?;
    let version = row.try_get::<i64, _>("v")? + 1;
    sqlx::query(
        "INSERT INTO datasets (tenant, name, version, sha256, bytes, rows_count, columns, format, created_by, \
         created_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)",
    )
    .bind(&d.tenant)
    .bind(&d.name)
    .bind(version)
    .bind(&d.sha256)
    .bind(d.bytes)
    .bind(d.rows)
    .bind(serde_json::to_string(&d.columns).unwrap_or_default())
    .bind(if d.format == Format::Csv { "csv" } else { "parquet" })
    .bind(&d.created_by)
    .bind(d.created_at)
    .execute(&mut *tx.tx)
    .await?;
    Ok(version)
}

/// A version of a live dataset; `None` means the newest. On the pool or inside a write
/// (`&mut *tx.tx`).
pub async fn get<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: &str,
    name: &str,
    version: Option<i64>,
) -> Result<DatasetVersion, StoreError> {
    let row = match version {
        Some(v) => {
            sqlx::query(
                "SELECT * FROM datasets WHERE tenant = $1 AND name = $2 AND version = $3 AND deleted_at IS NULL",
            )
            .bind(tenant)
            .bind(name)
            .bind(v)
            .fetch_optional(db)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT * FROM datasets WHERE tenant = $1 AND name = $2 AND deleted_at IS NULL \
                 ORDER BY version DESC LIMIT 1",
            )
            .bind(tenant)
            .bind(name)
            .fetch_optional(db)
            .await?
        }
    };
    let what = match version {
        Some(v) => format!("dataset {name} version {v}"),
        None => format!("dataset {name}"),
    };
    row.as_ref().map(record).transpose()?.ok_or(StoreError::NotFound(what))
}

/// The newest version of each live dataset of a tenant, by name.
pub async fn list(pool: &AnyPool, tenant: &str) -> Result<Vec<DatasetVersion>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.* FROM datasets d WHERE d.tenant = $1 AND d.deleted_at IS NULL AND d.version = \
         (SELECT MAX(version) FROM datasets e WHERE e.tenant = d.tenant AND e.name = d.name AND e.deleted_at IS NULL) \
         ORDER BY d.name",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await?;
    rows.iter().map(record).collect()
}

/// Every live version of one dataset, newest first.
pub async fn versions(pool: &AnyPool, tenant: &str, name: &str) -> Result<Vec<DatasetVersion>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM datasets WHERE tenant = $1 AND name = $2 AND deleted_at IS NULL ORDER BY version DESC",
    )
    .bind(tenant)
    .bind(name)
    .fetch_all(pool)
    .await?;
    rows.iter().map(record).collect()
}

/// Bytes of live dataset versions a tenant stores.
pub async fn storage_used(conn: &mut AnyConnection, tenant: &str) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS n FROM datasets WHERE tenant = $1 AND deleted_at IS NULL",
    )
    .bind(tenant)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Unfinished runs reading any version of the dataset.
pub async fn runs_using(tx: &mut WriteTx, tenant: &str, name: &str) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.id FROM run_datasets d JOIN runs r ON r.id = d.run \
         WHERE d.tenant = $1 AND d.dataset = $2 AND r.state IN ('queued', 'running') ORDER BY r.id",
    )
    .bind(tenant)
    .bind(name)
    .fetch_all(&mut *tx.tx)
    .await?;
    Ok(rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?)
}

/// Hides every version of a dataset (and its monthly report, if it was one); returns how many.
pub async fn delete(tx: &mut WriteTx, tenant: &str, name: &str, at: i64) -> Result<u64, StoreError> {
    let done =
        sqlx::query("UPDATE datasets SET deleted_at = $1 WHERE tenant = $2 AND name = $3 AND deleted_at IS NULL")
            .bind(at)
            .bind(tenant)
            .bind(name)
            .execute(&mut *tx.tx)
            .await?;
    if name == MONTHLY_REPORT {
        sqlx::query("DELETE FROM monthly_reports WHERE tenant = $1").bind(tenant).execute(&mut *tx.tx).await?;
    }
    Ok(done.rows_affected())
}

/// A dataset version an operator purged: its row stays, its blob is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Purge {
    /// The dataset.
    pub name: String,
    /// The version.
    pub version: i64,
    /// sha256 of the blob it had.
    pub sha256: String,
    /// When, unix ms.
    pub at: i64,
    /// The operator.
    pub by: String,
    /// Why, as the operator gave it.
    pub reason: String,
}

impl Purge {
    /// One line for a problem's detail.
    pub fn describe(&self) -> String {
        let when = chrono::DateTime::from_timestamp_millis(self.at)
            .map_or_else(|| self.at.to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string());
        format!("dataset `{}` version {} was purged {when} by {} ({})", self.name, self.version, self.by, self.reason)
    }
}

fn purge(row: &sqlx::any::AnyRow) -> Result<Purge, StoreError> {
    Ok(Purge {
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        sha256: row.try_get("sha256")?,
        at: row.try_get("purged_at")?,
        by: row.try_get("purged_by")?,
        reason: row.try_get("purge_reason")?,
    })
}

/// Which of the dataset versions `read` (a run's) were purged.
pub async fn purged(
    conn: &mut AnyConnection,
    tenant: &str,
    read: &[crate::store::runs::RunDataset],
) -> Result<Vec<Purge>, StoreError> {
    let mut found = Vec::new();
    for d in read {
        let row = sqlx::query(
            "SELECT * FROM datasets WHERE tenant = $1 AND name = $2 AND version = $3 AND purged_at IS NOT NULL",
        )
        .bind(tenant)
        .bind(&d.name)
        .bind(d.version)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            found.push(purge(&row)?);
        }
    }
    Ok(found)
}

/// Marks the versions of a tenant's dataset (every one, or only `version`) purged by `by` for
/// `reason`, hiding them too; returns those newly purged. Their blobs are the caller's to
/// remove once this commits, where [`blob_unreferenced`] says no one else holds the same bytes.
pub async fn mark_purged(
    tx: &mut WriteTx,
    tenant: &str,
    name: &str,
    version: Option<i64>,
    by: &str,
    reason: &str,
    at: i64,
) -> Result<Vec<Purge>, StoreError> {
    let rows = sqlx::query(
        "UPDATE datasets SET purged_at = $1, purged_by = $2, purge_reason = $3, deleted_at = COALESCE(deleted_at, $1) \
         WHERE tenant = $4 AND name = $5 AND ($6 IS NULL OR version = $6) AND purged_at IS NULL RETURNING *",
    )
    .bind(at)
    .bind(by)
    .bind(reason)
    .bind(tenant)
    .bind(name)
    .bind(version)
    .fetch_all(&mut *tx.tx)
    .await?;
    let mut purged = rows.iter().map(purge).collect::<Result<Vec<_>, _>>()?;
    purged.sort_by_key(|p| p.version);
    if name == MONTHLY_REPORT && !purged.is_empty() {
        sqlx::query("DELETE FROM monthly_reports WHERE tenant = $1").bind(tenant).execute(&mut *tx.tx).await?;
    }
    Ok(purged)
}

/// Whether no unpurged dataset version (of any tenant: identical uploads share a blob) and no
/// plugin version still holds the blob `sha256`.
pub async fn blob_unreferenced(pool: &AnyPool, sha256: &str) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM datasets WHERE sha256 = $1 AND purged_at IS NULL) + \
         (SELECT COUNT(*) FROM versions WHERE sha256 = $1) AS n",
    )
    .bind(sha256)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<i64, _>("n")? == 0)
}

/// The dataset whose newest version is the tenant's monthly report for regional statistics.
pub const MONTHLY_REPORT: &str = "monthly_indicators";

/// Replaces a tenant's monthly report with `rows` (from dataset version `version`).
pub async fn replace_monthly_report(
    tx: &mut WriteTx,
    tenant: &str,
    version: i64,
    rows: &[MonthlyRow],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM monthly_reports WHERE tenant = $1").bind(tenant).execute(&mut *tx.tx).await?;
    for r in rows {
        sqlx::query(
            "INSERT INTO monthly_reports (tenant, month, output_value, energy_tce, electricity_kwh, employees, \
             dataset_version) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(&r.month)
        .bind(r.output_value)
        .bind(r.energy_tce)
        .bind(r.electricity_kwh)
        .bind(r.employees)
        .bind(version)
        .execute(&mut *tx.tx)
        .await?;
    }
    Ok(())
}
