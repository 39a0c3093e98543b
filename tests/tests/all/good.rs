//! A well-behaved plugin through the host: data, params, log, usage, cache.

use kiln_host::{ColumnData, Limits, LogSource};

use crate::common::*;

#[tokio::test]
async fn good_plugin_sums_granted_column_across_batches() {
    let good = load(kiln_test_guests::GOOD).await;
    assert_eq!(good.info().name, "good");
    let rows = 200_000; // several 64K-row batches
    let report = run_on_readings(&good, rows, &[("scale", "2")], Limits::default()).await;
    let output = report.result.expect("run succeeds");
    let summary = &output.tables[0].data;
    let col = |name: &str| summary.columns.iter().find(|c| c.name == name).unwrap().data.clone();
    assert_eq!(col("rows"), ColumnData::S64(vec![rows as i64]));
    assert_eq!(col("nulls"), ColumnData::S64(vec![(rows / 10) as i64]));
    assert_eq!(col("batches"), ColumnData::S64(vec![4]));
    assert_eq!(output.metrics[0].value, 2.0 * readings_sum(rows));
    assert_eq!(report.usage.rows_read, rows as u64);
    assert!(report.usage.fuel > 0);
    assert!(report.usage.peak_memory_bytes > 0);
    assert!(report.log.lines.iter().any(|l| l.source == LogSource::Info && l.message.contains("200000 rows")));
}

#[tokio::test]
async fn unknown_param_is_refused_before_running() {
    let good = load(kiln_test_guests::GOOD).await;
    let err = kiln_host::params_from_text(good.info(), &[("nope".into(), "1".into())]).unwrap_err();
    assert_eq!(err.kind(), "params");
}

#[tokio::test]
async fn compile_cache_hit_loads_the_same_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let config = kiln_host::HostConfig { cache_dir: Some(dir.path().into()), max_instances: 4, ..Default::default() };
    let host = kiln_host::Host::new(config).unwrap();
    let bytes = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let first = host.load(&bytes).await.unwrap();
    let second = host.load(&bytes).await.unwrap();
    assert_eq!(first.cache_outcome(), kiln_host::CacheOutcome::Compiled);
    assert_eq!(second.cache_outcome(), kiln_host::CacheOutcome::Hit);
    assert_eq!(first.info(), second.info());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
