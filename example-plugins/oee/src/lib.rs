//! # oee
//!
//! Overall equipment effectiveness (OEE) of every machine, every enterprise and the whole fleet,
//! from daily equipment telemetry.
//!
//! ## Formula
//!
//! Over a machine's rows (or all rows of an enterprise's machines, or of every machine):
//!
//! ```text
//! availability = Σ run_min / Σ planned_min                          (0 without planned time)
//! performance  = min(1, Σ (ideal_cycle_s × total_count) / 60 / Σ run_min)   (0 without run time)
//! quality      = Σ good_count / Σ total_count                        (0 without output)
//! oee          = availability × performance × quality
//! ```
//!
//! Enterprise and fleet figures pool the sums of their machines; they are not means of machine
//! ratios. A row with a null in any column read is skipped. A machine belongs to one
//! enterprise: a `machine_id` reported under two enterprise ids is refused as invalid data.
//!
//! ## Parameters
//!
//! | name              | type | default | meaning                                                    |
//! |-------------------|------|---------|------------------------------------------------------------|
//! | `min_planned_min` | f64  | 0       | leave out machines whose Σ planned_min is below this (>= 0) |
//!
//! Machines left out count nowhere: not in `by_enterprise`, `fleet_oee` or `machines`.
//!
//! ## Datasets
//!
//! - `equipment_telemetry`: `machine_id`, `enterprise_id`, `planned_min`, `run_min`,
//!   `ideal_cycle_s`, `total_count`, `good_count` (one row per machine per day, any order).
//!
//! ## Outputs
//!
//! - table `by_machine`, sorted by `machine_id`: `machine_id` string, `enterprise_id` string,
//!   `availability` f64, `performance` f64, `quality` f64, `oee` f64.
//! - table `by_enterprise`, sorted by `enterprise_id`: `enterprise_id` string, `machines` s64,
//!   `availability` f64, `performance` f64, `quality` f64, `oee` f64.
//! - metric `fleet_oee`: OEE of all machines kept, pooled.
//! - metric `machines`: machines kept.

use kiln_sdk::{Batch, ColumnSpec, Context, Dictionary, Error, Output, Plugin, PluginInfo, ValueType, col};
use serde::Deserialize;

pub mod compute;
#[cfg(test)]
mod tests;

use compute::{Effectiveness, Totals};

/// The OEE plugin.
pub struct Oee;

/// The parameters of a run (see the crate documentation).
#[derive(Debug, Clone, Deserialize)]
pub struct Params {
    /// Leave out machines with less planned time than this, in minutes.
    pub min_planned_min: f64,
}

const TELEMETRY: &str = "equipment_telemetry";
const TELEMETRY_COLUMNS: [&str; 7] =
    ["machine_id", "enterprise_id", "planned_min", "run_min", "ideal_cycle_s", "total_count", "good_count"];

impl Plugin for Oee {
    type Params = Params;

    fn info() -> PluginInfo {
        PluginInfo::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .description(
                "Overall equipment effectiveness (availability × performance × quality) per machine, \
                 per enterprise and for the whole fleet.",
            )
            .param("min_planned_min", 0.0, "Leave out machines with less planned time than this, in minutes.")
            .dataset(TELEMETRY, &TELEMETRY_COLUMNS, "Daily planned and run time and unit counts per machine.")
            .table(
                "by_machine",
                "Each kept machine's OEE and its factors; by machine_id.",
                &ratio_columns(&[col("machine_id", ValueType::String), col("enterprise_id", ValueType::String)]),
            )
            .table(
                "by_enterprise",
                "Each enterprise's OEE over its kept machines, sums pooled; by enterprise_id.",
                &ratio_columns(&[col("enterprise_id", ValueType::String), col("machines", ValueType::S64)]),
            )
            .metric("fleet_oee", "OEE of every machine kept, sums pooled.")
            .metric("machines", "Machines kept.")
    }

    fn run(ctx: &mut Context, params: Params) -> Result<Output, Error> {
        if !(params.min_planned_min.is_finite() && params.min_planned_min >= 0.0) {
            return Err(Error::invalid_params(format!(
                "`min_planned_min` must be zero or more, got {}",
                params.min_planned_min
            )));
        }
        let fleet = Fleet::read(ctx)?;

        // Kept machines in machine_id order.
        let seen: Vec<u32> =
            (0..fleet.totals.len() as u32).filter(|&m| fleet.enterprise_of[m as usize].is_some()).collect();
        let mut kept: Vec<u32> =
            seen.iter().copied().filter(|&m| fleet.totals[m as usize].planned_min >= params.min_planned_min).collect();
        kept.sort_unstable_by(|&a, &b| fleet.machine_ids[a as usize].cmp(&fleet.machine_ids[b as usize]));
        let left_out = seen.len() - kept.len();
        if left_out > 0 {
            ctx.info(format!("{left_out} machines with less than {} planned minutes left out", params.min_planned_min));
        }

        let machine_totals: Vec<Totals> = kept.iter().map(|&m| fleet.totals[m as usize]).collect();
        let machine_enterprise: Vec<u32> = kept.iter().map(|&m| fleet.enterprise_of[m as usize].unwrap_or(0)).collect();
        let (enterprise_totals, enterprise_machines) =
            compute::roll_up(&machine_totals, &machine_enterprise, fleet.enterprise_ids.len());
        let fleet_oee = compute::oee(&compute::pooled(&machine_totals));

        let by_machine = ratios_table(
            Batch::new()
                .with_str("machine_id", kept.iter().map(|&m| &fleet.machine_ids[m as usize]))
                .with_str("enterprise_id", machine_enterprise.iter().map(|&e| &fleet.enterprise_ids[e as usize])),
            machine_totals.iter().map(compute::oee).collect(),
        );

        let mut enterprises: Vec<u32> =
            (0..fleet.enterprise_ids.len() as u32).filter(|&e| enterprise_machines[e as usize] > 0).collect();
        enterprises.sort_unstable_by(|&a, &b| fleet.enterprise_ids[a as usize].cmp(&fleet.enterprise_ids[b as usize]));
        let by_enterprise = ratios_table(
            Batch::new()
                .with_str("enterprise_id", enterprises.iter().map(|&e| &fleet.enterprise_ids[e as usize]))
                .with_s64("machines", enterprises.iter().map(|&e| enterprise_machines[e as usize]).collect()),
            enterprises.iter().map(|&e| compute::oee(&enterprise_totals[e as usize])).collect(),
        );

        ctx.info(format!(
            "{} machines of {} enterprises, fleet OEE {:.4}",
            kept.len(),
            enterprises.len(),
            fleet_oee.oee
        ));
        Ok(Output::new()
            .table("by_machine", by_machine)
            .table("by_enterprise", by_enterprise)
            .metric("fleet_oee", fleet_oee.oee, "")
            .metric("machines", kept.len() as f64, ""))
    }
}

kiln_sdk::export!(Oee);

/// `keys` followed by the declarations of the columns [`ratios_table`] appends.
fn ratio_columns(keys: &[ColumnSpec]) -> Vec<ColumnSpec> {
    let mut columns = keys.to_vec();
    columns.extend(["availability", "performance", "quality", "oee"].map(|name| col(name, ValueType::F64)));
    columns
}

/// Appends the availability, performance, quality and oee columns to `keys`.
fn ratios_table(keys: Batch, rows: Vec<Effectiveness>) -> Batch {
    keys.with_f64("availability", rows.iter().map(|o| o.availability).collect())
        .with_f64("performance", rows.iter().map(|o| o.performance).collect())
        .with_f64("quality", rows.iter().map(|o| o.quality).collect())
        .with_f64("oee", rows.iter().map(|o| o.oee).collect())
}

/// Every machine's summed telemetry. Machines and enterprises are numbered by their codes in
/// the scan's dictionaries, so a row finds its machine without hashing its id.
#[derive(Default)]
struct Fleet {
    /// machine_id by machine index: the scan's dictionary, which may hold machines seen only in
    /// skipped rows (those have no enterprise).
    machine_ids: Dictionary,
    /// Enterprise index by machine index; `None` for a machine without a usable row.
    enterprise_of: Vec<Option<u32>>,
    /// Summed telemetry by machine index.
    totals: Vec<Totals>,
    /// enterprise_id by enterprise index: the scan's dictionary.
    enterprise_ids: Dictionary,
}

impl Fleet {
    /// Streams `equipment_telemetry`, summing each machine's rows; refuses a machine reported
    /// under two enterprises.
    fn read(ctx: &mut Context) -> Result<Self, Error> {
        let mut fleet = Fleet::default();
        let mut skipped = 0_usize;
        let mut scan = ctx.scan(TELEMETRY, &TELEMETRY_COLUMNS)?;
        for batch in &mut scan {
            let batch = batch?;
            let usable = batch.rows_without_nulls(&TELEMETRY_COLUMNS)?;
            let machines = batch.dict("machine_id")?;
            let enterprises = batch.dict("enterprise_id")?;
            fleet.enterprise_of.resize(machines.values().len(), None);
            fleet.totals.resize(machines.values().len(), Totals::default());
            let planned = batch.f64("planned_min")?;
            let run = batch.f64("run_min")?;
            let cycle = batch.f64("ideal_cycle_s")?;
            let total = batch.s64("total_count")?;
            let good = batch.s64("good_count")?;
            for (row, (&machine, &enterprise)) in machines.codes().iter().zip(enterprises.codes()).enumerate() {
                if !usable.as_ref().is_none_or(|u| u[row]) {
                    skipped += 1;
                    continue;
                }
                let m = machine as usize;
                match fleet.enterprise_of[m] {
                    Some(known) if known != enterprise => {
                        return Err(Error::invalid_data(format!(
                            "machine `{}` is reported under enterprises `{}` and `{}`",
                            &machines.values()[m],
                            &enterprises.values()[known as usize],
                            &enterprises.values()[enterprise as usize],
                        )));
                    }
                    Some(_) => {}
                    None => fleet.enterprise_of[m] = Some(enterprise),
                }
                fleet.totals[m].add_row(planned[row], run[row], cycle[row], total[row], good[row]);
            }
        }
        fleet.machine_ids = scan.dictionary("machine_id").unwrap_or_default();
        fleet.enterprise_ids = scan.dictionary("enterprise_id").unwrap_or_default();
        drop(scan);
        if skipped > 0 {
            ctx.info(format!("{skipped} telemetry rows with nulls skipped"));
        }
        Ok(fleet)
    }
}
