//! A worker told to stop (SIGTERM in `kiln worker`): it claims nothing more, lets its runs
//! finish within the grace period, and hands the rest back to the queue at once, without an
//! attempt charged, instead of leaving their leases to run out.

use std::time::Duration;

use kiln_registry::store::runs::RunState;
use serde_json::json;

use crate::both;
use crate::common::TestApp;

both! {
    a_stopping_worker_hands_back_what_it_cannot_finish => hands_back;
    a_stopping_worker_finishes_what_fits_in_its_grace => finishes;
    a_stopping_worker_claims_nothing_more => claims_nothing;
}

fn id(run: &serde_json::Value) -> String {
    run["id"].as_str().unwrap().to_string()
}

async fn spin(app: &TestApp, timeout_ms: u64) -> String {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::HOSTILE)).await;
    let limits = json!({"timeout_ms": timeout_ms});
    app.enable(&app.enterprise, "hostile", json!({"params": {"attack": "spin"}, "grants": [], "limits": limits})).await
}

async fn hands_back(app: TestApp) {
    let erin = &app.enterprise;
    let spin = spin(&app, 2_000).await;
    let run = id(&app.submit(erin, &spin, "queued").await.expect(202).json());
    let (worker, stop) = app.stoppable_worker("stopping", Duration::from_millis(50));
    app.reaches(erin, &run, RunState::Running).await;
    stop.send(()).unwrap();
    let stats = worker.await.unwrap();
    assert_eq!((stats.claimed, stats.recorded, stats.handed_back), (1, 0, 1), "{stats:?}");
    // Back in the queue the moment the worker is gone: no lease left to run out, no attempt spent.
    let back = app.reaches(erin, &run, RunState::Queued).await;
    assert_eq!((back.attempt, back.lease_owner.as_deref(), back.lease_until), (0, None, None), "{back:?}");

    let next = app.worker("next", 30_000);
    let done = app.finished(erin, &run).await;
    next.abort();
    assert_eq!(done.attempt, 1, "the hand-back did not count as an attempt: {done:?}");
    // Two seconds of spinning may spend the fuel cap first on a fast machine: either limit.
    assert!(matches!(done.error_kind.as_deref(), Some("timeout" | "cpu")), "{done:?}");
}

async fn finishes(app: TestApp) {
    let erin = &app.enterprise;
    let spin = spin(&app, 300).await;
    let run = id(&app.submit(erin, &spin, "queued").await.expect(202).json());
    let (worker, stop) = app.stoppable_worker("patient", Duration::from_secs(60));
    app.reaches(erin, &run, RunState::Running).await;
    stop.send(()).unwrap();
    let stats = worker.await.unwrap();
    assert_eq!((stats.claimed, stats.recorded, stats.handed_back), (1, 1, 0), "{stats:?}");
    let done = app.finished(erin, &run).await;
    assert_eq!((done.state, done.attempt), (RunState::Failed, 1), "{done:?}");
    assert_eq!(done.error_kind.as_deref(), Some("timeout"), "{done:?}");
}

async fn claims_nothing(app: TestApp) {
    let erin = &app.enterprise;
    // Long enough that both runs are still going when the test sees the second one start.
    let spin = spin(&app, 3_000).await;
    let mut queued = Vec::new();
    for _ in 0..4 {
        queued.push(id(&app.submit(erin, &spin, "queued").await.expect(202).json()));
    }
    // Two at a time: it holds the two oldest when told to stop, and must not take the others
    // as those two finish.
    let (worker, stop) = app.stoppable_worker("busy", Duration::from_secs(60));
    app.reaches(erin, &queued[1], RunState::Running).await;
    stop.send(()).unwrap();
    let stats = worker.await.unwrap();
    assert_eq!((stats.claimed, stats.recorded), (2, 2), "{stats:?}");
    for run in &queued[2..] {
        let left = app.reaches(erin, run, RunState::Queued).await;
        assert_eq!(left.attempt, 0, "{left:?}");
    }
}
