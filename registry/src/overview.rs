//! The operators' overview: what waits for them and how the platform is used, in one read.
//!
//! "Today" is the calendar day in China Standard Time (Asia/Shanghai, UTC+8 all year, no
//! daylight saving), the day of the bureau and the enterprises the platform serves.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use crate::store::StoreError;

/// China Standard Time's offset from UTC, in milliseconds.
pub const CST_OFFSET_MS: i64 = 8 * 3_600_000;
/// The time zone "today" is counted in.
pub const TIME_ZONE: &str = "Asia/Shanghai";

/// The start of the Asia/Shanghai calendar day holding `now` (both unix ms).
pub fn shanghai_day_start(now: i64) -> i64 {
    now - (now + CST_OFFSET_MS).rem_euclid(86_400_000)
}

/// Runs created since the start of the day, by outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunsToday {
    /// Start of the day, unix ms (00:00 in Asia/Shanghai).
    pub since: i64,
    /// The time zone of the day: `Asia/Shanghai`.
    pub time_zone: String,
    /// Runs submitted since `since`, in any state.
    pub total: i64,
    /// Of those, finished successfully.
    pub succeeded: i64,
    /// Finished with an error (plugin error, limit, trap, lost holder).
    pub failed: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// Still queued or running.
    pub unfinished: i64,
}

/// The run queue now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Queue {
    /// Queued runs waiting for a worker.
    pub queued: i64,
    /// Runs executing now (synchronous and queued).
    pub running: i64,
    /// Distinct workers holding a lease on a running queued run.
    pub busy_workers: i64,
}

/// Tenants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantCounts {
    /// All tenants.
    pub total: i64,
    /// Those counted in regional statistics.
    pub opted_in: i64,
}

/// Bytes stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Storage {
    /// Live (not deleted) dataset versions of every tenant.
    pub datasets_bytes: i64,
    /// Distinct component blobs of every published version (stored once per sha256).
    pub components_bytes: i64,
    /// The two together.
    pub total_bytes: i64,
}

/// The operator's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Overview {
    /// When it was computed, unix ms.
    pub at: i64,
    /// Versions waiting for review.
    pub pending_reviews: i64,
    /// Today's runs.
    pub runs_today: RunsToday,
    /// The run queue.
    pub queue: Queue,
    /// Tenants.
    pub tenants: TenantCounts,
    /// Storage used.
    pub storage: Storage,
}

async fn count(pool: &AnyPool, sql: &str, since: Option<i64>) -> Result<i64, StoreError> {
    let query = sqlx::query(sql);
    let query = match since {
        Some(since) => query.bind(since),
        None => query,
    };
    Ok(query.fetch_one(pool).await?.try_get("n")?)
}

/// The overview as of `now` (unix ms).
pub async fn overview(pool: &AnyPool, now: i64) -> Result<Overview, StoreError> {
    let since = shanghai_day_start(now);
    let pending_reviews = count(pool, "SELECT COUNT(*) AS n FROM versions WHERE status = 'pending'", None).await?;

    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM runs WHERE created_at >= $1 GROUP BY state")
        .bind(since)
        .fetch_all(pool)
        .await?;
    let mut runs_today = RunsToday {
        since,
        time_zone: TIME_ZONE.to_string(),
        total: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
        unfinished: 0,
    };
    for row in &rows {
        let (state, n): (String, i64) = (row.try_get("state")?, row.try_get("n")?);
        runs_today.total += n;
        match state.as_str() {
            "succeeded" => runs_today.succeeded += n,
            "failed" => runs_today.failed += n,
            "cancelled" => runs_today.cancelled += n,
            _ => runs_today.unfinished += n,
        }
    }

    let queue = Queue {
        queued: count(pool, "SELECT COUNT(*) AS n FROM runs WHERE state = 'queued'", None).await?,
        running: count(pool, "SELECT COUNT(*) AS n FROM runs WHERE state = 'running'", None).await?,
        busy_workers: count(
            pool,
            "SELECT COUNT(DISTINCT lease_owner) AS n FROM runs WHERE state = 'running' AND mode = 'queued'",
            None,
        )
        .await?,
    };
    let tenants = TenantCounts {
        total: count(pool, "SELECT COUNT(*) AS n FROM tenants", None).await?,
        opted_in: count(pool, "SELECT COUNT(*) AS n FROM tenants WHERE opted_in = 1", None).await?,
    };
    let datasets_bytes =
        count(pool, "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS n FROM datasets WHERE deleted_at IS NULL", None)
            .await?;
    let components_bytes = count(
        pool,
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS n FROM (SELECT DISTINCT sha256, size FROM versions) AS blobs",
        None,
    )
    .await?;
    Ok(Overview {
        at: now,
        pending_reviews,
        runs_today,
        queue,
        tenants,
        storage: Storage { datasets_bytes, components_bytes, total_bytes: datasets_bytes + components_bytes },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_midnight_in_shanghai() {
        // 2026-12-01 15:30 UTC is 23:30 in Shanghai: the day began at 16:00 UTC the day before.
        let utc_1530 = 1_796_139_000_000;
        assert_eq!(shanghai_day_start(utc_1530), utc_1530 - 23 * 3_600_000 - 30 * 60_000);
        // 16:30 UTC is 00:30 the next day there.
        let utc_1630 = utc_1530 + 3_600_000;
        assert_eq!(shanghai_day_start(utc_1630), utc_1630 - 30 * 60_000);
        assert_eq!(shanghai_day_start(shanghai_day_start(utc_1630)), shanghai_day_start(utc_1630));
    }
}
