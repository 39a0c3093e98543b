//! # output-growth
//!
//! Month-on-month and year-on-year growth of industrial output value, rolled up by district,
//! industrial park and industry.
//!
//! ## Formula
//!
//! Each `monthly_indicators` row is joined with `enterprises` on `enterprise_id`; the group of
//! an enterprise is its `district_id` (level `district`), `park_id` (level `park`) or
//! `industry_code` (level `industry`). For each level, group and month:
//!
//! ```text
//! output_value = Σ output_value of the group's enterprises that month
//! mom_pct      = (v − v[month − 1]) / v[month − 1] × 100
//! yoy_pct      = (v − v[month − 12]) / v[month − 12] × 100
//! ```
//!
//! A growth rate is null when the group has no rows in the month compared against, or its
//! output value there is 0. Rows with a null `enterprise_id`, `month` or `output_value`, and rows
//! of enterprises not in `enterprises`, are skipped; an enterprise with a null group key counts
//! in no group of that level.
//!
//! ## Parameters
//!
//! | name    | type   | default | meaning                                                    |
//! |---------|--------|---------|------------------------------------------------------------|
//! | `level` | string | `all`   | `all`, `district`, `park` or `industry`: which roll-ups to compute |
//!
//! ## Datasets
//!
//! - `enterprises`: `enterprise_id`, `district_id`, `park_id`, `industry_code` (only the key
//!   columns of the chosen levels are read).
//! - `monthly_indicators`: `enterprise_id`, `month` (`YYYY-MM`), `output_value` (10k CNY).
//!   Rows may come in any order and in any number of batches.
//!
//! ## Outputs
//!
//! - table `growth`, sorted by `level`, `group`, `month` (so levels come as `district`,
//!   `industry`, `park`): `level` string, `group` string, `month` string, `output_value` f64,
//!   `mom_pct` f64 (nullable), `yoy_pct` f64 (nullable).
//! - metric `groups`: distinct (level, group) pairs in the table.

use kiln_sdk::{Batch, ColumnData, Context, Dictionary, Error, Output, PerCode, Plugin, PluginInfo, ValueType, col};
use rustc_hash::FxHashMap;
use serde::Deserialize;

pub mod compute;
#[cfg(test)]
mod tests;

use compute::Contribution;

/// The output-growth plugin.
pub struct OutputGrowth;

/// The parameters of a run (see the crate documentation).
#[derive(Debug, Clone, Deserialize)]
pub struct Params {
    /// `all`, `district`, `park` or `industry`.
    pub level: String,
}

/// A roll-up level: its name in the output and the `enterprises` column holding the group key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// The level's name, as in the `level` parameter and output column.
    pub name: &'static str,
    /// The `enterprises` column that names an enterprise's group at this level.
    pub key_column: &'static str,
}

/// Every level, in output order (by name).
pub const LEVELS: [Level; 3] = [
    Level { name: "district", key_column: "district_id" },
    Level { name: "industry", key_column: "industry_code" },
    Level { name: "park", key_column: "park_id" },
];

const ENTERPRISES: &str = "enterprises";
/// The version describe() reports: the crate's, or `KILN_EXAMPLE_VERSION` when set at build
/// time (`kiln demo` builds a patch release this way, to leave one version waiting for review).
const VERSION: &str = match option_env!("KILN_EXAMPLE_VERSION") {
    Some(version) => version,
    None => env!("CARGO_PKG_VERSION"),
};
const MONTHLY: &str = "monthly_indicators";
const MONTHLY_COLUMNS: [&str; 3] = ["enterprise_id", "month", "output_value"];

impl Plugin for OutputGrowth {
    type Params = Params;

    fn info() -> PluginInfo {
        PluginInfo::new(env!("CARGO_PKG_NAME"), VERSION)
            .description(
                "Month-on-month and year-on-year growth of output value, summed by district, industrial park \
                 and industry.",
            )
            .param("level", "all", "Roll-up to compute: all, district, park or industry.")
            .dataset(
                ENTERPRISES,
                &["enterprise_id", "district_id", "park_id", "industry_code"],
                "Each enterprise's district, park and industry; only the chosen levels' columns are read.",
            )
            .dataset(MONTHLY, &MONTHLY_COLUMNS, "Monthly output value per enterprise.")
            .table(
                "growth",
                "Output value and its growth per group and month; by level, group, month.",
                &[
                    col("level", ValueType::String).doc("district, industry or park"),
                    col("group", ValueType::String).doc("the group's key at that level"),
                    col("month", ValueType::String).doc("YYYY-MM"),
                    col("output_value", ValueType::F64).doc("10k CNY"),
                    col("mom_pct", ValueType::F64).nullable().doc("null without a nonzero base"),
                    col("yoy_pct", ValueType::F64).nullable().doc("null without a nonzero base"),
                ],
            )
            .metric("groups", "Distinct (level, group) pairs in `growth`.")
    }

    fn run(ctx: &mut Context, params: Params) -> Result<Output, Error> {
        let levels = parse_level(&params.level)?;
        let directory = Directory::read(ctx, &levels)?;
        let contributions = read_contributions(ctx, &directory)?;

        // Levels, groups and months repeat row after row: they go out as codes into
        // dictionaries holding each once (a group's code is its index after the groups of the
        // levels before it; a month's, its offset from the first month).
        let rows: Vec<Vec<compute::Growth>> = levels
            .iter()
            .zip(&directory.group_names)
            .zip(&contributions)
            .map(|((_, names), contributions)| compute::growth(contributions, names.len(), directory.index.len()))
            .collect();
        let first_month = rows.iter().flatten().map(|g| g.month).min().unwrap_or(0);
        let last_month = rows.iter().flatten().map(|g| g.month).max().unwrap_or(0);
        let month_names: Dictionary = (first_month..=last_month).map(kiln_sdk::month::format).collect();
        let level_names: Dictionary = levels.iter().map(|l| l.name).collect();
        let group_names: Dictionary = directory.group_names.iter().flat_map(|names| names.iter()).collect();

        let (mut level_col, mut group_col, mut month_col) = (Vec::new(), Vec::new(), Vec::new());
        let (mut value_col, mut mom_col, mut yoy_col) = (Vec::new(), Vec::new(), Vec::new());
        let (mut groups, mut group_base) = (0, 0);
        for (level, (rows, names)) in rows.iter().zip(&directory.group_names).enumerate() {
            groups += rows.chunk_by(|a, b| a.group == b.group).count();
            for g in rows {
                level_col.push(level as u32);
                group_col.push(group_base + g.group);
                month_col.push(g.month - first_month);
                value_col.push(g.output_value);
                mom_col.push(g.mom_pct);
                yoy_col.push(g.yoy_pct);
            }
            group_base += names.len() as u32;
        }
        ctx.info(format!("{} group-months in {groups} groups", value_col.len()));

        let table = Batch::new()
            .with_dict("level", level_names, level_col)
            .with_dict("group", group_names, group_col)
            .with_dict("month", month_names, month_col)
            .with_f64("output_value", value_col)
            .with_nullable("mom_pct", mom_col, ColumnData::F64)
            .with_nullable("yoy_pct", yoy_col, ColumnData::F64);
        Ok(Output::new().table("growth", table).metric("groups", groups as f64, ""))
    }
}

kiln_sdk::export!(OutputGrowth);

/// The levels the `level` parameter selects, in output order.
pub fn parse_level(level: &str) -> Result<Vec<Level>, Error> {
    if level == "all" {
        return Ok(LEVELS.to_vec());
    }
    match LEVELS.iter().find(|l| l.name == level) {
        Some(&l) => Ok(vec![l]),
        None => Err(Error::invalid_params(format!("`level` must be all, district, park or industry, got `{level}`"))),
    }
}

/// The `enterprises` dataset reduced to each enterprise's group at each chosen level.
struct Directory {
    /// enterprise_id → enterprise index.
    index: FxHashMap<String, u32>,
    /// By level, then enterprise index: the group index, `None` when the key is null.
    group_of: Vec<Vec<Option<u32>>>,
    /// By level, then group index: the group key. Sorted, so index order is key order.
    group_names: Vec<Vec<String>>,
}

impl Directory {
    /// Reads `enterprises`, only the key columns of `levels`; refuses duplicate ids.
    fn read(ctx: &mut Context, levels: &[Level]) -> Result<Self, Error> {
        let mut columns = vec!["enterprise_id"];
        columns.extend(levels.iter().map(|l| l.key_column));
        let mut index: FxHashMap<String, u32> = FxHashMap::default();
        // By level, then enterprise index: the key's code in the scan's dictionary of the column.
        let mut key_of: Vec<Vec<Option<u32>>> = vec![Vec::new(); levels.len()];
        let mut without_id = 0_usize;

        let mut scan = ctx.scan(ENTERPRISES, &columns)?;
        for batch in &mut scan {
            let batch = batch?;
            let ids = batch.str("enterprise_id")?;
            let id_valid = batch.column("enterprise_id")?.validity.as_deref();
            let keys =
                levels.iter().map(|l| Ok(batch.dict(l.key_column)?.codes())).collect::<Result<Vec<_>, Error>>()?;
            let key_valid = levels
                .iter()
                .map(|l| Ok(batch.column(l.key_column)?.validity.as_deref()))
                .collect::<Result<Vec<_>, Error>>()?;
            for (row, id) in ids.iter().enumerate() {
                if !id_valid.is_none_or(|v| v[row]) {
                    without_id += 1;
                    continue;
                }
                if index.insert(id.to_string(), index.len() as u32).is_some() {
                    return Err(Error::invalid_data(format!("enterprise `{id}` appears twice in `{ENTERPRISES}`")));
                }
                for l in 0..levels.len() {
                    key_of[l].push(key_valid[l].is_none_or(|v| v[row]).then(|| keys[l][row]));
                }
            }
        }
        let dictionaries: Vec<Dictionary> =
            levels.iter().map(|l| scan.dictionary(l.key_column).unwrap_or_default()).collect();
        drop(scan);
        if without_id > 0 {
            ctx.warn(format!("{without_id} enterprises without enterprise_id left out"));
        }

        // Number each level's groups in key order, so sorting by index sorts by key. Only keys
        // of enterprises kept count: the dictionary may also hold keys of rows left out.
        let mut group_of = Vec::with_capacity(levels.len());
        let mut group_names = Vec::with_capacity(levels.len());
        for (keys, dictionary) in key_of.into_iter().zip(&dictionaries) {
            let mut used = vec![false; dictionary.len()];
            keys.iter().flatten().for_each(|&k| used[k as usize] = true);
            let mut order: Vec<u32> = (0..dictionary.len() as u32).filter(|&k| used[k as usize]).collect();
            order.sort_unstable_by(|&a, &b| dictionary[a as usize].cmp(&dictionary[b as usize]));
            let mut rank = vec![0_u32; dictionary.len()];
            for (r, &k) in order.iter().enumerate() {
                rank[k as usize] = r as u32;
            }
            group_of.push(keys.into_iter().map(|k| k.map(|k| rank[k as usize])).collect());
            group_names.push(order.iter().map(|&k| dictionary[k as usize].to_string()).collect());
        }
        Ok(Directory { index, group_of, group_names })
    }
}

/// Streams `monthly_indicators` into one list of contributions per chosen level.
fn read_contributions(ctx: &mut Context, directory: &Directory) -> Result<Vec<Vec<Contribution>>, Error> {
    let mut contributions = vec![Vec::new(); directory.group_of.len()];
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
        let values = batch.f64("output_value")?;
        for row in 0..batch.num_rows() {
            if !usable.as_ref().is_none_or(|u| u[row]) {
                unusable += 1;
                continue;
            }
            let Some(enterprise) = enterprise_by_code[ids[row] as usize] else {
                unknown += 1;
                continue;
            };
            let month = month_by_code[months[row] as usize].clone()?;
            for (groups, contributions) in directory.group_of.iter().zip(&mut contributions) {
                if let Some(group) = groups[enterprise as usize] {
                    contributions.push(Contribution { enterprise, group, month, value: values[row] });
                }
            }
        }
    }
    if unusable > 0 {
        ctx.info(format!("{unusable} rows with nulls skipped"));
    }
    if unknown > 0 {
        ctx.warn(format!("{unknown} rows of enterprises not in `{ENTERPRISES}` skipped"));
    }
    Ok(contributions)
}
