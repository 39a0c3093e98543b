//! Deadlines hold whatever the guest is doing, and a full host says `busy` instead of blaming the
//! component. A guest cannot wait in a WASI pollable any more (its clocks are virtual: an hour's
//! sleep returns at once), so the sleepers here sleep and then spin.

use std::sync::Arc;
use std::time::Duration;

use kiln_host::{Host, HostConfig, Limits, LoadError, RunError, RunRequest};

use crate::common::*;

/// A host of its own with 4 instances: 3 run slots and 1 load slot.
fn small_host() -> Arc<Host> {
    let config = HostConfig { max_instances: 4, describe_timeout: Duration::from_millis(300), ..HostConfig::default() };
    Arc::new(Host::new(config).expect("host starts"))
}

/// Fails the test instead of hanging it when a deadline does not hold.
async fn within<T>(limit: Duration, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit + Duration::from_secs(10), f).await.expect("the deadline did not hold")
}

#[tokio::test]
async fn a_guest_that_sleeps_then_hangs_times_out() {
    let raw = load(kiln_test_guests::RAW).await;
    let limits = Limits { timeout: Duration::from_millis(300), ..Limits::default() };
    let report = within(limits.timeout, run_on_readings(&raw, 10, &[("attack", "sleep")], limits)).await;
    assert_eq!(report.result.unwrap_err(), RunError::Timeout(Duration::from_millis(300)));
    good_still_works().await;
}

#[tokio::test]
async fn a_describe_that_sleeps_ends_at_its_deadline() {
    let host = small_host();
    let bytes = kiln_test_guests::bytes(kiln_test_guests::DESCRIBE_SLEEP);
    match within(Duration::from_millis(300), host.load(&bytes)).await {
        Err(LoadError::Describe(why)) => assert!(why.contains("timed out"), "{why}"),
        Err(other) => panic!("expected describe() to time out, got {other}"),
        Ok(_) => panic!("a sleeping describe() loaded"),
    }
    // Its instance was freed: the one load slot serves the next load.
    host.try_load(&kiln_test_guests::bytes(kiln_test_guests::GOOD)).await.expect("good loads after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleeping_describes_make_loads_busy_but_never_starve_runs() {
    let host = small_host();
    let good_bytes = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let good = host.load(&good_bytes).await.expect("good loads");
    // Loads compile before they take a slot: the probe below is compiled now, so that each
    // try only asks for the slot while the sleeper holds it.
    let compiled = host.compile(&good_bytes).await.expect("good compiles");
    let sleeper = {
        let host = host.clone();
        tokio::spawn(async move { host.load(&kiln_test_guests::bytes(kiln_test_guests::DESCRIBE_SLEEP)).await.err() })
    };
    // Wait until the sleeper holds the load slot.
    let busy = loop {
        assert!(!sleeper.is_finished(), "the sleeper's describe never held the load slot");
        match host.try_load_compiled(&good_bytes, &compiled).await {
            Err(e @ LoadError::Busy(_)) => break e,
            Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            Err(other) => panic!("a full load pool was reported as {other}"),
        }
    };
    assert_eq!(busy.kind(), "busy");
    // Runs have slots of their own.
    let params = kiln_host::params_from_text(good.info(), &[]).expect("params");
    let request = RunRequest { params, data: Some((readings(100), value_grant())), ..Default::default() };
    let report = host.run(&good, request).await;
    assert_eq!(report.result.expect("a run is not starved").metrics[0].value, readings_sum(100));
    assert!(matches!(sleeper.await.expect("joined"), Some(LoadError::Describe(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_pool_is_busy_and_frees_at_the_deadline() {
    let host = small_host();
    let raw = Arc::new(host.load(&kiln_test_guests::bytes(kiln_test_guests::RAW)).await.expect("raw loads"));
    let limits = Limits { timeout: Duration::from_millis(500), ..Limits::default() };
    let slots: Vec<_> = (0..3).map(|_| host.try_run_slot(1).expect("a free slot")).collect();
    assert_eq!(host.try_run_slot(1).unwrap_err().kind(), "busy");
    let mut sleepers = Vec::new();
    for slot in slots {
        let (host, raw) = (host.clone(), raw.clone());
        let params = kiln_host::params_from_text(raw.info(), &[("attack".into(), "sleep".into())]).expect("params");
        sleepers.push(tokio::spawn(async move {
            host.run_in_slot(slot, &raw, RunRequest { params, limits, ..Default::default() }).await
        }));
    }
    for sleeper in sleepers {
        let report = within(limits.timeout, sleeper).await.expect("joined");
        assert_eq!(report.result.unwrap_err(), RunError::Timeout(limits.timeout));
    }
    host.try_run_slot(1).expect("slots are free again");
}
