//! Loopback load on a whole deployment: two `kiln serve` and three `kiln worker` processes (the
//! release binary), on PostgreSQL + S3 (moto) and on the embedded SQLite file + a local blob
//! directory, measured in one run:
//!
//! * submissions per second: 2,000 queued runs from 8 clients spread over both servers, no
//!   worker running (the write path alone: admission, quota, audit);
//! * runs drained per second: three workers (two runs at a time each) emptying that queue;
//! * rollup latency, p50 and p99: 400 park-level rollups from 4 clients over both servers.
//!
//! `cargo bench -p kiln --bench cluster` (needs PostgreSQL at 127.0.0.1:5432 and PyPI for moto
//! once). Figures, not checks: nothing here asserts a time.
#![allow(clippy::unwrap_used, reason = "a bench")]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::cluster::{Backend, Cluster, wait_until};

const SUBMISSIONS: usize = 2_000;
const CLIENTS: usize = 8;
const ROLLUPS: usize = 400;

/// What one deployment measured.
struct Figures {
    submissions_per_s: f64,
    drained_per_s: f64,
    rollup_p50_ms: f64,
    rollup_p99_ms: f64,
}

fn main() {
    let rows: Vec<(&str, Figures)> =
        [(Backend::PostgresS3, "PostgreSQL + S3 (moto)"), (Backend::Sqlite, "SQLite + local files")]
            .into_iter()
            .map(|(backend, name)| (name, measure(backend)))
            .collect();
    println!("\n| 2 servers, 3 workers, loopback | submissions/s | runs drained/s | rollup p50 | rollup p99 |");
    println!("|---|---|---|---|---|");
    for (name, f) in rows {
        println!(
            "| {name} | {:.0} | {:.0} | {:.1} ms | {:.1} ms |",
            f.submissions_per_s, f.drained_per_s, f.rollup_p50_ms, f.rollup_p99_ms
        );
    }
}

fn measure(backend: Backend) -> Figures {
    let mut cluster = Cluster::new(backend);
    cluster.serve("a");
    cluster.serve("b");
    let setup = cluster.setup();
    let servers = [cluster.url("a"), cluster.url("b")];

    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (ent, servers, enablement) = (setup.enterprise.clone(), servers.clone(), setup.enablement.clone());
            std::thread::spawn(move || {
                for i in (client..SUBMISSIONS).step_by(CLIENTS) {
                    let url = format!("{}/v1/tenants/xian-steel/enablements/{enablement}/runs", servers[i % 2]);
                    let (status, body) = ent.send(ent.client.post(&url).json(&json!({"mode": "queued"}))).unwrap();
                    assert_eq!(status, 202, "{body}");
                }
            })
        })
        .collect();
    clients.into_iter().for_each(|c| c.join().unwrap());
    let submissions_per_s = SUBMISSIONS as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    for name in ["w1", "w2", "w3"] {
        cluster.work(name);
    }
    let runs = format!("{}/v1/tenants/xian-steel/runs", servers[0]);
    let left =
        |state: &str| setup.enterprise.get(&format!("{runs}?state={state}&per_page=1"))["total"].as_u64().unwrap();
    wait_until(Duration::from_secs(1800), || left("queued") + left("running") == 0);
    let drained_per_s = SUBMISSIONS as f64 / started.elapsed().as_secs_f64();
    assert_eq!(left("succeeded"), SUBMISSIONS as u64, "every run succeeded");

    let clients: Vec<_> = (0..4)
        .map(|client| {
            let (op, servers) = (setup.operator.clone(), servers.clone());
            std::thread::spawn(move || {
                (client..ROLLUPS)
                    .step_by(4)
                    .map(|i| {
                        let asked = Instant::now();
                        op.get(&format!("{}/v1/monitoring/rollup?level=park", servers[i % 2]));
                        asked.elapsed().as_secs_f64() * 1e3
                    })
                    .collect::<Vec<f64>>()
            })
        })
        .collect();
    let mut latencies: Vec<f64> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Figures { submissions_per_s, drained_per_s, rollup_p50_ms: at(0.50), rollup_p99_ms: at(0.99) }
}
