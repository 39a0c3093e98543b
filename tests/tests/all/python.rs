//! Python plugins (componentize-py, CPython inside the component) run under exactly the
//! guarantees Rust plugins have: WASI linked with nothing behind it, the same limits, the same
//! virtual clocks and seeded random, and admission by what their instances take of the pool.

use std::sync::Arc;
use std::time::Duration;

use kiln_host::{Determinism, Language, Limits, RunError, RunReport, RunRequest};

use crate::common::*;

async fn attack(name: &str, limits: Limits) -> RunReport {
    let hostile = load_shared(kiln_test_guests::HOSTILE_PY).await;
    let params = kiln_host::params_from_text(hostile.info(), &[("attack".into(), name.into())]).expect("params");
    let report = host().run(&hostile, RunRequest { params, limits, ..Default::default() }).await;
    good_still_works().await;
    report
}

/// The message of an attack the guest saw refused.
fn refused(report: RunReport) -> String {
    match report.result {
        Err(RunError::Guest(message)) => {
            assert!(message.starts_with("refused: "), "{message}");
            message
        }
        other => panic!("expected the guest to report a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_python_component_loads_with_its_language_and_shape() {
    let noop = load_shared(kiln_test_guests::NOOP_PY).await;
    assert_eq!(noop.language(), Language::Python);
    assert_eq!(noop.wit_version(), "0.2.0");
    let shape = noop.shape();
    let rust = load_shared(kiln_test_guests::GOOD).await;
    assert!(shape.core_instances > rust.shape().core_instances, "CPython links many modules: {shape:?}");
    assert!(noop.slots() > rust.slots(), "{shape:?}");
    assert!(noop.interfaces().imports.iter().any(|i| i.starts_with("wasi:sockets/")));
    let report = host().run(&noop, RunRequest::default()).await;
    report.result.expect("the no-op runs");
    assert_eq!(rust.language(), Language::Rust);
}

#[tokio::test]
async fn sockets_and_name_lookups_are_refused_inside_the_guest() {
    let message = refused(attack("connect", Limits::default()).await);
    assert!(message.contains("PermissionError") || message.contains("denied"), "{message}");
    let message = refused(attack("resolve", Limits::default()).await);
    assert!(message.contains("gaierror") || message.contains("denied"), "{message}");
}

#[tokio::test]
async fn the_guest_sees_no_file_system() {
    for name in ["read-file", "write-file", "list-root"] {
        let message = refused(attack(name, Limits::default()).await);
        assert!(message.contains("Error"), "{name}: {message}");
    }
    assert!(!std::path::Path::new("kiln-escape.txt").exists());
}

#[tokio::test]
async fn the_environment_is_empty_and_processes_cannot_be_spawned() {
    let output = attack("env", Limits::default()).await.result.expect("reading the environment runs");
    assert_eq!(output.metrics[0].value, 0.0, "the guest saw an environment");
    let message = refused(attack("spawn", Limits::default()).await);
    assert!(message.contains("Error"), "{message}");
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
    // CPython sees the refused `memory.grow` as a failed malloc and raises MemoryError, which
    // the guest may catch; either way the memory never passes the cap.
    match report.result.unwrap_err() {
        RunError::Memory(cap) => assert_eq!(cap, 96 << 20),
        RunError::Guest(message) => assert!(message.contains("MemoryError"), "{message}"),
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
async fn deep_recursion_is_stopped_inside_python_or_by_the_stack() {
    let message = refused(attack("recurse", Limits::default()).await);
    assert!(message.contains("RecursionError"), "{message}");
    let report = attack("recurse-unbounded", Limits::default()).await;
    match report.result.unwrap_err() {
        RunError::Stack => {}
        RunError::Guest(message) => assert!(message.contains("RecursionError"), "{message}"),
        other => panic!("expected a stack overflow, got {other:?}"),
    }
}

#[tokio::test]
async fn a_python_guest_observes_the_same_clocks_and_random_numbers_twice() {
    let entropy = load_shared(kiln_test_guests::ENTROPY_PY).await;
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
    assert_ne!(first, other, "another seed must give other random numbers");
    let table = &first.tables[0].data;
    let column = |name: &str| match &table.columns.iter().find(|c| c.name == name).expect(name).data {
        kiln_host::ColumnData::S64(v) => v[0],
        data => panic!("{name} is {data:?}"),
    };
    let start_ns = 1_764_547_200_000 * 1_000_000;
    assert!((start_ns..start_ns + 1_000_000).contains(&column("wall_ns")));
    assert!(column("slept_ns") >= 3_600_000_000_000, "an hour's sleep passes on the virtual clock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heavy_python_runs_leave_rust_runs_their_slots() {
    // A host of 12 run slots and 128 core instances. Counted one per run, a dozen Python runs
    // of 14 core instances each would spend the pool while slots looked free, and the
    // Rust runs beside them would fail `busy`.
    let host = kiln_host::Host::new(kiln_host::HostConfig { max_instances: 16, ..Default::default() }).expect("host");
    assert_eq!(host.slots().0, 12);
    let python = host.load(&kiln_test_guests::bytes(kiln_test_guests::HOSTILE_PY)).await.expect("loads");
    let good = host.load(&kiln_test_guests::bytes(kiln_test_guests::GOOD)).await.expect("loads");
    assert!(python.slots() > 1, "{:?}", python.shape());
    // As many Python runs as fit, less one, so that some Rust runs fit beside them.
    let mut python_slots = Vec::new();
    while let Ok(slot) = host.try_run_slot(python.slots()) {
        python_slots.push(slot);
    }
    assert!(python_slots.len() >= 2, "{:?} weighs {} slots", python.shape(), python.slots());
    python_slots.pop();
    let free = 12 - python_slots.len() as u32 * python.slots();
    let rust_slots: Vec<_> = (0..free).map(|_| host.try_run_slot(good.slots()).expect("a free slot")).collect();
    assert_eq!(host.try_run_slot(good.slots()).unwrap_err().kind(), "busy", "every slot is held");

    // The Python runs spin in their instances while every Rust run uses a slot that was free.
    let spin = kiln_host::params_from_text(python.info(), &[("attack".into(), "spin".into())]).expect("params");
    let limits = Limits { timeout: Duration::from_secs(2), ..Limits::default() };
    let spinning = python_slots.into_iter().map(|slot| {
        let request = RunRequest { params: spin.clone(), limits, ..Default::default() };
        host.run_in_slot(slot, &python, request)
    });
    let rust = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let runs = rust_slots.into_iter().map(|slot| {
            let data = Some((readings(1000) as Arc<dyn kiln_host::DataSource>, value_grant()));
            host.run_in_slot(slot, &good, RunRequest { data, ..Default::default() })
        });
        futures::future::join_all(runs).await
    };
    let (spun, ran) = tokio::join!(futures::future::join_all(spinning), rust);
    for report in spun {
        assert_eq!(report.result.unwrap_err(), RunError::Timeout(Duration::from_secs(2)));
    }
    for report in ran {
        assert_eq!(report.result.expect("a Rust run beside Python ones").metrics[0].value, readings_sum(1000));
    }
}
