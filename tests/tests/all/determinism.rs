//! A guest observes nothing that varies between executions of the same run: its clocks are
//! virtual and its random sources are seeded (`kiln_host::Determinism`).

use kiln_host::{ColumnData, Determinism, Output, RunRequest};

use crate::common::*;

async fn observe(determinism: Determinism) -> Output {
    let entropy = load(kiln_test_guests::ENTROPY).await;
    let report = host().run(&entropy, RunRequest { determinism, ..Default::default() }).await;
    report.result.expect("entropy plugin succeeds")
}

fn s64(output: &Output, column: &str) -> i64 {
    let table = &output.tables[0].data;
    match &table.columns.iter().find(|c| c.name == column).unwrap().data {
        ColumnData::S64(v) => v[0],
        other => panic!("{column} is {other:?}"),
    }
}

#[tokio::test]
async fn a_guest_reading_clocks_and_random_numbers_observes_the_same_twice() {
    let pinned = Determinism { seed: 0x5eed, clock_start_ms: 1_764_547_200_000 };
    let (first, second) = tokio::join!(observe(pinned), observe(pinned));
    assert_eq!(first, second);
}

#[tokio::test]
async fn the_clocks_start_at_the_pinned_instant_and_sleeping_costs_no_real_time() {
    let start_ms = 1_764_547_200_000;
    let output = observe(Determinism { seed: 1, clock_start_ms: start_ms }).await;
    let wall_ns = s64(&output, "wall_ns");
    let start_ns = start_ms * 1_000_000;
    assert!((start_ns..start_ns + 1_000_000).contains(&wall_ns), "wall clock read {wall_ns}, pinned {start_ns}");
    // An hour's sleep passes on the virtual clock, so the test does not wait an hour.
    assert!(s64(&output, "slept_ns") >= 3_600_000_000_000);
}

#[tokio::test]
async fn another_seed_gives_other_random_numbers() {
    let a = observe(Determinism { seed: 1, clock_start_ms: 0 }).await;
    let b = observe(Determinism { seed: 2, clock_start_ms: 0 }).await;
    assert_ne!(s64(&a, "hash"), s64(&b, "hash"));
}
