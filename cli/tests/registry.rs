//! The registry end to end through the `kiln` binary: what a new operator, maker and enterprise
//! type, from `kiln serve` to a tampered audit log caught by `kiln audit verify`.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{Process, Server, fails, json_ok, kiln, text_ok};

#[test]
fn publish_review_resolve_download_yank_and_a_tampered_audit_log() {
    let work = tempfile::tempdir().unwrap();
    let mut server = Server::start(work.path(), None);
    let data = server.data.clone();
    let url = server.url.clone();
    let data_dir = data.to_str().unwrap();

    // The operator bootstraps the first token on the server's database, once.
    let boot = json_ok(kiln(&url, None).args(["admin", "bootstrap", "--json", "--data-dir", data_dir]));
    let op = boot["token"].as_str().unwrap().to_string();
    assert!(op.starts_with("kiln_"));
    assert_eq!(boot["record"]["role"], "operator");
    let again = fails(kiln(&url, None).args(["admin", "bootstrap", "--data-dir", data_dir]));
    assert!(again.contains("an operator already exists"), "{again}");

    // ...and gives a maker a token.
    let created = json_ok(
        kiln(&url, Some(&op))
            .args(["token", "create", "--principal", "acme-maker", "--role"])
            .args(["maker", "--json"]),
    );
    let maker = created["token"].as_str().unwrap().to_string();
    assert_eq!(created["record"]["principal"], "acme-maker");
    let listed = json_ok(kiln(&url, Some(&op)).args(["token", "list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // The maker claims a namespace, makes a key and registers it.
    let ns = json_ok(kiln(&url, Some(&maker)).args(["namespace", "create", "acme", "--json"]));
    assert_eq!(ns["members"], serde_json::json!(["acme-maker"]));
    let key = work.path().join("maker.key");
    let generated = json_ok(kiln(&url, None).args(["keygen", "--json", "--out"]).arg(&key));
    let public = generated["public_key"].as_str().unwrap().to_string();
    let pub_file = work.path().join("maker.key.pub");
    let added =
        json_ok(kiln(&url, Some(&maker)).args(["key", "add", "--json", "--name", "laptop", "--public"]).arg(&pub_file));
    assert_eq!(added["public_key"], public.as_str());

    // A key the registry does not know is caught before upload; a signature that does not
    // match the registered key is refused by the registry.
    let stray = work.path().join("stray.key");
    json_ok(kiln(&url, None).args(["keygen", "--json", "--out"]).arg(&stray));
    let publish_with = |key: &Path| {
        let mut cmd = kiln(&url, Some(&maker));
        cmd.args(["plugin", "publish", kiln_test_guests::GOOD, "--namespace", "acme", "--key"]).arg(key);
        cmd
    };
    let unregistered = fails(&mut publish_with(&stray));
    assert!(unregistered.contains("is not registered to you; run `kiln key add"), "{unregistered}");
    let forged = fails(publish_with(&stray).args(["--key-id", added["id"].as_str().unwrap()]));
    assert!(forged.starts_with("error: bad-signature (422): "), "{forged}");

    // Publishing signs and uploads; the version waits for review.
    let published = json_ok(
        kiln(&url, Some(&maker))
            .args(["plugin", "publish", kiln_test_guests::GOOD, "--namespace", "acme", "--json", "--key"])
            .arg(&key),
    );
    assert_eq!((published["name"].as_str(), published["version"].as_str()), (Some("good"), Some("0.1.0")));
    assert_eq!(published["status"], "pending");
    assert_eq!(published["key_id"], added["id"]);
    // Not in the catalog yet, but in the maker's own namespace listing, pending.
    let mine = text_ok(kiln(&url, Some(&maker)).args(["namespace", "list"]));
    assert_eq!(mine.trim_end(), "acme  created by acme-maker  1 member(s)  1 plugin(s)");
    let plugins = text_ok(kiln(&url, Some(&maker)).args(["namespace", "plugins", "acme"]));
    assert_eq!(plugins.trim_end(), "acme/good\n  0.1.0  pending");
    let plugins = json_ok(kiln(&url, Some(&maker)).args(["namespace", "plugins", "acme", "--json"]));
    assert_eq!(plugins[0]["versions"][0]["status"], "pending");

    // A server refusal is one line naming the problem, its status and the detail.
    let other = json_ok(
        kiln(&url, Some(&op))
            .args(["token", "create", "--principal", "other-maker", "--role"])
            .args(["maker", "--json"]),
    );
    let forbidden = fails(kiln(&url, other["token"].as_str()).args(["namespace", "add-member", "acme", "other-maker"]));
    assert_eq!(forbidden.trim_end(), "error: forbidden (403): you are not a member of namespace `acme`");
    let not_theirs = fails(kiln(&url, other["token"].as_str()).args(["plugin", "yank", "acme/good@0.1.0"]));
    assert_eq!(not_theirs.trim_end(), "error: forbidden (403): only members of `acme` yank its versions");

    // The operator sees it pending and approves it.
    let queue = json_ok(kiln(&url, Some(&op)).args(["review", "list", "--json"]));
    let queue = queue.as_array().unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!((queue[0]["namespace"].as_str(), queue[0]["status"].as_str()), (Some("acme"), Some("pending")));
    assert!(text_ok(kiln(&url, Some(&op)).args(["review", "list"])).contains("acme/good@0.1.0"));
    let approved = json_ok(kiln(&url, Some(&op)).args(["review", "approve", "acme/good@0.1.0", "--json"]));
    assert_eq!(approved["status"], "approved");

    // The operator creates the enterprise's tenant and its admin token.
    let tenant =
        json_ok(kiln(&url, Some(&op)).args(["tenant", "create", "xian-steel", "--name", "西安钢铁", "--json"]).args([
            "--district",
            "weiyang",
            "--industry",
            "C31",
        ]));
    assert_eq!((tenant["id"].as_str(), tenant["opted_in"].as_bool()), (Some("xian-steel"), Some(true)));
    // An enterprise resolves a requirement and downloads exactly the published bytes.
    let ent = json_ok(kiln(&url, Some(&op)).args(["token", "create", "--principal", "xian-steel", "--role"]).args([
        "enterprise-admin",
        "--tenant",
        "xian-steel",
        "--json",
    ]));
    let ent = ent["token"].as_str().unwrap().to_string();
    let resolved = json_ok(kiln(&url, Some(&ent)).args(["plugin", "resolve", "acme/good", "^0.1", "--json"]));
    assert_eq!(resolved["version"], "0.1.0");
    let out = work.path().join("downloaded.wasm");
    let download =
        json_ok(kiln(&url, Some(&ent)).args(["plugin", "download", "acme/good@0.1.0", "--json", "--out"]).arg(&out));
    assert_eq!(download["sha256"], published["sha256"]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(kiln_test_guests::GOOD).unwrap());

    // The enterprise uploads data, enables the plugin and runs it: now, and queued for a worker.
    let readings = work.path().join("readings.csv");
    std::fs::write(&readings, "value,site\n1.5,a\n,b\n2.5,c\n").unwrap();
    let uploaded = text_ok(kiln(&url, Some(&ent)).args(["data", "upload", "--tenant", "xian-steel"]).arg(&readings));
    assert!(
        uploaded.starts_with("xian-steel/readings version 1: 3 rows, ")
            && uploaded.trim_end().ends_with("bytes as Parquet"),
        "{uploaded}"
    );
    let enabled = json_ok(kiln(&url, Some(&ent)).args([
        "enable",
        "acme/good",
        "--tenant",
        "xian-steel",
        "--param",
        "scale=2",
        "--json",
    ]));
    let enablement = enabled["id"].as_str().unwrap().to_string();
    assert_eq!(enabled["grants"], serde_json::json!([{"dataset": "readings", "columns": ["value"]}]));
    // A monthly report: 08:00 on the 2nd, Shanghai time unless told otherwise.
    let schedule = json_ok(kiln(&url, Some(&ent)).args([
        "schedule",
        "create",
        &enablement,
        "--tenant",
        "xian-steel",
        "--cron",
        "0 8 2 * *",
        "--json",
    ]));
    assert_eq!((schedule["zone"].as_str(), schedule["catch_up"].as_str()), (Some("Asia/Shanghai"), Some("skip")));
    let schedule = schedule["id"].as_str().unwrap().to_string();
    let listed = text_ok(kiln(&url, Some(&ent)).args(["schedule", "list", "--tenant", "xian-steel"]));
    assert!(
        listed.starts_with(&format!("{schedule}  enablement {enablement}  `0 8 2 * *` in Asia/Shanghai")),
        "{listed}"
    );
    let next: Vec<&str> = listed.lines().filter(|l| l.starts_with("  next ")).collect();
    assert_eq!(next.len(), 3, "{listed}");
    assert!(next.iter().all(|l| l.ends_with("-02T08:00:00+08:00")), "{listed}");
    let paused = text_ok(kiln(&url, Some(&ent)).args(["schedule", "pause", &schedule, "--tenant", "xian-steel"]));
    assert!(paused.contains(": paused") && !paused.contains("next"), "{paused}");
    let resumed = text_ok(kiln(&url, Some(&ent)).args(["schedule", "resume", &schedule, "--tenant", "xian-steel"]));
    assert!(resumed.contains(": active") && resumed.contains("  next "), "{resumed}");
    let ticks = text_ok(kiln(&url, Some(&ent)).args(["schedule", "ticks", &schedule, "--tenant", "xian-steel"]));
    assert_eq!(ticks.trim(), format!("schedule {schedule} has not fired yet"));
    let bad = fails(kiln(&url, Some(&ent)).args([
        "schedule",
        "create",
        &enablement,
        "--tenant",
        "xian-steel",
        "--cron",
        "0 8 2 * *",
        "--zone",
        "Asia/Xian",
    ]));
    assert!(bad.starts_with("error: unknown-zone (422): "), "{bad}");
    text_ok(kiln(&url, Some(&ent)).args(["schedule", "delete", &schedule, "--tenant", "xian-steel"]));
    let none = text_ok(kiln(&url, Some(&ent)).args(["schedule", "list", "--tenant", "xian-steel"]));
    assert_eq!(none.trim(), "no schedules");
    let now = json_ok(kiln(&url, Some(&ent)).args([
        "job",
        "submit",
        &enablement,
        "--tenant",
        "xian-steel",
        "--sync",
        "--json",
    ]));
    assert_eq!(now["state"], "succeeded", "{now}");
    let csv = text_ok(kiln(&url, Some(&ent)).args([
        "job",
        "result",
        now["id"].as_str().unwrap(),
        "--tenant",
        "xian-steel",
        "--csv",
        "summary",
    ]));
    assert_eq!(csv, "rows,nulls,batches,sum\r\n3,1,1,8.0\r\n");
    // Replayed on what it pinned: identical. Exported, it reproduces offline with the same hash;
    // altered, it is refused before it runs.
    let run = now["id"].as_str().unwrap();
    let replay = text_ok(kiln(&url, Some(&ent)).args(["job", "replay", run, "--tenant", "xian-steel", "--sync"]));
    assert!(replay.contains(&format!("replay of {run}: identical")), "{replay}");
    let bundle = work.path().join("run.kiln-bundle.tar");
    let bundle_arg = bundle.to_str().unwrap();
    text_ok(kiln(&url, Some(&ent)).args(["job", "export", run, "--tenant", "xian-steel", "--out", bundle_arg]));
    let offline = text_ok(kiln("http://127.0.0.1:9", None).args(["plugin", "run", "--replay", bundle_arg]));
    let sha = now["output_sha256"].as_str().unwrap();
    assert!(
        offline.starts_with(&format!("identical: run {run} of acme/good@0.1.0 reproduced output sha256 {sha}")),
        "{offline}"
    );
    let unshared =
        fails(kiln(&url, Some(&maker)).args(["job", "export", run, "--shared-with", "acme", "--out", bundle_arg]));
    assert!(unshared.starts_with("error: not-found (404): "), "{unshared}");
    text_ok(kiln(&url, Some(&ent)).args(["job", "share", run, "--tenant", "xian-steel"]));
    text_ok(kiln(&url, Some(&maker)).args(["job", "export", run, "--shared-with", "acme", "--out", bundle_arg]));
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.windows(6).position(|w| w == b"\"seed\"").expect("the manifest holds the seed");
    bytes[at + 8] = if bytes[at + 8] == b'1' { b'2' } else { b'1' };
    std::fs::write(&bundle, &bytes).unwrap();
    let altered = fails(kiln("http://127.0.0.1:9", None).args(["plugin", "run", "--replay", bundle_arg]));
    assert!(altered.contains("the bundle was altered"), "{altered}");
    let worker =
        Process::start(&["worker", "--data-dir", data_dir, "--lease", "5s"], &[], work.path().join("worker.log"));
    let queued = kiln(&url, Some(&ent))
        .args(["job", "submit", &enablement, "--tenant", "xian-steel", "--wait", "--json"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(queued.status.success(), "{}\n{}", String::from_utf8_lossy(&queued.stderr), worker.log());
    let queued: Value = serde_json::from_slice(&queued.stdout).unwrap();
    assert_eq!((queued["state"].as_str(), queued["mode"].as_str()), (Some("succeeded"), Some("queued")), "{queued}");
    assert!(worker.log().contains("recorded"), "the worker log says nothing");
    drop(worker);

    // An operator purges a dataset for good; its admin may not.
    let spare = work.path().join("spare.csv");
    std::fs::write(&spare, "value\n42\n").unwrap();
    text_ok(kiln(&url, Some(&ent)).args(["data", "upload", "--tenant", "xian-steel"]).arg(&spare));
    let purge = ["data", "purge", "spare", "--tenant", "xian-steel", "--reason", "uploaded by mistake"];
    let refused = fails(kiln(&url, Some(&ent)).args(purge));
    assert!(refused.starts_with("error: forbidden (403): "), "{refused}");
    let purged = text_ok(kiln(&url, Some(&op)).args(purge));
    assert_eq!(purged.trim(), "purged xian-steel/spare version 1; 1 blobs removed");

    // The maker yanks it: resolution no longer finds it.
    let yanked = json_ok(kiln(&url, Some(&maker)).args(["plugin", "yank", "acme/good@0.1.0", "--json"]));
    assert_eq!(yanked["yanked"], true);
    let none = fails(kiln(&url, Some(&ent)).args(["plugin", "resolve", "acme/good", "^0.1"]));
    assert!(none.starts_with("error: no-matching-version (404): "), "{none}");
    let versions = text_ok(kiln(&url, Some(&maker)).args(["plugin", "versions", "acme/good"]));
    assert!(versions.contains("approved, yanked"), "{versions}");
    // The listing says which contract the registry recorded for the version.
    let contract = published["contract"].as_str().expect("a publish answers with the version's contract");
    assert!(versions.contains(&format!("contract {contract}")), "{versions}");

    // Every change is in the audit log, and the chain verifies.
    let audit = json_ok(kiln(&url, Some(&op)).args(["audit", "list", "--json"]));
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "token.create",
            "token.create",
            "namespace.create",
            "key.add",
            "version.publish",
            "token.create",
            "version.approve",
            "tenant.create",
            "token.create",
            "dataset.upload",
            "enablement.create",
            "schedule.create",
            "schedule.pause",
            "schedule.resume",
            "schedule.delete",
            "run.submit",
            "run.finish",
            "run.replay",
            "run.finish",
            "run.export",
            "run.share",
            "run.export",
            "run.submit",
            "run.finish",
            "dataset.upload",
            "dataset.purge",
            "version.yank"
        ]
    );
    let intact = text_ok(kiln(&url, None).args(["audit", "verify", "--data-dir", data_dir]));
    assert_eq!(intact.trim(), "audit chain intact: 27 entries");

    server.stop();
    let refused = fails(kiln(&url, Some(&op)).args(["token", "list"]));
    assert!(refused.contains(&format!("cannot reach the registry at {url}/")), "{refused}");

    // Someone edits an audit row by hand: verify names it and fails.
    let db = format!("sqlite://{}", data.join("kiln.db").display());
    let changed = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
        let done = sqlx::query(r#"UPDATE audit_log SET details = '{"tampered":true}' WHERE seq = 3"#)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        done.rows_affected()
    });
    assert_eq!(changed, 1);
    let broken = fails(kiln(&url, None).args(["audit", "verify", "--data-dir", data_dir]));
    assert!(broken.contains("entry 3 (altered)"), "{broken}");
    let out = kiln(&url, None).args(["audit", "verify", "--json", "--data-dir", data_dir]).output().unwrap();
    assert!(!out.status.success());
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((verdict["status"].as_str(), verdict["seq"].as_i64()), (Some("broken"), Some(3)));
    assert_eq!(verdict["problem"], "altered");
}

#[test]
fn keygen_refuses_to_overwrite_and_verify_needs_a_database() {
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("k");
    let public = text_ok(kiln("http://127.0.0.1:9", None).arg("keygen").arg("--out").arg(&key));
    assert_eq!(public.lines().next().unwrap().len(), 64);
    let again = fails(kiln("http://127.0.0.1:9", None).arg("keygen").arg("--out").arg(&key));
    assert!(again.contains("refusing to overwrite"), "{again}");
    let missing = fails(kiln("http://127.0.0.1:9", None).args(["audit", "verify", "--data-dir"]).arg(work.path()));
    assert!(missing.contains("no registry database"), "{missing}");
    let no_token = fails(kiln("http://127.0.0.1:9", None).args(["key", "list"]));
    assert!(no_token.contains("no API token"), "{no_token}");
}
