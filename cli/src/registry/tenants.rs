//! `kiln tenant ...`: enterprise tenants — create one, import many from an `enterprises`
//! table, list, show.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use kiln_host::{ColumnData, DataSource, DirSource};
use kiln_registry::routes::tenants::{ImportReport, ImportRequest, NewTenant, Usage};
use kiln_registry::store::tenants::TenantRecord;
use serde::Serialize;
use serde_json::json;

use super::{Remote, emit};

/// Tenant commands (operators).
#[derive(Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Its id (lowercase letters, digits, dashes).
        id: String,
        /// The enterprise's name.
        #[arg(long)]
        name: String,
        /// District id.
        #[arg(long)]
        district: String,
        /// Park id, or `none`.
        #[arg(long, default_value = "none")]
        park: String,
        /// GB/T 4754 industry division, e.g. C39.
        #[arg(long)]
        industry: String,
        /// large, medium, small or micro.
        #[arg(long, default_value = "small")]
        size_class: String,
        /// Leave it out of regional statistics.
        #[arg(long)]
        opt_out: bool,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Create tenants from an `enterprises` table (Parquet or CSV, as `kiln data generate`
    /// writes it): one per row, id = the lowercased `enterprise_id`. Existing ids are skipped.
    Import {
        /// The table.
        file: PathBuf,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// List tenants.
    List {
        /// Only this district.
        #[arg(long)]
        district: Option<String>,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Show a tenant with its quota usage.
    Show {
        /// The tenant.
        id: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// Runs a tenant subcommand.
pub fn run(cmd: TenantCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TenantCommand::Create { id, name, district, park, industry, size_class, opt_out, remote } => {
            let body = NewTenant { id, name, district, park, industry, size_class, opted_in: !opt_out, quotas: None };
            let t: TenantRecord = remote.client()?.post(&["v1", "tenants"], &body)?;
            emit(remote.json, &t, |t| println!("created tenant {}", t.id))
        }
        TenantCommand::Import { file, remote } => {
            let tenants = read_enterprises(&file)?;
            let client = remote.client()?;
            let (mut created, mut existing) = (0, 0);
            for chunk in tenants.chunks(1000) {
                let answer: ImportReport =
                    client.post(&["v1", "tenants", "import"], &ImportRequest { tenants: chunk.to_vec() })?;
                created += answer.created;
                existing += answer.existing;
            }
            let report = json!({"created": created, "existing": existing, "file": file});
            emit(remote.json, &report, |_| {
                println!(
                    "imported {} tenants from {} ({created} new, {existing} already there)",
                    tenants.len(),
                    file.display()
                )
            })
        }
        TenantCommand::List { district, remote } => {
            let query: Vec<(&str, String)> = district.map(|d| ("district", d)).into_iter().collect();
            let items: Vec<TenantRecord> = remote.client()?.get_all_pages(&["v1", "tenants"], &query)?;
            emit(remote.json, &items, |items| {
                for t in items {
                    println!(
                        "{:<10} {:<10} {:<28} {:<5} {:<7} {}  {}",
                        t.id,
                        t.district,
                        t.park,
                        t.industry,
                        t.size_class,
                        if t.opted_in { "opted-in " } else { "opted-out" },
                        t.name
                    );
                }
                println!("{} tenants", items.len());
            })
        }
        TenantCommand::Show { id, remote } => {
            let client = remote.client()?;
            let tenant: TenantRecord = client.get(&["v1", "tenants", &id])?;
            let usage: Usage = client.get(&["v1", "tenants", &id, "usage"])?;
            emit(remote.json, &TenantWithUsage { tenant, usage }, |TenantWithUsage { tenant: t, usage }| {
                println!("{} {} — {} / {} / {} ({})", t.id, t.name, t.district, t.park, t.industry, t.size_class);
                println!("opted in to regional statistics: {}", t.opted_in);
                println!("usage: {}", json!(usage));
            })
        }
    }
}

/// `kiln tenant show`'s document: the tenant's record with its usage beside its fields.
#[derive(Serialize)]
struct TenantWithUsage {
    #[serde(flatten)]
    tenant: TenantRecord,
    usage: Usage,
}

/// The columns of an `enterprises` table a tenant is made from.
const COLUMNS: [&str; 7] =
    ["enterprise_id", "name", "district_id", "park_id", "industry_code", "size_class", "opted_in"];

/// Reads an `enterprises` table into tenant requests.
pub fn read_enterprises(file: &Path) -> anyhow::Result<Vec<NewTenant>> {
    if !file.exists() {
        bail!("{} does not exist", file.display());
    }
    let source: Arc<dyn DataSource> =
        Arc::new(DirSource::from_files([("enterprises".to_string(), file.to_path_buf())])?);
    let columns: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut scan = source.scan("enterprises", &columns, 65_536).with_context(|| {
        format!("{} is not an enterprises table with columns {}", file.display(), COLUMNS.join(", "))
    })?;
    let mut tenants = Vec::new();
    while let Some(batch) = scan.next_batch()? {
        let text = |name: &str| -> anyhow::Result<Vec<String>> {
            match batch.columns.iter().find(|c| c.name == name).map(|c| &c.data) {
                Some(ColumnData::String(v)) => Ok(kiln_host::strings::iter(v).map(String::from).collect()),
                _ => bail!("column `{name}` of {} must be text", file.display()),
            }
        };
        let opted_in = match batch.columns.iter().find(|c| c.name == "opted_in").map(|c| &c.data) {
            Some(ColumnData::Bool(v)) => v.clone(),
            _ => bail!("column `opted_in` of {} must be true/false", file.display()),
        };
        let (ids, names, districts, parks) =
            (text("enterprise_id")?, text("name")?, text("district_id")?, text("park_id")?);
        let (industries, sizes) = (text("industry_code")?, text("size_class")?);
        for i in 0..batch.rows as usize {
            tenants.push(NewTenant {
                id: ids[i].to_lowercase(),
                name: names[i].clone(),
                district: districts[i].clone(),
                park: parks[i].clone(),
                industry: industries[i].clone(),
                size_class: sizes[i].clone(),
                opted_in: opted_in[i],
                quotas: None,
            });
        }
    }
    Ok(tenants)
}
