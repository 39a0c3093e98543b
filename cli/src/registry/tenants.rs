//! `kiln tenant ...`: enterprise tenants — create one, import many from an `enterprises`
//! table, list, show.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use kiln_host::{ColumnData, DataSource, DirSource};
use kiln_registry::places::{NewPlace, PlaceKind};
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
            let read = read_enterprises(&file)?;
            let client = remote.client()?;
            let (mut created, mut existing, mut places) = (0, 0, 0);
            for request in read.requests(1000) {
                let answer: ImportReport = client.post(&["v1", "tenants", "import"], &request)?;
                created += answer.created;
                existing += answer.existing;
                places += answer.places;
            }
            let report = json!({"created": created, "existing": existing, "places": places, "file": file});
            emit(remote.json, &report, |_| {
                println!(
                    "imported {} tenants from {} ({created} new, {existing} already there) and the names of {places} \
                     districts, parks and industries",
                    read.tenants.len(),
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

/// Place names an `enterprises` table may carry: (kind, id column, Chinese name column, English
/// name column). The English columns are newer; without them the Chinese name is used.
const PLACE_COLUMNS: [(PlaceKind, &str, &str, &str); 3] = [
    (PlaceKind::District, "district_id", "district", "district_en"),
    (PlaceKind::Park, "park_id", "park", "park_en"),
    (PlaceKind::Industry, "industry_code", "industry_name", "industry_name_en"),
];

/// Tenants and place names read from an `enterprises` table.
#[derive(Debug, Default)]
pub struct Enterprises {
    /// One tenant request per row.
    pub tenants: Vec<NewTenant>,
    /// One per distinct place, in first-seen order.
    pub places: Vec<NewPlace>,
}

impl Enterprises {
    /// The import requests to send: tenants in chunks of `chunk`, the places with the first.
    pub fn requests(&self, chunk: usize) -> Vec<ImportRequest> {
        let mut chunks: Vec<&[NewTenant]> = self.tenants.chunks(chunk.max(1)).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, tenants)| ImportRequest {
                tenants: tenants.to_vec(),
                places: if i == 0 { self.places.clone() } else { Vec::new() },
            })
            .collect()
    }
}

/// Reads an `enterprises` table into tenant requests and the names of its places.
pub fn read_enterprises(file: &Path) -> anyhow::Result<Enterprises> {
    if !file.exists() {
        bail!("{} does not exist", file.display());
    }
    let source: Arc<dyn DataSource> =
        Arc::new(DirSource::from_files([("enterprises".to_string(), file.to_path_buf())])?);
    let present: Vec<String> = source
        .schema("enterprises")
        .with_context(|| format!("reading the columns of {}", file.display()))?
        .into_iter()
        .map(|f| f.name)
        .collect();
    let has = |c: &str| present.iter().any(|p| p == c);
    let mut columns: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    for (_, _, zh, en) in PLACE_COLUMNS {
        columns.extend([zh, en].into_iter().filter(|c| has(c)).map(String::from));
    }
    let mut scan = source.scan("enterprises", &columns, 65_536).with_context(|| {
        format!("{} is not an enterprises table with columns {}", file.display(), COLUMNS.join(", "))
    })?;
    let mut out = Enterprises::default();
    let mut seen = std::collections::HashSet::new();
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
            out.tenants.push(NewTenant {
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
        for (kind, id_column, zh_column, en_column) in PLACE_COLUMNS {
            if !has(zh_column) {
                continue;
            }
            let (ids, zh) = (text(id_column)?, text(zh_column)?);
            let en = if has(en_column) { Some(text(en_column)?) } else { None };
            for i in 0..batch.rows as usize {
                if seen.insert((kind, ids[i].clone())) {
                    let en = en.as_ref().map(|en| en[i].clone());
                    out.places.push(NewPlace { kind, id: ids[i].clone(), zh: zh[i].clone(), en });
                }
            }
        }
    }
    Ok(out)
}
