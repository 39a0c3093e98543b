//! The API's request and response types are the one contract of every client (the CLI, these
//! tests): each answer reads back as its type and serializes to exactly what was sent.

use kiln_registry::auth::Role;
use kiln_registry::changes::Changes;
use kiln_registry::error::Problem;
use kiln_registry::extract::Paged;
use kiln_registry::overview::Overview;
use kiln_registry::places::Place;
use kiln_registry::routes::audit::Verification;
use kiln_registry::routes::datasets::Preview;
use kiln_registry::routes::monitoring::Month;
use kiln_registry::routes::review::ReviewItem;
use kiln_registry::routes::runs::RunOutput;
use kiln_registry::routes::schedules::Schedule;
use kiln_registry::routes::tenants::Usage;
use kiln_registry::routes::tokens::{CreateToken, CreatedToken};
use kiln_registry::store::audit::AuditEntry;
use kiln_registry::store::datasets::DatasetVersion;
use kiln_registry::store::enablements::EnablementRecord;
use kiln_registry::store::keys::SigningKey;
use kiln_registry::store::namespaces::Namespace;
use kiln_registry::store::plugins::{PluginRecord, VersionRecord};
use kiln_registry::store::runs::RunRecord;
use kiln_registry::store::schedules::TickRecord;
use kiln_registry::store::tenants::TenantRecord;
use kiln_registry::store::tokens::TokenRecord;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::common::{Resp, TestApp};

crate::both! {
    every_answer_reads_back_as_its_type_unchanged => round_trips;
}

/// Asserts `resp` is a `T` that serializes back to the very JSON that was sent.
#[track_caller]
fn round_trip<T: DeserializeOwned + Serialize>(what: &str, resp: &Resp) -> T {
    let typed: T = resp.read();
    assert_eq!(serde_json::to_value(&typed).unwrap(), resp.json(), "{what} does not read back as it was sent");
    typed
}

async fn round_trips(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let olga = &app.operator.token;
    let maker = &app.maker.token;
    let erin = &app.enterprise.token;
    app.upload_csv(&app.enterprise, "readings", "value\n1.5\n2.5\n").await.expect(201);
    let enablement = app.enable(&app.enterprise, "good", json!({})).await;
    let run: RunRecord = round_trip("a sync run", app.submit(&app.enterprise, &enablement, "sync").await.expect(200));
    let queued: RunRecord =
        round_trip("a queued run", app.submit(&app.enterprise, &enablement, "queued").await.expect(202));
    assert!(queued.usage.is_none() && run.usage.is_some(), "{queued:?} {run:?}");

    let versions: Vec<VersionRecord> =
        round_trip("versions", app.get("/v1/plugins/acme/good/versions", maker).await.expect(200));
    assert_eq!(versions.len(), 1);
    round_trip::<VersionRecord>("a resolution", app.get("/v1/plugins/acme/good/resolve?req=*", erin).await.expect(200));
    round_trip::<Paged<PluginRecord>>("a search", app.get("/v1/plugins", erin).await.expect(200));
    round_trip::<Paged<ReviewItem>>("the review queue", app.get("/v1/review?status=approved", olga).await.expect(200));
    round_trip::<Changes>("changes", app.get("/v1/plugins/acme/good/versions/0.1.0/changes", erin).await.expect(200));
    round_trip::<Overview>("the overview", app.get("/v1/overview", olga).await.expect(200));
    round_trip::<Paged<Place>>("places", app.get("/v1/places", olga).await.expect(200));
    round_trip::<Verification>("a verification", app.post_empty("/v1/audit/verify", olga).await.expect(200));
    round_trip::<Namespace>("a namespace", app.get("/v1/namespaces/acme", maker).await.expect(200));
    round_trip::<Vec<SigningKey>>("keys", app.get("/v1/keys", maker).await.expect(200));
    round_trip::<Paged<TokenRecord>>("tokens", app.get("/v1/tokens", olga).await.expect(200));
    let request = CreateToken {
        principal: "second-maker".into(),
        role: Role::Maker,
        tenant: None,
        scopes: vec!["read".into()],
        expires_in_days: Some(1),
    };
    round_trip::<CreatedToken>("a created token", app.post("/v1/tokens", olga, json!(request)).await.expect(201));
    round_trip::<Vec<AuditEntry>>("the audit log", app.get("/v1/audit", olga).await.expect(200));
    round_trip::<Paged<TenantRecord>>("tenants", app.get("/v1/tenants", olga).await.expect(200));
    round_trip::<TenantRecord>("a tenant", app.get("/v1/tenants/t1", erin).await.expect(200));
    round_trip::<Usage>("usage", app.get("/v1/tenants/t1/usage", erin).await.expect(200));
    round_trip::<Vec<DatasetVersion>>("datasets", app.get("/v1/tenants/t1/datasets", erin).await.expect(200));
    round_trip::<Preview>("a preview", app.get("/v1/tenants/t1/datasets/readings/preview", erin).await.expect(200));
    round_trip::<Vec<EnablementRecord>>("enablements", app.get("/v1/tenants/t1/enablements", erin).await.expect(200));
    round_trip::<Paged<RunRecord>>("runs", app.get("/v1/tenants/t1/runs", erin).await.expect(200));
    let body = json!({"enablement": enablement, "cron": "0 8 2 * *"});
    let schedule: Schedule =
        round_trip("a schedule", app.post("/v1/tenants/t1/schedules", erin, body).await.expect(201));
    round_trip::<Vec<Schedule>>("schedules", app.get("/v1/tenants/t1/schedules", erin).await.expect(200));
    let ticks = format!("/v1/tenants/t1/schedules/{}/ticks", schedule.id);
    round_trip::<Paged<TickRecord>>("ticks", app.get(&ticks, erin).await.expect(200));
    let path = format!("/v1/tenants/t1/runs/{}/result", run.id);
    let output: RunOutput = round_trip("a run's output", app.get(&path, erin).await.expect(200));
    assert!(!output.tables.is_empty(), "{output:?}");
    round_trip::<Vec<Month>>("months", app.get("/v1/monitoring/months", olga).await.expect(200));
    let problem: Problem =
        round_trip("a problem", app.get("/v1/tenants/t1/runs/0123456789abcdef", erin).await.expect(404));
    assert_eq!(problem.status, 404);
}
