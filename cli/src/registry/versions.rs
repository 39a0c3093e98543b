//! `kiln plugin versions | resolve | yank | unyank`: reading and curating a registry plugin.

use std::process::ExitCode;

use clap::Args;
use kiln_registry::routes::plugins::ResolveQuery;
use kiln_registry::store::plugins::VersionRecord;

use super::lines::{short_sha, version_state};
use super::{PluginRef, Remote, emit, plugin_ref, version_ref, when};

/// Arguments of `kiln plugin versions`.
#[derive(Args)]
pub struct VersionsArgs {
    /// The plugin, NAMESPACE/NAME.
    #[arg(value_parser = plugin_ref, value_name = "NS/NAME")]
    plugin: PluginRef,
    /// Registry, token and output.
    #[command(flatten)]
    remote: Remote,
}

/// Arguments of `kiln plugin resolve`.
#[derive(Args)]
pub struct ResolveArgs {
    /// The plugin, NAMESPACE/NAME.
    #[arg(value_parser = plugin_ref, value_name = "NS/NAME")]
    plugin: PluginRef,
    /// A semver requirement, such as `^0.1` or `=1.2.3`.
    #[arg(value_name = "REQ")]
    req: String,
    /// Registry, token and output.
    #[command(flatten)]
    remote: Remote,
}

/// Arguments of `kiln plugin yank` and `unyank`.
#[derive(Args)]
pub struct YankArgs {
    /// The version, NAMESPACE/NAME@VERSION.
    #[arg(value_parser = version_ref, value_name = "NS/NAME@VERSION")]
    version: PluginRef,
    /// Registry, token and output.
    #[command(flatten)]
    remote: Remote,
}

/// Lists the versions the caller may see.
pub fn list(args: VersionsArgs) -> anyhow::Result<ExitCode> {
    let mut path = args.plugin.plugin_path();
    path.push("versions");
    let versions: Vec<VersionRecord> = args.remote.client()?.get(&path)?;
    emit(args.remote.json, &versions, |versions| {
        if versions.is_empty() {
            println!("no versions of {} you may see", args.plugin);
        }
        for v in versions {
            println!(
                "{:<12} {:<24}  contract {}  sha256 {}  by {} {}",
                v.version,
                version_state(v),
                v.contract,
                short_sha(&v.sha256),
                v.published_by,
                when(v.published_at)
            );
        }
    })
}

/// Resolves a requirement to the newest approved, non-yanked, available version.
pub fn resolve(args: ResolveArgs) -> anyhow::Result<ExitCode> {
    let mut path = args.plugin.plugin_path();
    path.push("resolve");
    let version: VersionRecord = args.remote.client()?.get_query(&path, &ResolveQuery { req: args.req.clone() })?;
    emit(args.remote.json, &version, |v| {
        println!("{}  contract {}  sha256 {}  {} bytes", v.subject(), v.contract, v.sha256, v.size)
    })
}

/// Yanks (or with `yank == false` unyanks) a version.
pub fn yank(args: YankArgs, yank: bool) -> anyhow::Result<ExitCode> {
    let action = if yank { "yank" } else { "unyank" };
    let version: VersionRecord = args.remote.client()?.post_empty(&args.version.version_path(&[action]))?;
    emit(args.remote.json, &version, |v| {
        if yank {
            println!("yanked {}: resolution skips it; pinned users can still download it", v.subject());
        } else {
            println!("unyanked {}: it resolves again ({})", v.subject(), version_state(v));
        }
    })
}
