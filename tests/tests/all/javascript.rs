//! JavaScript plugins (jco's ComponentizeJS, SpiderMonkey inside the component) run under
//! exactly the guarantees Rust plugins have: no way out of the sandbox, the same limits, and
//! the run's virtual clock and seeded random behind `Date`, `performance` and `Math.random`.

use std::time::Duration;

use kiln_host::{ColumnData, Determinism, Language, Limits, RunError, RunReport, RunRequest};

use crate::common::*;

async fn attack(name: &str, limits: Limits) -> RunReport {
    let hostile = load_shared(kiln_test_guests::HOSTILE_JS).await;
    let params = kiln_host::params_from_text(hostile.info(), &[("attack".into(), name.into())]).expect("params");
    let report = host().run(&hostile, RunRequest { params, limits, ..Default::default() }).await;
    good_still_works().await;
    report
}

#[tokio::test]
async fn a_javascript_component_loads_with_its_language_and_shape() {
    let noop = load_shared(kiln_test_guests::NOOP_JS).await;
    assert_eq!(noop.language(), Language::JavaScript);
    assert_eq!(noop.wit_version(), "0.2.0");
    assert!(
        !noop.interfaces().imports.iter().any(|i| i.starts_with("wasi:http/")),
        "built without http: {:?}",
        noop.interfaces().imports
    );
    let report = host().run(&noop, RunRequest::default()).await;
    report.result.expect("the no-op runs");
}

#[tokio::test]
async fn fetch_files_and_modules_are_out_of_reach() {
    // Built without `http`, the engine's `fetch` (of any URL) and its module loader end in its
    // own `unreachable`: the run fails, the host carries on (`attack` runs a good plugin after).
    for name in ["fetch", "read-file", "import"] {
        match attack(name, Limits::default()).await.result {
            Err(RunError::Trap(_)) => {}
            Err(RunError::Guest(message)) => assert!(message.starts_with("refused: "), "{name}: {message}"),
            other => panic!("{name} got through: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_guest_sees_no_environment_and_no_node_globals() {
    let output = attack("env", Limits::default()).await.result.expect("reading the environment runs");
    assert_eq!(output.metrics[0].value, 0.0, "the guest saw an environment");
    let output = attack("globals", Limits::default()).await.result.expect("looking for globals runs");
    assert_eq!(output.metrics[0].value, 0.0, "the guest found a global of Node, Deno or a browser");
}

#[tokio::test]
async fn spinning_ends_by_fuel_or_deadline() {
    let limits = Limits { fuel: 200_000_000, ..Limits::default() };
    assert_eq!(attack("spin", limits).await.result.unwrap_err(), RunError::Cpu(200_000_000));
    let limits = Limits { timeout: Duration::from_millis(300), ..Limits::default() };
    assert_eq!(attack("spin", limits).await.result.unwrap_err(), RunError::Timeout(Duration::from_millis(300)));
}

#[tokio::test]
async fn allocating_past_the_cap_stops_at_the_memory_limit() {
    let limits = Limits { memory_bytes: 96 << 20, ..Limits::default() };
    let report = attack("memory", limits).await;
    // SpiderMonkey sees the refused `memory.grow` as an out-of-memory error, which the guest
    // may catch; either way the memory never passes the cap.
    match report.result.unwrap_err() {
        RunError::Memory(cap) => assert_eq!(cap, 96 << 20),
        RunError::Guest(message) => assert!(message.contains("memory"), "{message}"),
        other => panic!("expected the memory cap, got {other:?}"),
    }
    assert!(report.usage.peak_memory_bytes <= 96 << 20);
    assert!(report.usage.peak_memory_bytes > 64 << 20, "the guest got near the cap");
}

#[tokio::test]
async fn printing_without_end_keeps_only_the_capped_log() {
    let limits = Limits { log_bytes: 64 << 10, fuel: 2_000_000_000, ..Limits::default() };
    let report = attack("print", limits).await;
    assert!(report.result.is_err(), "printing forever must end by a limit");
    assert!(report.log.truncated);
    let kept: usize = report.log.lines.iter().map(|l| l.message.len() + 1).sum();
    assert!(kept <= 64 << 10, "kept {kept} bytes");
}

#[tokio::test]
async fn deep_recursion_is_stopped_inside_the_engine_or_by_the_stack() {
    let report = attack("recurse", Limits::default()).await;
    match report.result.unwrap_err() {
        RunError::Stack => {}
        RunError::Guest(message) => assert!(message.contains("recursion"), "{message}"),
        other => panic!("expected a stack overflow, got {other:?}"),
    }
}

#[tokio::test]
async fn an_output_past_its_cap_is_refused() {
    let limits = Limits { output_bytes: 16 << 20, ..Limits::default() };
    let report = attack("output", limits).await;
    assert!(
        matches!(report.result, Err(RunError::OutputSize { limit, .. }) if limit == 16 << 20),
        "{:?}",
        report.result
    );
}

#[tokio::test]
async fn a_javascript_guest_observes_the_same_clocks_and_random_numbers_twice() {
    let entropy = load_shared(kiln_test_guests::ENTROPY_JS).await;
    let observe = |seed| {
        let entropy = entropy.clone();
        async move {
            let determinism = Determinism { seed, clock_start_ms: 1_764_547_200_000 };
            let report = host().run(&entropy, RunRequest { determinism, ..Default::default() }).await;
            report.result.expect("the entropy guest runs")
        }
    };
    let (first, second) = tokio::join!(observe(7), observe(7));
    assert_eq!(first, second);
    let other = observe(8).await;
    let table = |output: &kiln_host::Output| output.tables[0].data.clone();
    let cell =
        |batch: &kiln_host::Batch, name: &str| match &batch.columns.iter().find(|c| c.name == name).expect(name).data {
            ColumnData::S64(v) => v[0] as f64,
            ColumnData::F64(v) => v[0],
            data => panic!("{name} is {data:?}"),
        };
    let (first, other) = (table(&first), table(&other));
    assert_ne!(cell(&first, "random"), cell(&other, "random"), "Math.random follows the run's seed");
    assert_ne!(cell(&first, "bytes"), cell(&other, "bytes"), "crypto.getRandomValues follows the run's seed");
    let start_ms = 1_764_547_200_000.0;
    assert!((start_ms..start_ms + 1000.0).contains(&cell(&first, "wall_ms")), "Date.now reads the run's clock");
}
