//! Host overheads: a warm invoke of a no-op plugin, and cold compile vs cached load.
//!
//! `cargo bench -p kiln-host --bench invoke`. Besides criterion's estimates it prints p50/p99
//! of the warm invoke from its own sample, since the goal is stated as a p50.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use kiln_host::{Host, HostConfig, RunRequest};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn warm_invoke(c: &mut Criterion) {
    let rt = runtime();
    let host = Host::new(HostConfig::default()).expect("host");
    let plugin = rt.block_on(host.load(&kiln_test_guests::bytes(kiln_test_guests::NOOP))).expect("noop loads");
    c.bench_function("warm invoke: noop (store + instantiate + run + drop)", |b| {
        b.iter(|| rt.block_on(host.run(&plugin, RunRequest::default())).result.expect("noop runs"))
    });

    let mut samples: Vec<Duration> = (0..20_000)
        .map(|_| {
            let start = Instant::now();
            let report = rt.block_on(host.run(&plugin, RunRequest::default()));
            let elapsed = start.elapsed();
            assert!(report.result.is_ok());
            elapsed
        })
        .collect();
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    println!(
        "warm invoke noop: p50 {:?}, p90 {:?}, p99 {:?} over {} runs",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        samples.len()
    );
}

fn compile_vs_cache(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for (name, path) in [("good", kiln_test_guests::GOOD), ("big (1 MiB)", kiln_test_guests::BIG)] {
        let bytes = kiln_test_guests::bytes(path);
        let size = bytes.len();
        let uncached = Host::new(HostConfig { max_instances: 4, ..HostConfig::default() }).expect("host");
        group.bench_with_input(BenchmarkId::new("cold compile", format!("{name}, {size} B")), &bytes, |b, bytes| {
            b.iter(|| rt.block_on(uncached.load(bytes)).expect("loads"))
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let cached =
            Host::new(HostConfig { cache_dir: Some(dir.path().into()), max_instances: 4, ..HostConfig::default() })
                .expect("host");
        rt.block_on(cached.load(&bytes)).expect("fills the cache");
        group.bench_with_input(BenchmarkId::new("cached load", format!("{name}, {size} B")), &bytes, |b, bytes| {
            b.iter(|| {
                let plugin = rt.block_on(cached.load(bytes)).expect("loads");
                assert_eq!(plugin.cache_outcome(), kiln_host::CacheOutcome::Hit);
            })
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    warm_invoke(&mut c);
    compile_vs_cache(&mut c);
    c.final_summary();
}
