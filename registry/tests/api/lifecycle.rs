//! A version's life: pending, approved, resolved, yanked, unyanked, taken down.

use kiln_registry::store::plugins::Status;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::{TestApp, version_path};

crate::both! {
    a_version_is_hidden_until_approved_then_resolves_until_yanked_or_taken_down => lifecycle;
    a_rejection_needs_a_reason_and_hides_the_version => rejection;
    a_taken_down_plugin_refuses_resolves_downloads_and_new_publishes => plugin_takedown;
    resolve_picks_the_newest_approved_match_and_checks_the_requirement => resolve_rules;
}

async fn lifecycle(app: TestApp) {
    let bytes = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let v = app.publish(&app.maker, "acme", &bytes).await;
    let path = version_path(&v);
    let resolve = "/v1/plugins/acme/good/resolve?req=%5E0.1";
    let erin = &app.enterprise.token;
    assert_eq!(v.status, Status::Pending);

    // Pending: the maker sees it, the enterprise does not.
    app.get(&path, &app.maker.token).await.expect(200);
    app.get(&path, erin).await.problem(404, "not-found");
    app.get(&format!("{path}/download"), erin).await.problem(404, "not-found");
    app.get(resolve, erin).await.problem(404, "no-matching-version");
    app.get("/v1/plugins/acme/good/versions", erin).await.problem(404, "not-found");
    assert_eq!(
        app.get("/v1/plugins/acme/good/versions", &app.maker.token).await.expect(200).json()[0]["version"],
        "0.1.0"
    );
    assert_eq!(app.get("/v1/plugins", erin).await.expect(200).json()["total"], 0);
    // Yanking and approving are not the maker's and the operator's to swap.
    app.post_empty(&format!("{path}/approve"), &app.maker.token).await.problem(403, "forbidden");

    // Approved: it resolves, once.
    let approved = app.post_empty(&format!("{path}/approve"), &app.operator.token).await.expect(200).json();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["reviewed_by"], "olga");
    app.post_empty(&format!("{path}/approve"), &app.operator.token).await.problem(409, "conflict");
    let resolved = app.get(resolve, erin).await.expect(200).json();
    assert_eq!(resolved["version"], "0.1.0");
    assert_eq!(resolved["sha256"], v.sha256);
    assert_eq!(app.get("/v1/plugins", erin).await.expect(200).json()["items"][0]["name"], "good");
    app.get("/v1/plugins/acme/good/resolve?req=%5E0.2", erin).await.problem(404, "no-matching-version");

    // Yanked: no longer resolves, still downloads, intact.
    let yanked = app.post_empty(&format!("{path}/yank"), &app.maker.token).await.expect(200).json();
    assert_eq!(yanked["yanked"], true);
    app.get(resolve, erin).await.problem(404, "no-matching-version");
    let download = app.get(&format!("{path}/download"), erin).await;
    download.expect(200);
    assert_eq!(download.content_type(), "application/wasm");
    let sha = hex::encode(Sha256::digest(&download.body));
    assert_eq!(sha, v.sha256, "downloaded bytes hash to the record's sha256");
    assert_eq!(download.headers["x-kiln-sha256"], sha.as_str());
    assert_eq!(download.body.as_ref(), bytes.as_slice());

    // Unyanked: resolves again.
    app.post_empty(&format!("{path}/unyank"), &app.maker.token).await.expect(200);
    app.get(resolve, erin).await.expect(200);

    // Taken down (with a reason): neither resolves nor downloads, for anyone.
    for reason in [json!({"reason": ""}), json!({"reason": " "}), json!({})] {
        app.post(&format!("{path}/takedown"), &app.operator.token, reason).await.problem(422, "invalid-request");
    }
    app.get(resolve, erin).await.expect(200);
    app.post(&format!("{path}/takedown"), &app.operator.token, json!({"reason": "exfiltrates data"})).await.expect(200);
    app.get(resolve, erin).await.problem(404, "no-matching-version");
    for token in [erin, &app.maker.token, &app.operator.token] {
        let resp = app.get(&format!("{path}/download"), token).await;
        resp.problem(410, "taken-down");
        assert!(resp.json()["detail"].as_str().unwrap().contains("exfiltrates data"), "{}", resp.text());
    }
    let shown = app.get(&path, &app.maker.token).await.expect(200).json();
    assert_eq!(
        (shown["taken_down"].clone(), shown["takedown_reason"].clone()),
        (json!(true), json!("exfiltrates data"))
    );

    let actions: Vec<String> = app.get("/v1/audit", &app.operator.token).await.expect(200).json().as_array().unwrap()
        [TestApp::SETUP_AUDIT_ENTRIES as usize..]
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        ["version.publish", "version.approve", "version.yank", "version.unyank", "version.takedown"],
        "each change is audited once, and refusals not at all"
    );
}

async fn rejection(app: TestApp) {
    let v = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let reject = format!("{}/reject", version_path(&v));
    let audit = app.audit_rows().await;
    for body in [json!({"reason": ""}), json!({"reason": "   "})] {
        app.post(&reject, &app.operator.token, body).await.problem(422, "invalid-request");
    }
    app.post_empty(&reject, &app.operator.token).await.problem(422, "invalid-request");
    app.post(&reject, &app.operator.token, json!({})).await.problem(422, "invalid-request");
    assert_eq!(app.audit_rows().await, audit);

    let rejected = app.post(&reject, &app.operator.token, json!({"reason": "reads columns it does not need"})).await;
    let rejected = rejected.expect(200).json();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["status_reason"], "reads columns it does not need");
    // Decided: neither approvable nor resolvable, and hidden from enterprises.
    app.post_empty(&format!("{}/approve", version_path(&v)), &app.operator.token).await.problem(409, "conflict");
    app.get(&version_path(&v), &app.enterprise.token).await.problem(404, "not-found");
    app.get("/v1/plugins/acme/good/resolve?req=*", &app.enterprise.token).await.problem(404, "no-matching-version");
    let queue = app.get("/v1/review?status=rejected", &app.operator.token).await.expect(200).json();
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/v1/review", &app.operator.token).await.expect(200).json()["items"], json!([]));
}

async fn plugin_takedown(app: TestApp) {
    let good = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let v = app.publish_approved(&app.maker, "acme", &good).await;
    let erin = &app.enterprise.token;
    app.get("/v1/plugins/acme/good/resolve?req=%5E0.1", erin).await.expect(200);

    let taken =
        app.post("/v1/plugins/acme/good/takedown", &app.operator.token, json!({"reason": "license violation"})).await;
    assert!(taken.expect(200).json()["taken_down_at"].is_i64());
    app.get("/v1/plugins/acme/good/resolve?req=%5E0.1", erin).await.problem(404, "no-matching-version");
    app.get(&format!("{}/download", version_path(&v)), erin).await.problem(410, "taken-down");
    let shown = app.get(&version_path(&v), &app.maker.token).await.expect(200).json();
    assert_eq!(shown["taken_down"], true);
    assert_eq!(shown["takedown_reason"], "license violation");

    // New publishes under the plugin are refused, without a trace.
    let p = app.publish_of(&app.maker, "acme", &good).await;
    app.refused_publish(&app.maker, &p.path(), p.body(), 410, "taken-down").await;
    // Other plugins in the namespace are unaffected.
    app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::NOOP)).await;
    // Unknown plugins cannot be taken down.
    app.post("/v1/plugins/acme/nothing/takedown", &app.operator.token, json!({"reason": "x"}))
        .await
        .problem(404, "not-found");
}

async fn resolve_rules(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let erin = &app.enterprise.token;
    for req in ["%5E0.1", "0.1.0", "%3D0.1.0", "*", "%3E%3D0.0.1%2C%20%3C1"] {
        let resolved = app.get(&format!("/v1/plugins/acme/good/resolve?req={req}"), erin).await.expect(200).json();
        assert_eq!(resolved["version"], "0.1.0", "req {req}");
    }
    app.get("/v1/plugins/acme/good/resolve?req=not-a-req", erin).await.problem(422, "invalid-version");
    app.get("/v1/plugins/acme/good/resolve", erin).await.problem(422, "invalid-request");
    app.get("/v1/plugins/acme/nothing/resolve?req=*", erin).await.problem(404, "no-matching-version");
}
