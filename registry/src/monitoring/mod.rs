//! Regional monitoring: rollups of opted-in tenants' latest monthly reports by district →
//! park → industry → enterprise, with small cells suppressed ([`rollup`]).

pub mod rollup;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::{AnyPool, Row};

use crate::places::{Names, PlaceKind};
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

/// The names of the tenants that reported `month`, by id.
async fn enterprise_names(pool: &AnyPool, month: &str) -> Result<HashMap<String, String>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, t.name FROM monthly_reports r JOIN tenants t ON t.id = r.tenant WHERE r.month = $1 AND t.opted_in = 1",
    )
    .bind(month)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("name")?))).collect()
}

/// Names every key of every cell: places from `names` (the id itself where none was
/// imported), enterprises from `enterprises`. Only reference data is added; no cell's
/// indicators or suppression change.
pub fn label(cells: &mut [Cell], names: &Names, enterprises: &HashMap<String, String>) {
    for c in cells {
        c.district_name = c.district.as_deref().map(|id| names.name(PlaceKind::District, id));
        c.park_name = c.park.as_deref().map(|id| names.name(PlaceKind::Park, id));
        c.industry_name = c.industry.as_deref().map(|id| names.name(PlaceKind::Industry, id));
        c.enterprise_name =
            c.enterprise.as_deref().map(|id| enterprises.get(id).cloned().unwrap_or_else(|| id.to_string()));
    }
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
        let mut cells = rollup::rollup(&reports, K);
        // Names are imported in audited writes too, so they are as current as the head.
        let names = crate::store::places::names(pool).await?;
        label(&mut cells, &names, &enterprise_names(pool, month).await?);
        let cells = Arc::new(cells);
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
    fn labels_name_every_key_and_leave_suppression_alone() {
        use crate::places::{Name, Place};
        let report = |id: &str| Report {
            enterprise: id.into(),
            district: "yanta".into(),
            park: "qujiang".into(),
            industry: "C39".into(),
            output_value: 1.0,
            energy_tce: 1.0,
            electricity_kwh: 1.0,
            employees: 1.0,
            prior_output_value: None,
        };
        let mut cells = rollup::rollup(&[report("e1"), report("e2"), report("e3")], K);
        let before = cells.clone();
        let names = Names::new([Place {
            kind: PlaceKind::District,
            id: "yanta".into(),
            name: Name { zh: "雁塔区".into(), en: "Yanta District".into() },
        }]);
        let enterprises = HashMap::from([("e1".to_string(), "西安秦川电子有限公司".to_string())]);
        label(&mut cells, &names, &enterprises);
        for (c, b) in cells.iter().zip(&before) {
            assert_eq!((&c.indicators, c.suppressed, c.enterprises), (&b.indicators, b.suppressed, b.enterprises));
            assert_eq!(c.district_name.is_some(), c.district.is_some());
            assert_eq!(c.industry_name.is_some(), c.industry.is_some());
        }
        let e1 = cells.iter().find(|c| c.enterprise.as_deref() == Some("e1")).unwrap();
        assert_eq!(e1.district_name.as_ref().map(|n| n.en.as_str()), Some("Yanta District"));
        assert_eq!(e1.park_name, Some(Name::of_id("qujiang")), "an unknown park is named by its id");
        assert_eq!(e1.enterprise_name.as_deref(), Some("西安秦川电子有限公司"));
        assert!(e1.suppressed.is_some(), "a single enterprise stays suppressed, named or not");
    }

    #[test]
    fn a_year_before_keeps_the_month() {
        assert_eq!(year_before("2025-03").as_deref(), Some("2024-03"));
        assert_eq!(year_before("2025-13"), None);
        assert_eq!(year_before("25-03"), None);
        assert_eq!(year_before("march"), None);
    }
}
