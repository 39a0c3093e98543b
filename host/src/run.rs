//! Running a plugin: one fresh store per run, every limit enforced, every failure typed.

use std::sync::Arc;
use std::time::Instant;

use wasmtime::Trap;

use crate::bindings::v0_1_0::{ColumnData, Output, Param, PluginError};
use crate::data::{DataSource, Grants};
use crate::engine::Host;
use crate::error::{Abort, RunError};
use crate::limits::{Limits, Usage};
use crate::log::RunLog;
use crate::plugin::Plugin;
use crate::state::{DataAccess, RunState};

/// What to run a plugin with.
#[derive(Clone, Default)]
pub struct RunRequest {
    /// Parameters, complete and typed (see [`crate::params_from_text`]).
    pub params: Vec<Param>,
    /// The data source and what of it is granted; `None` for a run that reads nothing.
    pub data: Option<(Arc<dyn DataSource>, Grants)>,
    /// Limits, capped by the host's configured cap.
    pub limits: Limits,
}

/// The result of a run, with what it consumed and logged whether it succeeded or not.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The output, or why there is none.
    pub result: Result<Output, RunError>,
    /// Resources consumed.
    pub usage: Usage,
    /// The captured log.
    pub log: RunLog,
}

impl Host {
    /// Runs `plugin` once. A trap, limit or guest error ends this run only.
    pub async fn run(&self, plugin: &Plugin, request: RunRequest) -> RunReport {
        let limits = request.limits.capped_by(&self.config.cap);
        let access =
            request.data.map(|(source, grants)| DataAccess { source, grants, batch_rows: self.config.batch_rows });
        let started = Instant::now();
        let mut store = match self.store(&limits, access) {
            Ok(store) => store,
            Err(e) => {
                return RunReport {
                    result: Err(RunError::Trap(format!("{e:#}"))),
                    usage: Usage::default(),
                    log: RunLog::default(),
                };
            }
        };
        let called = async {
            let instance = plugin.pre.instantiate_async(&mut store).await?;
            instance.kiln_plugin_guest().call_run(&mut store, &request.params).await
        }
        .await;
        let wall = started.elapsed();
        let fuel = match store.get_fuel() {
            Ok(left) => limits.fuel.saturating_sub(left),
            Err(_) => 0, // fuel metering is off
        };
        let state = store.into_data();
        let log = state.log.finish();
        let result = match called {
            Ok(Ok(output)) => check_output(output, &limits),
            Ok(Err(e)) => Err(RunError::Guest(guest_message(e))),
            Err(e) => Err(classify(e, &state, &log, &limits)),
        };
        let usage = Usage {
            wall_us: wall.as_micros() as u64,
            fuel,
            peak_memory_bytes: state.limiter.peak_memory,
            rows_read: state.rows_read,
            output_bytes: result.as_ref().map_or(0, output_size),
            log_bytes: log.bytes,
        };
        RunReport { result, usage, log }
    }
}

fn guest_message(e: PluginError) -> String {
    match e {
        PluginError::InvalidParams(m) => format!("invalid parameters: {m}"),
        PluginError::InvalidData(m) => format!("invalid data: {m}"),
        PluginError::Failed(m) => m,
    }
}

/// Names the limit or fault behind a failed call.
fn classify(e: wasmtime::Error, state: &RunState, log: &RunLog, limits: &Limits) -> RunError {
    if let Some(abort) = e.downcast_ref::<Abort>() {
        return match abort {
            Abort::Timeout => RunError::Timeout(limits.timeout),
            Abort::Rows => RunError::Rows(limits.rows),
            Abort::Ungranted(what) => RunError::Ungranted(what.clone()),
            Abort::Misuse(what) => RunError::Trap(what.clone()),
        };
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => return RunError::Cpu(limits.fuel),
        Some(Trap::StackOverflow) => return RunError::Stack,
        Some(Trap::Interrupt) => return RunError::Timeout(limits.timeout),
        _ => {}
    }
    // A refused growth makes the guest's allocator abort; report the limit, not the abort.
    if state.limiter.memory_refused {
        return RunError::Memory(limits.memory_bytes);
    }
    if state.limiter.table_refused {
        return RunError::Table(limits.table_elements);
    }
    if let Some(message) = log.panic_message() {
        return RunError::Panic(message);
    }
    match e.downcast_ref::<Trap>() {
        Some(trap) => RunError::Trap(trap.to_string()),
        None => RunError::Trap(format!("{e:#}")),
    }
}

/// Checks a guest's output before anyone reads it: within the size limit, every column as long
/// as its table, every string column well formed.
fn check_output(output: Output, limits: &Limits) -> Result<Output, RunError> {
    let size = output_size(&output);
    if size > limits.output_bytes {
        return Err(RunError::OutputSize { size, limit: limits.output_bytes });
    }
    for table in &output.tables {
        let rows = table.data.rows as usize;
        for c in &table.data.columns {
            let bad =
                |why: String| RunError::InvalidOutput(format!("table `{}`, column `{}`: {why}", table.name, c.name));
            let len = match &c.data {
                ColumnData::F64(v) => v.len(),
                ColumnData::S64(v) | ColumnData::Timestamp(v) => v.len(),
                ColumnData::Bool(v) => v.len(),
                ColumnData::String(v) => {
                    crate::strings::check(v, rows).map_err(bad)?;
                    rows
                }
            };
            if len != rows || c.validity.as_ref().is_some_and(|v| v.len() != rows) {
                return Err(bad(format!("length differs from the table's {rows} rows")));
            }
        }
    }
    Ok(output)
}

/// The bytes an output occupies: values, validity flags and names.
pub fn output_size(output: &Output) -> u64 {
    let tables: u64 = output
        .tables
        .iter()
        .map(|t| {
            t.name.len() as u64
                + t.data
                    .columns
                    .iter()
                    .map(|c| {
                        let values = match &c.data {
                            ColumnData::F64(v) => 8 * v.len() as u64,
                            ColumnData::S64(v) | ColumnData::Timestamp(v) => 8 * v.len() as u64,
                            ColumnData::Bool(v) => v.len() as u64,
                            ColumnData::String(v) => (v.bytes.len() + 4 * v.offsets.len()) as u64,
                        };
                        c.name.len() as u64 + values + c.validity.as_ref().map_or(0, |v| v.len() as u64)
                    })
                    .sum::<u64>()
        })
        .sum();
    let metrics: u64 = output.metrics.iter().map(|m| (m.name.len() + m.unit.len() + 8) as u64).sum();
    tables + metrics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::v0_1_0::{Batch, Column, Table};

    fn output(rows: u32, data: ColumnData) -> Output {
        let column = Column { name: "c".into(), data, validity: None };
        Output {
            tables: vec![Table { name: "t".into(), data: Batch { rows, columns: vec![column] } }],
            metrics: vec![],
        }
    }

    #[test]
    fn ragged_or_malformed_output_is_refused() {
        let limits = Limits::default();
        assert!(check_output(output(2, ColumnData::F64(vec![1.0, 2.0])), &limits).is_ok());
        let ragged = check_output(output(3, ColumnData::F64(vec![1.0])), &limits).unwrap_err();
        assert_eq!(ragged.kind(), "invalid-output");
        let strings = crate::bindings::v0_1_0::Strings { offsets: vec![0, 9], bytes: b"abc".to_vec() };
        assert_eq!(check_output(output(1, ColumnData::String(strings)), &limits).unwrap_err().kind(), "invalid-output");
    }
}
