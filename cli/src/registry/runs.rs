//! `kiln enable` and `kiln job ...`: enable a plugin for a tenant, then submit runs of it,
//! follow them and fetch their results.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use serde_json::{Value, json};

use super::client::Client;
use super::print;
use super::{PluginRef, Remote};

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
    let mut body =
        json!({"namespace": args.plugin.namespace, "plugin": args.plugin.name, "requirement": args.requirement});
    if !args.grants.is_empty() {
        let grants: Vec<Value> = args
            .grants
            .iter()
            .map(|g| match g.split_once(':') {
                Some((d, cols)) => json!({"dataset": d, "columns": cols.split(',').collect::<Vec<_>>()}),
                None => json!({"dataset": g, "columns": []}),
            })
            .collect();
        body["grants"] = Value::Array(grants);
    }
    if !args.params.is_empty() {
        let mut params = serde_json::Map::new();
        for p in &args.params {
            let (name, value) = p.split_once('=').with_context(|| format!("`{p}` is not NAME=VALUE"))?;
            let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
            params.insert(name.to_string(), value);
        }
        body["params"] = Value::Object(params);
    }
    let e = args.remote.client()?.post(&["v1", "tenants", &args.tenant, "enablements"], Some(&body))?;
    print(args.remote.json, &e, || {
        println!(
            "enabled {}@{} for {} as enablement {}",
            args.plugin,
            e["version"].as_str().unwrap_or(""),
            args.tenant,
            e["id"].as_str().unwrap_or("")
        );
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
            let mode = if sync { "sync" } else { "queued" };
            let path = ["v1", "tenants", &tenant, "enablements", &enablement, "runs"];
            let mut r = client.post(&path, Some(&json!({"mode": mode})))?;
            if wait && !sync {
                r = wait_for(&client, &tenant, r["id"].as_str().unwrap_or_default(), Duration::from_secs(3600))?;
            }
            print(remote.json, &r, || summary(&r))
        }
        JobCommand::Show { run, tenant, remote } => {
            let r = remote.client()?.get(&["v1", "tenants", &tenant, "runs", &run], &[])?;
            print(remote.json, &r, || summary(&r))
        }
        JobCommand::Result { run, tenant, csv, remote } => {
            let client = remote.client()?;
            let path = ["v1", "tenants", &tenant, "runs", &run, "result"];
            match csv {
                Some(table) => print!("{}", client.get_text(&path, &[("format", "csv".into()), ("table", table)])?),
                None => println!("{}", serde_json::to_string_pretty(&client.get(&path, &[])?)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        JobCommand::Cancel { run, tenant, remote } => {
            let r = remote.client()?.post(&["v1", "tenants", &tenant, "runs", &run, "cancel"], None)?;
            print(remote.json, &r, || summary(&r))
        }
    }
}

/// Polls a run until it finishes or `limit` passes.
pub fn wait_for(client: &Client, tenant: &str, run: &str, limit: Duration) -> anyhow::Result<Value> {
    let started = Instant::now();
    loop {
        let r = client.get(&["v1", "tenants", tenant, "runs", run], &[])?;
        if matches!(r["state"].as_str(), Some("succeeded" | "failed" | "cancelled")) {
            return Ok(r);
        }
        if started.elapsed() > limit {
            bail!("run {run} is still {} after {:?}; is a `kiln worker` running?", r["state"], limit);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn summary(r: &Value) {
    let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
    println!("run {} of {}/{}@{}: {}", s("id"), s("namespace"), s("plugin"), s("version"), s("state"));
    if let Some(e) = r["error"].as_str() {
        println!("  {}: {}", s("error_kind"), crate::render::printable(e));
    }
    if !r["usage"].is_null() {
        println!("  usage: {}", r["usage"]);
    }
}
