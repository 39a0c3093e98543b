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

use kiln_sdk::{Batch, ColumnData, Context, Dictionary, Error, Output, PerCode, Plugin, PluginInfo, ValueType, col};
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
            .table(
                "intensity",
                "Each usable enterprise-month against its industry's median; by enterprise_id, month.",
                &[
                    col("enterprise_id", ValueType::String),
                    col("month", ValueType::String).doc("YYYY-MM"),
                    col("industry_code", ValueType::String),
                    col("intensity", ValueType::F64).doc("tce per 10k CNY"),
                    col("industry_median", ValueType::F64),
                    col("ratio_to_median", ValueType::F64).nullable().doc("null when the median is 0"),
                    col("flagged", ValueType::Bool),
                ],
            )
            .table(
                "worst",
                "The `top` enterprises by mean ratio to their industry median, highest first.",
                &[
                    col("enterprise_id", ValueType::String),
                    col("industry_code", ValueType::String),
                    col("mean_ratio", ValueType::F64),
                    col("flagged_months", ValueType::S64),
                ],
            )
            .metric("flagged_rows", "Enterprise-months above ratio × their industry median.")
            .metric("enterprises", "Enterprises with at least one usable month.")
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

        let industry_of = |enterprise: u32| directory.industry[enterprise as usize];
        let id_of = |enterprise: u32| &directory.ids[enterprise as usize];

        // The id, month and industry columns repeat a few values row after row: they go out as
        // codes into dictionaries of those values (the enterprise and industry indices already
        // are such codes, and a month's is its offset from the first).
        let (first_month, months) = compute::month_span(&observations);
        let month_names: Dictionary = (first_month..first_month + months as u32).map(kiln_sdk::month::format).collect();
        let n = observations.len();
        let (mut ids, mut month_codes, mut industries) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut intensity, mut median, mut ratio_to_median, mut flagged) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for (o, a) in observations.iter().zip(&assessments) {
            ids.push(o.enterprise);
            month_codes.push(o.month - first_month);
            industries.push(o.industry);
            intensity.push(o.intensity);
            median.push(a.industry_median);
            ratio_to_median.push(a.ratio_to_median);
            flagged.push(a.flagged);
        }
        let intensity_table = Batch::new()
            .with_dict("enterprise_id", directory.ids.clone(), ids)
            .with_dict("month", month_names, month_codes)
            .with_dict("industry_code", directory.industries.clone(), industries)
            .with_f64("intensity", intensity)
            .with_f64("industry_median", median)
            .with_nullable("ratio_to_median", ratio_to_median, ColumnData::F64)
            .with_bool("flagged", flagged);

        // A few rows: plain strings, not the whole dictionaries.
        let worst_table = Batch::new()
            .with_str("enterprise_id", worst.iter().map(|s| id_of(s.enterprise)))
            .with_str("industry_code", worst.iter().map(|s| &directory.industries[industry_of(s.enterprise) as usize]))
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
    ids: Dictionary,
    /// Industry index by enterprise index.
    industry: Vec<u32>,
    /// industry_code by industry index: the scan's dictionary of the column.
    industries: Dictionary,
}

impl Directory {
    /// Reads `enterprises`, leaving out rows without an id or industry; refuses duplicate ids.
    fn read(ctx: &mut Context) -> Result<Self, Error> {
        // (enterprise_id code, industry_code code) per usable row; codes of the scan's dictionaries.
        let mut rows: Vec<(u32, u32)> = Vec::new();
        let mut incomplete = 0_usize;
        let mut scan = ctx.scan(ENTERPRISES, &ENTERPRISE_COLUMNS)?;
        for batch in &mut scan {
            let batch = batch?;
            let usable = batch.rows_without_nulls(&ENTERPRISE_COLUMNS)?;
            let ids = batch.dict("enterprise_id")?.codes();
            let codes = batch.dict("industry_code")?.codes();
            for (row, (&id, &code)) in ids.iter().zip(codes).enumerate() {
                if usable.as_ref().is_none_or(|u| u[row]) {
                    rows.push((id, code));
                } else {
                    incomplete += 1;
                }
            }
        }
        let id_names = scan.dictionary("enterprise_id").unwrap_or_default();
        let industries = scan.dictionary("industry_code").unwrap_or_default();
        drop(scan);
        if incomplete > 0 {
            ctx.warn(format!("{incomplete} enterprises without enterprise_id or industry_code left out"));
        }

        rows.sort_unstable_by(|a, b| id_names[a.0 as usize].cmp(&id_names[b.0 as usize]));
        if let Some(pair) = rows.windows(2).find(|pair| id_names[pair[0].0 as usize] == id_names[pair[1].0 as usize]) {
            return Err(Error::invalid_data(format!(
                "enterprise `{}` appears twice in `{ENTERPRISES}`",
                &id_names[pair[0].0 as usize]
            )));
        }
        let ids: Dictionary = rows.iter().map(|&(id, _)| &id_names[id as usize]).collect();
        let index = ids.iter().enumerate().map(|(i, id)| (id.to_string(), i as u32)).collect();
        let industry = rows.iter().map(|&(_, code)| code).collect();
        Ok(Directory { index, ids, industry, industries })
    }
}

/// Streams `monthly_indicators` into one observation per usable row.
fn read_observations(ctx: &mut Context, directory: &Directory) -> Result<Vec<Observation>, Error> {
    let mut observations = Vec::new();
    let (mut unusable, mut unknown) = (0_usize, 0_usize);
    // Looked up and parsed once per distinct id and month, not once per row.
    let mut enterprise_of: PerCode<Option<u32>> = PerCode::new();
    let mut month_of: PerCode<Result<u32, Error>> = PerCode::new();
    for batch in ctx.scan(MONTHLY, &MONTHLY_COLUMNS)? {
        let batch = batch?;
        let usable = batch.rows_without_nulls(&MONTHLY_COLUMNS)?;
        let ids = batch.dict("enterprise_id")?;
        let months = batch.dict("month")?;
        let enterprise_by_code = enterprise_of.update(ids, |id| Ok::<_, Error>(directory.index.get(id).copied()))?;
        let month_by_code = month_of.update(months, |month| Ok::<_, Error>(kiln_sdk::month::parse(month)))?;
        let (ids, months) = (ids.codes(), months.codes());
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
            let Some(enterprise) = enterprise_by_code[ids[row] as usize] else {
                unknown += 1;
                continue;
            };
            observations.push(Observation {
                enterprise,
                industry: directory.industry[enterprise as usize],
                month: month_by_code[months[row] as usize].clone()?,
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
