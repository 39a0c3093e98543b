//! `kiln`: the one binary for makers, enterprises and operators.

mod data;
mod demo;
mod plugin;
mod render;
mod units;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Kiln: sandboxed WebAssembly plugins for industrial data.
#[derive(Parser)]
#[command(name = "kiln", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write, build, inspect and run plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Generate and inspect datasets.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Generate the Xi'an data set, build the example plugins and run them: the main job.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("KILN_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plugin(cmd) => plugin::run(cmd),
        Command::Data(cmd) => data::run(cmd),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A tokio runtime for the commands that run plugins.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
