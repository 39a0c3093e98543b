//! `kiln plugin download NS/NAME@VERSION --out FILE`: fetch a component, verify it, write it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use kiln_registry::store::plugins::VersionRecord;
use serde_json::json;

use super::{PluginRef, Remote, version_ref};

/// Arguments of `kiln plugin download`.
#[derive(Args)]
pub struct DownloadArgs {
    /// The version, NAMESPACE/NAME@VERSION.
    #[arg(value_parser = version_ref, value_name = "NS/NAME@VERSION")]
    version: PluginRef,
    /// Where to write the component (replaced atomically, only once verified).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Registry, token and output.
    #[command(flatten)]
    remote: Remote,
}

/// Downloads the bytes, checks their sha256 against the header and the version record, and
/// only then writes them.
pub fn run(args: DownloadArgs) -> anyhow::Result<ExitCode> {
    let client = args.remote.client()?;
    let record: VersionRecord = client.get(&args.version.version_path(&[]))?;
    let (bytes, header) = client.download(&args.version.version_path(&["download"]))?;
    let header =
        header.with_context(|| format!("the registry sent {} without an x-kiln-sha256 header", args.version))?;
    if !header.eq_ignore_ascii_case(&record.sha256) {
        bail!(
            "the download's x-kiln-sha256 {header} differs from {}'s recorded sha256 {}",
            args.version,
            record.sha256
        );
    }
    let actual = kiln_host::sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(&record.sha256) {
        bail!(
            "the downloaded bytes hash to {actual}, but {} is recorded as {}; nothing was written",
            args.version,
            record.sha256
        );
    }
    write_atomically(&args.out, &bytes)?;
    if args.remote.json {
        let doc = json!({"path": args.out, "sha256": actual, "size": bytes.len(), "version": record});
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("wrote {} ({} bytes, sha256 {actual}, verified)", args.out.display(), bytes.len());
        if record.yanked {
            println!("note: {} is yanked", record.subject());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to a temporary file beside `out`, syncs it and renames it over `out`, so
/// `out` is either the old file or the whole new one.
fn write_atomically(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("creating a file in {}", dir.display()))?;
    tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all()).context("writing the download")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // A component is not a secret; the temporary file's 0600 would be surprising.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(out).with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}
