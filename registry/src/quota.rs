//! Quota checks, each made inside the audited write that consumes the quota. The write's first
//! statement takes the audit head's lock (SQLite's write lock, PostgreSQL's row lock), so
//! concurrent writers check one after another and each sees what the previous one consumed:
//! two uploads cannot both fit in the last free bytes, two runs cannot both take the last slot
//! or the last CPU milliseconds.

use std::time::Duration;

use crate::error::{ApiError, ApiResult};
use crate::store::{WriteTx, datasets, runs, tenants};

/// Refuses unless `tenant` can store `adding` more bytes.
pub async fn storage(tx: &mut WriteTx, tenant: &str, adding: i64) -> ApiResult<()> {
    let quota = tenants::get_in(&mut tx.tx, tenant).await?.quotas.storage_bytes;
    let used = datasets::storage_used(&mut tx.tx, tenant).await?;
    if used.saturating_add(adding) > quota {
        return Err(ApiError::quota_exceeded(format!(
            "tenant {tenant} stores {used} of its {quota} bytes; this version needs {adding} more"
        )));
    }
    Ok(())
}

/// Admits one more run of `tenant` at `now` that may run for up to `timeout`: refuses when its
/// active-run slots or the day's CPU are used up, and otherwise returns the CPU to reserve for
/// it — its timeout, cut to what is left of the day's quota. The caller stores the reservation
/// with the run (and caps the run's timeout to it), so admissions that follow see it as used
/// until the run's finish settles it to what the run really took.
pub async fn admit_run(tx: &mut WriteTx, tenant: &str, now: i64, timeout: Duration) -> ApiResult<i64> {
    let quotas = tenants::get_in(&mut tx.tx, tenant).await?.quotas;
    let active = runs::active(&mut tx.tx, tenant).await?;
    if active >= quotas.max_active_runs {
        return Err(ApiError::quota_exceeded(format!(
            "tenant {tenant} has {active} runs queued or running; its quota is {}",
            quotas.max_active_runs
        )));
    }
    let used = runs::cpu_ms_since(&mut tx.tx, tenant, utc_day_start(now)).await?;
    let left = quotas.cpu_ms_per_day.saturating_sub(used);
    if left <= 0 {
        return Err(ApiError::quota_exceeded(format!(
            "tenant {tenant} used or reserved {used} ms of plugin CPU today; its quota is {} ms per day",
            quotas.cpu_ms_per_day
        )));
    }
    let wanted = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX).max(1);
    Ok(wanted.min(left))
}

/// Start of the current UTC day, unix ms: the CPU quota's window.
pub fn utc_day_start(now: i64) -> i64 {
    now - now.rem_euclid(86_400_000)
}
