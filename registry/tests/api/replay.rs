//! Reproducible runs: replays re-execute a finished run on what it pinned and say `identical`
//! or where the outputs first differ; purges and tampering are named; provenance is chained;
//! bundles go to the tenant and to makers it shared a run with, and to no one else.

use std::io::Read as _;

use axum::http::Method;
use kiln_registry::bundle;
use kiln_registry::provenance::Pinned;
use kiln_registry::store::runs::{RunRecord, RunState, Verdict};
use serde_json::{Value, json};

use crate::common::{Actor, TestApp};
use crate::quotas::{publish_good, readings, set_quotas};

crate::both! {
    every_example_plugins_runs_on_generated_data_replay_identically => examples;
    a_guest_reading_clocks_and_random_numbers_replays_identically => entropy;
    a_python_guest_replays_identically_online_and_from_its_bundle_offline => entropy_python;
    a_javascript_guest_replays_identically_online_and_from_its_bundle_offline => entropy_javascript;
    a_replay_that_computes_something_else_names_the_first_difference => different;
    a_tampered_dataset_blob_makes_the_replay_report_the_mismatch => tampered;
    a_purged_dataset_is_named_by_the_replay_and_shared_bytes_survive => purged;
    replays_are_runs_of_their_own_under_the_tenants_quotas => quotas;
    each_finished_run_chains_its_provenance_into_the_audit_log => provenance;
    a_bundle_goes_to_its_tenant_and_to_makers_it_was_shared_with_only => bundle_access;
}

fn id(r: &Value) -> String {
    r["id"].as_str().unwrap().to_string()
}

/// Replays run `id` of `admin`'s tenant in `mode` and waits for the replay to finish.
async fn replay(app: &TestApp, admin: &Actor, run: &str, mode: &str) -> RunRecord {
    let tenant = admin.tenant.as_deref().unwrap();
    let resp = app.post(&format!("/v1/tenants/{tenant}/runs/{run}/replay"), &admin.token, json!({"mode": mode})).await;
    let status = if mode == "sync" { 200 } else { 202 };
    let replay: RunRecord = resp.expect(status).read();
    assert_eq!(replay.replay_of.as_deref(), Some(run));
    app.finished(admin, &replay.id).await
}

async fn sync_run(app: &TestApp, admin: &Actor, enablement: &str) -> RunRecord {
    let run: RunRecord = app.submit(admin, enablement, "sync").await.expect(200).read();
    assert_eq!(run.state, RunState::Succeeded, "{run:?}");
    run
}

async fn examples(app: TestApp) {
    let erin = &app.enterprise;
    let data = tempfile::tempdir().unwrap();
    let options = kiln_datagen::Options { seed: 11, enterprises: 30, months: 13 };
    kiln_datagen::write_parquet(data.path(), &options, &mut |_, _, _| {}).unwrap();
    for file in std::fs::read_dir(data.path()).unwrap() {
        let path = file.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let req = axum::http::Request::post(format!("/v1/tenants/t1/datasets/{name}"))
            .header("authorization", format!("Bearer {}", erin.token))
            .header("content-type", "application/vnd.apache.parquet")
            .body(axum::body::Body::from(std::fs::read(&path).unwrap()))
            .unwrap();
        app.send(req).await.expect(201);
    }
    let worker = app.worker("w1", 5_000);
    let mut originals = Vec::new();
    for (wasm, plugin) in [
        (kiln_test_guests::ENERGY_INTENSITY, "energy-intensity"),
        (kiln_test_guests::OEE, "oee"),
        (kiln_test_guests::ANOMALY, "anomaly"),
        (kiln_test_guests::OUTPUT_GROWTH, "output-growth"),
    ] {
        app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(wasm)).await;
        let enablement = app.enable(erin, plugin, json!({})).await;
        originals.push(sync_run(&app, erin, &enablement).await);
        for _ in 0..2 {
            let queued = id(&app.submit(erin, &enablement, "queued").await.expect(202).json());
            originals.push(app.finished(erin, &queued).await);
        }
    }
    for (i, original) in originals.iter().enumerate() {
        assert_eq!(original.state, RunState::Succeeded, "{original:?}");
        let replay = replay(&app, erin, &original.id, if i % 2 == 0 { "sync" } else { "queued" }).await;
        assert_eq!(replay.verdict, Some(Verdict::Identical), "{} replayed as {replay:?}", original.plugin);
        assert_eq!(replay.output_sha256, original.output_sha256);
        assert_eq!((replay.seed, replay.clock_start), (original.seed, original.clock_start));
        // The same pins but the deadline, which a synchronous replay has cut to the sync cap.
        let without_timeout = |run: &RunRecord| {
            let mut pinned = Pinned::of(run);
            pinned.limits.as_object_mut().unwrap().remove("timeout");
            pinned
        };
        assert_eq!(without_timeout(&replay), without_timeout(original));
    }
    worker.abort();
}

async fn entropy(app: TestApp) {
    let erin = &app.enterprise;
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::ENTROPY)).await;
    let enablement = app.enable(erin, "entropy", json!({})).await;
    let first = sync_run(&app, erin, &enablement).await;
    let second = sync_run(&app, erin, &enablement).await;
    assert_ne!(first.seed, second.seed, "each run gets its own seed");
    assert_ne!(first.output_sha256, second.output_sha256, "another seed and start observe other values");
    for original in [&first, &second] {
        let replay = replay(&app, erin, &original.id, "sync").await;
        assert_eq!(replay.verdict, Some(Verdict::Identical), "{replay:?}");
        let listed = app.get(&format!("/v1/tenants/t1/runs?replay_of={}", original.id), &erin.token).await;
        let listed = listed.expect(200).json();
        assert_eq!((listed["total"].as_i64(), &listed["items"][0]["id"]), (Some(1), &json!(replay.id)), "{listed}");
    }
    // The guest's wall clock started at the run's submission, as recorded.
    let result = app.get(&format!("/v1/tenants/t1/runs/{}/result", first.id), &erin.token).await.expect(200).json();
    let wall_ns = result["tables"][0]["rows"][0][0].as_i64().unwrap();
    assert_eq!(wall_ns / 1_000_000, first.clock_start);
}

async fn entropy_python(app: TestApp) {
    entropy_interpreted(app, kiln_test_guests::ENTROPY_PY, "entropy-py", "python").await;
}

async fn entropy_javascript(app: TestApp) {
    entropy_interpreted(app, kiln_test_guests::ENTROPY_JS, "entropy-js", "javascript").await;
}

/// A guest embedding an interpreter, whose random numbers and clocks come from the run's seed
/// and start, replays identically on the registry and offline from its bundle.
async fn entropy_interpreted(app: TestApp, guest: &str, name: &str, language: &str) {
    let erin = &app.enterprise;
    let version = app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(guest)).await;
    assert_eq!(version.language, language);
    let enablement = app.enable(erin, name, json!({})).await;
    let first = sync_run(&app, erin, &enablement).await;
    let second = sync_run(&app, erin, &enablement).await;
    assert_ne!(first.output_sha256, second.output_sha256, "the random numbers follow the run's seed");
    let replayed = replay(&app, erin, &first.id, "sync").await;
    assert_eq!(replayed.verdict, Some(Verdict::Identical), "{replayed:?}");

    // Offline: the bundle alone, on a host of its own, reproduces the recorded output.
    let resp = app.get(&format!("/v1/tenants/t1/runs/{}/bundle", first.id), &erin.token).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.tar");
    std::fs::write(&file, &resp.expect(200).body).unwrap();
    let opened = bundle::open(&file, app.state.limits.blob_caps(), dir.path()).unwrap();
    let host = crate::common::outside_host();
    let plugin = host.load(&std::fs::read(&opened.component).unwrap()).await.unwrap();
    let pinned = &opened.manifest.pinned;
    let determinism = kiln_host::Determinism { seed: pinned.seed as u64, clock_start_ms: pinned.clock_start };
    let report = host.run(&plugin, kiln_host::RunRequest { determinism, ..Default::default() }).await;
    let document = serde_json::to_vec(&kiln_registry::results::OutputDocument(&report.result.unwrap())).unwrap();
    assert_eq!(Some(kiln_host::sha256_hex(&document)), first.output_sha256);
    assert_eq!(std::fs::read(&opened.output).unwrap(), document);
}

async fn different(app: TestApp) {
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    let run = sync_run(&app, erin, &enablement).await;
    let other = app.enable(erin, "good", json!({"params": {"scale": 2.0}})).await;
    let scaled = sync_run(&app, erin, &other).await;
    // As if the first run had recorded the scaled output: a plugin whose output did not depend
    // only on what the run pinned.
    let sha = scaled.output_sha256.unwrap();
    app.exec(&format!("UPDATE runs SET output_sha256 = '{sha}' WHERE id = '{}'", run.id)).await;
    let replay = replay(&app, erin, &run.id, "sync").await;
    let Some(Verdict::Different(d)) = replay.verdict else { panic!("{replay:?}") };
    assert_eq!(
        (d.what.as_str(), d.table.as_deref(), d.column.as_deref(), d.row),
        ("cell", Some("summary"), Some("sum"), Some(0))
    );
    assert_eq!(d.found.as_f64().unwrap() * 2.0, d.expected.as_f64().unwrap());
}

/// The local file of blob `sha`.
fn blob_file(app: &TestApp, sha: &str) -> std::path::PathBuf {
    app.dir.path().join("blobs/sha256").join(&sha[..2]).join(sha)
}

async fn tampered(app: TestApp) {
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    let run = sync_run(&app, erin, &enablement).await;
    let dataset = &run.datasets[0];
    // This process holds a checked copy in its cache; a replay must read the store's.
    std::fs::write(blob_file(&app, &dataset.sha256), b"not the uploaded bytes").unwrap();
    let replay = replay(&app, erin, &run.id, "sync").await;
    assert_eq!(replay.state, RunState::Failed);
    let Some(Verdict::Failed { kind, message }) = replay.verdict else { panic!("{replay:?}") };
    assert_eq!(kind, "integrity");
    assert!(message.contains("dataset `readings` version 1"), "{message}");
    // A plain run reads its dataset the same way it always has: the original is unharmed.
    let tenant_runs = app.count("SELECT COUNT(*) FROM runs WHERE state = 'succeeded'").await;
    assert_eq!(tenant_runs, 1);
}

async fn purged(app: TestApp) {
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    let run = sync_run(&app, erin, &enablement).await;
    // Another tenant uploaded the very same bytes: one blob serves both.
    let tina = app.tenant("t2").await;
    app.upload_csv(&tina, "readings", &readings(10)).await.expect(201);
    let theirs = app.enable(&tina, "good", json!({})).await;
    let sha = run.datasets[0].sha256.clone();

    let body = json!({"reason": "retention order 2026-17"});
    let purge = app.post("/v1/tenants/t1/datasets/readings/purge", &erin.token, body.clone()).await;
    purge.problem(403, "forbidden");
    let report = app.post("/v1/tenants/t1/datasets/readings/purge", &app.operator.token, body.clone()).await;
    let report = report.expect(200).json();
    assert_eq!(report["purged"][0]["version"], 1);
    assert_eq!(report["blobs_removed"], json!([]), "t2 still holds the same bytes");
    assert!(blob_file(&app, &sha).exists());
    sync_run(&app, &tina, &theirs).await;

    let detail = app.post(&format!("/v1/tenants/t1/runs/{}/replay", run.id), &erin.token, json!({})).await;
    let problem = detail.problem(410, "purged").json();
    let text = problem["detail"].as_str().unwrap();
    for part in ["dataset `readings` version 1", "olga", "retention order 2026-17"] {
        assert!(text.contains(part), "{text}");
    }
    // Purged is gone from new use too, and a second purge finds nothing left.
    app.submit(erin, &enablement, "sync").await.problem(422, "invalid-grant");
    app.post("/v1/tenants/t1/datasets/readings/purge", &app.operator.token, body).await.problem(404, "not-found");

    // Once no one else holds the bytes, the blob goes.
    app.post("/v1/tenants/t2/datasets/readings/purge", &app.operator.token, json!({"reason": "asked by t2"}))
        .await
        .expect(200);
    assert!(!blob_file(&app, &sha).exists());
    let audit = app.get("/v1/audit?action=dataset.purge", &app.operator.token).await.expect(200).json();
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit}");
}

async fn quotas(app: TestApp) {
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    let run = sync_run(&app, erin, &enablement).await;
    let failed = app.enable(erin, "good", json!({"params": {"dataset": "nope"}})).await;
    let failed: RunRecord = app.submit(erin, &failed, "sync").await.expect(200).read();
    assert_eq!(failed.state, RunState::Failed);
    app.post(&format!("/v1/tenants/t1/runs/{}/replay", failed.id), &erin.token, json!({}))
        .await
        .problem(409, "run-not-finished");
    app.post("/v1/tenants/t1/runs/nope/replay", &erin.token, json!({})).await.problem(404, "not-found");
    let other = app.tenant("t2").await;
    app.post(&format!("/v1/tenants/t1/runs/{}/replay", run.id), &other.token, json!({}))
        .await
        .problem(404, "not-found");

    set_quotas(&app, json!({"max_active_runs": 1, "cpu_ms_per_day": 100_000_000, "storage_bytes": 1_000_000})).await;
    let first = app.post(&format!("/v1/tenants/t1/runs/{}/replay", run.id), &erin.token, json!({})).await;
    first.expect(202);
    app.post(&format!("/v1/tenants/t1/runs/{}/replay", run.id), &erin.token, json!({}))
        .await
        .problem(429, "quota-exceeded");
    let audit = app.get("/v1/audit?action=run.replay", &app.operator.token).await.expect(200).json();
    let details: Value = serde_json::from_str(audit[0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["replay_of"], run.id.as_str(), "{audit}");
}

async fn provenance(app: TestApp) {
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    let run = sync_run(&app, erin, &enablement).await;
    let expected = Pinned::of(&run).hash(run.output_sha256.as_deref());
    assert_eq!(run.provenance.as_deref(), Some(expected.as_str()));
    let audit = app.get("/v1/audit?action=run.finish", &app.operator.token).await.expect(200).json();
    let entry = &audit[0];
    assert_eq!(entry["subject"], format!("t1/run:{}", run.id));
    let details: Value = serde_json::from_str(entry["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["provenance"], expected.as_str());
    assert_eq!(details["output_sha256"], run.output_sha256.as_deref().unwrap());
    let verify = app.post_empty("/v1/audit/verify", &app.operator.token).await.expect(200).json();
    assert_eq!(verify["ok"], true, "{verify}");
    // Someone edits what the run read: the chain's provenance no longer matches it.
    app.exec(&format!("UPDATE runs SET seed = seed + 1 WHERE id = '{}'", run.id)).await;
    let verify = app.post_empty("/v1/audit/verify", &app.operator.token).await.expect(200).json();
    assert_eq!(
        (verify["ok"].as_bool(), verify["first_broken"]["problem"].as_str()),
        (Some(false), Some("run-altered")),
        "{verify}"
    );
}

async fn bundle_access(app: TestApp) {
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    let run = sync_run(&app, erin, &enablement).await;
    let path = format!("/v1/tenants/t1/runs/{}/bundle", run.id);
    let shared = format!("/v1/namespaces/acme/shared-runs/{}/bundle", run.id);

    // The tenant's own admin gets it; another tenant, the operator and every maker do not.
    let resp = app.get(&path, &erin.token).await;
    resp.expect(200);
    assert_eq!(resp.content_type(), "application/x-tar");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.tar");
    std::fs::write(&file, &resp.body).unwrap();
    let opened = bundle::open(&file, app.state.limits.blob_caps(), dir.path()).unwrap();
    assert_eq!(opened.manifest.pinned, Pinned::of(&run));
    assert_eq!(Some(opened.manifest.provenance.clone()), run.provenance);
    let other = app.tenant("t2").await;
    app.get(&path, &other.token).await.problem(404, "not-found");
    app.get(&format!("/v1/tenants/t2/runs/{}/bundle", run.id), &other.token).await.problem(404, "not-found");
    app.get(&path, &app.operator.token).await.problem(403, "forbidden");
    app.get(&path, &app.maker.token).await.problem(403, "forbidden");
    // The plugin's maker, before the tenant shares: as if the run did not exist.
    app.get(&shared, &app.maker.token).await.problem(404, "not-found");
    app.get("/v1/namespaces/acme/shared-runs", &app.maker.token).await.expect(200);

    let share = app.call(Method::POST, &format!("/v1/tenants/t1/runs/{}/share", run.id), Some(&erin.token), None).await;
    assert_eq!(share.expect(201).json()["namespace"], "acme");
    let got = app.get(&shared, &app.maker.token).await;
    got.expect(200);
    std::fs::write(&file, &got.body).unwrap();
    let into = tempfile::tempdir().unwrap();
    assert_eq!(bundle::open(&file, app.state.limits.blob_caps(), into.path()).unwrap().manifest.run, run.id);
    // Not a member of acme: refused whatever was shared; nor through a namespace of one's own.
    app.get(&shared, &app.other.token).await.problem(403, "forbidden");
    app.post("/v1/namespaces", &app.other.token, json!({"name": "rival"})).await.expect(201);
    app.get(&format!("/v1/namespaces/rival/shared-runs/{}/bundle", run.id), &app.other.token)
        .await
        .problem(404, "not-found");
    let list = app.get("/v1/namespaces/acme/shared-runs", &app.maker.token).await.expect(200).json();
    assert_eq!(list[0]["run"], run.id.as_str());

    app.call(Method::DELETE, &format!("/v1/tenants/t1/runs/{}/share", run.id), Some(&erin.token), None)
        .await
        .expect(204);
    app.get(&shared, &app.maker.token).await.problem(404, "not-found");
    let audit = app.get("/v1/audit?action=run.export", &app.operator.token).await.expect(200).json();
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit}");
    let audit = app.get("/v1/audit?action=run.share", &app.operator.token).await.expect(200).json();
    assert_eq!(audit[0]["actor"], "erin");
}

/// A hostile bundle: entries it must not hold, sizes past the caps, and altered parts are all
/// refused before anything runs.
#[test]
fn a_bundle_with_altered_or_unexpected_parts_is_refused() {
    let caps = kiln_registry::runner::BlobCaps { component: 1 << 20, dataset: 1 << 20, output: 1 << 20 };
    let dir = tempfile::tempdir().unwrap();
    let write = |entries: &[(&str, &[u8])]| {
        let path = dir.path().join("hostile.tar");
        let mut tar = tar::Builder::new(std::fs::File::create(&path).unwrap());
        for (name, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            // Written raw: the tar crate itself refuses to write a `..` path.
            header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append(&header, *bytes).unwrap();
        }
        tar.finish().unwrap();
        path
    };
    let open = |path: &std::path::Path| {
        let into = tempfile::tempdir().unwrap();
        bundle::open(path, caps, into.path()).unwrap_err().to_string()
    };
    let err = open(&write(&[("../../etc/passwd", b"x")]));
    assert!(err.contains("unexpected entry"), "{err}");
    let err = open(&write(&[("datasets/01.parquet", b"x")]));
    assert!(err.contains("unexpected entry"), "{err}");
    let big = vec![0u8; (1 << 20) + 1];
    let err = open(&write(&[("component.wasm", &big)]));
    assert!(err.contains("more than"), "{err}");
    let err = open(&write(&[("output.json", b"{}")]));
    assert!(err.contains("no manifest"), "{err}");

    let pinned = Pinned {
        component: kiln_host::sha256_hex(b"component"),
        datasets: vec![],
        params: Default::default(),
        limits: json!({}),
        seed: 1,
        clock_start: 2,
    };
    let output = kiln_host::sha256_hex(b"{}");
    let manifest = |provenance: String| {
        serde_json::to_vec(&bundle::Manifest {
            format: bundle::FORMAT.into(),
            run: "r".into(),
            tenant: "t".into(),
            plugin: "a/b@1.0.0".into(),
            provenance,
            pinned: pinned.clone(),
            output_sha256: output.clone(),
            exported_by: "test".into(),
            exported_at: 0,
        })
        .unwrap()
    };
    let good = manifest(pinned.hash(Some(&output)));
    let ok = write(&[("manifest.json", &good), ("component.wasm", b"component"), ("output.json", b"{}")]);
    let into = tempfile::tempdir().unwrap();
    let opened = bundle::open(&ok, caps, into.path()).unwrap();
    let mut recorded = String::new();
    std::fs::File::open(&opened.output).unwrap().read_to_string(&mut recorded).unwrap();
    assert_eq!(recorded, "{}");
    let err = open(&write(&[("manifest.json", &good), ("component.wasm", b"c0mponent"), ("output.json", b"{}")]));
    assert!(err.contains("altered") && err.contains("component.wasm"), "{err}");
    let forged = manifest("00".repeat(32));
    let err = open(&write(&[("manifest.json", &forged), ("component.wasm", b"component"), ("output.json", b"{}")]));
    assert!(err.contains("provenance"), "{err}");
}
