//! `kiln tenant ...`: enterprise tenants — create one, import many from an `enterprises`
//! table, list, show.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use kiln_host::{ColumnData, DataSource, DirSource};
use serde_json::{Value, json};

use super::{Remote, print};

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
            let body = json!({"id": id, "name": name, "district": district, "park": park, "industry": industry,
                              "size_class": size_class, "opted_in": !opt_out});
            let t = remote.client()?.post(&["v1", "tenants"], Some(&body))?;
            print(remote.json, &t, || println!("created tenant {}", t["id"].as_str().unwrap_or_default()))
        }
        TenantCommand::Import { file, remote } => {
            let read = read_enterprises(&file)?;
            let client = remote.client()?;
            let (mut created, mut existing, mut places) = (0, 0, 0);
            for request in read.requests(1000) {
                let answer = client.post(&["v1", "tenants", "import"], Some(&request))?;
                created += answer["created"].as_u64().unwrap_or(0);
                existing += answer["existing"].as_u64().unwrap_or(0);
                places += answer["places"].as_u64().unwrap_or(0);
            }
            let report = json!({"created": created, "existing": existing, "places": places, "file": file});
            print(remote.json, &report, || {
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
            let items = remote.client()?.get_all_pages(&["v1", "tenants"], &query)?;
            let value = Value::Array(items.clone());
            print(remote.json, &value, || {
                for t in &items {
                    println!(
                        "{:<10} {:<10} {:<28} {:<5} {:<7} {}  {}",
                        s(&t["id"]),
                        s(&t["district"]),
                        s(&t["park"]),
                        s(&t["industry"]),
                        s(&t["size_class"]),
                        if t["opted_in"] == true { "opted-in " } else { "opted-out" },
                        s(&t["name"])
                    );
                }
                println!("{} tenants", items.len());
            })
        }
        TenantCommand::Show { id, remote } => {
            let client = remote.client()?;
            let mut t = client.get(&["v1", "tenants", &id], &[])?;
            t["usage"] = client.get(&["v1", "tenants", &id, "usage"], &[])?;
            print(remote.json, &t, || {
                println!(
                    "{} {} — {} / {} / {} ({})",
                    s(&t["id"]),
                    s(&t["name"]),
                    s(&t["district"]),
                    s(&t["park"]),
                    s(&t["industry"]),
                    s(&t["size_class"])
                );
                println!("opted in to regional statistics: {}", t["opted_in"]);
                println!("usage: {}", t["usage"]);
            })
        }
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The columns of an `enterprises` table a tenant is made from.
const COLUMNS: [&str; 7] =
    ["enterprise_id", "name", "district_id", "park_id", "industry_code", "size_class", "opted_in"];

/// Place names an `enterprises` table may carry: (kind, id column, Chinese name column, English
/// name column). The English columns are newer; without them the Chinese name is used.
const PLACE_COLUMNS: [(&str, &str, &str, &str); 3] = [
    ("district", "district_id", "district", "district_en"),
    ("park", "park_id", "park", "park_en"),
    ("industry", "industry_code", "industry_name", "industry_name_en"),
];

/// Tenants and place names read from an `enterprises` table.
#[derive(Debug, Default)]
pub struct Enterprises {
    /// One tenant request per row.
    pub tenants: Vec<Value>,
    /// One `{kind, id, zh, en}` per distinct place, in first-seen order.
    pub places: Vec<Value>,
}

impl Enterprises {
    /// The import requests to send: tenants in chunks of `chunk`, the places with the first.
    pub fn requests(&self, chunk: usize) -> Vec<Value> {
        let mut chunks: Vec<&[Value]> = self.tenants.chunks(chunk.max(1)).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, tenants)| {
                let places: &[Value] = if i == 0 { &self.places } else { &[] };
                json!({"tenants": tenants, "places": places})
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
            out.tenants.push(json!({
                "id": ids[i].to_lowercase(), "name": names[i], "district": districts[i], "park": parks[i],
                "industry": industries[i], "size_class": sizes[i], "opted_in": opted_in[i],
            }));
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
                    out.places.push(json!({"kind": kind, "id": ids[i], "zh": zh[i], "en": en}));
                }
            }
        }
    }
    Ok(out)
}
