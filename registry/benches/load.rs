//! A bounded load test of the run and monitoring endpoints over loopback HTTP: a real server
//! on 127.0.0.1 with the embedded defaults (SQLite + local blobs), a fixed number of requests
//! from a fixed number of concurrent clients, and latency percentiles per endpoint.
//!
//! `cargo bench -p kiln-registry --bench load` (add `-- --tenants N --requests N --clients N`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiln_registry::auth::Role;
use kiln_registry::manifest::{Manifest, sign};
use kiln_registry::routes::tokens::{CreateToken, issue};
use serde_json::{Value, json};

struct Options {
    tenants: usize,
    months: usize,
    requests: usize,
    clients: usize,
}

fn options() -> Options {
    let mut o = Options { tenants: 2000, months: 24, requests: 400, clients: 8 };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        let value = pair[1].parse().ok();
        match (pair[0].as_str(), value) {
            ("--tenants", Some(v)) => o.tenants = v,
            ("--months", Some(v)) => o.months = v,
            ("--requests", Some(v)) => o.requests = v,
            ("--clients", Some(v)) => o.clients = v,
            _ => {}
        }
    }
    o
}

fn main() -> anyhow::Result<()> {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(load(o))
}

async fn token(
    state: &kiln_registry::state::AppState,
    name: &str,
    role: Role,
    tenant: Option<&str>,
) -> anyhow::Result<String> {
    let request = CreateToken {
        principal: name.into(),
        role,
        tenant: tenant.map(String::from),
        scopes: vec![],
        expires_in_days: None,
    };
    Ok(issue(&state.store, "bench", request, None).await.map_err(|e| anyhow::anyhow!("{e}"))?.token)
}

/// Uploads `csv` as a dataset version at `url`.
async fn upload_csv(http: reqwest::Client, url: String, token: String, csv: String) -> anyhow::Result<()> {
    http.post(url).bearer_auth(token).header("content-type", "text/csv").body(csv).send().await?.error_for_status()?;
    Ok(())
}

async fn load(o: Options) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = kiln_registry::ServeConfig {
        data_dir: dir.path().to_path_buf(),
        db: None,
        blobs: None,
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        scheduler: Default::default(),
        tls: None,
        behind_https_proxy: false,
    };
    let state = kiln_registry::state(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(axum::serve(listener, kiln_registry::routes::router(state.clone())).into_future());
    let http = reqwest::Client::new();
    let op = token(&state, "olga", Role::Operator, None).await?;
    let maker = token(&state, "maria", Role::Maker, None).await?;
    let call = {
        let (http, base) = (http.clone(), base.clone());
        move |method: reqwest::Method, path: String, token: String, body: Option<Value>| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                let mut req = http.request(method, format!("{base}{path}")).bearer_auth(token);
                if let Some(body) = body {
                    req = req.json(&body);
                }
                let resp = req.send().await?;
                let status = resp.status();
                let text = resp.text().await?;
                anyhow::ensure!(status.is_success(), "{path}: {status} {text}");
                Ok::<Value, anyhow::Error>(serde_json::from_str(&text).unwrap_or(Value::Null))
            }
        }
    };

    // A plugin, approved.
    call(reqwest::Method::POST, "/v1/namespaces".into(), maker.clone(), Some(json!({"name": "acme"}))).await?;
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let public = hex::encode(key.verifying_key().to_bytes());
    let key_id = call(reqwest::Method::POST, "/v1/keys".into(), maker.clone(), Some(json!({"public_key": public})))
        .await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let bytes = std::fs::read(kiln_test_guests::GOOD)?;
    let info = state.host.load(&bytes).await?.info().clone();
    let manifest = Manifest::from_describe("acme", &info, "Apache-2.0", None, vec![]);
    let body = json!({"manifest": manifest, "signature": sign(&key, &kiln_host::sha256_hex(&bytes), &manifest),
                      "key_id": key_id, "component": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes)});
    call(reqwest::Method::POST, "/v1/plugins/acme/good/versions".into(), maker.clone(), Some(body)).await?;
    call(reqwest::Method::POST, "/v1/plugins/acme/good/versions/0.1.0/approve".into(), op.clone(), None).await?;

    // Tenants with monthly reports, across 13 districts and 4 parks each.
    let setup = Instant::now();
    let tenants: Vec<Value> = (0..o.tenants)
        .map(|i| {
            json!({"id": format!("e{i:05}"), "name": format!("E{i}"), "district": format!("d{}", i % 13),
                   "park": format!("p{}", i % 4), "industry": format!("C{}", 30 + i % 9), "size_class": "small"})
        })
        .collect();
    call(reqwest::Method::POST, "/v1/tenants/import".into(), op.clone(), Some(json!({"tenants": tenants}))).await?;
    let mut uploads = Vec::new();
    for i in 0..o.tenants {
        let id = format!("e{i:05}");
        let admin = token(&state, &format!("{id}-admin"), Role::EnterpriseAdmin, Some(&id)).await?;
        let mut csv = String::from("enterprise_id,month,output_value,energy_tce,electricity_kwh,employees\n");
        for m in 0..o.months {
            let output = 1000.0 + (i * 37 % 500) as f64 + m as f64 * 3.0;
            csv.push_str(&format!(
                "{id},{}-{:02},{output},{},{},{}\n",
                2024 + m / 12,
                m % 12 + 1,
                output * 0.1,
                output * 50.0,
                20 + i % 300
            ));
        }
        let url = format!("{base}/v1/tenants/{id}/datasets/monthly_indicators");
        uploads.push(tokio::spawn(upload_csv(http.clone(), url, admin, csv)));
        if uploads.len() >= 8 {
            for u in uploads.drain(..) {
                u.await??;
            }
        }
    }
    for u in uploads {
        u.await??;
    }
    println!(
        "setup: {} tenants × {} months of reports uploaded in {:.1} s",
        o.tenants,
        o.months,
        setup.elapsed().as_secs_f64()
    );

    // One tenant runs the plugin on 10,000 rows.
    let admin = token(&state, "bench-admin", Role::EnterpriseAdmin, Some("e00000")).await?;
    let mut csv = String::from("value\n");
    for i in 0..10_000 {
        csv.push_str(&format!("{i}.5\n"));
    }
    upload_csv(http.clone(), format!("{base}/v1/tenants/e00000/datasets/readings"), admin.clone(), csv).await?;
    let enablement = call(
        reqwest::Method::POST,
        "/v1/tenants/e00000/enablements".into(),
        admin.clone(),
        Some(json!({"namespace": "acme", "plugin": "good"})),
    )
    .await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    call(
        reqwest::Method::PATCH,
        "/v1/tenants/e00000".into(),
        op.clone(),
        Some(json!({"quotas": {"max_active_runs": 100000, "cpu_ms_per_day": 100000000, "storage_bytes": 1000000000}})),
    )
    .await?;

    println!("\n{:<44} {:>8} {:>10} {:>9} {:>9} {:>9}", "endpoint", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms");
    let runs = format!("/v1/tenants/e00000/enablements/{enablement}/runs");
    let cases: Vec<(&str, reqwest::Method, String, String, Option<Value>)> = vec![
        (
            "POST runs, sync (10k rows, good)",
            reqwest::Method::POST,
            runs.clone(),
            admin.clone(),
            Some(json!({"mode": "sync"})),
        ),
        ("POST runs, queued", reqwest::Method::POST, runs.clone(), admin.clone(), Some(json!({"mode": "queued"}))),
        ("GET run record", reqwest::Method::GET, String::new(), admin.clone(), None),
        (
            "GET rollup, district level",
            reqwest::Method::GET,
            "/v1/monitoring/rollup?level=district".into(),
            op.clone(),
            None,
        ),
        (
            "GET rollup, industry level in a district",
            reqwest::Method::GET,
            "/v1/monitoring/rollup?level=industry&district=d3".into(),
            op.clone(),
            None,
        ),
    ];
    let mut last_run = String::new();
    for (name, method, path, token, body) in cases {
        let path = if path.is_empty() { format!("/v1/tenants/e00000/runs/{last_run}") } else { path };
        let started = Instant::now();
        let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(o.requests)));
        let mut clients = Vec::new();
        for c in 0..o.clients {
            let share = o.requests / o.clients + usize::from(c < o.requests % o.clients);
            let (call, latencies) = (call.clone(), latencies.clone());
            let (method, path, token, body) = (method.clone(), path.clone(), token.clone(), body.clone());
            clients.push(tokio::spawn(async move {
                let mut last = Value::Null;
                for _ in 0..share {
                    let t = Instant::now();
                    last = call(method.clone(), path.clone(), token.clone(), body.clone()).await?;
                    latencies.lock().unwrap_or_else(|p| p.into_inner()).push(t.elapsed());
                }
                Ok::<Value, anyhow::Error>(last)
            }));
        }
        for c in clients {
            let last = c.await??;
            if let Some(id) = last["id"].as_str() {
                last_run = id.to_string();
            }
        }
        let elapsed = started.elapsed();
        let mut l = latencies.lock().unwrap_or_else(|p| p.into_inner()).clone();
        l.sort();
        let pct = |p: f64| {
            l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
                .copied()
                .unwrap_or(Duration::ZERO)
                .as_secs_f64()
                * 1000.0
        };
        println!(
            "{name:<44} {:>8} {:>10.0} {:>9.2} {:>9.2} {:>9.2}",
            l.len(),
            l.len() as f64 / elapsed.as_secs_f64(),
            pct(0.5),
            pct(0.9),
            pct(0.99)
        );
    }

    // The queued runs, drained by one worker of concurrency 2.
    let queued = o.requests;
    let drain = Instant::now();
    let worker =
        kiln_registry::worker::WorkerConfig { concurrency: 2, poll: Duration::from_millis(5), ..Default::default() };
    let (store, runner) = (state.store.clone(), state.runner.clone());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(kiln_registry::worker::work(store, runner, worker, async move {
        let _ = stop_rx.await;
    }));
    loop {
        let left =
            call(reqwest::Method::GET, "/v1/tenants/e00000/runs?state=queued&per_page=1".into(), admin.clone(), None)
                .await?["total"]
                .as_i64()
                .unwrap_or(0);
        let running =
            call(reqwest::Method::GET, "/v1/tenants/e00000/runs?state=running&per_page=1".into(), admin.clone(), None)
                .await?["total"]
                .as_i64()
                .unwrap_or(0);
        if left + running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(());
    let stats = handle.await??;
    println!(
        "{:<44} {:>8} {:>10.0}   (worker: {} claimed, {} recorded)",
        "queued runs drained by 1 worker × 2",
        queued,
        queued as f64 / drain.elapsed().as_secs_f64(),
        stats.claimed,
        stats.recorded
    );
    Ok(())
}
