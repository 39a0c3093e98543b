//! `kiln plugin run --replay BUNDLE`: reproduce a platform run offline from its bundle, with
//! nothing but this binary, and check the output hashes to what the run recorded.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use kiln_registry::bundle;
use kiln_registry::results::OutputDocument;
use kiln_registry::runner::pinned_request;
use kiln_registry::state::ServiceLimits;
use serde_json::json;

use crate::render;

/// Opens and checks the bundle, runs it, and compares.
pub fn run(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let dir = tempfile::tempdir().context("making a scratch directory")?;
    // The service's own caps: a bundle holds nothing a run could not have read.
    let opened = bundle::open(path, ServiceLimits::default().blob_caps(), dir.path())
        .with_context(|| format!("opening {}", path.display()))?;
    let m = &opened.manifest;
    let host = super::local_host()?;
    let runtime = crate::runtime()?;
    let plugin = runtime.block_on(super::load_file(&host, &opened.component))?;
    let request = pinned_request(&m.pinned, plugin.info(), opened.datasets.clone())
        .map_err(|(kind, message)| anyhow::anyhow!("the bundle cannot run ({kind}): {message}"))?;
    let report = runtime.block_on(host.run(&plugin, request));
    let output = match report.result {
        Ok(output) => output,
        Err(e) => {
            eprintln!("error: the replay failed ({}): {}", e.kind(), render::printable(&e.to_string()));
            return Ok(ExitCode::FAILURE);
        }
    };
    let document = serde_json::to_vec(&OutputDocument(&output)).context("encoding the output")?;
    let sha256 = kiln_host::sha256_hex(&document);
    let recorded = std::fs::read(&opened.output).context("reading the recorded output")?;
    let difference = kiln_registry::replay::compare(&recorded, &document);
    if json {
        let verdict = match &difference {
            None => json!({"outcome": "identical"}),
            Some(d) => json!({"outcome": "different", "difference": d}),
        };
        let report = json!({"run": m.run, "plugin": m.plugin, "provenance": m.provenance,
                            "recorded_sha256": m.output_sha256, "output_sha256": sha256, "verdict": verdict});
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        match &difference {
            None => println!("identical: run {} of {} reproduced output sha256 {sha256}", m.run, m.plugin),
            Some(d) => println!("different: run {} of {}: {}", m.run, m.plugin, render::printable(&d.describe())),
        }
        println!("  provenance {} (component {})", m.provenance, m.pinned.component);
    }
    Ok(if difference.is_none() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
