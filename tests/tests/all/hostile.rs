//! Hostile guests: each attack ends in its own typed error, and the host keeps serving.

use std::sync::Arc;
use std::time::Duration;

use kiln_host::{Limits, LogSource, RunError, RunReport};

use crate::common::*;

/// The hostile guest built on the current contract and on the frozen 0.1.0 one: the core
/// attacks (time, CPU, memory, ungranted data) are made by both.
const BOTH_CONTRACTS: [&str; 2] = [kiln_test_guests::HOSTILE, kiln_test_guests::HOSTILE_V0_1_0];

async fn attack(name: &str, mib: i64, limits: Limits) -> RunReport {
    attack_with(kiln_test_guests::HOSTILE, name, mib, limits).await
}

async fn attack_with(wasm: &str, name: &str, mib: i64, limits: Limits) -> RunReport {
    let hostile = load(wasm).await;
    let mib = mib.to_string();
    let report = run_on_readings(&hostile, 100, &[("attack", name), ("mib", &mib)], limits).await;
    good_still_works().await;
    report
}

#[tokio::test]
async fn infinite_loop_times_out() {
    for wasm in BOTH_CONTRACTS {
        let limits = Limits { timeout: Duration::from_millis(200), ..Limits::default() };
        let report = attack_with(wasm, "loop", 0, limits).await;
        assert_eq!(report.result.unwrap_err(), RunError::Timeout(Duration::from_millis(200)), "{wasm}");
        assert!(report.usage.wall_us >= 200_000);
    }
}

#[tokio::test]
async fn fuel_burn_hits_the_cpu_limit() {
    for wasm in BOTH_CONTRACTS {
        let limits = Limits { fuel: 50_000_000, ..Limits::default() };
        let report = attack_with(wasm, "spin", 0, limits).await;
        assert_eq!(report.result.unwrap_err(), RunError::Cpu(50_000_000), "{wasm}");
        assert_eq!(report.usage.fuel, 50_000_000);
    }
}

#[tokio::test]
async fn memory_bomb_hits_the_memory_limit() {
    for wasm in BOTH_CONTRACTS {
        let limits = Limits { memory_bytes: 64 << 20, ..Limits::default() };
        let report = attack_with(wasm, "memory", 0, limits).await;
        assert_eq!(report.result.unwrap_err(), RunError::Memory(64 << 20), "{wasm}");
        assert!(report.usage.peak_memory_bytes <= 64 << 20);
    }
}

#[tokio::test]
async fn deep_recursion_overflows_the_stack() {
    let report = attack("recursion", 0, Limits::default()).await;
    assert_eq!(report.result.unwrap_err(), RunError::Stack);
}

#[tokio::test]
async fn output_flood_hits_the_output_limit() {
    let limits = Limits { output_bytes: 1 << 20, ..Limits::default() };
    let report = attack("output", 4, limits).await;
    match report.result.unwrap_err() {
        // Lifting stops at the limit: the host never holds the 4 MiB.
        RunError::OutputSize { size: None, limit } => assert_eq!(limit, 1 << 20),
        other => panic!("expected output-size, got {other:?}"),
    }
}

#[tokio::test]
async fn log_flood_is_capped_and_the_run_completes() {
    let limits = Limits { log_bytes: 64 << 10, ..Limits::default() };
    let report = attack("log", 4, limits).await;
    assert!(report.result.is_ok());
    assert!(report.log.truncated);
    assert!(report.log.bytes >= 4 << 20);
    let kept: usize = report.log.lines.iter().map(|l| l.message.len() + 1).sum();
    assert!(kept <= 64 << 10, "kept {kept} bytes");
}

#[tokio::test]
async fn stdout_spam_goes_to_the_capped_log() {
    let limits = Limits { log_bytes: 64 << 10, ..Limits::default() };
    let report = attack("stdout", 4, limits).await;
    assert!(report.result.is_ok());
    assert!(report.log.truncated);
    assert!(report.log.lines.iter().all(|l| l.source == LogSource::Stdout));
    let kept: usize = report.log.lines.iter().map(|l| l.message.len() + 1).sum();
    assert!(kept <= 64 << 10, "kept {kept} bytes");
}

#[tokio::test]
async fn guest_panic_is_reported_with_its_message() {
    let report = attack("panic", 0, Limits::default()).await;
    match report.result.unwrap_err() {
        RunError::Panic(message) => assert!(message.contains("panicked on purpose"), "{message}"),
        other => panic!("expected panic, got {other:?}"),
    }
}

#[tokio::test]
async fn guest_abort_is_a_trap() {
    let report = attack("trap", 0, Limits::default()).await;
    assert_eq!(report.result.unwrap_err().kind(), "trap");
}

#[tokio::test]
async fn ungranted_dataset_is_refused() {
    for wasm in BOTH_CONTRACTS {
        let report = attack_with(wasm, "ungranted-dataset", 0, Limits::default()).await;
        assert_eq!(report.result.unwrap_err(), RunError::Ungranted("dataset `payroll`".into()), "{wasm}");
    }
}

#[tokio::test]
async fn ungranted_column_is_refused() {
    for wasm in BOTH_CONTRACTS {
        let report = attack_with(wasm, "ungranted-column", 0, Limits::default()).await;
        let expected = RunError::Ungranted("column `secret` of dataset `readings`".into());
        assert_eq!(report.result.unwrap_err(), expected, "{wasm}");
        assert_eq!(report.usage.rows_read, 0);
    }
}

#[tokio::test]
async fn row_limit_stops_a_big_scan() {
    let good = load(kiln_test_guests::GOOD).await;
    let limits = Limits { rows: 100_000, ..Limits::default() };
    let report = run_on_readings(&good, 300_000, &[], limits).await;
    assert_eq!(report.result.unwrap_err(), RunError::Rows(100_000));
}

#[tokio::test]
async fn file_access_finds_no_filesystem() {
    let report = attack("file", 0, Limits::default()).await;
    match report.result.unwrap_err() {
        RunError::Guest(message) => assert!(message.contains("file access denied"), "{message}"),
        other => panic!("expected the guest to report denial, got {other:?}"),
    }
    assert!(!std::path::Path::new("kiln-escape.txt").exists());
}

#[tokio::test]
async fn environment_is_empty() {
    let output = attack("env", 0, Limits::default()).await.result.expect("env attack runs");
    for metric in &output.metrics {
        assert_eq!(metric.value, 0.0, "{} leaked", metric.name);
    }
}

#[tokio::test]
async fn socket_connect_is_refused_at_run_time() {
    // Rust's std links `wasi:sockets` for `TcpStream::connect`; the host links it with every
    // address refused, so the connection fails inside the guest.
    let net = load(kiln_test_guests::HOSTILE_NET).await;
    match host().run(&net, kiln_host::RunRequest::default()).await.result {
        Err(RunError::Guest(message)) => assert!(message.contains("connect refused"), "{message}"),
        other => panic!("expected the guest to report a refused connection, got {other:?}"),
    }
    good_still_works().await;
}

#[tokio::test]
async fn table_growth_hits_the_table_limit() {
    let bytes = crate::invalid::table_bomb();
    let plugin = host().load(&bytes).await.expect("table bomb is a valid plugin");
    let limits = Limits { table_elements: 1_000, ..Limits::default() };
    let report = host().run(&plugin, kiln_host::RunRequest { limits, ..Default::default() }).await;
    assert_eq!(report.result.unwrap_err(), RunError::Table(1_000));
    good_still_works().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_with_hostile_neighbours_keep_good_results() {
    let good = Arc::new(load(kiln_test_guests::GOOD).await);
    let hostile = Arc::new(load(kiln_test_guests::HOSTILE).await);
    let attacks = ["loop", "memory", "panic", "recursion", "spin", "ungranted-column", "output", "trap"];
    let mut tasks = Vec::new();
    for i in 0..32_usize {
        let (good, hostile) = (good.clone(), hostile.clone());
        tasks.push(tokio::spawn(async move {
            let limits = Limits {
                timeout: Duration::from_millis(500),
                fuel: 2_000_000_000,
                memory_bytes: 64 << 20,
                output_bytes: 1 << 20,
                ..Limits::default()
            };
            if i % 4 == 3 {
                let attack = attacks[i / 4];
                let report = run_on_readings(&hostile, 100, &[("attack", attack), ("mib", "4")], limits).await;
                (i, None, report.result.is_err())
            } else {
                let rows = 1_000 + i * 1_000;
                // Good runs share two threads with spinning neighbours: give them wall-clock room,
                // so the test checks isolation, not scheduling.
                let limits = Limits { timeout: Duration::from_secs(30), ..limits };
                let report = run_on_readings(&good, rows, &[], limits).await;
                let sum = report.result.expect("good run succeeds").metrics[0].value;
                (i, Some((sum, readings_sum(rows))), true)
            }
        }));
    }
    for task in tasks {
        let (i, sums, failed_as_expected) = task.await.expect("task ran");
        assert!(failed_as_expected, "hostile run {i} succeeded");
        if let Some((got, expected)) = sums {
            assert_eq!(got, expected, "good run {i} was disturbed");
        }
    }
}
