//! The plugin runs: enabling the examples for the tenants, queueing one run of each, following
//! them through the worker, and summarizing each plugin's runs.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use kiln_registry::routes::enablements::NewEnablement;
use kiln_registry::routes::runs::{Mode, NewRun, OutputMetric, OutputTable, RunOutput};
use kiln_registry::store::enablements::EnablementRecord;
use kiln_registry::store::runs::{RunRecord, RunState};
use serde::Serialize;

use super::examples::Example;
use super::progress;
use crate::registry::client::Client;

/// How long the demo waits for its runs before giving up.
const RUNS_DEADLINE: Duration = Duration::from_secs(30 * 60);

/// Enables every example for each tenant (with the grants its describe() asks for) and queues
/// one run of each.
pub(super) fn submit_runs(clients: &[(String, Client)], plugins: &[Example]) -> anyhow::Result<Vec<Run>> {
    let bar = progress((clients.len() * plugins.len()) as u64, "enabling the plugins and queueing runs");
    let mut runs = Vec::new();
    for (admin, (tenant, client)) in clients.iter().enumerate() {
        for (index, plugin) in plugins.iter().enumerate() {
            let request = NewEnablement {
                namespace: plugin.namespace.into(),
                plugin: plugin.name.into(),
                requirement: Some(plugin.version.clone()),
                grants: None,
                params: None,
                limits: None,
            };
            let enablement: EnablementRecord = client
                .post(&["v1", "tenants", tenant, "enablements"], &request)
                .with_context(|| format!("enabling {} for tenant {tenant}", plugin.name))?;
            let run: RunRecord = client
                .post(&["v1", "tenants", tenant, "enablements", &enablement.id, "runs"], &NewRun { mode: Mode::Queued })
                .with_context(|| format!("queueing a run of {} for tenant {tenant}", plugin.name))?;
            runs.push(Run { plugin: index, admin, id: run.id, record: None });
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(runs)
}

/// Polls every run until it is final, while the worker executes them.
pub(super) fn follow_runs<T>(
    runs: &mut [Run],
    clients: &[(String, Client)],
    worker: &tokio::task::JoinHandle<T>,
) -> anyhow::Result<()> {
    let bar = progress(runs.len() as u64, "running the plugins through the worker");
    let started = Instant::now();
    loop {
        for run in runs.iter_mut().filter(|r| !r.is_final()) {
            let (tenant, client) = &clients[run.admin];
            run.record = Some(
                client
                    .get(&["v1", "tenants", tenant, "runs", &run.id])
                    .with_context(|| format!("following run {} of tenant {tenant}", run.id))?,
            );
        }
        let done = runs.iter().filter(|r| r.is_final()).count();
        bar.set_position(done as u64);
        if done == runs.len() {
            break;
        }
        if worker.is_finished() {
            bail!("the worker stopped with {} runs unfinished", runs.len() - done);
        }
        if started.elapsed() > RUNS_DEADLINE {
            bail!("{} runs are still unfinished after {:?}", runs.len() - done, RUNS_DEADLINE);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    bar.finish_and_clear();
    Ok(())
}

/// One plugin's runs, as the demo reports them (the `plugins` of its `--json` document).
#[derive(Debug, Serialize)]
pub(super) struct Summary {
    /// `NAMESPACE/NAME`.
    pub(super) plugin: String,
    pub(super) version: String,
    pub(super) runs: usize,
    pub(super) succeeded: usize,
    pub(super) rows_read: u64,
    pub(super) mean_wall_ms: f64,
    /// The tenant whose output is shown.
    pub(super) headline_tenant: String,
    /// The table of the output the plugin is known for.
    pub(super) headline_name: &'static str,
    /// That table of the tenant's output; null when the output has none.
    pub(super) headline: Option<OutputTable>,
    /// The metrics of the tenant's output.
    pub(super) metrics: Vec<OutputMetric>,
    pub(super) failures: Vec<Failure>,
}

/// A run that did not succeed.
#[derive(Debug, Serialize)]
pub(super) struct Failure {
    pub(super) tenant: String,
    run: String,
    pub(super) state: Option<RunState>,
    pub(super) error_kind: Option<String>,
    pub(super) error: Option<String>,
}

/// One plugin's runs in a summary: counts, usage, failures, and the headline table and
/// metrics of the first run whose headline table has rows (else of the first that succeeded).
pub(super) fn summarize<'a>(
    plugin: &Example,
    runs: impl Iterator<Item = &'a Run>,
    clients: &[(String, Client)],
) -> anyhow::Result<Summary> {
    let runs: Vec<&Run> = runs.collect();
    let succeeded: Vec<&Run> = runs.iter().copied().filter(|r| r.state() == Some(RunState::Succeeded)).collect();
    let usages: Vec<kiln_host::Usage> = succeeded
        .iter()
        .filter_map(|r| r.record.as_ref()?.usage.clone())
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()
        .context("a run's usage is not what this version of kiln expects")?;
    let mut headline = (String::new(), None, Vec::new());
    for run in &succeeded {
        let (tenant, client) = &clients[run.admin];
        let output: RunOutput = client
            .get(&["v1", "tenants", tenant, "runs", &run.id, "result"])
            .with_context(|| format!("fetching the result of run {} of tenant {tenant}", run.id))?;
        let table = output.tables.into_iter().find(|t| t.name == plugin.headline);
        let has_rows = table.as_ref().is_some_and(|t| !t.rows.is_empty());
        // An empty table still says something (nothing flagged), so the first run stands in.
        if has_rows || headline.1.is_none() {
            headline = (tenant.clone(), table, output.metrics);
        }
        if has_rows {
            break;
        }
    }
    let failures = runs
        .iter()
        .filter(|r| r.state() != Some(RunState::Succeeded))
        .map(|r| Failure {
            tenant: clients[r.admin].0.clone(),
            run: r.id.clone(),
            state: r.state(),
            error_kind: r.record.as_ref().and_then(|r| r.error_kind.clone()),
            error: r.record.as_ref().and_then(|r| r.error.clone()),
        })
        .collect();
    let (tenant, table, metrics) = headline;
    let wall_us: u64 = usages.iter().map(|u| u.wall_us).sum();
    Ok(Summary {
        plugin: format!("{}/{}", plugin.namespace, plugin.name),
        version: plugin.version.clone(),
        runs: runs.len(),
        succeeded: succeeded.len(),
        rows_read: usages.iter().map(|u| u.rows_read).sum(),
        mean_wall_ms: if succeeded.is_empty() { 0.0 } else { wall_us as f64 / 1000.0 / succeeded.len() as f64 },
        headline_tenant: tenant,
        headline_name: plugin.headline,
        headline: table,
        metrics,
        failures,
    })
}

/// A queued run and its latest record.
pub(super) struct Run {
    /// Index into the examples.
    pub(super) plugin: usize,
    /// Index into the tenants and their admin clients.
    admin: usize,
    id: String,
    /// The latest record read, none before the first poll.
    record: Option<RunRecord>,
}

impl Run {
    fn state(&self) -> Option<RunState> {
        self.record.as_ref().map(|r| r.state)
    }

    fn is_final(&self) -> bool {
        self.state().is_some_and(RunState::is_final)
    }
}
