//! Run bundles: one tar file with everything a finished run pinned and what it produced, so
//! that `kiln plugin run --replay FILE` can reproduce it on another machine with only the
//! `kiln` binary and check it got the same bytes.
//!
//! ```text
//! manifest.json          the Manifest: the run, its pinned inputs, output hash, provenance
//! component.wasm         the component
//! datasets/<i>.parquet   the dataset versions read, in the order the manifest lists them
//! output.json            the output document the run recorded
//! ```
//!
//! Datasets are named by position, never by a name from the manifest, so no name in a bundle
//! becomes a path. Opening a bundle reads only those entries, each within the same caps the
//! service applies, and checks every hash and the provenance before anything runs.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::blobs::{BlobError, Blobs};
use crate::provenance::Pinned;
use crate::runner::BlobCaps;
use crate::store::runs::{RunRecord, RunState};

/// Names this layout.
pub const FORMAT: &str = "kiln-run-bundle/1";

/// The most bytes `manifest.json` may hold.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// What a bundle says about its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The run's id.
    pub run: String,
    /// Its tenant.
    pub tenant: String,
    /// The plugin: namespace, name, exact version.
    pub plugin: String,
    /// What it pinned.
    pub pinned: Pinned,
    /// sha256 of the output document it recorded.
    pub output_sha256: String,
    /// Its provenance hash, as its record and its `run.finish` audit entry hold it.
    pub provenance: String,
    /// The Kiln version that exported it.
    pub exported_by: String,
    /// When, unix ms.
    pub exported_at: i64,
}

/// Why a bundle could not be written or opened.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Reading or writing files failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A blob the bundle needs could not be read.
    #[error("{what}: {source}")]
    Blob {
        /// Which input.
        what: String,
        /// Why.
        source: BlobError,
    },
    /// Only a run that succeeded has an output to reproduce.
    #[error("run {0} has no recorded output to reproduce")]
    NoOutput(String),
    /// The file is not a bundle of this format, or holds something it should not.
    #[error("not a Kiln run bundle: {0}")]
    Malformed(String),
    /// A part of the bundle does not match its manifest.
    #[error("the bundle was altered: {0}")]
    Altered(String),
}

/// Writes the bundle of `run` (which must have succeeded) as `dir/bundle.tar`, fetching its
/// blobs into `dir` first (each hash-checked on the way); returns the file's path.
pub async fn export(
    blobs: &Blobs,
    caps: BlobCaps,
    run: &RunRecord,
    dir: &Path,
    at: i64,
) -> Result<PathBuf, BundleError> {
    let (Some(output), Some(provenance), RunState::Succeeded) = (&run.output_sha256, &run.provenance, run.state) else {
        return Err(BundleError::NoOutput(run.id.clone()));
    };
    let fetch = |sha: String, what: String, max: u64, to: PathBuf| async move {
        blobs.get_to_file(&sha, &to, max).await.map_err(|source| BundleError::Blob { what, source })?;
        Ok::<_, BundleError>(to)
    };
    let mut files = vec![(
        "component.wasm".to_string(),
        fetch(run.sha256.clone(), "the component".into(), caps.component, dir.join("component")).await?,
    )];
    for (i, d) in run.datasets.iter().enumerate() {
        let what = format!("dataset `{}` version {}", d.name, d.version);
        let file = fetch(d.sha256.clone(), what, caps.dataset, dir.join(format!("dataset-{i}"))).await?;
        files.push((format!("datasets/{i}.parquet"), file));
    }
    files.push((
        "output.json".to_string(),
        fetch(output.clone(), "the output".into(), caps.output, dir.join("output")).await?,
    ));
    let manifest = Manifest {
        format: FORMAT.into(),
        run: run.id.clone(),
        tenant: run.tenant.clone(),
        plugin: format!("{}/{}@{}", run.namespace, run.plugin, run.version),
        pinned: Pinned::of(run),
        output_sha256: output.clone(),
        provenance: provenance.clone(),
        exported_by: format!("kiln {}", env!("CARGO_PKG_VERSION")),
        exported_at: at,
    };
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::Malformed(e.to_string()))?;
    let path = dir.join("bundle.tar");
    let out = path.clone();
    tokio::task::spawn_blocking(move || write_tar(&out, &manifest, &files))
        .await
        .map_err(|e| BundleError::Io(std::io::Error::other(e)))??;
    Ok(path)
}

fn write_tar(path: &Path, manifest: &[u8], files: &[(String, PathBuf)]) -> std::io::Result<()> {
    let header = |size: u64| {
        let mut header = tar::Header::new_ustar();
        header.set_size(size);
        header.set_mode(0o644);
        header
    };
    let mut tar = tar::Builder::new(std::io::BufWriter::new(File::create(path)?));
    tar.append_data(&mut header(manifest.len() as u64), "manifest.json", manifest)?;
    for (name, file) in files {
        let mut file = File::open(file)?;
        tar.append_data(&mut header(file.metadata()?.len()), name, &mut file)?;
    }
    tar.into_inner()?.flush()
}

/// A bundle unpacked and checked: every part hashes to what the manifest says, and the
/// manifest's provenance is the hash of its pinned inputs and output.
#[derive(Debug)]
pub struct Opened {
    /// What the bundle says.
    pub manifest: Manifest,
    /// The component.
    pub component: PathBuf,
    /// Each dataset's file, in the manifest's order.
    pub datasets: Vec<PathBuf>,
    /// The recorded output document.
    pub output: PathBuf,
}

/// Unpacks the bundle at `path` into `dir` and checks it, reading no entry past its cap.
pub fn open(path: &Path, caps: BlobCaps, dir: &Path) -> Result<Opened, BundleError> {
    let malformed = |m: String| BundleError::Malformed(m);
    let mut archive = tar::Archive::new(File::open(path)?);
    let mut manifest: Option<Vec<u8>> = None;
    let mut hashes: std::collections::HashMap<String, (PathBuf, String)> = std::collections::HashMap::new();
    for entry in archive.entries().map_err(|e| malformed(e.to_string()))? {
        let mut entry = entry.map_err(|e| malformed(e.to_string()))?;
        if !entry.header().entry_type().is_file() {
            return Err(malformed("it holds something other than plain files".into()));
        }
        let name = entry.path().map_err(|e| malformed(e.to_string()))?.to_string_lossy().into_owned();
        let (max, file) = match name.as_str() {
            "manifest.json" => (MAX_MANIFEST_BYTES, None),
            "component.wasm" => (caps.component, Some("component".to_string())),
            "output.json" => (caps.output, Some("output".to_string())),
            other => match other.strip_prefix("datasets/").and_then(|n| n.strip_suffix(".parquet")) {
                Some(i) if i.parse::<u16>().is_ok_and(|n| n.to_string() == i) => {
                    (caps.dataset, Some(format!("dataset-{i}.parquet")))
                }
                _ => return Err(malformed(format!("unexpected entry `{}`", name.escape_debug()))),
            },
        };
        if manifest.is_some() && name == "manifest.json" || hashes.contains_key(&name) {
            return Err(malformed(format!("`{name}` appears twice")));
        }
        if entry.size() > max {
            return Err(malformed(format!("`{name}` holds {} bytes, more than the {max} allowed", entry.size())));
        }
        // The header's size is the tar's claim; what is read is capped regardless.
        let mut limited = (&mut entry).take(max + 1);
        match file {
            None => {
                let mut bytes = Vec::new();
                limited.read_to_end(&mut bytes)?;
                manifest = Some(bytes);
            }
            Some(file) => {
                let to = dir.join(file);
                let (sha, size) = copy_hashed(&mut limited, &to)?;
                if size > max {
                    return Err(malformed(format!("`{name}` is more than the {max} bytes allowed")));
                }
                hashes.insert(name, (to, sha));
            }
        }
    }
    let manifest: Manifest = serde_json::from_slice(&manifest.ok_or_else(|| malformed("no manifest.json".into()))?)
        .map_err(|e| malformed(format!("manifest.json: {e}")))?;
    if manifest.format != FORMAT {
        return Err(malformed(format!("format `{}`, this kiln reads `{FORMAT}`", manifest.format)));
    }
    let mut take = |name: &str, expected: &str| {
        let (file, sha) = hashes.remove(name).ok_or_else(|| malformed(format!("no {name}")))?;
        if sha != expected {
            return Err(BundleError::Altered(format!("{name} hashes to {sha}, the manifest says {expected}")));
        }
        Ok(file)
    };
    let component = take("component.wasm", &manifest.pinned.component)?;
    let output = take("output.json", &manifest.output_sha256)?;
    let datasets = (manifest.pinned.datasets.iter().enumerate())
        .map(|(i, d)| take(&format!("datasets/{i}.parquet"), &d.sha256))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(extra) = hashes.keys().next() {
        return Err(malformed(format!("`{extra}` is not listed in the manifest")));
    }
    let provenance = manifest.pinned.hash(Some(&manifest.output_sha256));
    if provenance != manifest.provenance {
        return Err(BundleError::Altered(format!(
            "its pinned inputs and output hash to provenance {provenance}, the manifest says {}",
            manifest.provenance
        )));
    }
    Ok(Opened { manifest, component, datasets, output })
}

/// Copies `from` into a new file `to`, returning its sha256 and size.
fn copy_hashed(from: &mut impl Read, to: &Path) -> std::io::Result<(String, u64)> {
    let mut out = std::io::BufWriter::new(File::create(to)?);
    let mut hasher = Sha256::new();
    let mut chunk = vec![0; 1 << 16];
    let mut size = 0;
    loop {
        let n = from.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        hasher.update(&chunk[..n]);
        out.write_all(&chunk[..n])?;
        size += n as u64;
    }
    out.flush()?;
    Ok((hex::encode(hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundle's manifest as exported, field for field: bundles written by earlier Kiln versions
    /// must keep opening, so the layout is pinned to a literal document.
    const MANIFEST: &str = r#"{
  "format": "kiln-run-bundle/1",
  "run": "run-1",
  "tenant": "t1",
  "plugin": "acme/oee@0.1.0",
  "pinned": {
    "component": "abab",
    "datasets": [
      {
        "name": "readings",
        "version": 2,
        "sha256": "cdcd",
        "columns": [
          "value"
        ]
      }
    ],
    "params": {
      "scale": 2
    },
    "limits": {
      "fuel": 5
    },
    "seed": 7,
    "clock_start": 1764547200000
  },
  "output_sha256": "efef",
  "provenance": "0101",
  "exported_by": "kiln 0.1.0",
  "exported_at": 1764547300000
}"#;

    #[test]
    fn the_manifest_layout_is_pinned() {
        let manifest: Manifest = serde_json::from_str(MANIFEST).unwrap();
        assert_eq!(manifest.pinned.datasets[0].columns, ["value"]);
        assert_eq!(manifest.pinned.clock_start, 1_764_547_200_000);
        assert_eq!(String::from_utf8(serde_json::to_vec_pretty(&manifest).unwrap()).unwrap(), MANIFEST);
    }
}
