//! # energy-intensity
//!
//! Energy intensity of every enterprise and month, compared with the median intensity of its
//! industry in the same month, and a list of the enterprises furthest above their peers.
//!
//! ## Formula
//!
//! ```text
//! intensity        = energy_tce / output_value                (tce per 10k CNY)
//! industry_median  = median of intensity over the enterprises with the same industry_code
//!                    in the same month (an even count takes the mean of the two middle values)
//! ratio_to_median  = intensity / industry_median
//! flagged          = intensity > ratio × industry_median
//! mean_ratio       = mean of an enterprise's ratio_to_median over all its months
//! ```
//!
//! A row is skipped when any column read is null, when `output_value <= 0`, when the intensity
//! is not a finite number, or when its enterprise is not in `enterprises` (or has no
//! `industry_code`); skipped rows count toward no median. A median of exactly 0 leaves
//! `ratio_to_median` null and the row unflagged, and such rows do not enter `mean_ratio`.
//!
//! ## Parameters
//!
//! | name    | type | default | meaning                                                          |
//! |---------|------|---------|------------------------------------------------------------------|
//! | `ratio` | f64  | 1.5     | flag an enterprise-month when intensity > `ratio` × industry median (must be > 0) |
//! | `top`   | s64  | 20      | how many enterprises the `worst` table lists (must be >= 0)      |
//!
//! ## Datasets
//!
//! - `enterprises`: `enterprise_id`, `industry_code` (GB/T 4754 division, the peer group).
//! - `monthly_indicators`: `enterprise_id`, `month` (`YYYY-MM`), `output_value` (10k CNY),
//!   `energy_tce`. Rows may come in any order and in any number of batches.
//!
//! ## Outputs
//!
//! - table `intensity`, one row per usable enterprise-month, sorted by `enterprise_id`, `month`:
//!   `enterprise_id` string, `month` string, `industry_code` string, `intensity` f64,
//!   `industry_median` f64, `ratio_to_median` f64 (null when the median is 0), `flagged` bool.
//! - table `worst`, the `top` enterprises by `mean_ratio`, highest first, ties by
//!   `enterprise_id`: `enterprise_id` string, `industry_code` string, `mean_ratio` f64,
//!   `flagged_months` s64.
//! - metric `flagged_rows`: rows of `intensity` with `flagged` true.
//! - metric `enterprises`: distinct enterprises in `intensity`.

use kiln_sdk::{Batch, ColumnData, Context, Error, Output, Plugin, PluginInfo};
use rustc_hash::FxHashMap;
use serde::Deserialize;

pub mod compute;
#[cfg(test)]
mod tests;

use compute::Observation;

/// The energy-intensity plugin.
pub struct EnergyIntensity;

/// The parameters of a run (see the crate documentation).
#[derive(Debug, Clone, Deserialize)]
pub struct Params {
    /// Flag an enterprise-month when its intensity exceeds `ratio` × its industry's median.
    pub ratio: f64,
    /// How many enterprises the `worst` table lists.
    pub top: i64,
}

const ENTERPRISES: &str = "enterprises";
const ENTERPRISE_COLUMNS: [&str; 2] = ["enterprise_id", "industry_code"];
const MONTHLY: &str = "monthly_indicators";
const MONTHLY_COLUMNS: [&str; 4] = ["enterprise_id", "month", "output_value", "energy_tce"];

impl Plugin for EnergyIntensity {
    type Params = Params;

    fn info() -> PluginInfo {
        PluginInfo::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .description(
                "Energy intensity (tce per 10k CNY of output) per enterprise and month, compared with the \
                 median of its industry in that month; lists the enterprises furthest above their peers.",
            )
            .param("ratio", 1.5, "Flag an enterprise-month when its intensity exceeds ratio × its industry median.")
            .param("top", 20_i64, "How many enterprises the `worst` table lists.")
            .dataset(ENTERPRISES, &ENTERPRISE_COLUMNS, "Each enterprise's industry, its peer group.")
            .dataset(MONTHLY, &MONTHLY_COLUMNS, "Monthly output value and energy use.")
            .output(
                "intensity",
                "enterprise_id, month, industry_code, intensity, industry_median, ratio_to_median, flagged; \
                 by enterprise_id, month.",
            )
            .output(
                "worst",
                "enterprise_id, industry_code, mean_ratio, flagged_months: the `top` enterprises by mean \
                 ratio to their industry median.",
            )
            .output("flagged_rows", "Enterprise-months above ratio × their industry median.")
            .output("enterprises", "Enterprises with at least one usable month.")
    }

    fn run(ctx: &mut Context, params: Params) -> Result<Output, Error> {
        if !(params.ratio.is_finite() && params.ratio > 0.0) {
            return Err(Error::invalid_params(format!("`ratio` must be a positive number, got {}", params.ratio)));
        }
        if params.top < 0 {
            return Err(Error::invalid_params(format!("`top` must be zero or more, got {}", params.top)));
        }
        // Beyond usize (32-bit under Wasm) simply means "all of them".
        let top = usize::try_from(params.top).unwrap_or(usize::MAX);

        let directory = Directory::read(ctx)?;
        let observations = read_observations(ctx, &directory)?;
        // Enterprise indices follow enterprise_id, so this is the output order.
        let observations = compute::by_enterprise_and_month(&observations, directory.ids.len());

        let medians = compute::industry_medians(&observations, directory.industries.len());
        let assessments: Vec<_> = observations
            .iter()
            .zip(&medians)
            .map(|(o, &median)| compute::assess(o.intensity, median, params.ratio))
            .collect();
        let standings = compute::standings(&observations, &assessments, directory.ids.len());
        let worst = compute::worst(&standings, top);
        let flagged_rows = assessments.iter().filter(|a| a.flagged).count();

        ctx.info(format!(
            "{} enterprise-months of {} enterprises, {flagged_rows} flagged",
            observations.len(),
            standings.len()
        ));

        let industry_of =
            |enterprise: u32| directory.industries[directory.industry[enterprise as usize] as usize].clone();
        let id_of = |enterprise: u32| directory.ids[enterprise as usize].clone();

        let n = observations.len();
        let (mut ids, mut months, mut industries) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut intensity, mut median, mut ratio_to_median, mut flagged) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for (o, a) in observations.iter().zip(&assessments) {
            ids.push(id_of(o.enterprise));
            months.push(kiln_sdk::month::format(o.month));
            industries.push(industry_of(o.enterprise));
            intensity.push(o.intensity);
            median.push(a.industry_median);
            ratio_to_median.push(a.ratio_to_median);
            flagged.push(a.flagged);
        }
        let intensity_table = Batch::new()
            .with_str("enterprise_id", ids)
            .with_str("month", months)
            .with_str("industry_code", industries)
            .with_f64("intensity", intensity)
            .with_f64("industry_median", median)
            .with_nullable("ratio_to_median", ratio_to_median, ColumnData::F64)
            .with_bool("flagged", flagged);

        let worst_table = Batch::new()
            .with_str("enterprise_id", worst.iter().map(|s| id_of(s.enterprise)))
            .with_str("industry_code", worst.iter().map(|s| industry_of(s.enterprise)))
            .with_f64("mean_ratio", worst.iter().map(|s| s.mean_ratio.unwrap_or(f64::NAN)).collect())
            .with_s64("flagged_months", worst.iter().map(|s| s.flagged_months).collect());

        Ok(Output::new()
            .table("intensity", intensity_table)
            .table("worst", worst_table)
            .metric("flagged_rows", flagged_rows as f64, "")
            .metric("enterprises", standings.len() as f64, ""))
    }
}

kiln_sdk::export!(EnergyIntensity);

/// The `enterprises` dataset reduced to what the plugin needs: ids and industries.
struct Directory {
    /// enterprise_id → enterprise index.
    index: FxHashMap<String, u32>,
    /// enterprise_id by index, sorted, so index order is id order.
    ids: Vec<String>,
    /// Industry index by enterprise index.
    industry: Vec<u32>,
    /// industry_code by industry index.
    industries: Vec<String>,
}

impl Directory {
    /// Reads `enterprises`, leaving out rows without an id or industry; refuses duplicate ids.
    fn read(ctx: &mut Context) -> Result<Self, Error> {
        let mut industry_index: FxHashMap<String, u32> = FxHashMap::default();
        let mut industries = Vec::new();
        let mut rows: Vec<(String, u32)> = Vec::new();
        let mut incomplete = 0_usize;
        for batch in ctx.scan(ENTERPRISES, &ENTERPRISE_COLUMNS)? {
            let batch = batch?;
            let usable = batch.rows_without_nulls(&ENTERPRISE_COLUMNS)?;
            let ids = batch.str("enterprise_id")?;
            let codes = batch.str("industry_code")?;
            for (row, (id, code)) in ids.iter().zip(codes).enumerate() {
                if !usable.as_ref().is_none_or(|u| u[row]) {
                    incomplete += 1;
                    continue;
                }
                let industry = match industry_index.get(code) {
                    Some(&i) => i,
                    None => {
                        let i = industries.len() as u32;
                        industry_index.insert(code.to_string(), i);
                        industries.push(code.to_string());
                        i
                    }
                };
                rows.push((id.to_string(), industry));
            }
        }
        if incomplete > 0 {
            ctx.warn(format!("{incomplete} enterprises without enterprise_id or industry_code left out"));
        }

        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = rows.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(Error::invalid_data(format!("enterprise `{}` appears twice in `{ENTERPRISES}`", pair[0].0)));
        }
        let index = rows.iter().enumerate().map(|(i, (id, _))| (id.clone(), i as u32)).collect();
        let (ids, industry) = rows.into_iter().unzip();
        Ok(Directory { index, ids, industry, industries })
    }
}

/// Streams `monthly_indicators` into one observation per usable row.
fn read_observations(ctx: &mut Context, directory: &Directory) -> Result<Vec<Observation>, Error> {
    let mut observations = Vec::new();
    let (mut unusable, mut unknown) = (0_usize, 0_usize);
    for batch in ctx.scan(MONTHLY, &MONTHLY_COLUMNS)? {
        let batch = batch?;
        let usable = batch.rows_without_nulls(&MONTHLY_COLUMNS)?;
        let ids = batch.str("enterprise_id")?;
        let months = batch.str("month")?;
        let output = batch.f64("output_value")?;
        let energy = batch.f64("energy_tce")?;
        for row in 0..batch.num_rows() {
            if !usable.as_ref().is_none_or(|u| u[row]) || output[row] <= 0.0 {
                unusable += 1;
                continue;
            }
            let intensity = energy[row] / output[row];
            if !intensity.is_finite() {
                unusable += 1;
                continue;
            }
            let Some(&enterprise) = directory.index.get(&ids[row]) else {
                unknown += 1;
                continue;
            };
            observations.push(Observation {
                enterprise,
                industry: directory.industry[enterprise as usize],
                month: kiln_sdk::month::parse(&months[row])?,
                intensity,
            });
        }
    }
    if unusable > 0 {
        ctx.info(format!("{unusable} rows with nulls, no output value or no finite intensity skipped"));
    }
    if unknown > 0 {
        ctx.warn(format!("{unknown} rows of enterprises without a known industry skipped"));
    }
    Ok(observations)
}
