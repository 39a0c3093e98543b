//! `kiln enable` and `kiln job ...`: enable a plugin for a tenant, then submit runs of it,
//! follow them and fetch their results.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use kiln_registry::routes::enablements::NewEnablement;
use kiln_registry::routes::runs::{Mode, NewRun, ResultQuery, RunOutput};
use kiln_registry::store::enablements::{EnablementRecord, Grant};
use kiln_registry::store::runs::{RunRecord, Verdict};
use kiln_registry::store::shares::RunShare;
use serde_json::Value;

use super::client::Client;
use super::{PluginRef, Remote, emit};

/// Arguments of `kiln enable`.
#[derive(clap::Args)]
pub struct EnableArgs {
    /// The plugin, `NAMESPACE/NAME`.
    #[arg(value_parser = super::plugin_ref)]
    plugin: PluginRef,
    /// The tenant.
    #[arg(long)]
    tenant: String,
    /// Semver requirement.
    #[arg(long, default_value = "*")]
    requirement: String,
    /// A grant, `DATASET` or `DATASET:col1,col2` (repeatable; default: what the plugin asks for).
    #[arg(long = "grant")]
    grants: Vec<String>,
    /// A parameter as JSON, `NAME=VALUE` (e.g. `top=10`, `level="district"`) (repeatable).
    #[arg(long = "param")]
    params: Vec<String>,
    /// Registry, token and output.
    #[command(flatten)]
    remote: Remote,
}

/// Enables a plugin for a tenant.
pub fn enable(args: EnableArgs) -> anyhow::Result<ExitCode> {
    let grants = (!args.grants.is_empty()).then(|| {
        args.grants
            .iter()
            .map(|g| match g.split_once(':') {
                Some((d, cols)) => {
                    Grant { dataset: d.to_string(), columns: cols.split(',').map(String::from).collect() }
                }
                None => Grant { dataset: g.clone(), columns: Vec::new() },
            })
            .collect()
    });
    let mut params = None;
    for p in &args.params {
        let (name, value) = p.split_once('=').with_context(|| format!("`{p}` is not NAME=VALUE"))?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        params.get_or_insert_with(serde_json::Map::new).insert(name.to_string(), value);
    }
    let body = NewEnablement {
        namespace: args.plugin.namespace.clone(),
        plugin: args.plugin.name.clone(),
        requirement: Some(args.requirement.clone()),
        grants,
        params,
        limits: None,
    };
    let e: EnablementRecord = args.remote.client()?.post(&["v1", "tenants", &args.tenant, "enablements"], &body)?;
    emit(args.remote.json, &e, |e| {
        println!("enabled {}@{} for {} as enablement {}", args.plugin, e.version, args.tenant, e.id);
    })
}

/// Job commands (enterprise admins).
#[derive(Subcommand)]
pub enum JobCommand {
    /// Submit a run of an enablement; `--wait` follows it to the end and prints its result.
    Submit {
        /// The enablement id.
        enablement: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Run synchronously in the API instead of queueing it for a worker.
        #[arg(long)]
        sync: bool,
        /// Wait for a queued run to finish.
        #[arg(long)]
        wait: bool,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Show a run.
    Show {
        /// The run id.
        run: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Print a succeeded run's output: JSON, or one table as CSV.
    Result {
        /// The run id.
        run: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Print this table as CSV instead of the whole output as JSON.
        #[arg(long)]
        csv: Option<String>,
        /// Registry and token.
        #[command(flatten)]
        remote: Remote,
    },
    /// Replay a run that succeeded on exactly what it pinned (component, dataset versions,
    /// parameters, limits, seed, clock start) and say whether the output is identical.
    /// Exits non-zero unless it is (with `--sync` or `--wait`).
    Replay {
        /// The run id.
        run: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Replay synchronously in the API instead of queueing it for a worker.
        #[arg(long)]
        sync: bool,
        /// Wait for a queued replay to finish.
        #[arg(long)]
        wait: bool,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Write a run's bundle (its component, the dataset versions it read, parameters, limits,
    /// seed and recorded output) to a file, for `kiln plugin run --replay FILE`.
    Export {
        /// The run id.
        run: String,
        /// The tenant (for its admins).
        #[arg(long, required_unless_present = "shared_with", conflicts_with = "shared_with")]
        tenant: Option<String>,
        /// For a maker: the namespace a tenant shared the run with.
        #[arg(long, value_name = "NAMESPACE")]
        shared_with: Option<String>,
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// Registry and token.
        #[command(flatten)]
        remote: Remote,
    },
    /// Share a run's bundle with the maker of its plugin (the members of its namespace).
    Share {
        /// The run id.
        run: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Withdraw the share instead.
        #[arg(long)]
        withdraw: bool,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Cancel a queued or running run.
    Cancel {
        /// The run id.
        run: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// Runs a job subcommand.
pub fn run(cmd: JobCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        JobCommand::Submit { enablement, tenant, sync, wait, remote } => {
            let client = remote.client()?;
            let mode = if sync { Mode::Sync } else { Mode::Queued };
            let path = ["v1", "tenants", &tenant, "enablements", &enablement, "runs"];
            let mut r: RunRecord = client.post(&path, &NewRun { mode })?;
            if wait && !sync {
                r = wait_for(&client, &tenant, &r.id, Duration::from_secs(3600))?;
            }
            emit(remote.json, &r, summary)
        }
        JobCommand::Show { run, tenant, remote } => {
            let r: RunRecord = remote.client()?.get(&["v1", "tenants", &tenant, "runs", &run])?;
            emit(remote.json, &r, summary)
        }
        JobCommand::Result { run, tenant, csv, remote } => {
            let client = remote.client()?;
            let path = ["v1", "tenants", &tenant, "runs", &run, "result"];
            match csv {
                Some(table) => {
                    let query = ResultQuery { format: Some("csv".into()), table: Some(table) };
                    print!("{}", client.get_text(&path, &query)?)
                }
                None => println!("{}", serde_json::to_string_pretty(&client.get::<RunOutput>(&path)?)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        JobCommand::Replay { run, tenant, sync, wait, remote } => {
            let client = remote.client()?;
            let mode = if sync { Mode::Sync } else { Mode::Queued };
            let mut r: RunRecord =
                client.post(&["v1", "tenants", &tenant, "runs", &run, "replay"], &NewRun { mode })?;
            if wait && !sync {
                r = wait_for(&client, &tenant, &r.id, Duration::from_secs(3600))?;
            }
            emit(remote.json, &r, summary)?;
            let unfinished = !r.state.is_final();
            Ok(if unfinished || matches!(r.verdict, Some(Verdict::Identical)) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        JobCommand::Export { run, tenant, shared_with, out, remote } => {
            let client = remote.client()?;
            let path = match (&tenant, &shared_with) {
                (_, Some(ns)) => vec!["v1", "namespaces", ns, "shared-runs", &run, "bundle"],
                (Some(tenant), None) => vec!["v1", "tenants", tenant, "runs", &run, "bundle"],
                (None, None) => bail!("give --tenant or --shared-with"),
            };
            let size = client.download_to(&path, &out)?;
            eprintln!("wrote the bundle of run {run} to {} ({size} bytes)", out.display());
            Ok(ExitCode::SUCCESS)
        }
        JobCommand::Share { run, tenant, withdraw: true, remote } => {
            remote.client()?.delete(&["v1", "tenants", &tenant, "runs", &run, "share"])?;
            eprintln!("run {run} is no longer shared");
            Ok(ExitCode::SUCCESS)
        }
        JobCommand::Share { run, tenant, withdraw: false, remote } => {
            let share: RunShare = remote.client()?.post_empty(&["v1", "tenants", &tenant, "runs", &run, "share"])?;
            emit(remote.json, &share, |s| {
                println!("run {} is shared with the members of namespace {}", s.run, s.namespace)
            })
        }
        JobCommand::Cancel { run, tenant, remote } => {
            let r: RunRecord = remote.client()?.post_empty(&["v1", "tenants", &tenant, "runs", &run, "cancel"])?;
            emit(remote.json, &r, summary)
        }
    }
}

/// Polls a run until it finishes or `limit` passes.
pub fn wait_for(client: &Client, tenant: &str, run: &str, limit: Duration) -> anyhow::Result<RunRecord> {
    let started = Instant::now();
    loop {
        let r: RunRecord = client.get(&["v1", "tenants", tenant, "runs", run])?;
        if r.state.is_final() {
            return Ok(r);
        }
        if started.elapsed() > limit {
            bail!("run {run} is still {} after {:?}; is a `kiln worker` running?", r.state.as_str(), limit);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn summary(r: &RunRecord) {
    println!("run {} of {}/{}@{}: {}", r.id, r.namespace, r.plugin, r.version, r.state.as_str());
    if let Some(e) = &r.error {
        println!("  {}: {}", r.error_kind.as_deref().unwrap_or(""), crate::render::printable(e));
    }
    if let Some(usage) = &r.usage {
        println!("  usage: {usage}");
    }
    if let Some(original) = &r.replay_of {
        let verdict = match &r.verdict {
            None => "not finished".to_string(),
            Some(Verdict::Identical) => {
                format!("identical (output sha256 {})", r.output_sha256.as_deref().unwrap_or(""))
            }
            Some(Verdict::Different(d)) => format!("different: {}", crate::render::printable(&d.describe())),
            Some(Verdict::Failed { kind, message }) => {
                format!("failed ({kind}): {}", crate::render::printable(message))
            }
        };
        println!("  replay of {original}: {verdict}");
    }
}
