//! Regional monitoring: rollups of opted-in tenants' latest monthly reports by district →
//! park → industry → enterprise, with small cells suppressed ([`rollup`]).

pub mod rollup;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::{AnyPool, Row};

use crate::store::StoreError;
use rollup::{Cell, Report};

/// The default k: a cell needs at least this many enterprises to be published.
pub const K: u64 = 3;

/// Checks `month` is `YYYY-MM` and returns the same month a year earlier.
pub fn year_before(month: &str) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    let (year, mm) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
    (y.len() == 4 && m.len() == 2 && (1..=12).contains(&mm)).then(|| format!("{:04}-{m}", year - 1))
}

/// The opted-in tenants' reports for `month`, each with its output a year earlier if reported.
pub async fn reports(pool: &AnyPool, month: &str) -> Result<Vec<Report>, StoreError> {
    let prior = year_before(month).unwrap_or_default();
    let rows = sqlx::query(
        "SELECT t.id, t.district, t.park, t.industry, r.output_value, r.energy_tce, r.electricity_kwh, r.employees, \
         p.output_value AS prior_output FROM monthly_reports r JOIN tenants t ON t.id = r.tenant \
         LEFT JOIN monthly_reports p ON p.tenant = r.tenant AND p.month = $2 \
         WHERE r.month = $1 AND t.opted_in = 1",
    )
    .bind(month)
    .bind(&prior)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Report {
                enterprise: row.try_get("id")?,
                district: row.try_get("district")?,
                park: row.try_get("park")?,
                industry: row.try_get("industry")?,
                output_value: row.try_get("output_value")?,
                energy_tce: row.try_get("energy_tce")?,
                electricity_kwh: row.try_get("electricity_kwh")?,
                employees: row.try_get::<i64, _>("employees")? as f64,
                prior_output_value: row.try_get("prior_output")?,
            })
        })
        .collect()
}

/// The newest month anyone reported, the default month of a rollup. (The monthly-report index
/// answers it without a scan.)
pub async fn latest_month(pool: &AnyPool) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT MAX(month) AS m FROM monthly_reports").fetch_one(pool).await?;
    Ok(row.try_get("m")?)
}

/// The audit chain's head: every change to reports, tenants or opt-ins is an audited write, so
/// a rollup computed at one head stays exact until the head moves — in any process.
async fn head(pool: &AnyPool) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1").fetch_one(pool).await?.try_get("seq")?)
}

/// A month's suppressed hierarchy and the audit head it was computed at.
type Computed = (i64, Arc<Vec<Cell>>);

/// Suppressed rollups by month, kept until the database changes.
#[derive(Debug, Default)]
pub struct RollupCache {
    months: Mutex<HashMap<String, Computed>>,
}

impl RollupCache {
    /// The whole suppressed hierarchy for `month`, computed at most once per database state.
    pub async fn get(&self, pool: &AnyPool, month: &str) -> Result<Arc<Vec<Cell>>, StoreError> {
        let at = head(pool).await?;
        if let Some((seq, cells)) = self.months.lock().unwrap_or_else(|p| p.into_inner()).get(month)
            && *seq == at
        {
            return Ok(cells.clone());
        }
        let reports = reports(pool, month).await?;
        let cells = Arc::new(rollup::rollup(&reports, K));
        let mut months = self.months.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: a few dozen months of a few thousand cells each.
        if months.len() >= 64 {
            months.clear();
        }
        months.insert(month.to_string(), (at, cells.clone()));
        Ok(cells)
    }
}

/// Months with reports from opted-in tenants, newest first, with how many report each.
pub async fn months(pool: &AnyPool) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.month, COUNT(*) AS n FROM monthly_reports r JOIN tenants t ON t.id = r.tenant \
         WHERE t.opted_in = 1 GROUP BY r.month ORDER BY r.month DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("month")?, r.try_get("n")?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_before_keeps_the_month() {
        assert_eq!(year_before("2025-03").as_deref(), Some("2024-03"));
        assert_eq!(year_before("2025-13"), None);
        assert_eq!(year_before("25-03"), None);
        assert_eq!(year_before("march"), None);
    }
}
