//! Hostile plugins through the service: outputs whose counts lie, floods, guests that block in
//! a WASI call. Each fails its own run with its kind, synchronously or on a worker, and the
//! next good run succeeds.

use axum::http::Method;
use kiln_registry::store::runs::RunState;
use serde_json::{Value, json};

use crate::common::TestApp;

crate::both! {
    hostile_outputs_and_blocking_guests_fail_their_run_and_the_service_keeps_serving => hostile;
}

async fn set_attack(app: &TestApp, enablement: &str, attack: &str, n: i64) {
    let path = format!("/v1/tenants/t1/enablements/{enablement}");
    let body = json!({"params": {"attack": attack, "n": n}});
    app.call(Method::PATCH, &path, Some(&app.enterprise.token), Some(body)).await.expect(200);
}

async fn hostile(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::RAW)).await;
    let erin = &app.enterprise;
    app.upload_csv(erin, "readings", "value\n1.5\n2.5\n").await.expect(201);
    let limits = json!({"timeout_ms": 400, "output_bytes": 1 << 20});
    let enablement = app.enable(erin, "raw", json!({"limits": limits})).await;
    let worker = app.worker("w-hostile", 5_000);
    let attacks = [
        ("rows-without-columns", 0, "invalid-output"),
        ("duplicate-tables", 0, "invalid-output"),
        ("empty-tables", 100_000, "output-size"),
        ("sleep", 0, "timeout"),
    ];
    for (attack, n, kind) in attacks {
        set_attack(&app, &enablement, attack, n).await;
        let sync: Value = app.submit(erin, &enablement, "sync").await.expect(200).json();
        assert_eq!(
            (sync["state"].as_str(), sync["error_kind"].as_str()),
            (Some("failed"), Some(kind)),
            "{attack}: {sync}"
        );
        let queued = app.submit(erin, &enablement, "queued").await.expect(202).json();
        let run = app.finished(erin, queued["id"].as_str().unwrap()).await;
        assert_eq!((run.state, run.error_kind.as_deref()), (RunState::Failed, Some(kind)), "{attack}: {run:?}");
        assert_eq!(run.attempt, 1, "{attack}: the worker survived its first attempt");
    }
    set_attack(&app, &enablement, "none", 0).await;
    let good: Value = app.submit(erin, &enablement, "sync").await.expect(200).json();
    assert_eq!(good["state"], "succeeded", "{good}");
    let csv = app
        .get(&format!("/v1/tenants/t1/runs/{}/result?format=csv&table=t", good["id"].as_str().unwrap()), &erin.token)
        .await;
    assert_eq!(csv.expect(200).text(), "x\r\n1.0\r\n");
    worker.abort();
}
