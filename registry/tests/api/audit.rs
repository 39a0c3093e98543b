//! The hash-chained audit log: intact after real work, and every kind of tampering named.

use kiln_registry::store::audit::{Verdict, entry_hash, verify};
use serde_json::{Value, json};

use crate::common::{TestApp, version_path};

crate::both! {
    the_audit_chain_is_intact_after_a_sequence_of_actions => intact;
    an_altered_entry_is_named_by_its_sequence_number => altered;
    a_removed_middle_entry_is_named_as_removed => removed_middle;
    a_removed_last_entry_is_caught_by_the_head => removed_last;
    the_audit_log_pages_in_order_with_after => paging;
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
