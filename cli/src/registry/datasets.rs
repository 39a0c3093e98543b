//! `kiln data upload | list | preview | delete | purge`: a tenant's datasets on a registry.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use kiln_registry::routes::datasets::{Preview, PreviewQuery, PurgeReport, PurgeRequest};
use kiln_registry::store::datasets::DatasetVersion;
use serde_json::{Value, json};

use super::{Remote, emit};

/// Dataset commands on a registry (enterprise admins).
#[derive(Subcommand)]
pub enum DatasetCommand {
    /// Upload a CSV or Parquet file as a new version of a dataset.
    Upload {
        /// The file (`.csv` or `.parquet`).
        file: PathBuf,
        /// The dataset's name (default: the file's stem, e.g. `monthly_indicators`).
        #[arg(long)]
        name: Option<String>,
        /// The tenant (default: the token's).
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// List the tenant's datasets (newest version of each).
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Show the first rows of a dataset.
    Preview {
        /// The dataset.
        name: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Rows to show.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Delete a dataset (refused while unfinished runs read it).
    Delete {
        /// The dataset.
        name: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Purge a tenant's dataset for good (operators): its stored bytes are removed, and replays
    /// of runs that read it say what was purged, when, by whom and why.
    Purge {
        /// The dataset.
        name: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Why, for the audit log and for whoever replays a run that read it.
        #[arg(long)]
        reason: String,
        /// Only this version (default: every version).
        #[arg(long)]
        version: Option<i64>,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// Runs a dataset subcommand.
pub fn run(cmd: DatasetCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DatasetCommand::Upload { file, name, tenant, remote } => {
            let content_type = match file.extension().and_then(|e| e.to_str()) {
                Some("csv") => "text/csv",
                Some("parquet") => "application/vnd.apache.parquet",
                _ => bail!("{}: give a .csv or .parquet file", file.display()),
            };
            let name = match name {
                Some(n) => n,
                None => file.file_stem().and_then(|s| s.to_str()).context("the file has no name")?.to_string(),
            };
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let v: DatasetVersion =
                remote.client()?.post_bytes(&["v1", "tenants", &tenant, "datasets", &name], content_type, bytes)?;
            emit(remote.json, &v, |v| {
                println!("{}/{} version {}: {} rows, {} bytes as Parquet", tenant, name, v.version, v.rows, v.bytes)
            })
        }
        DatasetCommand::List { tenant, remote } => {
            let datasets: Vec<DatasetVersion> = remote.client()?.get(&["v1", "tenants", &tenant, "datasets"])?;
            emit(remote.json, &datasets, |datasets| {
                for d in datasets {
                    let columns: Vec<&str> = d.columns.iter().map(|c| c.name.as_str()).collect();
                    println!("{:<24} v{:<3} {:>9} rows  {}", d.name, d.version, d.rows, columns.join(", "));
                }
            })
        }
        DatasetCommand::Preview { name, tenant, limit, remote } => {
            let query = PreviewQuery { version: None, limit: Some(limit) };
            let preview: Preview =
                remote.client()?.get_query(&["v1", "tenants", &tenant, "datasets", &name, "preview"], &query)?;
            emit(remote.json, &preview, |preview| {
                for row in &preview.rows {
                    println!("{}", Value::from(row.clone()));
                }
            })
        }
        DatasetCommand::Delete { name, tenant, remote } => {
            remote.client()?.delete(&["v1", "tenants", &tenant, "datasets", &name])?;
            emit(remote.json, &json!({"deleted": name}), |_| println!("deleted {tenant}/{name}"))
        }
        DatasetCommand::Purge { name, tenant, reason, version, remote } => {
            let path = ["v1", "tenants", &tenant, "datasets", &name, "purge"];
            let report: PurgeReport = remote.client()?.post(&path, &PurgeRequest { reason, version })?;
            emit(remote.json, &report, |r| {
                let versions: Vec<String> = r.purged.iter().map(|p| p.version.to_string()).collect();
                println!(
                    "purged {tenant}/{name} version {}; {} blobs removed",
                    versions.join(", "),
                    r.blobs_removed.len()
                );
            })
        }
    }
}
