//! The enterprise platform: tenant isolation, datasets, enablements, queued runs on workers
//! (exactly once, across a killed worker), cancel, quotas and k-suppressed rollups.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::Method;
use kiln_host::{DataSource, DirSource, Grants, RunRequest};
use kiln_registry::store::runs::RunState;
use serde_json::{Value, json};

use crate::common::{Actor, TestApp};

crate::both! {
    no_route_leaks_another_tenants_data => isolation;
    a_queued_run_equals_the_plugin_run_locally => end_to_end;
    two_workers_run_200_jobs_once_each_when_one_is_killed => exactly_once;
    a_stale_attempt_cannot_record_a_result => stale_attempt;
    quotas_refuse_with_a_clear_error => quotas;
    datasets_are_checked_versioned_and_kept_while_in_use => datasets;
    enablements_check_params_grants_and_limits => enablement_checks;
    a_takedown_suspends_enablements => takedown_suspends;
    queued_and_running_jobs_can_be_cancelled => cancel;
    suppression_cannot_be_bypassed_by_differencing => suppression;
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// `rows` readings `value` = 0, 1, 2, … as CSV.
fn readings(rows: usize) -> String {
    let mut csv = String::from("value\n");
    for i in 0..rows {
        csv.push_str(&format!("{i}.5\n"));
    }
    csv
}

async fn good_enabled(app: &TestApp, admin: &Actor, rows: usize) -> String {
    app.upload_csv(admin, "readings", &readings(rows)).await.expect(201);
    app.enable(admin, "good", json!({})).await
}

async fn isolation(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let other = app.tenant("t2").await;
    let enablement = good_enabled(&app, &other, 10).await;
    let run = id(&app.submit(&other, &enablement, "sync").await.expect(200).json());
    let queued = id(&app.submit(&other, &enablement, "queued").await.expect(202).json());

    // Every tenant route, aimed at t2's things, as t1's admin: all "not found", nothing changed.
    let t2 = "/v1/tenants/t2";
    let probes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, t2.to_string(), None),
        (Method::PATCH, t2.to_string(), Some(json!({"opted_in": false}))),
        (Method::GET, format!("{t2}/usage"), None),
        (Method::GET, format!("{t2}/datasets"), None),
        (Method::GET, format!("{t2}/datasets/readings"), None),
        (Method::GET, format!("{t2}/datasets/readings/versions/1"), None),
        (Method::GET, format!("{t2}/datasets/readings/preview"), None),
        (Method::DELETE, format!("{t2}/datasets/readings"), None),
        (Method::GET, format!("{t2}/enablements"), None),
        (Method::POST, format!("{t2}/enablements"), Some(json!({"namespace": "acme", "plugin": "good"}))),
        (Method::GET, format!("{t2}/enablements/{enablement}"), None),
        (Method::PATCH, format!("{t2}/enablements/{enablement}"), Some(json!({}))),
        (Method::DELETE, format!("{t2}/enablements/{enablement}"), None),
        (Method::POST, format!("{t2}/enablements/{enablement}/runs"), Some(json!({"mode": "sync"}))),
        (Method::GET, format!("{t2}/runs"), None),
        (Method::GET, format!("{t2}/runs/{run}"), None),
        (Method::GET, format!("{t2}/runs/{run}/result"), None),
        (Method::POST, format!("{t2}/runs/{queued}/cancel"), None),
        // t2's ids under t1's own paths are not found either.
        (Method::GET, format!("/v1/tenants/t1/enablements/{enablement}"), None),
        (Method::POST, format!("/v1/tenants/t1/enablements/{enablement}/runs"), Some(json!({"mode": "sync"}))),
        (Method::GET, format!("/v1/tenants/t1/runs/{run}"), None),
        (Method::GET, format!("/v1/tenants/t1/runs/{run}/result"), None),
        (Method::POST, format!("/v1/tenants/t1/runs/{queued}/cancel"), None),
    ];
    let audit = app.audit_rows().await;
    for (method, path, body) in probes {
        let resp = app.call(method.clone(), &path, Some(&app.enterprise.token), body).await;
        assert_eq!(resp.status.as_u16(), 404, "{method} {path} as t1's admin: {}", resp.text());
        resp.problem(404, "not-found");
        assert!(!resp.text().contains("readings") || path.contains("readings"), "{path} leaked: {}", resp.text());
    }
    assert_eq!(app.audit_rows().await, audit, "a refused probe changed something");
    // Listings show only one's own.
    let tenants = app.get("/v1/tenants", &app.enterprise.token).await.expect(200).json();
    let ids: Vec<&str> = tenants["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["t1"]);
    assert_eq!(app.get("/v1/tenants/t1/runs", &app.enterprise.token).await.expect(200).json()["total"], 0);
    assert_eq!(app.get("/v1/tenants/t1/datasets", &app.enterprise.token).await.expect(200).json(), json!([]));
    // t2 still has everything, and its queued run is still queued.
    let r = app.get(&format!("{t2}/runs/{queued}"), &other.token).await.expect(200).json();
    assert_eq!(r["state"], "queued");
    app.get(&format!("{t2}/runs/{run}/result"), &other.token).await.expect(200);
}

async fn end_to_end(app: TestApp) {
    let good = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    app.publish_approved(&app.maker, "acme", &good).await;
    let erin = &app.enterprise;
    let csv = readings(5000);
    app.upload_csv(erin, "readings", &csv).await.expect(201);
    let enablement = app.enable(erin, "good", json!({"params": {"scale": 2.0}, "requirement": "^0.1"})).await;
    let queued = app.submit(erin, &enablement, "queued").await.expect(202).json();
    assert_eq!(queued["state"], "queued");
    assert_eq!(queued["datasets"][0]["version"], 1);
    let worker = app.worker("w1", 5_000);
    let run = app.finished(erin, &id(&queued)).await;
    worker.abort();
    assert_eq!(run.state, RunState::Succeeded, "{run:?}");
    assert_eq!(run.params["scale"], 2.0);
    let usage: kiln_host::Usage = serde_json::from_value(run.usage.clone().unwrap()).unwrap();
    assert_eq!(usage.rows_read, 5000);
    let log: kiln_host::RunLog = serde_json::from_value(run.log.clone().unwrap()).unwrap();
    assert!(log.lines.iter().any(|l| l.message == "summed 5000 rows in 1 batches"), "{log:?}");

    // The same plugin, run locally on the same data.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readings.csv"), &csv).unwrap();
    let host = kiln_host::Host::new(kiln_host::HostConfig::default()).unwrap();
    let plugin = host.load(&good).await.unwrap();
    let params = kiln_host::params_from_text(plugin.info(), &[("scale".into(), "2.0".into())]).unwrap();
    let source: Arc<dyn DataSource> = Arc::new(DirSource::open(dir.path()).unwrap());
    let grants = Grants::none().columns("readings", ["value"]);
    let report = host.run(&plugin, RunRequest { params, data: Some((source, grants)), ..Default::default() }).await;
    let local = serde_json::to_value(kiln_registry::results::OutputDocument(&report.result.unwrap())).unwrap();

    let path = format!("/v1/tenants/t1/runs/{}/result", run.id);
    let remote = app.get(&path, &erin.token).await.expect(200).json();
    assert_eq!(remote, local);
    let csv = app.get(&format!("{path}?format=csv&table=summary"), &erin.token).await;
    csv.expect(200);
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    let expected_sum = (0..5000).map(|i| i as f64 + 0.5).sum::<f64>() * 2.0;
    assert_eq!(csv.text(), format!("rows,nulls,batches,sum\r\n5000,0,1,{}\r\n", json!(expected_sum)));
}

async fn exactly_once(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let erin = &app.enterprise;
    let enablement = good_enabled(&app, erin, 20_000).await;
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(id(&app.submit(erin, &enablement, "queued").await.expect(202).json()));
    }
    let survivor = app.worker("survivor", 1_000);
    // Kill a worker while it holds a run. A run can finish between looking and killing, so what
    // counts is what the dead worker still holds afterwards; if nothing, kill another.
    let mut killed_holding = 0;
    for round in 0..20 {
        let name = format!("doomed{round}");
        let doomed = app.worker(&name, 1_000);
        let holding = format!("SELECT COUNT(*) FROM runs WHERE lease_owner = '{name}' AND state = 'running'");
        for _ in 0..2500 {
            if app.count(&holding).await > 0
                && app.count("SELECT COUNT(*) FROM runs WHERE state = 'succeeded'").await >= 20
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        doomed.abort();
        let _ = doomed.await;
        // A statement the worker sent before it died can still land (SQLite runs statements on
        // sqlx's own thread; a server finishes what it received), recording the run as done
        // under the dead worker's attempt. Look once such stragglers have landed, and before
        // the lease, renewed at most a third of it ago, can have run out (~0.67 s).
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        killed_holding = app.count(&holding).await;
        if killed_holding > 0 {
            break;
        }
    }
    assert!(killed_holding > 0, "no killed worker was holding a run");
    for run in &ids {
        let r = app.finished(erin, run).await;
        assert_eq!(r.state, RunState::Succeeded, "{r:?}");
        let usage: kiln_host::Usage = serde_json::from_value(r.usage.clone().unwrap()).unwrap();
        assert_eq!(usage.rows_read, 20_000);
    }
    survivor.abort();
    assert_eq!(app.count("SELECT COUNT(*) FROM runs WHERE state = 'succeeded'").await, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM runs").await, 200);
    // What the doomed worker held was claimed again, after its lease ran out.
    assert!(app.count("SELECT COUNT(*) FROM runs WHERE attempt > 1").await >= 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM runs WHERE output_sha256 IS NULL").await, 0);
}

async fn stale_attempt(app: TestApp) {
    use kiln_registry::store::runs;
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let erin = &app.enterprise;
    let enablement = good_enabled(&app, erin, 10).await;
    let run = id(&app.submit(erin, &enablement, "queued").await.expect(202).json());
    let store = &app.state.store;
    let first = runs::claim(store, "a", 0, 10, 3).await.unwrap().unwrap();
    assert_eq!((first.id.as_str(), first.attempt), (run.as_str(), 1));
    // A's lease (until t=10) ends; B claims the run at t=20.
    assert!(runs::claim(store, "b", 5, 100, 3).await.unwrap().is_none(), "a held lease was taken");
    let second = runs::claim(store, "b", 20, i64::MAX / 2, 3).await.unwrap().unwrap();
    assert_eq!(second.attempt, 2);
    // Both execute; A finishes last but its attempt is stale.
    let finish = app.state.runner.execute(&second).await;
    assert!(kiln_registry::runner::record_finish(store, &second, &finish, "b", 30).await.unwrap());
    assert!(
        !kiln_registry::runner::record_finish(store, &first, &finish, "a", 40).await.unwrap(),
        "a stale attempt recorded"
    );
    assert_eq!(runs::renew(store.pool(), &run, "a", 1, 50).await.unwrap(), runs::Renewal::Lost);
    let r = app.get(&format!("/v1/tenants/t1/runs/{run}"), &erin.token).await.expect(200).json();
    assert_eq!((r["state"].as_str(), r["finished_at"].as_i64()), (Some("succeeded"), Some(30)));
}

async fn quotas(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let erin = &app.enterprise;
    let enablement = good_enabled(&app, erin, 10).await;
    let set = |quotas: Value| {
        let app = &app;
        async move {
            app.call(Method::PATCH, "/v1/tenants/t1", Some(&app.operator.token), Some(json!({"quotas": quotas})))
                .await
                .expect(200);
        }
    };
    // Concurrent runs: two queued fill it.
    set(json!({"max_active_runs": 2, "cpu_ms_per_day": 3_600_000, "storage_bytes": 1_000_000})).await;
    app.submit(erin, &enablement, "queued").await.expect(202);
    app.submit(erin, &enablement, "queued").await.expect(202);
    let refused = app.submit(erin, &enablement, "sync").await;
    refused.problem(429, "quota-exceeded");
    assert!(refused.json()["detail"].as_str().unwrap().contains("2 runs queued or running"), "{}", refused.text());
    assert_eq!(app.count("SELECT COUNT(*) FROM runs").await, 2, "a refused run was recorded");
    // CPU per day: one run uses at least a millisecond.
    app.exec("UPDATE runs SET state = 'cancelled'").await;
    set(json!({"max_active_runs": 10, "cpu_ms_per_day": 1, "storage_bytes": 1_000_000})).await;
    app.submit(erin, &enablement, "sync").await.expect(200);
    app.submit(erin, &enablement, "sync").await.problem(429, "quota-exceeded");
    // Storage: an upload past it is refused and leaves nothing.
    set(json!({"max_active_runs": 10, "cpu_ms_per_day": 3_600_000, "storage_bytes": 2_000})).await;
    let rows = app.count("SELECT COUNT(*) FROM datasets").await;
    app.upload_csv(erin, "big", &readings(20_000)).await.problem(429, "quota-exceeded");
    assert_eq!(app.count("SELECT COUNT(*) FROM datasets").await, rows);
    let usage = app.get("/v1/tenants/t1/usage", &erin.token).await.expect(200).json();
    assert!(usage["cpu_ms_today"].as_i64().unwrap() >= 1 && usage["storage_bytes"].as_i64().unwrap() > 0, "{usage}");
}

async fn datasets(mut app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let erin = &app.enterprise.clone();
    let v1 = app.upload_csv(erin, "readings", "value,site\n1.5,a\n,b\n").await.expect(201).json();
    assert_eq!((v1["version"].as_i64(), v1["rows"].as_i64()), (Some(1), Some(2)));
    assert_eq!(
        v1["columns"],
        json!([{"name": "value", "type": "f64", "nullable": true}, {"name": "site", "type": "string", "nullable": true}])
    );
    let v2 = app.upload_csv(erin, "readings", "value,site\n7.0,c\n").await.expect(201).json();
    assert_eq!(v2["version"], 2);
    let versions = app.get("/v1/tenants/t1/datasets/readings", &erin.token).await.expect(200).json();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    let preview = app.get("/v1/tenants/t1/datasets/readings/preview?version=1", &erin.token).await.expect(200).json();
    assert_eq!(preview["rows"], json!([{"value": 1.5, "site": "a"}, {"value": null, "site": "b"}]));

    // Bad uploads are refused and leave no version and no audit entry.
    let (rows, audit) = (app.count("SELECT COUNT(*) FROM datasets").await, app.audit_rows().await);
    app.upload_csv(erin, "readings", "a,b\n1,2\n3\n").await.problem(422, "invalid-data");
    app.upload_csv(erin, "monthly_indicators", "enterprise_id,month\nt1,2025-01\n").await.problem(422, "invalid-data");
    app.upload_csv(erin, "Bad-Name", "a\n1\n").await.problem(422, "invalid-name");
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/v1/tenants/t1/datasets/readings")
        .header("authorization", format!("Bearer {}", erin.token))
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    app.send(req).await.problem(415, "unsupported-format");
    let cap = app.state.limits.max_dataset_bytes;
    app.state.limits.max_dataset_bytes = 100;
    app.router = kiln_registry::routes::router(app.state.clone());
    app.upload_csv(erin, "readings", &readings(100)).await.problem(413, "too-large");
    app.state.limits.max_dataset_bytes = cap;
    app.router = kiln_registry::routes::router(app.state.clone());
    assert_eq!(app.count("SELECT COUNT(*) FROM datasets").await, rows);
    assert_eq!(app.audit_rows().await, audit);

    // Deleting is refused while a queued run reads it, allowed once the run is cancelled.
    let enablement = app.enable(erin, "good", json!({})).await;
    let run = id(&app.submit(erin, &enablement, "queued").await.expect(202).json());
    app.delete("/v1/tenants/t1/datasets/readings", &erin.token).await.problem(409, "in-use");
    app.post_empty(&format!("/v1/tenants/t1/runs/{run}/cancel"), &erin.token).await.expect(202);
    app.delete("/v1/tenants/t1/datasets/readings", &erin.token).await.expect(204);
    app.get("/v1/tenants/t1/datasets/readings", &erin.token).await.problem(404, "not-found");
    // The enablement's grant now names a missing dataset: a run says so.
    app.submit(erin, &enablement, "sync").await.problem(422, "invalid-grant");
}

async fn enablement_checks(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let erin = &app.enterprise;
    app.upload_csv(erin, "readings", &readings(3)).await.expect(201);
    let post = |body: Value| app.post("/v1/tenants/t1/enablements", &erin.token, body);
    let base = json!({"namespace": "acme", "plugin": "good"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    post(with("params", json!({"scale": "big"}))).await.problem(422, "invalid-params");
    post(with("params", json!({"nonsense": 1}))).await.problem(422, "invalid-params");
    post(with("grants", json!([{"dataset": "readings", "columns": ["secret"]}]))).await.problem(422, "invalid-grant");
    post(with("grants", json!([{"dataset": "payroll", "columns": []}]))).await.problem(422, "invalid-grant");
    post(with("limits", json!({"timeout_ms": 10_000_000}))).await.problem(422, "limit-too-high");
    post(with("requirement", json!("^9"))).await.problem(404, "no-matching-version");
    post(json!({"namespace": "acme", "plugin": "missing"})).await.problem(404, "no-matching-version");
    assert_eq!(app.count("SELECT COUNT(*) FROM enablements").await, 0);

    // A grant of fewer columns than the plugin reads: the run fails as ungranted, reading nothing.
    let id = app.enable(erin, "good", json!({"grants": [{"dataset": "readings", "columns": []}]})).await;
    let run = app.submit(erin, &id, "sync").await.expect(200).json();
    assert_eq!((run["state"].as_str(), run["error_kind"].as_str()), (Some("failed"), Some("ungranted")), "{run}");
    app.get(&format!("/v1/tenants/t1/runs/{}/result", run["id"].as_str().unwrap()), &erin.token)
        .await
        .problem(409, "run-not-finished");
    // Limits below the cap hold: a 1-row limit stops a 3-row read.
    let id = app.enable(erin, "good", json!({"limits": {"rows": 1}})).await;
    let run = app.submit(erin, &id, "sync").await.expect(200).json();
    assert_eq!(run["error_kind"], "rows", "{run}");
    // Disabled enablements do not run; a PATCH turns them on again.
    app.delete(&format!("/v1/tenants/t1/enablements/{id}"), &erin.token).await.expect(200);
    app.submit(erin, &id, "sync").await.problem(409, "not-runnable");
    let patched = app
        .call(
            Method::PATCH,
            &format!("/v1/tenants/t1/enablements/{id}"),
            Some(&erin.token),
            Some(json!({"limits": {}})),
        )
        .await;
    assert_eq!(patched.expect(200).json()["status"], "active");
    assert_eq!(app.submit(erin, &id, "sync").await.expect(200).json()["state"], "succeeded");
}

async fn takedown_suspends(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let erin = &app.enterprise;
    let id = good_enabled(&app, erin, 3).await;
    let body = json!({"reason": "exfiltrates data"});
    app.post("/v1/plugins/acme/good/versions/0.1.0/takedown", &app.operator.token, body).await.expect(200);
    let e = app.get(&format!("/v1/tenants/t1/enablements/{id}"), &erin.token).await.expect(200).json();
    assert_eq!(e["status"], "suspended");
    assert!(e["status_reason"].as_str().unwrap().contains("exfiltrates data"), "{e}");
    app.submit(erin, &id, "queued").await.problem(409, "not-runnable");
    // It cannot be re-activated onto the taken-down version.
    let patch =
        app.call(Method::PATCH, &format!("/v1/tenants/t1/enablements/{id}"), Some(&erin.token), Some(json!({}))).await;
    patch.problem(404, "no-matching-version");
}

async fn cancel(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::HOSTILE)).await;
    let erin = &app.enterprise;
    app.upload_csv(erin, "readings", &readings(1)).await.expect(201);
    let spin = app.enable(erin, "hostile", json!({"params": {"attack": "spin"}, "grants": []})).await;
    // Queued: cancelled at once, and a second cancel conflicts.
    let queued = id(&app.submit(erin, &spin, "queued").await.expect(202).json());
    let r = app.post_empty(&format!("/v1/tenants/t1/runs/{queued}/cancel"), &erin.token).await.expect(202).json();
    assert_eq!(r["state"], "cancelled");
    app.post_empty(&format!("/v1/tenants/t1/runs/{queued}/cancel"), &erin.token).await.problem(409, "conflict");
    // Running: the worker stops it at its next lease renewal.
    let running = id(&app.submit(erin, &spin, "queued").await.expect(202).json());
    let worker = app.worker("w", 300);
    for _ in 0..500 {
        let r = app.get(&format!("/v1/tenants/t1/runs/{running}"), &erin.token).await.expect(200).json();
        if r["state"] == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    app.post_empty(&format!("/v1/tenants/t1/runs/{running}/cancel"), &erin.token).await.expect(202);
    let r = app.finished(erin, &running).await;
    worker.abort();
    assert_eq!(r.state, RunState::Cancelled, "{r:?}");
}

/// Reports `output` for `month` from the tenant of `admin`.
async fn report(app: &TestApp, admin: &Actor, output: f64) {
    let tenant = admin.tenant.as_deref().unwrap();
    let csv = format!(
        "enterprise_id,month,output_value,energy_tce,electricity_kwh,employees\n{tenant},2025-06,{output},1.0,100,10\n"
    );
    app.upload_csv(admin, "monthly_indicators", &csv).await.expect(201);
}

async fn suppression(app: TestApp) {
    // District d9: park big (5 firms), park mid (4 firms), park tiny (2 firms); one more firm
    // in park mid opted out.
    let mut truth: HashMap<&str, f64> = HashMap::new();
    let mut n = 0;
    for (park, firms) in [("big", 5), ("mid", 4), ("tiny", 2)] {
        for _ in 0..firms {
            n += 1;
            let id = format!("s{n}");
            let body =
                json!({"id": id, "name": id, "district": "d9", "park": park, "industry": "C39", "size_class": "micro"});
            app.post("/v1/tenants", &app.operator.token, body).await.expect(201);
            let admin =
                app.token(&format!("{id}-admin"), kiln_registry::auth::Role::EnterpriseAdmin, Some(&id), &[]).await;
            let output = 100.0 * n as f64;
            *truth.entry(park).or_default() += output;
            report(&app, &admin, output).await;
        }
    }
    let body = json!({"id": "optout", "name": "o", "district": "d9", "park": "mid", "industry": "C39", "size_class": "micro", "opted_in": false});
    app.post("/v1/tenants", &app.operator.token, body).await.expect(201);
    let admin = app.token("optout-admin", kiln_registry::auth::Role::EnterpriseAdmin, Some("optout"), &[]).await;
    report(&app, &admin, 1e9).await;

    let rollup = |level: &str| {
        let app = &app;
        let path = format!("/v1/monitoring/rollup?month=2025-06&level={level}&district=d9");
        async move { app.get(&path, &app.operator.token).await.expect(200).json() }
    };
    let district = rollup("district").await;
    let parks = rollup("park").await;
    let d = &district["cells"][0];
    assert_eq!(d["enterprises"], 11, "the opted-out firm is not counted: {d}");
    let total = d["indicators"]["output_value"].as_f64().unwrap();
    assert_eq!(total, truth.values().sum::<f64>());
    let cells: HashMap<&str, &Value> =
        parks["cells"].as_array().unwrap().iter().map(|c| (c["park"].as_str().unwrap(), c)).collect();
    assert_eq!(cells["tiny"]["suppressed"], "primary");
    assert!(cells["tiny"]["indicators"].is_null());
    // The differencing attack: district total − published parks must not give the tiny park.
    let published: f64 = cells.values().filter_map(|c| c["indicators"]["output_value"].as_f64()).sum();
    assert_ne!(total - published, truth["tiny"], "tiny park recovered by subtraction: {parks}");
    let hidden: Vec<&&str> = cells.iter().filter(|(_, c)| c["indicators"].is_null()).map(|(p, _)| p).collect();
    assert!(hidden.len() >= 2, "only {hidden:?} hidden: {parks}");
    // Industry and enterprise cells below the hidden parks stay hidden too.
    for level in ["industry", "enterprise"] {
        for c in rollup(level).await["cells"].as_array().unwrap() {
            if hidden.iter().any(|p| c["park"] == ***p) || level == "enterprise" {
                assert!(c["indicators"].is_null(), "{level} cell below a hidden park is published: {c}");
            }
        }
    }
    // Only operators see rollups.
    app.get("/v1/monitoring/rollup?month=2025-06", &app.enterprise.token).await.problem(403, "forbidden");
}
