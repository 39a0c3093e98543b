//! `kiln plugin run FILE --data DIR`: run a component locally, as the platform would.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use std::io::Write as _;

use kiln_host::{Determinism, DirSource, Grants, Limits, PluginInfo, RunReport, RunRequest};
use kiln_registry::results::OutputDocument;
use serde::Serialize;
use serde_json::json;

use crate::render;
use crate::units::{parse_bytes, parse_duration};

/// Arguments of `kiln plugin run`.
#[derive(Args)]
pub struct RunArgs {
    /// The component (.wasm) to run.
    #[arg(required_unless_present = "replay")]
    file: Option<PathBuf>,
    /// Reproduce a run from its bundle (`kiln job export`) instead: its component on its
    /// datasets with its parameters, limits, seed and clock start, checking that the output
    /// hashes to what the run recorded. Exits non-zero unless it does.
    #[arg(long, value_name = "BUNDLE", conflicts_with_all = ["file", "data", "grants", "params", "timeout", "fuel", "memory", "seed"])]
    replay: Option<PathBuf>,
    /// Seeds the plugin's random sources (a run on the platform records its own).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// A directory of CSV and Parquet files, one file per dataset (named by its stem).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Grant a dataset, or some of its columns: `DATASET` or `DATASET:COL,COL`. Repeatable.
    /// Without any, the datasets and columns the plugin declares in describe() are granted.
    #[arg(long = "grant", value_name = "DATASET[:COLS]")]
    grants: Vec<String>,
    /// A parameter `NAME=VALUE`, parsed as the type the plugin declares. Repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Wall-clock limit.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    timeout: Duration,
    /// CPU limit in fuel units (about one per wasm instruction).
    #[arg(long)]
    fuel: Option<u64>,
    /// Linear memory limit, such as 64MiB.
    #[arg(long, value_parser = parse_bytes)]
    memory: Option<u64>,
    /// Rows shown per table in text output.
    #[arg(long, default_value_t = 20)]
    rows: usize,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the plugin; exits non-zero with a one-line reason when a limit or the plugin stops it.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let Some(file) = &args.file else {
        let bundle = args.replay.as_deref().context("give a component or --replay BUNDLE")?;
        return super::replay::run(bundle, args.json);
    };
    let host = super::local_host()?;
    let runtime = crate::runtime()?;
    let plugin = runtime.block_on(super::load_file(&host, file))?;
    let params = parse_params(&args.params)?;
    let params = kiln_host::params_from_text(plugin.info(), &params)?;
    let grants = grants(&args.grants, plugin.info())?;
    let data = match &args.data {
        Some(dir) => {
            let source = DirSource::open(dir).with_context(|| format!("opening data directory {}", dir.display()))?;
            Some((Arc::new(source) as Arc<dyn kiln_host::DataSource>, grants))
        }
        None => None,
    };
    let defaults = Limits::default();
    let limits = Limits {
        timeout: args.timeout,
        fuel: args.fuel.unwrap_or(defaults.fuel),
        memory_bytes: args.memory.unwrap_or(defaults.memory_bytes),
        ..defaults
    };
    // The clocks start now, as a platform run's start at its submission.
    let clock_start_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let determinism = Determinism { seed: args.seed, clock_start_ms };
    let report = runtime.block_on(host.run(&plugin, RunRequest { params, data, limits, determinism }));
    if args.json {
        // Streamed to stdout: a large output is never held twice.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, &ReportDocument::new(&plugin, &report))?;
        writeln!(out)?;
        out.flush()?;
    } else {
        print_text(&report, args.rows);
    }
    match &report.result {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("error: run failed ({}): {}", e.kind(), render::printable(&e.to_string()));
            Ok(ExitCode::FAILURE)
        }
    }
}

fn parse_params(given: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    given
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .with_context(|| format!("parameter `{p}` is not NAME=VALUE"))
        })
        .collect()
}

/// Explicit `--grant`s, or else what the plugin declares it needs.
fn grants(given: &[String], info: &PluginInfo) -> anyhow::Result<Grants> {
    if given.is_empty() {
        return Ok(info.datasets.iter().fold(Grants::none(), |g, d| {
            if d.columns.is_empty() { g.dataset(&d.name) } else { g.columns(&d.name, d.columns.iter().cloned()) }
        }));
    }
    given.iter().try_fold(Grants::none(), |g, spec| g.parse_into(spec).map_err(Into::into))
}

/// The JSON document `run --json` prints.
#[derive(Serialize)]
pub struct ReportDocument<'a> {
    plugin: serde_json::Value,
    ok: bool,
    output: Option<OutputDocument<'a>>,
    /// The sha256 of `output` as the registry stores it (compact JSON): the figure a replay
    /// compares, so two plugins can be checked for byte-identical output.
    output_sha256: Option<String>,
    error: Option<serde_json::Value>,
    usage: &'a kiln_host::Usage,
    log: &'a kiln_host::RunLog,
}

impl<'a> ReportDocument<'a> {
    /// The document for `report`, a run of `plugin`.
    pub fn new(plugin: &kiln_host::Plugin, report: &'a RunReport) -> Self {
        ReportDocument {
            plugin: json!({
                "name": plugin.info().name,
                "version": plugin.info().version,
                "sha256": plugin.sha256(),
                "language": plugin.language().as_str(),
            }),
            ok: report.result.is_ok(),
            output: report.result.as_ref().ok().map(OutputDocument),
            output_sha256: report.result.as_ref().ok().and_then(|output| {
                serde_json::to_vec(&OutputDocument(output)).ok().map(|document| kiln_host::sha256_hex(&document))
            }),
            error: report.result.as_ref().err().map(|e| json!({"kind": e.kind(), "message": e.to_string()})),
            usage: &report.usage,
            log: &report.log,
        }
    }
}

fn print_text(report: &RunReport, rows: usize) {
    if let Ok(output) = &report.result {
        for table in &output.tables {
            println!("== {} ({} rows)", render::printable(&table.name), table.data.rows);
            print!("{}", render::batch_text(&table.data, rows));
            println!();
        }
        if !output.metrics.is_empty() {
            println!("== metrics");
            for m in &output.metrics {
                println!("{:<24} {} {}", render::printable(&m.name), m.value, render::printable(&m.unit));
            }
            println!();
        }
    }
    if !report.log.lines.is_empty() {
        println!("== log{}", if report.log.truncated { " (truncated)" } else { "" });
        for line in &report.log.lines {
            println!("[{:?}] {}", line.source, render::printable(&line.message));
        }
        println!();
    }
    let u = &report.usage;
    println!(
        "== usage\nwall {:.3} ms, fuel {}, peak memory {} KiB, rows read {}, output {} bytes, log {} bytes",
        u.wall_us as f64 / 1000.0,
        u.fuel,
        u.peak_memory_bytes >> 10,
        u.rows_read,
        u.output_bytes,
        u.log_bytes
    );
}
