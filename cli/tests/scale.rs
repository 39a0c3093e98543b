//! Many processes, one truth: two `kiln serve` and three `kiln worker` processes on one
//! PostgreSQL database and one S3 endpoint (moto). Clients spread 500 queued runs across both
//! servers while one worker and one server are killed with SIGKILL; afterwards every run is
//! recorded exactly once, none is lost, the audit chain verifies, and both servers give the same
//! rollup. Then SIGTERM stops a worker and a server gracefully, the server only after finishing
//! the synchronous run it was executing.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use support::cluster::{Backend, Cluster, all_runs, wait_until};
use support::kiln;

const RUNS: usize = 500;
const CLIENTS: usize = 4;

#[test]
fn two_servers_and_three_workers_on_postgres_and_s3_lose_no_run_and_agree() {
    let mut cluster = Cluster::new(Backend::PostgresS3);
    cluster.serve("a");
    cluster.serve("b");
    let setup = cluster.setup();
    for name in ["w1", "w2", "w3"] {
        cluster.work(name);
    }
    let (a, b) = (cluster.url("a"), cluster.url("b"));

    // Clients alternate between the servers; a client whose server is gone moves to the other.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let submitted = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (ent, acknowledged, submitted) = (setup.enterprise.clone(), acknowledged.clone(), submitted.clone());
            let (servers, enablement) = ([a.clone(), b.clone()], setup.enablement.clone());
            std::thread::spawn(move || {
                for i in (client..RUNS).step_by(CLIENTS) {
                    let mut server = i % 2;
                    let run = loop {
                        let url = format!("{}/v1/tenants/xian-steel/enablements/{enablement}/runs", servers[server]);
                        match ent.send(ent.client.post(&url).json(&json!({"mode": "queued"}))) {
                            Ok((202, run)) => break run,
                            Ok((status, body)) => panic!("submission {i} refused: {status} {body}"),
                            // The server died under the request: whether it recorded the run is
                            // unknown to this client, which submits again elsewhere.
                            Err(_) => server = 1 - server,
                        }
                    };
                    acknowledged.lock().unwrap().push(run["id"].as_str().unwrap().to_string());
                    submitted.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();

    // Halfway through, a worker and a server die without warning.
    wait_until(Duration::from_secs(300), || submitted.load(Ordering::SeqCst) >= RUNS / 2);
    cluster.workers["w1"].signal("KILL");
    cluster.server("b").signal("KILL");
    for client in clients {
        client.join().unwrap();
    }
    cluster.workers.get_mut("w1").unwrap().wait(Duration::from_secs(10));
    cluster.server("b").wait(Duration::from_secs(10));
    cluster.serve("b");

    // Everything drains: no run is left queued or running.
    let runs_url = format!("{a}/v1/tenants/xian-steel/runs");
    let ent = &setup.enterprise;
    wait_until(Duration::from_secs(300), || {
        ["queued", "running"].iter().all(|state| ent.get(&format!("{runs_url}?state={state}"))["total"] == 0)
    });
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert_eq!(acknowledged.len(), RUNS);
    let recorded = all_runs(ent, &runs_url);
    // Each acknowledged run exists once and succeeded; the only others are submissions whose
    // answer died with server b (at most one per client), and they finished too.
    for id in &acknowledged {
        assert_eq!(recorded[id]["state"], "succeeded", "{}", recorded[id]);
    }
    assert!((RUNS..=RUNS + CLIENTS).contains(&recorded.len()), "{} runs recorded", recorded.len());
    assert!(recorded.values().all(|run| run["state"] == "succeeded"), "a run did not succeed");
    // Exactly once: each run's result was recorded by one worker, once, across all the logs —
    // also the runs that ran twice, where w1 died holding them or a worker on a busy machine
    // renewed its lease too late and another took over.
    let mut recorded_by: HashMap<String, usize> = HashMap::new();
    for name in ["w1", "w2", "w3"] {
        for line in cluster.workers[name].log().lines().filter(|l| l.contains(" recorded run=")) {
            let id = line.split("run=").nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap();
            *recorded_by.entry(id.to_string()).or_default() += 1;
        }
    }
    // w1 may die between committing a result and writing its log line: at most that one run is
    // recorded without a line.
    let unlogged = recorded.keys().filter(|id| !recorded_by.contains_key(*id)).count();
    assert!(unlogged <= 1, "{unlogged} recorded runs are in no worker's log");
    assert!(recorded_by.keys().all(|id| recorded.contains_key(id)), "a worker logged a run that is not recorded");
    assert!(recorded_by.values().all(|&n| n == 1), "a result was recorded twice");

    // One truth from either server: the audit chain verifies and the rollups agree.
    let verified = support::text_ok(kiln(&a, None).args(["audit", "verify", "--db", &cluster.db]));
    assert!(verified.starts_with("audit chain intact: "), "{verified}");
    let rollup = |server: &str| setup.operator.get(&format!("{server}/v1/monitoring/rollup?level=park"));
    let from_a = rollup(&a);
    assert!(from_a["cells"].as_array().is_some_and(|c| !c.is_empty()), "{from_a}");
    assert_eq!(from_a, rollup(&cluster.url("b")));

    // SIGTERM: an idle worker stops at once and says what it did.
    let w2 = cluster.workers.get_mut("w2").unwrap();
    w2.signal("TERM");
    assert!(w2.wait(Duration::from_secs(30)).success(), "{}", w2.log());
    assert!(w2.log().contains("kiln worker stopped: "), "{}", w2.log());

    // SIGTERM on a server executing a synchronous run: the run finishes and is answered, then
    // the server exits cleanly.
    let sync_url = format!("{a}/v1/tenants/xian-steel/enablements/{}/runs", setup.spin);
    let client = setup.enterprise.clone();
    let sync = std::thread::spawn(move || client.send(client.client.post(&sync_url).json(&json!({"mode": "sync"}))));
    wait_until(Duration::from_secs(30), || ent.get(&format!("{runs_url}?state=running"))["total"] == 1);
    cluster.server("a").signal("TERM");
    let (status, run) = sync.join().unwrap().expect("the sync run is answered");
    assert_eq!(
        (status, run["state"].as_str(), run["error_kind"].as_str()),
        (200, Some("failed"), Some("timeout")),
        "{run}"
    );
    let server_a = cluster.server("a");
    assert!(server_a.wait(Duration::from_secs(30)).success(), "{}", server_a.log());
}
