//! TypeScript/JavaScript plugins (jco's ComponentizeJS) beside Rust and Python ones, in one
//! run: `cargo bench -p kiln-tests --bench javascript`.
//!
//! 1. Warm instantiate + run of the no-op plugin, JavaScript, Python and Rust, alternately.
//! 2. Loading the JavaScript no-op on a process that never saw it: compiling, against
//!    deserializing the stored artifact (what `kiln-registry`'s artifacts give a worker).
//! 3. The TypeScript port of output-growth against its Rust build, through the host on the
//!    same data (`kiln data generate` defaults), and against the same TypeScript under Node
//!    (`@kiln/sdk/testing`, timing `TestRun.run` alone, the data read from CSV beforehand),
//!    with V8's JIT and without it (`--jitless`).

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

fn mib(path: &str) -> f64 {
    std::fs::metadata(path).expect("built").len() as f64 / (1 << 20) as f64
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let host = Host::new(HostConfig { max_instances: 16, ..HostConfig::default() }).expect("host");
    let load = |path: &str| rt.block_on(host.load(&kiln_test_guests::bytes(path))).expect("loads");

    // 1. Warm no-op runs.
    let noops = [
        ("JavaScript", kiln_test_guests::NOOP_JS),
        ("Python", kiln_test_guests::NOOP_PY),
        ("Rust", kiln_test_guests::NOOP),
    ];
    let plugins: Vec<Plugin> = noops.iter().map(|(_, path)| load(path)).collect();
    let runs: usize = std::env::var("KILN_BENCH_NOOP_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let run_once = |plugin: &Plugin| {
        let start = Instant::now();
        rt.block_on(host.run(plugin, RunRequest::default())).result.expect("the no-op runs");
        start.elapsed().as_secs_f64() * 1e3
    };
    for _ in 0..50 {
        for plugin in &plugins {
            run_once(plugin);
        }
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(runs); plugins.len()];
    for _ in 0..runs {
        for (plugin, ms) in plugins.iter().zip(&mut times) {
            ms.push(run_once(plugin));
        }
    }
    println!("\n## Warm instantiate + run of a no-op plugin ({runs} runs each, alternating)\n");
    println!("| plugin | component | p50 (ms) | p99 (ms) |\n|---|---|---|---|");
    for ((name, path), mut ms) in noops.iter().zip(times) {
        ms.sort_by(f64::total_cmp);
        println!("| {name} | {:.2} MiB | {:.3} | {:.3} |", mib(path), percentile(&ms, 0.5), percentile(&ms, 0.99));
    }

    // 2. Loading on a process that never saw the plugin.
    let bytes = kiln_test_guests::bytes(kiln_test_guests::NOOP_JS);
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
    println!("\n## Loading the JavaScript no-op on a process that never saw it\n");
    println!("| path | ms |\n|---|---|");
    println!(
        "| compile ({:.1} MiB of native code) + load | {compile_ms:.0} |",
        compiled.len() as f64 / (1 << 20) as f64
    );
    println!("| stored artifact: deserialize + load (median of 10) | {:.1} |", median(loads));

    // 3. The port on generated data, as Parquet for the host and CSV for Node.
    let dir = tempfile::tempdir().expect("tempdir");
    let options = kiln_datagen::Options { seed: 42, enterprises: 2000, months: 36 };
    kiln_datagen::write_parquet(dir.path(), &options, &mut |_, _, _| {}).expect("data");
    let csv = dir.path().join("csv");
    write_csv(&csv, &options);
    let source = Arc::new(DirSource::open(dir.path()).expect("data dir"));
    // `KILN_BENCH_PERF_MAP=1` names the guests' functions for `perf record`; with it,
    // `KILN_BENCH_PORT_RUNS` repeats the unmetered port runs so that they fill the profile.
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
    let grants = Grants::none().dataset("monthly_indicators").dataset("enterprises");
    let (rust, port) = (load(kiln_test_guests::OUTPUT_GROWTH), load(kiln_test_guests::OUTPUT_GROWTH_TS));
    time_on(&host, &rust, &grants);
    time_on(&host, &port, &grants);
    let rust_ms = median((0..5).map(|_| time_on(&host, &rust, &grants)).collect());
    let port_ms = median((0..5).map(|_| time_on(&host, &port, &grants)).collect());
    let bare =
        rt.block_on(unmetered.load(&kiln_test_guests::bytes(kiln_test_guests::OUTPUT_GROWTH_TS))).expect("loads");
    time_on(&unmetered, &bare, &grants);
    let bare_ms = median((0..port_runs).map(|_| time_on(&unmetered, &bare, &grants)).collect());
    // V8 without its JIT compilers: what an interpreter makes of the same code, since the
    // component's SpiderMonkey interprets (its AOT compiler, weval, is a download we leave out).
    let (node_ms, jitless_ms) = (native_node(&csv, false), native_node(&csv, true));
    println!(
        "\n## output-growth in TypeScript: {} enterprises × {} months, medians of 5 runs\n",
        options.enterprises, options.months
    );
    println!(
        "| Rust wasm (ms) | TS wasm (ms) | TS wasm, no fuel (ms) | Node (ms) | Node --jitless (ms) | TS wasm / Rust wasm | TS wasm / Node | TS wasm / Node --jitless |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {rust_ms:.1} | {port_ms:.0} | {bare_ms:.0} | {node_ms:.0} | {jitless_ms:.0} | {:.1}× | {:.2}× | {:.2}× |",
        port_ms / rust_ms,
        port_ms / node_ms,
        port_ms / jitless_ms
    );
    println!(
        "\nComponents: TypeScript port {:.2} MiB, Rust {:.2} MiB.",
        mib(kiln_test_guests::OUTPUT_GROWTH_TS),
        mib(kiln_test_guests::OUTPUT_GROWTH)
    );
}

/// The two tables output-growth reads, as CSV files in `dir`.
fn write_csv(dir: &Path, options: &kiln_datagen::Options) {
    std::fs::create_dir_all(dir).expect("csv dir");
    let tables = kiln_datagen::generate_tables(options).expect("data");
    for (name, batch) in [("enterprises", &tables.enterprises), ("monthly_indicators", &tables.monthly_indicators)] {
        let file = std::fs::File::create(dir.join(format!("{name}.csv"))).expect("csv file");
        arrow_csv::Writer::new(file).write(batch).expect("csv written");
    }
}

/// The port's `run` under Node on the same data (`jitless`: with `--jitless`): median of 5
/// `TestRun.run` calls, after one warm-up, the data read from CSV beforehand. The script is
/// bundled with the pinned esbuild as `kiln plugin test` bundles tests.
fn native_node(csv: &Path, jitless: bool) -> f64 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tools = Path::new(kiln_test_guests::TS_TOOLS_DIR);
    let work = tempfile::tempdir().expect("tempdir");
    let script = work.path().join("bench.ts");
    let port = root.join("example-plugins/typescript/output-growth/src/output-growth.ts");
    std::fs::write(
        &script,
        format!(
            r#"import {{ TestRun }} from "@kiln/sdk/testing";
import {{ OutputGrowth }} from {port:?};
const run = new TestRun().loadDir({csv:?}).batchRows(65536);
run.run(OutputGrowth);
const times: number[] = [];
for (let i = 0; i < 5; i++) {{
  const start = performance.now();
  run.run(OutputGrowth);
  times.push(performance.now() - start);
}}
times.sort((a, b) => a - b);
console.log(times[2], process.version);
"#,
            port = port.display().to_string(),
            csv = csv.display().to_string()
        ),
    )
    .expect("bench script");
    let bundle = work.path().join("bench.mjs");
    let status = Command::new("node")
        .arg(tools.join("node_modules/.bin/esbuild"))
        .arg(&script)
        .args(["--bundle", "--format=esm", "--platform=node", "--target=node20", "--log-level=warning"])
        .arg(format!("--alias:@kiln/sdk={}", root.join("sdk/typescript/src").display()))
        .arg(format!("--outfile={}", bundle.display()))
        .status()
        .expect("esbuild runs");
    assert!(status.success(), "bundling the Node bench failed");
    let mut node = Command::new("node");
    if jitless {
        node.arg("--jitless");
    }
    let out = node.arg(&bundle).output().expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut parts = text.split_whitespace();
    let ms: f64 = parts.next().and_then(|v| v.parse().ok()).expect("a time");
    eprintln!("Node {}", parts.next().unwrap_or("?"));
    ms
}
