//! Plugin contract versions through the service: every version records the contract its
//! component was built against, and versions built against the frozen 0.1.0 contract keep
//! publishing, enabling and running — including one published before contracts were recorded
//! (a database left at migration 0005), once migrated.

use kiln_registry::auth::Role;
use kiln_registry::changes::{Changes, ContractDelta};
use kiln_registry::store::plugins::VersionRecord;
use kiln_registry::store::runs::RunState;
use serde_json::{Value, json};

use crate::common::{Actor, TestApp, version_path};

crate::both! {
    a_version_built_against_the_frozen_0_1_0_contract_records_it_and_runs_through_an_enablement => frozen_contract;
    a_version_published_before_contracts_were_recorded_reports_0_1_0_after_migrating_and_still_runs => migrated;
}

/// Uploads `readings`, enables `acme/raw` for `admin`'s tenant and runs it synchronously and on
/// a worker; both runs must succeed with the `raw` guest's one-cell table.
async fn runs_through_an_enablement(app: &TestApp, admin: &Actor) {
    app.upload_csv(admin, "readings", "value\n1.5\n2.5\n").await.expect(201);
    let enablement = app.enable(admin, "raw", json!({})).await;
    let sync: Value = app.submit(admin, &enablement, "sync").await.expect(200).json();
    assert_eq!(sync["state"], "succeeded", "{sync}");
    let tenant = admin.tenant.as_deref().unwrap();
    let result = format!("/v1/tenants/{tenant}/runs/{}/result?format=csv&table=t", sync["id"].as_str().unwrap());
    assert_eq!(app.get(&result, &admin.token).await.expect(200).text(), "x\r\n1.0\r\n");
    let worker = app.worker(&app.unique("w-contract-"), 5_000);
    let queued = app.submit(admin, &enablement, "queued").await.expect(202).json();
    let run = app.finished(admin, queued["id"].as_str().unwrap()).await;
    worker.abort();
    assert_eq!(run.state, RunState::Succeeded, "{run:?}");
}

async fn frozen_contract(app: TestApp) {
    let bytes = kiln_test_guests::bytes(kiln_test_guests::RAW);
    let published = app.publish(&app.maker, "acme", &bytes).await;
    assert_eq!(published.contract, "0.1.0");
    let path = version_path(&published);
    let queue = app.get("/v1/review?status=pending", &app.operator.token).await.expect(200).json();
    assert_eq!(queue["items"][0]["contract"], "0.1.0", "{queue}");
    app.post_empty(&format!("{path}/approve"), &app.operator.token).await.expect(200);

    runs_through_an_enablement(&app, &app.enterprise).await;

    // Every answer that carries the version says which contract it was built against.
    let erin = &app.enterprise.token;
    assert_eq!(app.get(&path, erin).await.expect(200).read::<VersionRecord>().contract, "0.1.0");
    let versions: Vec<VersionRecord> = app.get("/v1/plugins/acme/raw/versions", erin).await.expect(200).read();
    assert_eq!(versions.iter().map(|v| v.contract.as_str()).collect::<Vec<_>>(), ["0.1.0"]);
    let resolved: VersionRecord = app.get("/v1/plugins/acme/raw/resolve?req=*", erin).await.expect(200).read();
    assert_eq!(resolved.contract, "0.1.0");
    let changes: Changes = app.get(&format!("{path}/changes"), erin).await.expect(200).read();
    assert_eq!(changes.contract, ContractDelta { before: None, after: "0.1.0".into() });
}

/// What a 0.1.0 publish stored as the `raw` guest's describe(): the generated bindings'
/// serde form, outputs with a name and a doc and nothing else.
fn describe_as_stored_by_0005() -> Value {
    json!({
        "name": "raw",
        "version": "0.1.0",
        "description": "Returns what the SDK never would.",
        "params": [
            {"name": "attack", "type_": "String", "default": {"String": "none"}, "doc": ""},
            {"name": "n", "type_": "S64", "default": {"S64": 1}, "doc": ""}
        ],
        "datasets": [{"name": "readings", "columns": ["value"], "doc": ""}],
        "outputs": [{"name": "t", "doc": ""}]
    })
}

/// Builds a database at migration 0005 holding an approved `acme/raw@0.1.0` with rows as 0005
/// left them (no contract column), points the app at it, and checks the migrated version
/// reports contract 0.1.0 and still enables and runs.
async fn migrated(mut app: TestApp) {
    let bytes = kiln_test_guests::bytes(kiln_test_guests::RAW);
    let stored = describe_as_stored_by_0005();
    // The host still reads what was stored then: enabling parses it as the plugin's describe().
    let parsed: kiln_host::PluginInfo = serde_json::from_value(stored.clone()).expect("the stored describe() parses");
    assert_eq!(parsed, app.describe(&bytes).await, "the stored describe() is what the component says");
    let sha256 = kiln_host::sha256_hex(&bytes);
    app.state.blobs.put(&sha256, bytes.clone().into()).await.unwrap();

    let (legacy, url) = crate::common::legacy_database(&app, 6).await;
    let manifest = json!({"namespace": "acme", "name": "raw", "version": "0.1.0", "description": "d",
                          "license": "Apache-2.0", "repository": null, "categories": [], "capabilities": []});
    sqlx::raw_sql("INSERT INTO namespaces (name, created_by, created_at) VALUES ('acme', 'maria', 1)")
        .execute(&legacy)
        .await
        .unwrap();
    sqlx::raw_sql(
        "INSERT INTO plugins (namespace, name, description, categories, created_at) VALUES ('acme', 'raw', 'd', ',,', 1)",
    )
    .execute(&legacy)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO versions (namespace, name, version, sha256, size, manifest, describe, signature, key_id, status, \
         yanked, published_by, published_at, reviewed_by, reviewed_at, imports) \
         VALUES ('acme', 'raw', '0.1.0', $1, $2, $3, $4, 'aa', 'key1', 'approved', 0, 'maria', 1, 'olga', 2, $5)",
    )
    .bind(&sha256)
    .bind(bytes.len() as i64)
    .bind(manifest.to_string())
    .bind(stored.to_string())
    .bind(json!(["kiln:plugin/data@0.1.0"]).to_string())
    .execute(&legacy)
    .await
    .unwrap();
    legacy.close().await;

    // The upgrade: the service starts on the old database (migrating it) with the same blobs.
    app.db_url = url.clone();
    app.restart().await;
    app.operator = app.token("olga", Role::Operator, None, &[]).await;
    let v: VersionRecord = app.get("/v1/plugins/acme/raw/versions/0.1.0", &app.operator.token).await.expect(200).read();
    assert_eq!((v.contract.as_str(), &v.describe), ("0.1.0", &stored), "{v:?}");
    let admin = app.tenant("t2").await;
    runs_through_an_enablement(&app, &admin).await;
    crate::common::drop_legacy_database(&url).await;
}
