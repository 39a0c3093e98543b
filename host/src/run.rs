//! Running a plugin: one fresh store per run, every limit enforced, every failure typed.

use std::sync::Arc;
use std::time::Instant;

use crate::capacity::RunSlot;
use crate::data::{DataSource, Grants};
use crate::determinism::Determinism;
use crate::engine::Host;
use crate::error::{RunError, one_line};
use crate::fault::classify;
use crate::limits::{Limits, Usage};
use crate::log::RunLog;
use crate::model::{Output, Param, PluginError};
use crate::output::output_size;
use crate::plugin::Plugin;
use crate::state::DataAccess;

/// What to run a plugin with.
#[derive(Clone, Default)]
pub struct RunRequest {
    /// Parameters, complete and typed (see [`crate::params_from_text`]).
    pub params: Vec<Param>,
    /// The data source and what of it is granted; `None` for a run that reads nothing.
    pub data: Option<(Arc<dyn DataSource>, Grants)>,
    /// Limits, capped by the host's configured cap.
    pub limits: Limits,
    /// The seed of the guest's random sources and the start of its clocks.
    pub determinism: Determinism,
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
    /// Runs `plugin` once, waiting for the slots it needs if too few are free. A trap, limit
    /// or guest error ends this run only.
    pub async fn run(&self, plugin: &Plugin, request: RunRequest) -> RunReport {
        let slot = self.run_slots.take(plugin.slots()).await;
        self.run_in_slot(slot, plugin, request).await
    }

    /// Runs `plugin` once in `slot`, taken for it with [`Host::try_run_slot`].
    ///
    /// The run ends by its deadline whatever the guest is doing: a spinning guest is stopped
    /// by the epoch callback, and one blocked in a host call or a WASI pollable (where no
    /// epoch tick reaches it) by racing the whole call against the deadline. Either way the
    /// store, and with it the instance, is dropped before this returns.
    pub async fn run_in_slot(&self, slot: RunSlot, plugin: &Plugin, request: RunRequest) -> RunReport {
        if slot.slots() < plugin.slots() {
            let message = format!("{} slots were taken for a plugin that needs {}", slot.slots(), plugin.slots());
            return RunReport { result: Err(RunError::Busy(message)), usage: Usage::default(), log: RunLog::default() };
        }
        let limits = request.limits.capped_by(&self.config.cap);
        let access =
            request.data.map(|(source, grants)| DataAccess { source, grants, batch_rows: self.config.batch_rows });
        let started = Instant::now();
        let mut store = match self.store(&limits, access, &request.determinism) {
            Ok(store) => store,
            Err(e) => {
                return RunReport {
                    result: Err(RunError::Trap(one_line(&e))),
                    usage: Usage::default(),
                    log: RunLog::default(),
                };
            }
        };
        let called = tokio::time::timeout(limits.timeout, async {
            let instance = plugin.pre.instantiate(&mut store).await?;
            instance.run(&mut store, &request.params).await
        })
        .await;
        let wall = started.elapsed();
        let fuel = match store.get_fuel() {
            Ok(left) => limits.fuel.saturating_sub(left),
            Err(_) => 0, // fuel metering is off
        };
        let state = store.into_data();
        drop(slot);
        let log = state.log.finish();
        let result = match called {
            Ok(Ok(Ok(output))) => crate::output::check(output, &plugin.info().outputs, &limits),
            Ok(Ok(Err(e))) => Err(RunError::Guest(guest_message(e))),
            Ok(Err(e)) => {
                tracing::debug!(error = ?e, "run failed");
                Err(classify(e, &state, &log, &limits))
            }
            Err(_elapsed) => Err(RunError::Timeout(limits.timeout)),
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
