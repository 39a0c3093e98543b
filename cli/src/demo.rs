//! `kiln demo`: the whole local loop on the embedded default — generate the Xi'an data set,
//! build the example plugins, run each through the host, and summarise what they found.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kiln_host::{DataSource, DirSource, Grants, Limits, Output, RunRequest};
use serde_json::json;

use crate::render;

/// Arguments of `kiln demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Where the demo keeps its data set and compile cache.
    #[arg(long, default_value = "kiln-data")]
    data_dir: PathBuf,
    /// Number of enterprises to generate.
    #[arg(long, default_value_t = 2000)]
    enterprises: usize,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// The example plugins, their headline table, and rows of it to show.
const EXAMPLES: &[(&str, &str)] =
    &[("energy-intensity", "worst"), ("oee", "by_enterprise"), ("anomaly", "anomalies"), ("output-growth", "growth")];

/// Runs the demo.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../example-plugins/Cargo.toml");
    if !examples.exists() {
        bail!("kiln demo builds the example plugins from a Kiln checkout; {} is missing", examples.display());
    }
    let data = args.data_dir.join("xian");
    let step = |message: &str| {
        let bar =
            ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").ok()?);
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(bar)
    };

    let bar = step(&format!("generating {} enterprises into {}", args.enterprises, data.display()));
    let options = kiln_datagen::Options { enterprises: args.enterprises, ..kiln_datagen::Options::default() };
    kiln_datagen::write_parquet(&data, &options, &mut |_, _, _| {}).context("generating the Xi'an data set")?;
    bar.inspect(|b| b.finish_and_clear());

    let bar = step("building the example plugins for wasm32-wasip2");
    let built = crate::plugin::build::cargo_build_all(&examples);
    bar.inspect(|b| b.finish_and_clear());
    let built = built?;

    let host = kiln_host::Host::new(kiln_host::HostConfig {
        cache_dir: Some(args.data_dir.join("cache")),
        max_instances: 8,
        ..Default::default()
    })?;
    let runtime = crate::runtime()?;
    let source: Arc<dyn DataSource> = Arc::new(DirSource::open(&data)?);
    let mut results = Vec::new();
    for (name, headline) in EXAMPLES {
        let file = name.replace('-', "_") + ".wasm";
        let (_, wasm) = built
            .iter()
            .find(|(_, path)| path.file_name().is_some_and(|f| f == file.as_str()))
            .with_context(|| format!("{name} was not built"))?;
        let plugin = runtime.block_on(crate::plugin::load_file(&host, wasm))?;
        let grants = plugin.info().datasets.iter().fold(Grants::none(), |g, d| g.columns(&d.name, d.columns.clone()));
        let params = kiln_host::params_from_text(plugin.info(), &[])?;
        let request = RunRequest { params, data: Some((source.clone(), grants)), limits: Limits::default() };
        let report = runtime.block_on(host.run(&plugin, request));
        let output = report.result.with_context(|| format!("{name} failed"))?;
        results.push((*name, *headline, output, report.usage));
    }

    if args.json {
        let plugins: Vec<_> = results
            .iter()
            .map(|(name, _, output, usage)| json!({"plugin": name, "output": render::output_json(output), "usage": usage}))
            .collect();
        let rollup = district_rollup(&results).map(|b| render::batch_json(&b));
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"data": data, "plugins": plugins, "district_rollup": rollup}))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("Kiln demo: {} enterprises of Xi'an, data in {}\n", args.enterprises, data.display());
    for (name, headline, output, usage) in &results {
        println!("== {name}  ({:.1} ms, {} rows read)", usage.wall_us as f64 / 1000.0, usage.rows_read);
        for m in &output.metrics {
            println!("   {:<16} {:.4} {}", m.name, m.value, m.unit);
        }
        if let Some(table) = output.tables.iter().find(|t| t.name == *headline) {
            println!("   {headline} ({} rows), first 5:", table.data.rows);
            for line in render::batch_text(&table.data, 5).lines() {
                println!("   {line}");
            }
        }
        println!();
    }
    if let Some(rollup) = district_rollup(&results) {
        println!("== district rollup of industrial output value, latest month (output-growth)");
        print!("{}", render::batch_text(&rollup, 20));
    }
    Ok(ExitCode::SUCCESS)
}

/// The `district` rows of output-growth's table for its latest month.
fn district_rollup(results: &[(&str, &str, Output, kiln_host::Usage)]) -> Option<kiln_host::Batch> {
    let (_, _, output, _) = results.iter().find(|(name, ..)| *name == "output-growth")?;
    let growth = &output.tables.iter().find(|t| t.name == "growth")?.data;
    let text = |name: &str| match &growth.columns.iter().find(|c| c.name == name)?.data {
        kiln_host::ColumnData::String(v) => Some(kiln_host::strings::iter(v).map(str::to_string).collect::<Vec<_>>()),
        _ => None,
    };
    let (levels, months) = (text("level")?, text("month")?);
    let latest = months.iter().max()?.clone();
    let keep: Vec<bool> = levels.iter().zip(&months).map(|(l, m)| l == "district" && *m == latest).collect();
    let columns = growth
        .columns
        .iter()
        .filter(|c| c.name != "level")
        .map(|c| kiln_host::Column {
            name: c.name.clone(),
            data: filter(&c.data, &keep),
            validity: c.validity.as_ref().map(|v| v.iter().zip(&keep).filter(|(_, k)| **k).map(|(v, _)| *v).collect()),
        })
        .collect();
    Some(kiln_host::Batch { rows: keep.iter().filter(|k| **k).count() as u32, columns })
}

fn filter(data: &kiln_host::ColumnData, keep: &[bool]) -> kiln_host::ColumnData {
    use kiln_host::ColumnData::*;
    fn pick<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
        v.iter().zip(keep).filter(|(_, k)| **k).map(|(v, _)| v.clone()).collect()
    }
    match data {
        F64(v) => F64(pick(v, keep)),
        S64(v) => S64(pick(v, keep)),
        String(v) => {
            let kept: Vec<&str> = kiln_host::strings::iter(v).zip(keep).filter(|(_, k)| **k).map(|(s, _)| s).collect();
            String(kiln_host::strings::pack(kept))
        }
        Bool(v) => Bool(pick(v, keep)),
        Timestamp(v) => Timestamp(pick(v, keep)),
    }
}
