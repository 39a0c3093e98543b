//! Plugins through the host vs the same code compiled natively, on the same data, in one run.
//!
//! `cargo bench -p kiln-tests --bench plugins`. Each case runs the plugin's Wasm build through
//! `Host::run` and its native build through `kiln_sdk::native::run`, both reading the same
//! `DataSource` in the same batch size, so data decoding is on both sides and the ratio is the
//! cost of the sandbox: lowering batches into the guest, Wasm code, instantiation. The 10M-row
//! kernels add a third column: a plain loop over the values already in memory.
//!
//! A second table compares Kiln with wasmtime alone (`raw`, see `plugins/raw.rs`) on a warm
//! invoke of the no-op plugin and on the 10M-row sum: the same components on the same engine,
//! timed alternately run by run so that load on the machine falls on both alike.
//! `KILN_BENCH_RAW_ONLY=1` runs that table alone (`=noop`: its first row alone; for profiling,
//! with `KILN_BENCH_NOOP_RUNS` to set how many runs); criterion's filter argument
//! (`-- none`) skips its own sampling while the tables still print. `KILN_BENCH_BATCH_ROWS`
//! sets the host's batch size (the native side reads in the same size).

#[path = "plugins/raw.rs"]
mod raw;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use kiln_host::{Batch, Column, ColumnData, DataSource, DirSource, Grants, Host, HostConfig, MemorySource, RunRequest};
use kiln_sdk::{Output, Plugin, Value};
use kiln_tests::NativeBackend;

type NativeFn = fn(&mut NativeBackend, Vec<(String, Value)>) -> Result<Output, kiln_sdk::Error>;

struct Case {
    name: &'static str,
    wasm: &'static str,
    params: Vec<(&'static str, &'static str)>,
    source: Arc<dyn DataSource>,
    grants: Grants,
    native: NativeFn,
    raw: Option<fn() -> f64>,
}

fn native<P: Plugin>(backend: &mut NativeBackend, params: Vec<(String, Value)>) -> Result<Output, kiln_sdk::Error> {
    kiln_sdk::native::run::<P>(backend, params)
}

const ROWS_10M: usize = 10_000_000;
const KEYS: usize = 2_000;

fn numbers() -> (Vec<i64>, Vec<f64>) {
    let keys = (0..ROWS_10M).map(|i| ((i * 7919) % KEYS) as i64).collect();
    let values = (0..ROWS_10M).map(|i| (i % 1000) as f64 * 0.25).collect();
    (keys, values)
}

fn numbers_source() -> Arc<dyn DataSource> {
    let (keys, values) = numbers();
    let batch = Batch {
        rows: ROWS_10M as u32,
        columns: vec![
            Column { name: "key".into(), data: ColumnData::S64(keys), validity: None },
            Column { name: "value".into(), data: ColumnData::F64(values), validity: None },
        ],
    };
    Arc::new(MemorySource::new().with("numbers", batch))
}

/// The raw baselines: the kernels over vectors already in memory, no batching, no copies.
fn raw_sum() -> f64 {
    static DATA: std::sync::OnceLock<(Vec<i64>, Vec<f64>)> = std::sync::OnceLock::new();
    let (_, values) = DATA.get_or_init(numbers);
    let start = Instant::now();
    black_box(values.iter().sum::<f64>());
    start.elapsed().as_secs_f64()
}

fn raw_groupby() -> f64 {
    static DATA: std::sync::OnceLock<(Vec<i64>, Vec<f64>)> = std::sync::OnceLock::new();
    let (keys, values) = DATA.get_or_init(numbers);
    let start = Instant::now();
    let mut sums = vec![0.0; KEYS];
    for (&k, &v) in keys.iter().zip(values) {
        sums[k as usize] += v;
    }
    black_box(sums);
    start.elapsed().as_secs_f64()
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn time(iterations: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..iterations)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    let mut criterion =
        Criterion::default().sample_size(10).measurement_time(Duration::from_secs(4)).configure_from_args();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    // `KILN_BENCH_BATCH_ROWS` sets the batch size (for both sides), to measure that lever.
    // `KILN_BENCH_PERF_MAP=1` names the guests' compiled functions for `perf report`.
    let mut config =
        HostConfig { perf_map: std::env::var_os("KILN_BENCH_PERF_MAP").is_some(), ..HostConfig::default() };
    if let Some(rows) = std::env::var("KILN_BENCH_BATCH_ROWS").ok().and_then(|n| n.parse().ok()) {
        config.batch_rows = rows;
    }
    let host = Host::new(config.clone()).expect("host");
    let unmetered = Host::new(HostConfig { fuel: false, ..config }).expect("host");
    let batch_rows = host.config().batch_rows;
    // `KILN_BENCH_DUMP_CWASM=file` writes the kernels guest as this engine compiles it (an ELF
    // file: `objdump -d` shows whether its loads carry bounds checks).
    if let Some(path) = std::env::var_os("KILN_BENCH_DUMP_CWASM") {
        let compiled = host
            .engine()
            .precompile_component(&kiln_test_guests::bytes(kiln_test_guests::KERNELS))
            .expect("kernels compile");
        std::fs::write(path, compiled).expect("write the compiled kernels");
        return;
    }
    // `KILN_BENCH_RAW_ONLY=1` runs the Kiln ÷ raw table alone: for profiling the warm invoke.
    if std::env::var_os("KILN_BENCH_RAW_ONLY").is_some() {
        print_kiln_vs_raw(&rt, &host);
        return;
    }

    let data_dir = tempfile::tempdir().expect("tempdir");
    kiln_datagen::write_parquet(data_dir.path(), &kiln_datagen::Options::default(), &mut |_, _, _| {})
        .expect("generate data");
    let xian: Arc<dyn DataSource> = Arc::new(DirSource::open(data_dir.path()).expect("open data"));
    let numbers = numbers_source();

    let mut cases = vec![
        Case {
            name: "energy-intensity",
            wasm: kiln_test_guests::ENERGY_INTENSITY,
            params: vec![],
            source: xian.clone(),
            grants: Grants::none().dataset("monthly_indicators").dataset("enterprises"),
            native: native::<energy_intensity::EnergyIntensity>,
            raw: None,
        },
        Case {
            name: "oee",
            wasm: kiln_test_guests::OEE,
            params: vec![],
            source: xian.clone(),
            grants: Grants::none().dataset("equipment_telemetry"),
            native: native::<oee::Oee>,
            raw: None,
        },
        Case {
            name: "anomaly",
            wasm: kiln_test_guests::ANOMALY,
            params: vec![],
            source: xian.clone(),
            grants: Grants::none().dataset("monthly_indicators"),
            native: native::<anomaly::Anomaly>,
            raw: None,
        },
        Case {
            name: "output-growth",
            wasm: kiln_test_guests::OUTPUT_GROWTH,
            params: vec![],
            source: xian.clone(),
            grants: Grants::none().dataset("monthly_indicators").dataset("enterprises"),
            native: native::<output_growth::OutputGrowth>,
            raw: None,
        },
        Case {
            name: "scan only: 72K rows, 2 string + 2 f64 columns",
            wasm: kiln_test_guests::KERNELS,
            params: vec![
                ("kernel", "scan"),
                ("dataset", "monthly_indicators"),
                ("columns", "enterprise_id,month,output_value,energy_tce"),
            ],
            source: xian.clone(),
            grants: Grants::none().dataset("monthly_indicators"),
            native: native::<kernels::Kernels>,
            raw: None,
        },
        Case {
            name: "10M f64 sum",
            wasm: kiln_test_guests::KERNELS,
            params: vec![("kernel", "sum")],
            source: numbers.clone(),
            grants: Grants::none().dataset("numbers"),
            native: native::<kernels::Kernels>,
            raw: Some(raw_sum),
        },
        Case {
            name: "10M group-by (2,000 keys)",
            wasm: kiln_test_guests::KERNELS,
            params: vec![("kernel", "groupby")],
            source: numbers.clone(),
            grants: Grants::none().dataset("numbers"),
            native: native::<kernels::Kernels>,
            raw: Some(raw_groupby),
        },
    ];

    // `KILN_BENCH_CASE=text` keeps only the cases whose name contains it, and
    // `KILN_BENCH_ITERATIONS=n` times each side n times: for profiling one case.
    let only = std::env::var("KILN_BENCH_CASE").ok();
    if let Some(only) = &only {
        cases.retain(|case| case.name.contains(only.as_str()));
    }
    let iterations_override = std::env::var("KILN_BENCH_ITERATIONS").ok().and_then(|n| n.parse().ok());
    let mut rows = Vec::new();
    for case in &mut cases {
        let plugin = rt.block_on(host.load(&kiln_test_guests::bytes(case.wasm))).expect("plugin loads");
        let plugin_unmetered = rt.block_on(unmetered.load(&kiln_test_guests::bytes(case.wasm))).expect("plugin loads");
        let text: Vec<(String, String)> = case.params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let params = kiln_host::params_from_text(plugin.info(), &text).expect("params");
        let sdk_params: Vec<(String, Value)> =
            case.params.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
        let request =
            RunRequest { params, data: Some((case.source.clone(), case.grants.clone())), ..Default::default() };
        let run_wasm = || {
            let report = rt.block_on(host.run(&plugin, request.clone()));
            black_box(report.result.expect("wasm run succeeds"));
        };
        let run_unmetered = || {
            let report = rt.block_on(unmetered.run(&plugin_unmetered, request.clone()));
            black_box(report.result.expect("wasm run succeeds"));
        };
        let run_native = || {
            let mut backend = NativeBackend::new(case.source.clone(), case.grants.clone(), batch_rows);
            black_box((case.native)(&mut backend, sdk_params.clone()).expect("native run succeeds"));
        };
        // Same answer both ways, checked before timing anything.
        let wasm_output = rt.block_on(host.run(&plugin, request.clone())).result.expect("wasm run");
        let mut backend = NativeBackend::new(case.source.clone(), case.grants.clone(), batch_rows);
        let native_output = (case.native)(&mut backend, sdk_params.clone()).expect("native run");
        assert_eq!(wasm_output.metrics.len(), native_output.metrics.len(), "{}", case.name);
        for (w, n) in wasm_output.metrics.iter().zip(&native_output.metrics) {
            assert_eq!(w.value, n.value, "{}: metric {}", case.name, w.name);
        }

        let mut group = criterion.benchmark_group(case.name);
        group.bench_function("wasm", |b| b.iter(run_wasm));
        group.bench_function("wasm without fuel", |b| b.iter(run_unmetered));
        group.bench_function("native", |b| b.iter(run_native));
        group.finish();

        let iterations = iterations_override.unwrap_or(if case.raw.is_some() { 7 } else { 15 });
        let wasm = time(iterations, run_wasm);
        let unmetered = time(iterations, run_unmetered);
        let native = time(iterations, run_native);
        let raw = case.raw.map(|f| median((0..iterations).map(|_| f()).collect()));
        rows.push((case.name, wasm, unmetered, native, raw));
    }

    println!(
        "\n| case | wasm (ms) | wasm, no fuel (ms) | native (ms) | wasm / native | no fuel / native | raw loop (ms) | no fuel / raw |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, wasm, unmetered, native, raw) in rows {
        let raw_cols = match raw {
            Some(raw) => format!("{:.2} | {:.2}×", raw * 1e3, unmetered / raw),
            None => "— | —".to_string(),
        };
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2}× | {:.2}× | {raw_cols} |",
            wasm * 1e3,
            unmetered * 1e3,
            native * 1e3,
            wasm / native,
            unmetered / native
        );
    }

    if only.is_none() {
        print_kiln_vs_raw(&rt, &host);
    }
    criterion.final_summary();
}

/// Prints the Kiln ÷ raw table.
fn print_kiln_vs_raw(rt: &tokio::runtime::Runtime, host: &Host) {
    let (noop_kiln, noop_raw, sum_kiln, sum_raw, version) = kiln_vs_raw(rt, host);
    println!("\n| Kiln ÷ raw wasmtime (contract {version}) | Kiln | raw | Kiln ÷ raw |");
    println!("|---|---|---|---|");
    println!(
        "| warm invoke, no-op (µs, median of {}) | {:.1} | {:.1} | {:.2}× |",
        noop_runs(),
        noop_kiln * 1e6,
        noop_raw * 1e6,
        noop_kiln / noop_raw
    );
    println!(
        "| 10M f64 sum (ms, median of {SUM_RUNS}) | {:.2} | {:.2} | {:.2}× |",
        sum_kiln * 1e3,
        sum_raw * 1e3,
        sum_kiln / sum_raw
    );
}

const NOOP_RUNS: usize = 4001;

/// [`NOOP_RUNS`], or `KILN_BENCH_NOOP_RUNS` (fewer for callgrind, which runs ~50× slower).
fn noop_runs() -> usize {
    std::env::var("KILN_BENCH_NOOP_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(NOOP_RUNS)
}
const SUM_RUNS: usize = 15;

/// Medians of alternate runs, `a` then `b`, so drift and load on the machine hit both alike.
fn alternate(runs: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let (mut ta, mut tb) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        let start = Instant::now();
        a();
        ta.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        b();
        tb.push(start.elapsed().as_secs_f64());
    }
    (median(ta), median(tb))
}

/// Kiln and raw wasmtime on the no-op and the 10M sum: (no-op Kiln, no-op raw, sum Kiln, sum
/// raw, the contract version the guests were linked as), in seconds.
fn kiln_vs_raw(rt: &tokio::runtime::Runtime, host: &Host) -> (f64, f64, f64, f64, &'static str) {
    let engine = host.engine();
    let noop_bytes = kiln_test_guests::bytes(kiln_test_guests::NOOP);
    let noop = rt.block_on(host.load(&noop_bytes)).expect("noop loads");
    let noop_raw = raw::Raw::load(engine, &noop_bytes).expect("noop links raw");
    let run_kiln = || {
        black_box(rt.block_on(host.run(&noop, RunRequest::default())).result.expect("noop runs"));
    };
    let run_raw = || {
        black_box(rt.block_on(noop_raw.run(engine, None, &[])).expect("raw noop runs"));
    };
    // Warm both paths (pool slots, caches) before timing.
    for _ in 0..200 {
        run_kiln();
        run_raw();
    }
    let (noop_kiln, noop_raw_time) = alternate(noop_runs(), run_kiln, run_raw);
    if std::env::var("KILN_BENCH_RAW_ONLY").is_ok_and(|v| v == "noop") {
        return (noop_kiln, noop_raw_time, f64::NAN, f64::NAN, noop_raw.version());
    }

    let kernels_bytes = kiln_test_guests::bytes(kiln_test_guests::KERNELS);
    let kernels = rt.block_on(host.load(&kernels_bytes)).expect("kernels load");
    let kernels_raw = raw::Raw::load(engine, &kernels_bytes).expect("kernels link raw");
    let text: Vec<(String, String)> = [("kernel", "sum"), ("dataset", "numbers"), ("columns", "value")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let params = kiln_host::params_from_text(kernels.info(), &text).expect("params");
    let source = numbers_source();
    let request = RunRequest { params, data: Some((source, Grants::none().dataset("numbers"))), ..Default::default() };
    let numbers = raw::Numbers { values: Arc::new(numbers().1), batch_rows: host.config().batch_rows };
    let kiln_sum = || {
        let output = rt.block_on(host.run(&kernels, request.clone())).result.expect("kiln sum runs");
        black_box(output.metrics[0].value)
    };
    let raw_sum = || {
        let sum = rt.block_on(kernels_raw.run(engine, Some(numbers.clone()), &text)).expect("raw sum runs");
        black_box(sum.expect("a sum metric"))
    };
    assert_eq!(kiln_sum(), raw_sum(), "Kiln and raw wasmtime agree on the sum");
    let (sum_kiln, sum_raw) = alternate(
        SUM_RUNS,
        || {
            kiln_sum();
        },
        || {
            raw_sum();
        },
    );
    (noop_kiln, noop_raw_time, sum_kiln, sum_raw, kernels_raw.version())
}
