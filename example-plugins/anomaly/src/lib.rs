//! # anomaly
//!
//! Unusual months in each enterprise's own history: a robust z-score of every monthly value of
//! the chosen indicators against the enterprise's series of that indicator.
//!
//! ## Formula
//!
//! For each enterprise and indicator, over the series `x₁ … xₙ` of its non-null values:
//!
//! ```text
//! median   = median(x)                       (an even count takes the mean of the two middle values)
//! mad      = median(|xᵢ − median|)           (median absolute deviation)
//! robust_z = 0.6745 × (xᵢ − median) / mad
//! ```
//!
//! A value is an anomaly when `|robust_z| > threshold`. A series whose MAD is 0 (more than half
//! its values equal) flags nothing. Null and non-finite values are skipped, as are rows whose
//! `enterprise_id` or `month` is null.
//!
//! ## Parameters
//!
//! | name         | type   | default                                  | meaning                                  |
//! |--------------|--------|------------------------------------------|------------------------------------------|
//! | `threshold`  | f64    | 3.5                                      | flag when \|robust_z\| exceeds this (>= 0) |
//! | `indicators` | string | `output_value,energy_tce,electricity_kwh` | comma-separated indicator columns        |
//!
//! The indicators may be any of `output_value`, `revenue`, `profit`, `energy_tce`,
//! `electricity_kwh`, `water_m3` and `employees`; other names are refused as invalid
//! parameters. Repeated names count once.
//!
//! ## Datasets
//!
//! - `monthly_indicators`: `enterprise_id`, `month` (`YYYY-MM`) and the chosen indicators
//!   (f64, or s64 for `employees`). Rows may come in any order and in any number of batches.
//!
//! ## Outputs
//!
//! - table `anomalies`, sorted by `enterprise_id`, `month`, `indicator`: `enterprise_id` string,
//!   `month` string, `indicator` string, `value` f64, `median` f64, `mad` f64, `robust_z` f64.
//! - metric `anomaly_count`: rows of the table.
//! - metric `series`: enterprise-indicator series with at least one value.

use kiln_sdk::{Batch, Context, Dictionary, Error, Output, PerCode, Plugin, PluginInfo, Strings, ValueType, col};
use serde::Deserialize;

pub mod compute;
#[cfg(test)]
mod tests;

use compute::{Finding, Point};

/// The anomaly plugin.
pub struct Anomaly;

/// The parameters of a run (see the crate documentation).
#[derive(Debug, Clone, Deserialize)]
pub struct Params {
    /// Flag a value when the absolute value of its robust z-score exceeds this.
    pub threshold: f64,
    /// Comma-separated indicator columns to screen.
    pub indicators: String,
}

const MONTHLY: &str = "monthly_indicators";

/// The `monthly_indicators` columns that can be screened.
pub const INDICATORS: [&str; 7] =
    ["output_value", "revenue", "profit", "energy_tce", "electricity_kwh", "water_m3", "employees"];

const KEY_COLUMNS: [&str; 2] = ["enterprise_id", "month"];

impl Plugin for Anomaly {
    type Params = Params;

    fn info() -> PluginInfo {
        let mut columns = KEY_COLUMNS.to_vec();
        columns.extend(INDICATORS);
        PluginInfo::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .description(
                "Flags months where an enterprise's indicator departs from its own history, by the robust \
                 z-score 0.6745 × (x − median) / MAD.",
            )
            .param("threshold", 3.5, "Flag a value when |robust z| exceeds this.")
            .param(
                "indicators",
                "output_value,energy_tce,electricity_kwh",
                "Comma-separated indicators to screen, from: output_value, revenue, profit, energy_tce, \
                 electricity_kwh, water_m3, employees.",
            )
            .dataset(
                MONTHLY,
                &columns,
                "Monthly indicators; only enterprise_id, month and the chosen indicators are read.",
            )
            .table(
                "anomalies",
                "Values whose |robust z| exceeds the threshold; by enterprise_id, month, indicator.",
                &[
                    col("enterprise_id", ValueType::String),
                    col("month", ValueType::String).doc("YYYY-MM"),
                    col("indicator", ValueType::String),
                    col("value", ValueType::F64),
                    col("median", ValueType::F64).doc("of the enterprise's series of the indicator"),
                    col("mad", ValueType::F64).doc("median absolute deviation of that series"),
                    col("robust_z", ValueType::F64),
                ],
            )
            .metric("anomaly_count", "Rows of `anomalies`.")
            .metric("series", "Enterprise-indicator series screened.")
    }

    fn run(ctx: &mut Context, params: Params) -> Result<Output, Error> {
        if !(params.threshold.is_finite() && params.threshold >= 0.0) {
            return Err(Error::invalid_params(format!("`threshold` must be zero or more, got {}", params.threshold)));
        }
        // Sorted by name, so an indicator's index is its place in the output order.
        let indicators = parse_indicators(&params.indicators)?;
        let (enterprise_ids, points) = read_points(ctx, &indicators)?;

        let mut series = 0;
        let mut found: Vec<(usize, Finding)> = Vec::new();
        let mut one = Vec::new();
        for (indicator, points) in points.iter().enumerate() {
            series += compute::flag_indicator(points, enterprise_ids.len(), params.threshold, &mut one);
            found.extend(one.drain(..).map(|a| (indicator, a)));
        }

        let rank = ranks(&enterprise_ids);
        found.sort_unstable_by(|(ia, a), (ib, b)| {
            (rank[a.point.enterprise as usize], a.point.month, ia)
                .cmp(&(rank[b.point.enterprise as usize], b.point.month, ib))
                .then(a.point.value.total_cmp(&b.point.value))
        });
        ctx.info(format!("{} anomalies in {series} series", found.len()));

        let table = Batch::new()
            .with_str("enterprise_id", found.iter().map(|(_, a)| &enterprise_ids[a.point.enterprise as usize]))
            .with_str("month", found.iter().map(|(_, a)| kiln_sdk::month::format(a.point.month)))
            .with_str("indicator", found.iter().map(|&(i, _)| indicators[i]))
            .with_f64("value", found.iter().map(|(_, a)| a.point.value).collect())
            .with_f64("median", found.iter().map(|(_, a)| a.median).collect())
            .with_f64("mad", found.iter().map(|(_, a)| a.mad).collect())
            .with_f64("robust_z", found.iter().map(|(_, a)| a.robust_z).collect());
        let output = Output::new().table("anomalies", table);
        Ok(output.metric("anomaly_count", found.len() as f64, "").metric("series", series as f64, ""))
    }
}

kiln_sdk::export!(Anomaly);

/// Parses the `indicators` parameter into known column names, deduplicated and sorted.
pub fn parse_indicators(list: &str) -> Result<Vec<&'static str>, Error> {
    let mut chosen = Vec::new();
    for name in list.split(',').map(str::trim).filter(|name| !name.is_empty()) {
        let Some(&known) = INDICATORS.iter().find(|&&known| known == name) else {
            return Err(Error::invalid_params(format!(
                "unknown indicator `{name}`; choose from {}",
                INDICATORS.join(", ")
            )));
        };
        if !chosen.contains(&known) {
            chosen.push(known);
        }
    }
    if chosen.is_empty() {
        return Err(Error::invalid_params("`indicators` names no indicator"));
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// Streams `monthly_indicators` into one list of points per indicator. Enterprises are
/// numbered by their codes in the scan's dictionary of `enterprise_id`, returned with the points
/// by indicator index.
fn read_points(ctx: &mut Context, indicators: &[&str]) -> Result<(Dictionary, Vec<Vec<Point>>), Error> {
    let mut columns = KEY_COLUMNS.to_vec();
    columns.extend_from_slice(indicators);
    let mut points = vec![Vec::new(); indicators.len()];
    let mut keys: Vec<Option<(u32, u32)>> = Vec::new();
    let mut skipped_rows = 0_usize;
    // Parsed once per distinct month, not once per row.
    let mut month_of: PerCode<Result<u32, Error>> = PerCode::new();

    let mut scan = ctx.scan(MONTHLY, &columns)?;
    for batch in &mut scan {
        let batch = batch?;
        let usable = batch.rows_without_nulls(&KEY_COLUMNS)?;
        let ids = batch.dict("enterprise_id")?.codes();
        let months = batch.dict("month")?;
        let month_by_code = month_of.update(months, |month| Ok::<_, Error>(kiln_sdk::month::parse(month)))?;
        // Each row's (enterprise, month), or None when either is null; shared by the indicators.
        keys.clear();
        for (row, (&enterprise, &month)) in ids.iter().zip(months.codes()).enumerate() {
            if !usable.as_ref().is_none_or(|u| u[row]) {
                skipped_rows += 1;
                keys.push(None);
                continue;
            }
            keys.push(Some((enterprise, month_by_code[month as usize].clone()?)));
        }

        for (name, points) in indicators.iter().zip(&mut points) {
            // `employees` is s64: the SDK widens it to f64 here.
            let values = batch.f64(name)?;
            let validity = batch.column(name)?.validity.as_deref();
            for (row, (&key, &value)) in keys.iter().zip(values).enumerate() {
                if let Some((enterprise, month)) = key
                    && validity.is_none_or(|v| v[row])
                    && value.is_finite()
                {
                    points.push(Point { enterprise, month, value });
                }
            }
        }
    }
    let enterprise_ids = scan.dictionary("enterprise_id").unwrap_or_default();
    drop(scan);
    if skipped_rows > 0 {
        ctx.info(format!("{skipped_rows} rows without enterprise_id or month skipped"));
    }
    Ok((enterprise_ids, points))
}

/// Each index's position when the ids are sorted.
fn ranks(ids: &Strings) -> Vec<u32> {
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
    let mut rank = vec![0; ids.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
}
