//! The tenants' files: each enterprise's rows of the data set as CSV, and every tenant's
//! monthly report uploaded under its own admin token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use kiln_host::{ColumnData, DataSource, DirSource};
use kiln_registry::auth::Role;
use kiln_registry::results::csv_field;
use kiln_registry::store::datasets::DatasetVersion;

use super::{create_token, progress};
use crate::registry::client::Client;

/// Concurrent uploads: enough to keep the service busy, few enough for a small machine.
const UPLOAD_THREADS: usize = 4;

/// Gives every tenant an admin token and uploads its monthly report, a few at a time; returns
/// the tokens by tenant.
pub(super) fn upload_reports(
    operator: &Client,
    ids: &[String],
    monthly: &Split,
) -> anyhow::Result<HashMap<String, String>> {
    let bar = progress(ids.len() as u64, "filing each tenant's monthly report");
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let tokens = Mutex::new(HashMap::with_capacity(ids.len()));
    let upload = |id: &str| -> anyhow::Result<()> {
        let token = create_token(operator, &format!("{id}-admin"), Role::EnterpriseAdmin, Some(id))?;
        let _: DatasetVersion = operator
            .with_token(&token)
            .post_bytes(
                &["v1", "tenants", id, "datasets", "monthly_indicators"],
                "text/csv",
                monthly.csv(id).into_bytes(),
            )
            .with_context(|| format!("uploading the monthly report of tenant {id}"))?;
        tokens.lock().map_err(|_| anyhow!("a report upload panicked"))?.insert(id.to_string(), token);
        Ok(())
    };
    let outcome = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..UPLOAD_THREADS)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    while !failed.load(Ordering::Relaxed) {
                        let Some(id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                        if let Err(e) = upload(id) {
                            // Stop the others too: one refused report means the demo is broken.
                            failed.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                        bar.inc(1);
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| w.join().map_err(|_| anyhow!("a report upload panicked"))?)
    });
    bar.finish_and_clear();
    outcome?;
    tokens.into_inner().map_err(|_| anyhow!("a report upload panicked"))
}

/// One table of the data set as CSV, split by enterprise: each tenant's rows with the header.
pub(super) struct Split {
    header: String,
    /// CSV lines by tenant id (the lowercased `enterprise_id`).
    lines: HashMap<String, Vec<String>>,
}

impl Split {
    pub(super) fn rows(&self, tenant: &str) -> usize {
        self.lines.get(tenant).map_or(0, Vec::len)
    }

    /// The tenant's rows as a CSV file (just the header when it has none).
    pub(super) fn csv(&self, tenant: &str) -> String {
        let mut out = self.header.clone();
        for line in self.lines.get(tenant).into_iter().flatten() {
            out.push_str(line);
        }
        out
    }
}

/// Reads every column of `dataset` and splits its rows by `enterprise_id`. CSV is what the
/// upload route ingests without new dependencies here; values are written so that the
/// service infers the generated types back (floats keep a decimal point, timestamps are
/// RFC 3339, nulls are empty).
pub(super) fn split_by_enterprise(source: &DirSource, dataset: &str) -> anyhow::Result<Split> {
    let schema = source.schema(dataset).with_context(|| format!("reading the schema of {dataset}"))?;
    let columns: Vec<String> = schema.iter().map(|f| f.name.clone()).collect();
    if !columns.iter().any(|c| c == "enterprise_id") {
        bail!("{dataset} has no enterprise_id column");
    }
    let mut split = Split {
        header: columns.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",") + "\n",
        lines: HashMap::new(),
    };
    let mut scan = source.scan(dataset, &columns, 65_536).with_context(|| format!("reading {dataset}"))?;
    while let Some(batch) = scan.next_batch().with_context(|| format!("reading {dataset}"))? {
        let Some(ColumnData::String(ids)) = batch.columns.iter().find(|c| c.name == "enterprise_id").map(|c| &c.data)
        else {
            bail!("enterprise_id of {dataset} is not text");
        };
        for (row, id) in kiln_host::strings::iter(ids).enumerate() {
            let mut line = String::new();
            for (n, column) in batch.columns.iter().enumerate() {
                if n > 0 {
                    line.push(',');
                }
                if column.validity.as_ref().is_none_or(|v| v[row]) {
                    line.push_str(&csv_value(&column.data, row));
                }
            }
            line.push('\n');
            split.lines.entry(id.to_lowercase()).or_default().push(line);
        }
    }
    Ok(split)
}

/// One cell as CSV text.
fn csv_value(data: &ColumnData, row: usize) -> String {
    match data {
        // Debug keeps `.0` on whole numbers, so the column is inferred as floats again.
        ColumnData::F64(v) if v[row].is_finite() => format!("{:?}", v[row]),
        ColumnData::F64(_) => String::new(),
        ColumnData::S64(v) => v[row].to_string(),
        ColumnData::String(v) => csv_field(v.get(row)),
        ColumnData::Dict(_) => csv_field(data.str_at(row).unwrap_or_default()),
        ColumnData::Bool(v) => v[row].to_string(),
        ColumnData::Timestamp(v) => {
            let nanos = v[row];
            let at = if nanos >= 0 {
                UNIX_EPOCH + Duration::from_nanos(nanos.unsigned_abs())
            } else {
                UNIX_EPOCH - Duration::from_nanos(nanos.unsigned_abs())
            };
            if nanos % 1_000_000_000 == 0 {
                humantime::format_rfc3339_seconds(at).to_string()
            } else {
                humantime::format_rfc3339_nanos(at).to_string()
            }
        }
    }
}
