//! `kiln plugin ...`: the maker's loop of scaffold, build, inspect and run, and publishing to
//! and fetching from a registry.

pub(crate) mod build;
mod files;
mod inspect;
mod new;
mod python;
mod replay;
pub(crate) mod run;
mod test;
pub(crate) mod typescript;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use kiln_host::{Host, HostConfig};

use crate::registry;

/// Plugin commands.
#[derive(Subcommand)]
pub enum PluginCommand {
    /// Create a new plugin (Rust crate, Python or TypeScript project) that builds and passes its
    /// own tests.
    New(new::NewArgs),
    /// Build a plugin into a component (cargo for Rust, componentize-py for Python, jco for
    /// TypeScript) and print its path, size and sha256.
    Build(build::BuildArgs),
    /// Run a plugin's tests: natively, then (Python, TypeScript) against the built component.
    Test(test::TestArgs),
    /// Show a component's contract version, imports, exports and describe() output.
    Inspect(inspect::InspectArgs),
    /// Run a component against CSV/Parquet files under limits, printing output and usage.
    Run(run::RunArgs),
    /// Sign a component and publish it to a registry namespace, where it waits for review.
    Publish(registry::publish::PublishArgs),
    /// List a registry plugin's versions.
    Versions(registry::versions::VersionsArgs),
    /// Resolve a semver requirement to the newest approved, non-yanked version.
    Resolve(registry::versions::ResolveArgs),
    /// Yank a version you published: resolution skips it, pinned users can still download it.
    Yank(registry::versions::YankArgs),
    /// Undo a yank.
    Unyank(registry::versions::YankArgs),
    /// Download a version's component, verified against its recorded sha256.
    Download(registry::download::DownloadArgs),
}

/// Runs a plugin subcommand.
pub fn run(cmd: PluginCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PluginCommand::New(args) => new::run(args),
        PluginCommand::Build(args) => build::run(args),
        PluginCommand::Test(args) => test::run(args),
        PluginCommand::Inspect(args) => inspect::run(args),
        PluginCommand::Run(args) => run::run(args),
        PluginCommand::Publish(args) => registry::publish::run(args),
        PluginCommand::Versions(args) => registry::versions::list(args),
        PluginCommand::Resolve(args) => registry::versions::resolve(args),
        PluginCommand::Yank(args) => registry::versions::yank(args, true),
        PluginCommand::Unyank(args) => registry::versions::yank(args, false),
        PluginCommand::Download(args) => registry::download::run(args),
    }
}

/// Kiln's cache directory: `KILN_CACHE_DIR`, else the user's cache dir. Compiled components
/// live in it, and the tools Kiln installs (componentize-py, jco) under `tools/`.
pub fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("KILN_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("kiln")))
        .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/kiln")))
}

/// Where Kiln installs the tools it pins.
pub fn tools_dir() -> anyhow::Result<PathBuf> {
    let tools = cache_dir().map(|d| d.join("tools")).context("no cache directory: set KILN_CACHE_DIR or HOME")?;
    // The tools run inside the project's directory: a relative cache must not move with them.
    Ok(std::env::current_dir().context("finding the current directory")?.join(tools))
}

/// A host with the on-disk compile cache (see [`cache_dir`]).
pub fn local_host() -> anyhow::Result<Host> {
    // 32 slots: a quarter of them (8, what one component may weigh) for loads.
    let config = HostConfig { cache_dir: cache_dir(), max_instances: 32, ..HostConfig::default() };
    Host::new(config).context("starting the plugin host")
}

/// Reads a component file and loads it into `host`.
pub async fn load_file(host: &Host, path: &std::path::Path) -> anyhow::Result<kiln_host::Plugin> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    host.load(&bytes).await.with_context(|| format!("loading {}", path.display()))
}
