//! `kiln data ...`: the synthetic Xi'an data set, and a tenant's datasets on a registry.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

/// Data commands.
#[derive(Subcommand)]
pub enum DataCommand {
    /// Write a deterministic synthetic data set of Xi'an's industry as Parquet files.
    Generate(GenerateArgs),
    /// A tenant's datasets on a registry: upload, list, preview, delete.
    #[command(flatten)]
    Registry(crate::registry::datasets::DatasetCommand),
}

/// Arguments of `kiln data generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of enterprises.
    #[arg(long, default_value_t = 2000)]
    enterprises: usize,
    /// Number of months, starting 2023-01.
    #[arg(long, default_value_t = 36)]
    months: u32,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs a data subcommand.
pub fn run(cmd: DataCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DataCommand::Generate(args) => generate(args),
        DataCommand::Registry(cmd) => crate::registry::datasets::run(cmd),
    }
}

fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let options = kiln_datagen::Options { seed: args.seed, enterprises: args.enterprises, months: args.months };
    let bar = ProgressBar::new(0).with_style(ProgressStyle::with_template("{msg:>22} {bar:30} {pos}/{len}")?);
    let summary = kiln_datagen::write_parquet(&args.out, &options, &mut |done, total, stage| {
        bar.set_length(total);
        bar.set_position(done);
        bar.set_message(stage.to_string());
    })
    .with_context(|| format!("generating data into {}", args.out.display()))?;
    bar.finish_and_clear();
    if args.json {
        let datasets: Vec<_> = summary
            .datasets
            .iter()
            .map(|d| json!({"name": d.name, "path": d.path, "rows": d.rows, "bytes": d.bytes}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"out": args.out, "seed": args.seed, "datasets": datasets}))?
        );
    } else {
        for d in &summary.datasets {
            println!("{:<22} {:>9} rows  {:>10} bytes  {}", d.name, d.rows, d.bytes, d.path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
