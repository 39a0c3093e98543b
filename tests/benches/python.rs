//! Python plugins (componentize-py) beside Rust ones, in one run: `cargo bench -p kiln-tests
//! --bench python`.
//!
//! 1. Warm instantiate + run of the no-op plugin, Python and Rust, alternately run by run.
//! 2. Loading the Python no-op on a process that never saw it: compiling, against
//!    deserializing the stored artifact (what `kiln-registry`'s artifacts give a worker).
//! 3. The Python ports of energy-intensity and anomaly against their Rust builds, through the
//!    host on the same Parquet data (`kiln data generate` defaults), and against the same Python
//!    code under native CPython (`kiln_sdk.testing`, timing `TestRun.run` alone), when a Python
//!    with pyarrow is found: `KILN_BENCH_PYTHON`, else the venv the test guests were built with
//!    (`pip install pyarrow` there once).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use kiln_host::{DirSource, Grants, Host, HostConfig, Plugin, RunRequest};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    percentile(&samples, 0.5)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let host = Host::new(HostConfig { max_instances: 16, ..HostConfig::default() }).expect("host");
    let load = |path: &str| rt.block_on(host.load(&kiln_test_guests::bytes(path))).expect("loads");

    // 1. Warm no-op runs.
    let (py, rust) = (load(kiln_test_guests::NOOP_PY), load(kiln_test_guests::NOOP));
    let runs: usize = std::env::var("KILN_BENCH_NOOP_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let run_once = |plugin: &Plugin| {
        let start = Instant::now();
        rt.block_on(host.run(plugin, RunRequest::default())).result.expect("the no-op runs");
        start.elapsed().as_secs_f64() * 1e3
    };
    for _ in 0..50 {
        run_once(&py);
        run_once(&rust);
    }
    let (mut py_ms, mut rust_ms) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        py_ms.push(run_once(&py));
        rust_ms.push(run_once(&rust));
    }
    py_ms.sort_by(f64::total_cmp);
    rust_ms.sort_by(f64::total_cmp);
    println!("\n## Warm instantiate + run of a no-op plugin ({runs} runs each, alternating)\n");
    println!("| plugin | component | p50 (ms) | p99 (ms) |\n|---|---|---|---|");
    for (name, path, ms) in [("Python", kiln_test_guests::NOOP_PY, &py_ms), ("Rust", kiln_test_guests::NOOP, &rust_ms)]
    {
        let size = std::fs::metadata(path).expect("built").len() as f64 / (1 << 20) as f64;
        println!("| {name} | {size:.2} MiB | {:.3} | {:.3} |", percentile(ms, 0.5), percentile(ms, 0.99));
    }

    // 2. Loading on a process that never saw the plugin.
    let bytes = kiln_test_guests::bytes(kiln_test_guests::NOOP_PY);
    let start = Instant::now();
    let compiled = rt.block_on(host.compile(&bytes)).expect("compiles");
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let loads: Vec<f64> = (0..10)
        .map(|_| {
            let start = Instant::now();
            rt.block_on(host.load_compiled(&bytes, &compiled)).expect("loads");
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!("\n## Loading the Python no-op on a process that never saw it\n");
    println!("| path | ms |\n|---|---|");
    println!(
        "| compile ({:.1} MiB of native code) + load | {:.0} |",
        compiled.len() as f64 / (1 << 20) as f64,
        compile_ms
    );
    println!("| stored artifact: deserialize + load (median of 10) | {:.1} |", median(loads));

    // 3. The ports on generated data.
    let dir = tempfile::tempdir().expect("tempdir");
    let options = kiln_datagen::Options { seed: 42, enterprises: 2000, months: 36 };
    kiln_datagen::write_parquet(dir.path(), &options, &mut |_, _, _| {}).expect("data");
    let source = Arc::new(DirSource::open(dir.path()).expect("data dir"));
    // Fuel instruments every basic block of the interpreter loop: the same runs without it say
    // what metering costs an interpreter.
    // `KILN_BENCH_PERF_MAP=1` names the guests' functions for `perf record` (see docs/benchmarks.md).
    // With it, `KILN_BENCH_PORT_RUNS` repeats the unmetered port runs so that they, not the
    // compiles, fill the profile.
    let perf_map = std::env::var_os("KILN_BENCH_PERF_MAP").is_some();
    let port_runs: usize = std::env::var("KILN_BENCH_PORT_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let unmetered =
        Host::new(HostConfig { max_instances: 16, fuel: false, perf_map, ..HostConfig::default() }).expect("host");
    let time_on = |host: &Host, plugin: &Plugin, grants: &Grants| {
        let start = Instant::now();
        let data = Some((source.clone() as Arc<dyn kiln_host::DataSource>, grants.clone()));
        let limits = kiln_host::Limits { timeout: std::time::Duration::from_secs(300), ..Default::default() };
        let report = rt.block_on(host.run(plugin, RunRequest { data, limits, ..Default::default() }));
        report.result.expect("the port runs");
        start.elapsed().as_secs_f64() * 1e3
    };
    let time_run = |plugin: &Plugin, grants: &Grants| time_on(&host, plugin, grants);
    let python = python_with_pyarrow();
    println!("\n## The ports: {} enterprises × {} months, medians of 5 runs\n", options.enterprises, options.months);
    println!(
        "| plugin | Rust wasm (ms) | Python wasm (ms) | Python wasm, no fuel (ms) | Python native CPython (ms) | Python wasm / Rust wasm | Python wasm / CPython | no fuel / CPython |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (name, rust, port, module, class, grants) in [
        (
            "energy-intensity",
            kiln_test_guests::ENERGY_INTENSITY,
            kiln_test_guests::ENERGY_INTENSITY_PY,
            "energy_intensity",
            "EnergyIntensity",
            Grants::none().dataset("monthly_indicators").dataset("enterprises"),
        ),
        (
            "anomaly",
            kiln_test_guests::ANOMALY,
            kiln_test_guests::ANOMALY_PY,
            "anomaly",
            "Anomaly",
            Grants::none().dataset("monthly_indicators"),
        ),
    ] {
        let port_path = port;
        let (rust, port) = (load(rust), load(port));
        time_run(&rust, &grants);
        time_run(&port, &grants);
        let rust_ms = median((0..5).map(|_| time_run(&rust, &grants)).collect());
        let port_ms = median((0..5).map(|_| time_run(&port, &grants)).collect());
        let bare = rt.block_on(unmetered.load(&kiln_test_guests::bytes(port_path))).expect("loads");
        time_on(&unmetered, &bare, &grants);
        let bare_ms = median((0..port_runs).map(|_| time_on(&unmetered, &bare, &grants)).collect());
        let project = root.join("example-plugins/python").join(name);
        let native =
            python.as_ref().map(|py| native_cpython(py, &project, &root.join("sdk/python"), module, class, dir.path()));
        let (native_cell, ratio_cell, bare_cell) = match native {
            Some(ms) => (format!("{ms:.0}"), format!("{:.2}×", port_ms / ms), format!("{:.2}×", bare_ms / ms)),
            None => ("—".into(), "—".into(), "—".into()),
        };
        println!(
            "| {name} | {rust_ms:.1} | {port_ms:.0} | {bare_ms:.0} | {native_cell} | {:.1}× | {ratio_cell} | {bare_cell} |",
            port_ms / rust_ms
        );
    }
    if python.is_none() {
        println!("\n(no Python with pyarrow: set KILN_BENCH_PYTHON, or `pip install pyarrow` into the guests' venv)");
    }
}

/// A Python that imports pyarrow, with its version.
fn python_with_pyarrow() -> Option<String> {
    let candidate = std::env::var("KILN_BENCH_PYTHON").unwrap_or_else(|_| kiln_test_guests::PYTHON.to_string());
    let ok = Command::new(&candidate).args(["-c", "import pyarrow"]).status().is_ok_and(|s| s.success());
    ok.then_some(candidate)
}

/// The port's `run` under native CPython on the same data: median of 5 `TestRun.run` calls, the
/// data read from Parquet beforehand.
fn native_cpython(python: &str, project: &Path, sdk: &Path, module: &str, class: &str, data: &Path) -> f64 {
    let script = format!(
        r#"
import statistics, sys, time
from kiln_sdk.testing import TestRun
from {module} import {class}
run = TestRun().load_dir({data:?})
run.run({class})
times = []
for _ in range(5):
    start = time.perf_counter()
    run.run({class})
    times.append((time.perf_counter() - start) * 1e3)
print(statistics.median(times), sys.version.split()[0])
"#,
        data = data.display().to_string()
    );
    let path = std::env::join_paths([project, sdk]).expect("paths");
    let out = Command::new(python).args(["-c", &script]).env("PYTHONPATH", path).output().expect("python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut parts = text.split_whitespace();
    let ms: f64 = parts.next().and_then(|v| v.parse().ok()).expect("a time");
    eprintln!("native CPython {} for {module}", parts.next().unwrap_or("?"));
    ms
}
