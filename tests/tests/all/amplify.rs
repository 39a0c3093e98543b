//! Outputs, logs and describe() that try to make the host hold far more than the guest paid
//! for: counts that lie, floods of tiny elements, bloated metadata. Each is refused or capped at
//! its host-side cost, and the host keeps serving.

use kiln_host::{LINE_OVERHEAD, Limits, LoadError, RunError, RunReport};

use crate::common::*;

async fn raw(attack: &str, n: usize, limits: Limits) -> RunReport {
    let raw = load(kiln_test_guests::RAW).await;
    let n = n.to_string();
    let report = run_on_readings(&raw, 100, &[("attack", attack), ("n", &n)], limits).await;
    good_still_works().await;
    report
}

fn invalid_output(report: &RunReport) -> String {
    match &report.result {
        Err(RunError::InvalidOutput(why)) => why.clone(),
        other => panic!("expected invalid-output, got {other:?}"),
    }
}

#[tokio::test]
async fn a_well_formed_raw_output_is_accepted() {
    let report = raw("none", 1, Limits::default()).await;
    assert_eq!(report.result.expect("accepted").tables[0].data.rows, 1);
}

#[tokio::test]
async fn rows_claimed_without_columns_are_refused() {
    let report = raw("rows-without-columns", 0, Limits::default()).await;
    assert!(invalid_output(&report).contains("no columns"));
    let report = raw("rows-longer-than-columns", 0, Limits::default()).await;
    assert!(invalid_output(&report).contains("length differs"));
}

#[tokio::test]
async fn duplicate_empty_long_or_control_names_are_refused() {
    for attack in ["duplicate-tables", "duplicate-columns", "duplicate-metrics", "empty-name", "control-name"] {
        let report = raw(attack, 0, Limits::default()).await;
        invalid_output(&report);
    }
    let report = raw("long-name", 10_000, Limits::default()).await;
    assert!(invalid_output(&report).contains("over 128"));
}

/// A flood of tiny elements is charged at what each costs the host, so it hits the output limit
/// long before it could grow the host by a multiple of it.
#[tokio::test]
async fn floods_of_empty_tables_columns_or_bools_hit_the_output_limit() {
    let limits = Limits { output_bytes: 1 << 20, ..Limits::default() };
    for (attack, n) in [("empty-tables", 100_000), ("empty-columns", 100_000), ("bools", 4 << 20)] {
        let report = raw(attack, n, limits).await;
        match report.result {
            Err(RunError::OutputSize { limit, .. }) => assert_eq!(limit, 1 << 20, "{attack}"),
            other => panic!("{attack}: expected output-size, got {other:?}"),
        }
    }
    // Under the limit the same shapes are fine, and charged more than their guest-side bytes.
    let report = raw("empty-tables", 1_000, limits).await;
    assert!(report.usage.output_bytes >= 1_000 * 48, "{}", report.usage.output_bytes);
}

#[tokio::test]
async fn a_flood_of_one_byte_log_lines_is_capped_by_its_framing() {
    let limits = Limits { log_bytes: 64 << 10, ..Limits::default() };
    let report = raw("log-lines", 200_000, limits).await;
    assert!(report.result.is_ok());
    assert!(report.log.truncated);
    assert!(report.log.lines.len() as u64 <= (64 << 10) / (LINE_OVERHEAD + 1), "{}", report.log.lines.len());
}

#[tokio::test]
async fn a_scan_naming_a_column_twice_is_refused() {
    let report = raw("scan-repeated-column", 2_000, Limits::default()).await;
    match report.result {
        Err(RunError::Guest(why)) => assert!(why.contains("more than once"), "{why}"),
        other => panic!("expected the scan to fail, got {other:?}"),
    }
    assert_eq!(report.usage.rows_read, 0);
}

#[tokio::test]
async fn a_bloated_describe_is_refused_at_load() {
    let bytes = kiln_test_guests::bytes(kiln_test_guests::DESCRIBE_BOMB);
    match host().load(&bytes).await {
        Err(LoadError::Describe(why)) => assert!(why.contains("output limit"), "{why}"),
        Err(other) => panic!("expected describe() to be refused, got {other}"),
        Ok(_) => panic!("100k params and a 16 MiB description loaded"),
    }
    good_still_works().await;
}

#[tokio::test]
async fn a_plugin_with_100_mib_of_initial_memory_loads_and_runs() {
    let plugin = load(kiln_test_guests::DESCRIBE_MEMORY).await;
    let report = host().run(&plugin, kiln_host::RunRequest::default()).await;
    assert_eq!(report.result.expect("runs").metrics[0].value, (100 << 20) as f64);
}

#[tokio::test]
async fn the_contract_version_is_read_from_the_component() {
    let plugin = load(kiln_test_guests::RAW).await;
    assert_eq!(plugin.wit_version(), "0.1.0");
    assert!(plugin.interfaces().exports.iter().any(|e| e == "kiln:plugin/guest@0.1.0"));
}
