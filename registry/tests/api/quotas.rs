//! Quotas hold under concurrency: hostile callers race uploads and runs against a quota that
//! fits only some of them. Each quota is checked inside the write that consumes it, and runs
//! reserve CPU at admission, so exactly as many are admitted as fit.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, header};
use kiln_registry::store::runs::{RunRecord, RunState};
use serde_json::{Value, json};

use crate::common::{Actor, Resp, TestApp, send};

crate::both! {
    concurrent_uploads_are_accepted_only_as_far_as_the_storage_quota_goes => racing_uploads;
    concurrent_sync_runs_cannot_overrun_a_nearly_used_cpu_quota => racing_sync_runs;
    queued_runs_reserve_cpu_until_they_finish => queued_reservations;
}

/// `rows` readings as CSV.
pub fn readings(rows: usize) -> String {
    let mut csv = String::from("value\n");
    for i in 0..rows {
        csv.push_str(&format!("{i}.5\n"));
    }
    csv
}

pub async fn set_quotas(app: &TestApp, quotas: Value) {
    let body = json!({"quotas": quotas});
    app.call(Method::PATCH, "/v1/tenants/t1", Some(&app.operator.token), Some(body)).await.expect(200);
}

pub async fn usage(app: &TestApp) -> Value {
    app.get("/v1/tenants/t1/usage", &app.enterprise.token).await.expect(200).json()
}

/// Sends `reqs` all at once (released together by a barrier); returns the responses.
pub async fn race(app: &TestApp, reqs: Vec<Request<Body>>) -> Vec<Resp> {
    let barrier = Arc::new(tokio::sync::Barrier::new(reqs.len()));
    let tasks: Vec<_> = reqs
        .into_iter()
        .map(|req| {
            let (router, barrier) = (app.router.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                send(router, req).await
            })
        })
        .collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

/// Counts 2xx answers, asserting every other one is `quota-exceeded` (or `busy`: a tenant may
/// hold only its share of a server's slots with synchronous runs).
pub fn admitted(resps: &[Resp]) -> usize {
    resps
        .iter()
        .filter(|r| {
            if r.status.is_success() {
                return true;
            }
            match r.status.as_u16() {
                503 => r.problem(503, "busy"),
                _ => r.problem(429, "quota-exceeded"),
            };
            false
        })
        .count()
}

async fn racing_uploads(app: TestApp) {
    const N: usize = 10;
    let erin = &app.enterprise;
    let csv = readings(2_000);
    let first = app.upload_csv(erin, "probe", &csv).await.expect(201).json();
    let one = first["bytes"].as_i64().unwrap();
    let used = usage(&app).await["storage_bytes"].as_i64().unwrap();
    // Room for three more versions and a half.
    set_quotas(
        &app,
        json!({"max_active_runs": 10, "cpu_ms_per_day": 3_600_000, "storage_bytes": used + 3 * one + one / 2}),
    )
    .await;
    let reqs = (0..N)
        .map(|i| {
            Request::post(format!("/v1/tenants/t1/datasets/d{i}"))
                .header(header::AUTHORIZATION, format!("Bearer {}", erin.token))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(csv.clone()))
                .unwrap()
        })
        .collect();
    let resps = race(&app, reqs).await;
    assert_eq!(admitted(&resps), 3, "exactly as many uploads as fit are stored");
    let stored = usage(&app).await["storage_bytes"].as_i64().unwrap();
    assert_eq!(stored, used + 3 * one, "the quota was passed");
    assert_eq!(app.count("SELECT COUNT(*) FROM datasets").await, 4);
}

pub async fn publish_good(app: &TestApp, admin: &Actor) -> String {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    app.upload_csv(admin, "readings", &readings(10)).await.expect(201);
    app.enable(admin, "good", json!({})).await
}

pub fn submit_req(admin: &Actor, enablement: &str, mode: &str) -> Request<Body> {
    let tenant = admin.tenant.as_deref().unwrap();
    Request::post(format!("/v1/tenants/{tenant}/enablements/{enablement}/runs"))
        .header(header::AUTHORIZATION, format!("Bearer {}", admin.token))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"mode": mode}).to_string()))
        .unwrap()
}

async fn racing_sync_runs(app: TestApp) {
    const N: usize = 10;
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    // One millisecond of CPU left today.
    let used = usage(&app).await["cpu_ms_today"].as_i64().unwrap();
    set_quotas(&app, json!({"max_active_runs": 100, "cpu_ms_per_day": used + 1, "storage_bytes": 1_000_000})).await;
    let resps = race(&app, (0..N).map(|_| submit_req(erin, &enablement, "sync")).collect()).await;
    assert_eq!(admitted(&resps), 1, "only one run fits in the last millisecond");
    // The admitted run was held to what was left: its deadline is the millisecond it reserved.
    let run = resps.iter().find(|r| r.status.is_success()).unwrap().json();
    assert_eq!(run["limits"]["timeout"], 1, "{run}");
    assert_eq!(app.count("SELECT COUNT(*) FROM runs").await, 1, "a refused run was recorded");
}

async fn queued_reservations(app: TestApp) {
    const N: usize = 10;
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    // What a queued run reserves: its timeout. Cancelling it (it never ran) releases that.
    let probe = app.submit(erin, &enablement, "queued").await.expect(202).json();
    let timeout = probe["limits"]["timeout"].as_i64().unwrap();
    assert_eq!(probe["cpu_ms"], timeout, "{probe}");
    let reserved = usage(&app).await["cpu_ms_today"].as_i64().unwrap();
    app.post_empty(&format!("/v1/tenants/t1/runs/{}/cancel", probe["id"].as_str().unwrap()), &erin.token)
        .await
        .expect(202);
    let used = usage(&app).await["cpu_ms_today"].as_i64().unwrap();
    assert_eq!(used, reserved - timeout, "a cancelled queued run kept its reservation");
    // Room for two and a half runs' timeouts: three admitted, the third cut to the half.
    set_quotas(
        &app,
        json!({"max_active_runs": 100, "cpu_ms_per_day": used + 2 * timeout + timeout / 2,
                            "storage_bytes": 1_000_000}),
    )
    .await;
    let resps = race(&app, (0..N).map(|_| submit_req(erin, &enablement, "queued")).collect()).await;
    assert_eq!(admitted(&resps), 3);
    let mut cuts: Vec<i64> = resps
        .iter()
        .filter(|r| r.status.is_success())
        .map(|r| r.json()["limits"]["timeout"].as_i64().unwrap())
        .collect();
    cuts.sort_unstable();
    assert_eq!(cuts, [timeout / 2, timeout, timeout]);
    // Once a worker runs them, the reservations settle to what the runs used.
    let worker = app.worker("w1", 5_000);
    for r in resps.iter().filter(|r| r.status.is_success()) {
        let done = app.finished(erin, &r.read::<RunRecord>().id).await;
        assert_eq!(done.state, RunState::Succeeded, "{done:?}");
        assert!(done.cpu_ms < timeout / 2, "not settled: {done:?}");
    }
    worker.abort();
    assert!(usage(&app).await["cpu_ms_today"].as_i64().unwrap() < used + timeout, "reservations were not released");
    app.submit(erin, &enablement, "queued").await.expect(202);
}
