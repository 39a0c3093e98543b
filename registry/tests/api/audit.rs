//! The hash-chained audit log: intact after real work, and every kind of tampering named.

use kiln_registry::audit::verify;
use kiln_registry::store::audit::{Verdict, entry_hash};
use serde_json::{Value, json};

use crate::common::{TestApp, version_path};

crate::both! {
    the_audit_chain_is_intact_after_a_sequence_of_actions => intact;
    an_altered_entry_is_named_by_its_sequence_number => altered;
    a_removed_middle_entry_is_named_as_removed => removed_middle;
    a_removed_last_entry_is_caught_by_the_head => removed_last;
    the_audit_log_pages_in_order_with_after => paging;
    the_audit_log_filters_by_action_actor_subject_and_time_both_ways => filters;
    the_server_verifies_the_chain_and_names_the_first_broken_entry => server_verify;
}

/// Publishes, reviews, yanks, adds a member and revokes a token: 7 entries after the setup's.
async fn some_work(app: &TestApp) -> i64 {
    let v = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let path = version_path(&v);
    app.post_empty(&format!("{path}/approve"), &app.operator.token).await.expect(200);
    app.post_empty(&format!("{path}/yank"), &app.maker.token).await.expect(200);
    app.post("/v1/namespaces/acme/members", &app.maker.token, json!({"principal": "otto"})).await.expect(200);
    let n = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::NOOP)).await;
    app.post(&format!("{}/reject", version_path(&n)), &app.operator.token, json!({"reason": "no"})).await.expect(200);
    app.delete(&format!("/v1/tokens/{}", app.other.token_id), &app.operator.token).await.expect(204);
    TestApp::SETUP_AUDIT_ENTRIES + 7
}

#[track_caller]
fn assert_broken(verdict: Verdict, seq: i64, problem: &str) {
    match verdict {
        Verdict::Broken { seq: s, problem: p, detail } => {
            assert_eq!((s, p.as_str()), (seq, problem), "wrong verdict: {detail}");
            assert!(!detail.is_empty());
        }
        other => panic!("expected entry {seq} {problem}, got {other:?}"),
    }
}

async fn intact(app: TestApp) {
    let n = some_work(&app).await;
    assert_eq!(verify(&app.db).await.unwrap(), Verdict::Intact { entries: n });
    assert_eq!(kiln_registry::verify_audit(&app.db_url).await.unwrap(), Verdict::Intact { entries: n });
    let entries = app.get("/v1/audit", &app.operator.token).await.expect(200).json();
    let actions: Vec<&str> = entries.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "token.create",
            "token.create",
            "token.create",
            "tenant.create",
            "token.create",
            "namespace.create",
            "key.add",
            "key.add",
            "version.publish",
            "version.approve",
            "version.yank",
            "namespace.add-member",
            "version.publish",
            "version.reject",
            "token.revoke",
        ]
    );
    assert_eq!(entries[0]["actor"], "system");
    assert_eq!(entries[1]["actor"], "olga");
    assert_eq!(entries[8]["subject"], "acme/good@0.1.0");
    // Refusals leave the chain as it was.
    app.post_empty("/v1/plugins/acme/good/versions/0.1.0/approve", &app.maker.token).await.problem(403, "forbidden");
    app.get("/v1/audit", &app.maker.token).await.problem(403, "forbidden");
    assert_eq!(verify(&app.db).await.unwrap(), Verdict::Intact { entries: n });
}

async fn altered(app: TestApp) {
    let n = some_work(&app).await;
    let original = app.get("/v1/audit?after=2&limit=1", &app.operator.token).await.expect(200).json()[0].clone();
    assert_eq!(original["seq"], 3);
    app.exec(r#"UPDATE audit_log SET details = '{"forged":true}' WHERE seq = 3"#).await;
    assert_broken(verify(&app.db).await.unwrap(), 3, "altered");

    // Put it back: intact again. Then change who did it instead.
    let details = original["details"].as_str().unwrap().replace('\'', "''");
    app.exec(&format!("UPDATE audit_log SET details = '{details}' WHERE seq = 3")).await;
    assert_eq!(verify(&app.db).await.unwrap(), Verdict::Intact { entries: n });
    app.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").await;
    assert_broken(verify(&app.db).await.unwrap(), 3, "altered");

    // A forger who also recomputes entry 3's hash is caught where the chain breaks: entry 4
    // no longer chains from it.
    let e: &Value = &original;
    let forged = entry_hash(
        e["prev_hash"].as_str().unwrap(),
        3,
        e["at"].as_i64().unwrap(),
        "mallory",
        e["action"].as_str().unwrap(),
        e["subject"].as_str().unwrap(),
        e["details"].as_str().unwrap(),
    );
    app.exec(&format!("UPDATE audit_log SET hash = '{forged}' WHERE seq = 3")).await;
    assert_broken(verify(&app.db).await.unwrap(), 4, "altered");
}

async fn removed_middle(app: TestApp) {
    let n = some_work(&app).await;
    app.exec("DELETE FROM audit_log WHERE seq = 9").await;
    assert_broken(verify(&app.db).await.unwrap(), 9, "removed");
    assert!(n > 9);
    // The API still serves what is left, in order.
    let seqs: Vec<i64> = app
        .get("/v1/audit?after=7&limit=3", &app.operator.token)
        .await
        .expect(200)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [8, 10, 11]);
}

async fn removed_last(app: TestApp) {
    let n = some_work(&app).await;
    assert_eq!(verify(&app.db).await.unwrap(), Verdict::Intact { entries: n });
    app.exec(&format!("DELETE FROM audit_log WHERE seq = {n}")).await;
    // Every remaining entry is intact; only the head knows one is gone.
    assert_broken(verify(&app.db).await.unwrap(), n, "removed");
    // Deleting the newest two as well.
    app.exec(&format!("DELETE FROM audit_log WHERE seq = {}", n - 1)).await;
    assert_broken(verify(&app.db).await.unwrap(), n - 1, "removed");
}

async fn paging(app: TestApp) {
    let n = some_work(&app).await;
    let all = app.get("/v1/audit", &app.operator.token).await.expect(200).json();
    let all = all.as_array().unwrap().clone();
    assert_eq!(all.len() as i64, n);
    let mut prev = kiln_registry::store::audit::GENESIS.to_string();
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e["seq"], i as i64 + 1, "entries are in order without gaps");
        assert_eq!(e["prev_hash"], prev.as_str(), "entry {} chains from the one before", i + 1);
        prev = e["hash"].as_str().unwrap().to_string();
    }

    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = app.get(&format!("/v1/audit?after={after}&limit=4"), &app.operator.token).await.expect(200).json();
        let page = page.as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 4);
        after = page.last().unwrap()["seq"].as_i64().unwrap();
        paged.extend(page);
    }
    assert_eq!(paged, all, "paging with after= walks the same entries");

    let op = &app.operator.token;
    assert_eq!(app.get(&format!("/v1/audit?after={n}"), op).await.expect(200).json(), json!([]));
    assert_eq!(app.get("/v1/audit?limit=0", op).await.expect(200).json().as_array().unwrap().len(), 1);
    assert_eq!(app.get("/v1/audit?limit=100000", op).await.expect(200).json().as_array().unwrap().len() as i64, n);
    app.get("/v1/audit?after=first", op).await.problem(422, "invalid-request");
}

fn seqs(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

async fn filters(app: TestApp) {
    let n = some_work(&app).await;
    let op = &app.operator.token;
    let get = |query: &str| {
        let path = format!("/v1/audit?{query}");
        let app = &app;
        async move { app.get(&path, &app.operator.token).await.expect(200).json() }
    };
    let publishes = get("action=version.publish").await;
    assert_eq!(seqs(&publishes), [9, 13]);
    let versions = get("action=version.*").await;
    assert_eq!(seqs(&versions), [9, 10, 11, 13, 14]);
    assert!(versions.as_array().unwrap().iter().all(|e| e["action"].as_str().unwrap().starts_with("version.")));
    // Wildcards of SQL are plain text in a prefix, and case counts on both databases.
    assert_eq!(get("action=version_*").await, json!([]));
    assert_eq!(get("action=%25*").await, json!([]));
    assert_eq!(get("action=Version.*").await, json!([]));
    assert_eq!(seqs(&get("action=*&limit=3").await), [1, 2, 3]);
    assert_eq!(seqs(&get("actor=maria&action=version.*").await), [9, 11, 13]);
    assert_eq!(seqs(&get("subject=acme/good@0.1.0").await), [9, 10, 11]);
    assert_eq!(seqs(&get("subject=acme/*&action=version.*").await), [9, 10, 11, 13, 14]);
    assert_eq!(get("actor=nobody").await, json!([]));

    // Newest first, paged with `before`.
    let newest = get("order=desc&limit=3").await;
    assert_eq!(seqs(&newest), [n, n - 1, n - 2]);
    let next = get(&format!("order=desc&limit=3&before={}", n - 2)).await;
    assert_eq!(seqs(&next), [n - 3, n - 4, n - 5]);
    assert_eq!(seqs(&get("action=version.*&order=desc&before=13").await), [11, 10, 9]);
    assert_eq!(seqs(&get("after=3&before=6").await), [4, 5]);

    // Time windows: [since, until).
    let all = get("limit=1000").await;
    let at = all[9]["at"].as_i64().unwrap();
    let since = get(&format!("since={at}")).await;
    assert!(seqs(&since).iter().all(|s| *s >= 10 || all[*s as usize - 1]["at"] == at), "{since}");
    let until = get(&format!("until={at}")).await;
    assert!(until.as_array().unwrap().iter().all(|e| e["at"].as_i64().unwrap() < at));
    assert_eq!(seqs(&since).len() + seqs(&until).len(), n as usize);

    app.get("/v1/audit?order=sideways", op).await.problem(422, "invalid-request");
    app.get("/v1/audit?since=yesterday", op).await.problem(422, "invalid-request");
    app.get("/v1/audit?action=a%00b", op).await.problem(422, "invalid-request");
    app.get("/v1/audit?action=version.*", &app.enterprise.token).await.problem(403, "forbidden");
}

async fn server_verify(app: TestApp) {
    let n = some_work(&app).await;
    let op = &app.operator.token;
    let verify_api = || async { app.post_empty("/v1/audit/verify", &app.operator.token).await.expect(200).json() };
    let before = app.audit_rows().await;
    let ok = verify_api().await;
    let head = app.get(&format!("/v1/audit?after={}", n - 1), op).await.expect(200).json()[0]["hash"].clone();
    assert_eq!(ok, json!({"ok": true, "entries_checked": n, "head": {"seq": n, "hash": head}, "first_broken": null}));
    assert_eq!(app.audit_rows().await, before, "verifying is not a change and adds no entry");

    let original = app.get("/v1/audit?after=4&limit=1", op).await.expect(200).json()[0]["details"].clone();
    app.exec(r#"UPDATE audit_log SET details = '{"forged":true}' WHERE seq = 5"#).await;
    let broken = verify_api().await;
    assert_eq!((broken["ok"].as_bool(), broken["entries_checked"].as_i64()), (Some(false), Some(4)));
    assert_eq!(broken["first_broken"]["seq"], 5);
    assert_eq!(broken["first_broken"]["problem"], "altered");
    assert!(broken["first_broken"]["reason"].as_str().unwrap().contains("entry 5"), "{broken}");
    // The server and the database-side verifier agree.
    assert_broken(verify(&app.db).await.unwrap(), 5, "altered");
    let details = original.as_str().unwrap().replace('\'', "''");
    app.exec(&format!("UPDATE audit_log SET details = '{details}' WHERE seq = 5")).await;
    assert_eq!(verify_api().await["ok"], true);

    // A forged entry past the head is caught too.
    let forged = n + 5;
    app.exec(&format!(
        "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) \
         VALUES ({forged}, 0, 'mallory', 'x', 'y', '{{}}', 'p', 'h')"
    ))
    .await;
    let beyond = verify_api().await;
    assert_eq!((beyond["ok"].as_bool(), beyond["first_broken"]["seq"].as_i64()), (Some(false), Some(forged)));
    assert_eq!(beyond["entries_checked"], n);
    app.exec("DELETE FROM audit_log WHERE actor = 'mallory'").await;

    app.exec(&format!("DELETE FROM audit_log WHERE seq = {n}")).await;
    let removed = verify_api().await;
    assert_eq!(
        (removed["first_broken"]["seq"].as_i64(), removed["first_broken"]["problem"].as_str()),
        (Some(n), Some("removed"))
    );
    app.post_empty("/v1/audit/verify", &app.maker.token).await.problem(403, "forbidden");
    app.post_empty("/v1/audit/verify", &app.enterprise.token).await.problem(403, "forbidden");
}
