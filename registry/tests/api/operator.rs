//! What the console's operator pages read: place names learned from imports and shown in
//! rollups, the overview, the review desk's changes, and the audit log's filters and
//! server-side verification.

use kiln_registry::auth::Role;
use serde_json::{Value, json};

use crate::common::{Actor, TestApp, version_path};

crate::both! {
    an_import_teaches_the_registry_names_that_rollups_show_without_weakening_suppression => names_in_rollups;
    places_are_listed_by_kind_for_operators_only => places_listing;
    an_import_with_bad_place_names_is_refused_whole => hostile_places;
    the_overview_counts_reviews_todays_runs_tenants_and_storage => overview;
    the_review_queue_shows_what_changed_since_the_previous_version => review_changes;
    changes_are_shown_only_to_who_may_see_the_version => changes_visibility;
    tenants_are_found_by_id_or_name_and_wildcards_match_only_themselves => tenant_search;
}

fn tenant(id: &str, district: &str, park: &str) -> Value {
    json!({"id": id, "name": format!("{id} 有限公司"), "district": district, "park": park, "industry": "C39",
           "size_class": "micro"})
}

fn places(en_yanta: &str) -> Value {
    json!([
        {"kind": "district", "id": "yanta", "zh": "雁塔区", "en": en_yanta},
        {"kind": "park", "id": "qujiang", "zh": "曲江新区"},
        {"kind": "industry", "id": "C39", "zh": "计算机、通信和其他电子设备制造业",
         "en": "Manufacture of Computers, Communication and Other Electronic Equipment"},
    ])
}

/// Reports one month for the tenant of `admin`.
async fn report(app: &TestApp, admin: &Actor, output: f64) {
    let tenant = admin.tenant.as_deref().unwrap();
    let csv = format!(
        "enterprise_id,month,output_value,energy_tce,electricity_kwh,employees\n{tenant},2025-06,{output},1.0,100,10\n"
    );
    app.upload_csv(admin, "monthly_indicators", &csv).await.expect(201);
}

async fn rollup(app: &TestApp, query: &str) -> Vec<Value> {
    let path = format!("/v1/monitoring/rollup?month=2025-06&{query}");
    app.get(&path, &app.operator.token).await.expect(200).json()["cells"].as_array().unwrap().clone()
}

async fn names_in_rollups(app: TestApp) {
    // Four firms in 曲江新区 and one in a park nobody named.
    let mut tenants: Vec<Value> = (1..=4).map(|n| tenant(&format!("q{n}"), "yanta", "qujiang")).collect();
    tenants.push(tenant("x1", "yanta", "mystery"));
    let body = json!({"tenants": tenants, "places": places("Yanta District")});
    let report_body = app.post("/v1/tenants/import", &app.operator.token, body).await.expect(200).json();
    assert_eq!(report_body, json!({"created": 5, "existing": 0, "places": 3}));
    for id in ["q1", "q2", "q3", "q4", "x1"] {
        let admin = app.token(&format!("{id}-admin"), Role::EnterpriseAdmin, Some(id), &[]).await;
        report(&app, &admin, 100.0).await;
    }

    let district = rollup(&app, "level=district&district=yanta").await;
    assert_eq!(district[0]["district_name"], json!({"zh": "雁塔区", "en": "Yanta District"}));
    assert!(district[0]["park_name"].is_null(), "no park key, no park name: {}", district[0]);

    let parks = rollup(&app, "level=park&district=yanta").await;
    let park = |id: &str| parks.iter().find(|c| c["park"] == id).unwrap().clone();
    // No English name was imported: the Chinese one stands in.
    assert_eq!(park("qujiang")["park_name"], json!({"zh": "曲江新区", "en": "曲江新区"}));
    // Never imported: named by its id. A one-firm park stays suppressed, named or not.
    let mystery = park("mystery");
    assert_eq!(mystery["park_name"], json!({"zh": "mystery", "en": "mystery"}));
    assert_eq!((mystery["suppressed"].as_str(), mystery["indicators"].is_null()), (Some("primary"), true));
    assert!(park("qujiang")["suppressed"].is_string(), "its sibling is hidden with it: {parks:?}");

    let industries = rollup(&app, "level=industry&park=qujiang").await;
    assert_eq!(
        industries[0]["industry_name"]["en"],
        "Manufacture of Computers, Communication and Other Electronic Equipment"
    );
    let firms = rollup(&app, "level=enterprise&park=qujiang").await;
    assert_eq!(firms.len(), 4);
    for c in &firms {
        assert_eq!(c["enterprise_name"], format!("{} 有限公司", c["enterprise"].as_str().unwrap()));
        assert!(c["indicators"].is_null(), "a single firm is never published: {c}");
    }

    // A later import corrects a name; the next rollup shows it (the import moved the audit head).
    let body = json!({"tenants": [], "places": places("Yanta Dist.")});
    let again = app.post("/v1/tenants/import", &app.operator.token, body).await.expect(200).json();
    assert_eq!(again, json!({"created": 0, "existing": 0, "places": 3}));
    let district = rollup(&app, "level=district&district=yanta").await;
    assert_eq!(district[0]["district_name"]["en"], "Yanta Dist.");
    let entry =
        app.get("/v1/audit?action=tenant.import&order=desc&limit=1", &app.operator.token).await.expect(200).json();
    assert!(entry[0]["details"].as_str().unwrap().contains("\"places\":3"));
}

async fn places_listing(app: TestApp) {
    let body = json!({"tenants": [], "places": places("Yanta District")});
    app.post("/v1/tenants/import", &app.operator.token, body).await.expect(200);
    let op = &app.operator.token;
    let all = app.get("/v1/places", op).await.expect(200).json();
    let keys: Vec<(String, String)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["kind"].as_str().unwrap().to_string(), p["id"].as_str().unwrap().to_string()))
        .collect();
    let expected = [("district", "yanta"), ("park", "none"), ("park", "qujiang"), ("industry", "C39")];
    assert_eq!(keys, expected.map(|(k, i)| (k.to_string(), i.to_string())), "districts, parks, industries");
    assert_eq!(all["total"], 4);
    assert_eq!(all["items"][1]["name"], json!({"zh": "园区外", "en": "Outside industrial parks"}));

    let parks = app.get("/v1/places?kind=park&per_page=1&page=2", op).await.expect(200).json();
    assert_eq!((parks["total"].as_i64(), parks["items"][0]["id"].as_str()), (Some(2), Some("qujiang")));
    app.get("/v1/places?kind=county", op).await.problem(422, "invalid-request");
    app.get("/v1/places?per_page=0", op).await.problem(422, "invalid-request");
    app.get("/v1/places", &app.enterprise.token).await.problem(403, "forbidden");
    app.get("/v1/places", &app.maker.token).await.problem(403, "forbidden");
    app.get_anonymous("/v1/places").await.problem(401, "unauthenticated");
}

async fn hostile_places(app: TestApp) {
    let op = &app.operator.token;
    let tenants_before = app.count("SELECT COUNT(*) FROM tenants").await;
    let places_before = app.count("SELECT COUNT(*) FROM places").await;
    let audit_before = app.audit_rows().await;
    let bad = [
        // One id, two names.
        json!([{"kind": "district", "id": "yanta", "zh": "雁塔区"}, {"kind": "district", "id": "yanta", "zh": "别的"}]),
        json!([{"kind": "district", "id": "yanta", "zh": "  "}]),
        json!([{"kind": "district", "id": "", "zh": "雁塔区"}]),
        json!([{"kind": "district", "id": "yanta", "zh": "名".repeat(201)}]),
        json!([{"kind": "county", "id": "yanta", "zh": "雁塔区"}]),
        json!([{"kind": "district", "id": "yanta", "zh": "雁塔区", "extra": 1}]),
    ];
    for places in bad {
        let body = json!({"tenants": [tenant("h1", "yanta", "none")], "places": places});
        app.post("/v1/tenants/import", op, body).await.problem(422, "invalid-request");
    }
    // Not an operator: nothing learned either.
    let body = json!({"tenants": [], "places": places("Yanta District")});
    app.post("/v1/tenants/import", &app.enterprise.token, body.clone()).await.problem(403, "forbidden");
    app.post("/v1/tenants/import", &app.maker.token, body).await.problem(403, "forbidden");
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, tenants_before, "no tenant of a refused import");
    assert_eq!(app.count("SELECT COUNT(*) FROM places").await, places_before, "no name of a refused import");
    assert_eq!(app.audit_rows().await, audit_before);
}

async fn overview(app: TestApp) {
    let op = &app.operator.token;
    let fresh = app.get("/v1/overview", op).await.expect(200).json();
    assert_eq!(fresh["pending_reviews"], 0);
    assert_eq!(fresh["tenants"], json!({"total": 1, "opted_in": 1}));
    assert_eq!(fresh["storage"], json!({"datasets_bytes": 0, "components_bytes": 0, "total_bytes": 0}));
    assert_eq!(fresh["runs_today"]["time_zone"], "Asia/Shanghai");
    let since = fresh["runs_today"]["since"].as_i64().unwrap();
    let at = fresh["at"].as_i64().unwrap();
    assert!(since <= at && at - since < 86_400_000 && (since + 8 * 3_600_000) % 86_400_000 == 0, "{fresh}");

    let good = app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let noop = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::NOOP)).await;
    let admin = &app.enterprise;
    app.upload_csv(admin, "readings", "value\n1.5\n2.5\n").await.expect(201);
    let enablement = app.enable(admin, "good", json!({})).await;
    for _ in 0..3 {
        app.submit(admin, &enablement, "sync").await.expect(200);
    }
    app.submit(admin, &enablement, "queued").await.expect(202);
    // One run failed, one is from yesterday (Shanghai time).
    app.exec("UPDATE runs SET state = 'failed' WHERE id = (SELECT MIN(id) FROM runs WHERE state = 'succeeded')").await;
    app.exec(&format!(
        "UPDATE runs SET created_at = {} WHERE id = (SELECT MAX(id) FROM runs WHERE state = 'succeeded')",
        since - 1
    ))
    .await;

    let o = app.get("/v1/overview", op).await.expect(200).json();
    assert_eq!(o["pending_reviews"], 1);
    let runs = &o["runs_today"];
    assert_eq!(
        (runs["total"].as_i64(), runs["succeeded"].as_i64(), runs["failed"].as_i64(), runs["unfinished"].as_i64()),
        (Some(3), Some(1), Some(1), Some(1)),
        "{o}"
    );
    assert_eq!(o["queue"]["queued"], 1);
    let components = good.size + noop.size;
    assert_eq!(o["storage"]["components_bytes"], components);
    let datasets = o["storage"]["datasets_bytes"].as_i64().unwrap();
    assert!(datasets > 0);
    assert_eq!(o["storage"]["total_bytes"], components + datasets);

    app.get("/v1/overview", &app.enterprise.token).await.problem(403, "forbidden");
    app.get("/v1/overview", &app.maker.token).await.problem(403, "forbidden");
    app.get_anonymous("/v1/overview").await.problem(401, "unauthenticated");
    let scoped = app.token("olga", Role::Operator, None, &["review"]).await;
    app.get("/v1/overview", &scoped.token).await.problem(403, "forbidden");
}

/// Stores `good@0.0.9` as approved, with a describe() unlike 0.1.0's: `scale` missing,
/// `column` typed differently, a dataset that is gone and `readings` reading another column.
async fn older_good(app: &TestApp, imports: Option<&str>) {
    let current = app.get("/v1/plugins/acme/good/versions/0.1.0", &app.operator.token).await.expect(200).json();
    let mut describe = current["describe"].clone();
    let params = describe["params"].as_array_mut().unwrap();
    params.retain(|p| p["name"] != "scale");
    params.iter_mut().filter(|p| p["name"] == "column").for_each(|p| p["doc"] = json!("an older doc"));
    describe["datasets"] = json!([{"name": "readings", "columns": ["value", "ts"], "doc": "Any dataset with an f64 column."},
                                  {"name": "legacy", "columns": ["x"], "doc": ""}]);
    let imports = imports.map_or("NULL".to_string(), |i| format!("'{i}'"));
    app.exec(&format!(
        "INSERT INTO versions (namespace, name, version, sha256, size, manifest, describe, signature, key_id, status, \
         yanked, published_by, published_at, imports) VALUES ('acme', 'good', '0.0.9', 'aa', 10, '{{}}', '{}', '', \
         'oldkey', 'approved', 0, 'maria', 0, {imports})",
        describe.to_string().replace('\'', "''")
    ))
    .await;
}

async fn review_changes(app: TestApp) {
    let op = &app.operator.token;
    let v = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    // A first version: everything it declares is new.
    let queue = app.get("/v1/review", op).await.expect(200).json();
    assert_eq!(queue["total"], 1);
    let item = &queue["items"][0];
    for field in ["describe", "imports", "size", "sha256", "key_id", "signature", "manifest"] {
        assert!(!item[field].is_null(), "queue items carry `{field}`: {item}");
    }
    let imports: Vec<&str> = item["imports"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
    assert!(imports.iter().any(|i| i.starts_with("kiln:plugin/")), "{imports:?}");
    let changes = &item["changes"];
    assert!(changes["base"].is_null());
    assert_eq!(changes["params"]["added"], json!(["column", "dataset", "scale"]));
    assert_eq!(changes["datasets"]["added"], json!(["readings"]));
    assert_eq!(changes["outputs"]["added"], json!(["sum", "summary"]));
    assert_eq!(changes["size"], json!({"before": null, "after": v.size, "delta": null}));

    older_good(&app, Some(r#"["kiln:plugin/data@0.1.0","wasi:old/thing@0.2.0"]"#)).await;
    let item = app.get("/v1/review", op).await.expect(200).json()["items"][0].clone();
    let c = &item["changes"];
    assert_eq!((c["base"].as_str(), c["base_status"].as_str()), (Some("0.0.9"), Some("approved")));
    assert_eq!(c["params"]["added"], json!(["scale"]));
    assert_eq!(c["params"]["changed"], json!([{"name": "column", "fields": ["doc"]}]));
    assert_eq!(c["datasets"]["removed"], json!(["legacy"]));
    assert_eq!(c["columns"], json!([{"dataset": "readings", "added": [], "removed": ["ts"]}]));
    assert_eq!(c["outputs"], json!({"added": [], "removed": [], "changed": []}));
    let removed = c["imports"]["removed"].as_array().unwrap();
    assert!(removed.contains(&json!("wasi:old/thing@0.2.0")), "{c}");
    assert_eq!(c["size"]["delta"], v.size - 10);
    assert_eq!(c["key_changed"], true);
    // The same answer on the version's own route.
    let own = app.get(&format!("{}/changes", version_path(&v)), op).await.expect(200).json();
    assert_eq!(&own, c);

    // Approved versions leave the pending queue; the listing of another status carries changes too.
    app.post_empty(&format!("{}/approve", version_path(&v)), op).await.expect(200);
    let pending = app.get("/v1/review", op).await.expect(200).json();
    assert_eq!((pending["total"].as_i64(), pending["items"].as_array().unwrap().len()), (Some(0), 0));
    let approved = app.get("/v1/review?status=approved", op).await.expect(200).json();
    assert_eq!(approved["total"], 2);
    assert!(approved["items"].as_array().unwrap().iter().all(|i| i["changes"].is_object()));
    app.get("/v1/review", &app.maker.token).await.problem(403, "forbidden");
    app.get("/v1/review?status=lost", op).await.problem(422, "invalid-request");
}

async fn changes_visibility(app: TestApp) {
    let v = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    // Imports unknown on the base (published before they were recorded): unknown, not empty.
    older_good(&app, None).await;
    let path = format!("{}/changes", version_path(&v));
    let member = app.get(&path, &app.maker.token).await.expect(200).json();
    assert_eq!(member["base"], "0.0.9");
    assert!(member["imports"].is_null(), "{member}");
    // A pending version is hidden from outsiders, its changes with it.
    app.get(&path, &app.other.token).await.problem(404, "not-found");
    app.get(&path, &app.enterprise.token).await.problem(404, "not-found");
    app.get_anonymous(&path).await.problem(401, "unauthenticated");
    app.get("/v1/plugins/acme/good/versions/9.9.9/changes", &app.operator.token).await.problem(404, "not-found");
    // Once approved, anyone signed in sees them, compared with what they may see.
    app.post_empty(&format!("{}/approve", version_path(&v)), &app.operator.token).await.expect(200);
    let outsider = app.get(&path, &app.enterprise.token).await.expect(200).json();
    assert_eq!(outsider["base"], "0.0.9");
}

async fn tenant_search(app: TestApp) {
    let tenants = json!({"tenants": [
        {"id": "e00101", "name": "西安隆基绿能科技有限公司", "district": "changan", "park": "none", "industry": "C38", "size_class": "large"},
        {"id": "e00102", "name": "Xi'an Aero Engine Co.", "district": "weiyang", "park": "none", "industry": "C37", "size_class": "large"},
        {"id": "e00103", "name": "100% Solar_Works", "district": "changan", "park": "none", "industry": "C38", "size_class": "small"},
    ]});
    app.post("/v1/tenants/import", &app.operator.token, tenants).await.expect(200);
    let ids = |query: &str| {
        let query = query.to_string();
        let app = &app;
        async move {
            let page = app.get(&format!("/v1/tenants?{query}"), &app.operator.token).await.expect(200).json();
            let ids: Vec<String> =
                page["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().into()).collect();
            assert_eq!(page["total"], ids.len(), "{query}: {page}");
            ids
        }
    };
    assert_eq!(ids("q=e0010").await, ["e00101", "e00102", "e00103"]);
    assert_eq!(ids("q=%E9%9A%86%E5%9F%BA").await, ["e00101"], "a Chinese name matches");
    assert_eq!(ids("q=AERO").await, ["e00102"], "ASCII in any case");
    assert_eq!(ids("q=%25").await, ["e00103"], "`%` is a literal percent sign");
    assert_eq!(ids("q=r_W").await, ["e00103"], "`_` is a literal underscore");
    assert!(ids("q=o_e").await.is_empty(), "`_` does not match any one character");
    assert_eq!(ids("q=e001&district=changan").await, ["e00101", "e00103"]);
    assert_eq!(
        ids("q=%20%20").await.len() as i64,
        app.count("SELECT COUNT(*) FROM tenants").await,
        "blank is no filter"
    );
    // An enterprise admin still sees only its own tenant, whatever it searches for.
    let own = app.get("/v1/tenants?q=e001", &app.enterprise.token).await.expect(200).json();
    assert_eq!(own["items"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect::<Vec<_>>(), [json!("t1")]);
    app.get("/v1/tenants?q=a%00b", &app.operator.token).await.problem(422, "invalid-request");
}
