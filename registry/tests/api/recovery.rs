//! Crashes leave nothing behind: scratch files of a killed process are removed at start, and
//! the server ends sync runs whose API process died instead of letting them hold a quota slot.

use serde_json::json;

use crate::common::TestApp;
use crate::quotas::{publish_good, set_quotas};

crate::both! {
    start_up_removes_the_scratch_files_of_a_crashed_process => scratch_leftovers;
    the_server_recovers_sync_runs_orphaned_by_a_crash => orphaned_sync_run;
}

async fn scratch_leftovers(app: TestApp) {
    // A data directory a killed process left mid-upload and mid-cache-write.
    let data = tempfile::tempdir().unwrap();
    let leftovers = [
        data.path().join("tmp/.tmpK1ll3d/upload"),
        data.path().join("tmp/.tmpK1ll3d/data.parquet"),
        data.path().join("cache/.0123abcd.999.0.tmp"),
        data.path().join("cache/datasets/.0123abcd.feedfacecafebeef"),
    ];
    let kept = data.path().join("cache/datasets/0123abcd");
    for f in leftovers.iter().chain([&kept]) {
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, vec![7u8; 4096]).unwrap();
    }
    let config = kiln_registry::ServeConfig {
        data_dir: data.path().to_path_buf(),
        db: Some(app.db_url.clone()),
        blobs: Some(data.path().join("blobs").display().to_string()),
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        scheduler: Default::default(),
        tls: None,
        behind_https_proxy: false,
    };
    let state = kiln_registry::state(&config).await.unwrap();
    for f in &leftovers {
        assert!(!f.exists(), "{} survived the restart", f.display());
    }
    assert!(kept.exists(), "a finished cache entry was removed");
    assert!(!data.path().join("tmp/.tmpK1ll3d").exists());
    // While that process lives, a second one on the same directory removes nothing of it.
    let live = data.path().join("tmp/.tmpLive/upload");
    std::fs::create_dir_all(live.parent().unwrap()).unwrap();
    std::fs::write(&live, b"in flight").unwrap();
    let _second = kiln_registry::state(&config).await.unwrap();
    assert!(live.exists(), "a live process's upload was removed");
    drop(state);
}

async fn orphaned_sync_run(app: TestApp) {
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    set_quotas(&app, json!({"max_active_runs": 1, "cpu_ms_per_day": 3_600_000, "storage_bytes": 1_000_000})).await;
    // A sync run whose API process was killed: running, its lease run out, no worker around.
    let run = app.submit(erin, &enablement, "queued").await.expect(202).json();
    let id = run["id"].as_str().unwrap();
    app.exec(&format!(
        "UPDATE runs SET mode = 'sync', state = 'running', attempt = 1, lease_owner = 'api-dead', lease_until = 1 \
         WHERE id = '{id}'"
    ))
    .await;
    app.submit(erin, &enablement, "queued").await.problem(429, "quota-exceeded");
    let recovered = kiln_registry::recover_runs(&app.state.store, kiln_registry::store::now_ms()).await.unwrap();
    assert_eq!(recovered, 1);
    let r = app.get(&format!("/v1/tenants/t1/runs/{id}"), &erin.token).await.expect(200).json();
    assert_eq!((r["state"].as_str(), r["error_kind"].as_str()), (Some("failed"), Some("lost")), "{r}");
    let next = app.submit(erin, &enablement, "sync").await.expect(200).json();
    assert_eq!(next["state"], "succeeded", "{next}");
    assert_eq!(kiln_registry::recover_runs(&app.state.store, kiln_registry::store::now_ms()).await.unwrap(), 0);
}
