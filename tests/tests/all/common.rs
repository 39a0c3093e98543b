//! A shared host and helpers for loading the test guests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use kiln_host::{Batch, Column, ColumnData, Grants, Host, HostConfig, MemorySource, Plugin, RunReport, RunRequest};

/// One host for the whole test binary, as in production: one engine per process. Its compile
/// cache lives in the target directory, so a Python guest (half a minute to compile in a debug
/// build) is compiled once per build of the guests, not once per test run.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let cache_dir = Some(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache"));
        Host::new(HostConfig { max_instances: 96, cache_dir, ..HostConfig::default() }).expect("host starts")
    })
}

pub async fn load(path: &str) -> Plugin {
    host().load(&kiln_test_guests::bytes(path)).await.expect("guest loads")
}

/// The guest at `path`, loaded once for the whole test binary: a Python component takes
/// seconds to compile, and many tests run it.
pub async fn load_shared(path: &'static str) -> Arc<Plugin> {
    /// One cell per guest: concurrent tests wait for the first load instead of compiling too.
    type Cell = Arc<tokio::sync::OnceCell<Arc<Plugin>>>;
    static LOADED: OnceLock<Mutex<HashMap<&'static str, Cell>>> = OnceLock::new();
    let cell = LOADED.get_or_init(Mutex::default).lock().unwrap().entry(path).or_default().clone();
    cell.get_or_init(|| async { Arc::new(load(path).await) }).await.clone()
}

/// A `readings` dataset of `rows` rows whose `value` is the row number, with every tenth null,
/// plus a `secret` column the tests never grant.
pub fn readings(rows: usize) -> Arc<MemorySource> {
    let values: Vec<f64> = (0..rows).map(|i| i as f64).collect();
    let validity: Vec<bool> = (0..rows).map(|i| i % 10 != 0).collect();
    let batch = Batch {
        rows: rows as u32,
        columns: vec![
            Column { name: "value".into(), data: ColumnData::F64(values), validity: Some(validity) },
            Column { name: "secret".into(), data: ColumnData::F64(vec![42.0; rows]), validity: None },
        ],
    };
    Arc::new(MemorySource::new().with("readings", batch))
}

/// The expected sum of `readings(rows)`'s valid values.
pub fn readings_sum(rows: usize) -> f64 {
    (0..rows).filter(|i| i % 10 != 0).map(|i| i as f64).sum()
}

/// Grants `readings.value` only.
pub fn value_grant() -> Grants {
    Grants::none().columns("readings", ["value"])
}

/// Runs `plugin` with text params against `readings(rows)`, granting only `value`.
pub async fn run_on_readings(
    plugin: &Plugin,
    rows: usize,
    params: &[(&str, &str)],
    limits: kiln_host::Limits,
) -> RunReport {
    let params: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let params = kiln_host::params_from_text(plugin.info(), &params).expect("params valid");
    host()
        .run(plugin, RunRequest { params, data: Some((readings(rows), value_grant())), limits, ..Default::default() })
        .await
}

/// Checks that the good plugin still computes the right answer on this host.
pub async fn good_still_works() {
    let good = load(kiln_test_guests::GOOD).await;
    let report = run_on_readings(&good, 1000, &[], kiln_host::Limits::default()).await;
    let output = report.result.expect("good plugin succeeds");
    assert_eq!(output.metrics[0].value, readings_sum(1000));
}
