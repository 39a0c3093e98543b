//! A maker's own namespaces and everything published in them, whatever its review state:
//! `GET /v1/namespaces` and `GET /v1/namespaces/{ns}/plugins`. Hostile callers (another maker,
//! a tenant admin, nobody) must not learn what a namespace holds, nor that it exists.

use kiln_registry::auth::Role;
use kiln_registry::extract::Paged;
use kiln_registry::store::namespaces::NamespaceSummary;
use kiln_registry::store::plugins::{PluginVersions, Status};
use serde_json::json;

use crate::common::{TestApp, version_path};

crate::both! {
    a_maker_sees_plugins_without_an_approved_version_in_every_review_state => every_state;
    makers_list_only_their_own_namespaces_and_operators_list_all => listing;
    outsiders_are_told_a_namespace_does_not_exist_whether_it_does_or_not => outsiders;
    namespace_plugins_are_paged_by_plugin_with_all_their_versions => paging;
    paging_out_of_range_is_refused_on_both_lists => bad_paging;
}

fn guest(name: &str) -> Vec<u8> {
    kiln_test_guests::bytes(name)
}

/// The plugins of `ns` as `token` sees them, one page of 200.
async fn plugins_of(app: &TestApp, ns: &str, token: &str) -> Paged<PluginVersions> {
    app.get(&format!("/v1/namespaces/{ns}/plugins?per_page=200"), token).await.expect(200).read()
}

async fn every_state(app: TestApp) {
    let op = &app.operator.token;
    // acme: noop pending, good approved then yanked, energy-intensity rejected, oee's version
    // taken down, anomaly taken down as a whole plugin.
    app.publish(&app.maker, "acme", &guest(kiln_test_guests::NOOP)).await;
    let good = app.publish_approved(&app.maker, "acme", &guest(kiln_test_guests::GOOD)).await;
    app.post_empty(&format!("{}/yank", version_path(&good)), &app.maker.token).await.expect(200);
    let rejected = app.publish(&app.maker, "acme", &guest(kiln_test_guests::ENERGY_INTENSITY)).await;
    let reason = json!({"reason": "reads columns it does not need"});
    app.post(&format!("{}/reject", version_path(&rejected)), op, reason).await.expect(200);
    let oee = app.publish_approved(&app.maker, "acme", &guest(kiln_test_guests::OEE)).await;
    app.post(&format!("{}/takedown", version_path(&oee)), op, json!({"reason": "leaks data"})).await.expect(200);
    let anomaly = app.publish(&app.maker, "acme", &guest(kiln_test_guests::ANOMALY)).await;
    app.post(&format!("/v1/plugins/acme/{}/takedown", anomaly.name), op, json!({"reason": "malware"}))
        .await
        .expect(200);

    // The catalog shows the maker only what has an approved, available version...
    let catalog = app.get("/v1/plugins?namespace=acme", &app.maker.token).await.expect(200).json();
    assert_eq!(catalog["total"], 2, "{catalog}");
    // ... while its namespace's list shows every plugin and every version.
    let page = plugins_of(&app, "acme", &app.maker.token).await;
    assert_eq!(page.total, Some(5));
    let names: Vec<&str> = page.items.iter().map(|p| p.plugin.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "plugins are listed by name");
    let by_name = |name: &str| {
        let p = page.items.iter().find(|p| p.plugin.name == name).unwrap_or_else(|| panic!("{name} not listed"));
        assert_eq!(p.versions.len(), 1, "{name}: {:?}", p.versions);
        (p.plugin.clone(), p.versions[0].clone())
    };
    let (_, v) = by_name(&rejected.name);
    assert_eq!(v.status, Status::Rejected);
    assert_eq!(v.status_reason.as_deref(), Some("reads columns it does not need"));
    assert_eq!(v.reviewed_by.as_deref(), Some("olga"));
    assert!(v.reviewed_at.is_some());
    let (_, v) = by_name("noop");
    assert_eq!((v.status, v.reviewed_by.clone(), v.yanked, v.taken_down), (Status::Pending, None, false, false));
    let (_, v) = by_name("good");
    assert_eq!((v.status, v.yanked, v.taken_down), (Status::Approved, true, false));
    let (plugin, v) = by_name(&oee.name);
    assert_eq!((v.status, v.taken_down, v.takedown_reason.as_deref()), (Status::Approved, true, Some("leaks data")));
    assert!(plugin.taken_down_at.is_none(), "only the version was taken down");
    let (plugin, v) = by_name(&anomaly.name);
    assert_eq!(plugin.takedown_reason.as_deref(), Some("malware"));
    assert!(plugin.taken_down_at.is_some());
    assert_eq!((v.status, v.taken_down, v.takedown_reason.as_deref()), (Status::Pending, true, Some("malware")));

    // A read-only token of the maker's, and any operator, see the same.
    let read_only = app.token(&app.maker.name, Role::Maker, None, &["read"]).await;
    assert_eq!(plugins_of(&app, "acme", &read_only.token).await.items, page.items);
    assert_eq!(plugins_of(&app, "acme", op).await.items, page.items);
    // A member added later sees it all too.
    app.post("/v1/namespaces/acme/members", &app.maker.token, json!({"principal": "mona"})).await.expect(200);
    let mona = app.token("mona", Role::Maker, None, &[]).await;
    assert_eq!(plugins_of(&app, "acme", &mona.token).await.items, page.items);
}

async fn listing(app: TestApp) {
    app.publish(&app.maker, "acme", &guest(kiln_test_guests::NOOP)).await;
    app.publish_approved(&app.maker, "acme", &guest(kiln_test_guests::GOOD)).await;
    app.namespace("beta", &app.maker.name).await;
    app.post("/v1/namespaces/beta/members", &app.maker.token, json!({"principal": "otto"})).await.expect(200);
    app.namespace("ottos", &app.other.name).await;
    app.publish(&app.other, "ottos", &guest(kiln_test_guests::GOOD)).await;

    let list = |token: String| {
        let app = &app;
        async move { app.get("/v1/namespaces", &token).await.expect(200).read::<Paged<NamespaceSummary>>() }
    };
    let maria = list(app.maker.token.clone()).await;
    let summary = |name: &str, created_by: &str, members: i64, plugins: i64| -> (String, String, i64, i64) {
        (name.into(), created_by.into(), members, plugins)
    };
    let rows = |page: &Paged<NamespaceSummary>| -> Vec<(String, String, i64, i64)> {
        page.items.iter().map(|n| (n.name.clone(), n.created_by.clone(), n.member_count, n.plugin_count)).collect()
    };
    assert_eq!(rows(&maria), [summary("acme", "maria", 1, 2), summary("beta", "maria", 2, 0)]);
    assert_eq!(maria.total, Some(2));
    assert!(maria.items.iter().all(|n| n.created_at > 0));
    // Otto is a member of beta and owns ottos; he does not see acme.
    let otto = list(app.other.token.clone()).await;
    assert_eq!(rows(&otto), [summary("beta", "maria", 2, 0), summary("ottos", "otto", 1, 1)]);
    // Operators see every namespace.
    let all = list(app.operator.token.clone()).await;
    let names: Vec<&str> = all.items.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["acme", "beta", "ottos"]);
    assert_eq!(all.total, Some(3));
    // A maker with no namespace gets an empty page; paging works as on every list.
    let newbie = app.token("newbie", Role::Maker, None, &[]).await;
    let empty = list(newbie.token.clone()).await;
    assert!(empty.items.is_empty() && empty.total == Some(0));
    let second: Paged<NamespaceSummary> =
        app.get("/v1/namespaces?page=2&per_page=2", &app.operator.token).await.expect(200).read();
    assert_eq!((second.page, second.per_page, second.total), (2, 2, Some(3)));
    assert_eq!(second.items.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["ottos"]);

    // Tenant admins belong to no namespace and may not list them; nobody needs a token.
    app.get("/v1/namespaces", &app.enterprise.token).await.problem(403, "forbidden");
    app.get_anonymous("/v1/namespaces").await.problem(401, "unauthenticated");
    // A token without the read scope may not list either.
    let publish_only = app.token(&app.maker.name, Role::Maker, None, &["publish"]).await;
    app.get("/v1/namespaces", &publish_only.token).await.problem(403, "forbidden");
}

async fn outsiders(app: TestApp) {
    app.publish(&app.maker, "acme", &guest(kiln_test_guests::NOOP)).await;
    app.publish_approved(&app.maker, "acme", &guest(kiln_test_guests::GOOD)).await;
    let same = |hidden: &crate::common::Resp, missing: &crate::common::Resp, who: &str| {
        hidden.problem(404, "not-found");
        missing.problem(404, "not-found");
        // The detail names the namespace asked for and nothing else, so the two answers are the
        // same but for the name.
        let detail = |r: &crate::common::Resp, ns: &str| r.json()["detail"].as_str().unwrap().replace(ns, "NS");
        assert_eq!(detail(hidden, "acme"), detail(missing, "nothing"), "{who}");
        assert!(!hidden.text().contains("noop") && !hidden.text().contains("good"), "{who}: {}", hidden.text());
    };
    // Another maker and the admins of two tenants: a namespace they are not in looks exactly
    // like one that does not exist, even with approved plugins in it.
    let erin = app.enterprise.clone();
    let mimic = app.tenant("t2").await;
    for (who, token) in [("otto", &app.other.token), ("erin", &erin.token), ("t2-admin", &mimic.token)] {
        let hidden = app.get("/v1/namespaces/acme/plugins", token).await;
        let missing = app.get("/v1/namespaces/nothing/plugins", token).await;
        same(&hidden, &missing, who);
    }
    // Nor does the namespace list show them acme.
    let otto = app.get("/v1/namespaces", &app.other.token).await.expect(200).json();
    assert_eq!(otto["items"], json!([]), "{otto}");
    // No token: unauthenticated before anything is looked up.
    app.get_anonymous("/v1/namespaces/acme/plugins").await.problem(401, "unauthenticated");
    app.get_anonymous("/v1/namespaces/nothing/plugins").await.problem(401, "unauthenticated");
    // An operator learns that a namespace does not exist.
    app.get("/v1/namespaces/nothing/plugins", &app.operator.token).await.problem(404, "not-found");
    // Once otto is made a member, he sees it all.
    app.post("/v1/namespaces/acme/members", &app.maker.token, json!({"principal": "otto"})).await.expect(200);
    assert_eq!(plugins_of(&app, "acme", &app.other.token).await.total, Some(2));
}

async fn paging(app: TestApp) {
    for g in [kiln_test_guests::NOOP, kiln_test_guests::GOOD, kiln_test_guests::OEE] {
        app.publish(&app.maker, "acme", &guest(g)).await;
    }
    // A second and a third version of `good` (the same bytes under other version numbers,
    // written directly: a publish's version must be what describe() says).
    for (version, status, at) in [("0.2.0", "rejected", 1), ("0.10.0", "approved", 2)] {
        app.exec(&format!(
            "INSERT INTO versions (namespace, name, version, sha256, size, manifest, describe, signature, key_id, \
             status, yanked, published_by, published_at) \
             SELECT namespace, name, '{version}', sha256, size, manifest, describe, signature, key_id, '{status}', 0, \
             published_by, published_at + {at} FROM versions WHERE namespace = 'acme' AND name = 'good' AND version = '0.1.0'"
        ))
        .await;
    }
    let token = &app.maker.token;
    let mut seen = Vec::new();
    for n in 1..=3 {
        let page: Paged<PluginVersions> =
            app.get(&format!("/v1/namespaces/acme/plugins?per_page=1&page={n}"), token).await.expect(200).read();
        assert_eq!((page.page, page.per_page, page.total, page.items.len()), (n, 1, Some(3), 1));
        seen.extend(page.items);
    }
    let names: Vec<&str> = seen.iter().map(|p| p.plugin.name.as_str()).collect();
    let all = plugins_of(&app, "acme", token).await;
    assert_eq!(all.items, seen, "pages of one hold what one page of all holds");
    assert_eq!(names.len(), 3);
    // Each plugin has its own versions only, in publish order.
    for p in &seen {
        assert!(p.versions.iter().all(|v| v.namespace == "acme" && v.name == p.plugin.name), "{p:?}");
    }
    let good = seen.iter().find(|p| p.plugin.name == "good").unwrap();
    let versions: Vec<(&str, Status)> = good.versions.iter().map(|v| (v.version.as_str(), v.status)).collect();
    assert_eq!(versions, [("0.1.0", Status::Pending), ("0.2.0", Status::Rejected), ("0.10.0", Status::Approved)]);
    // Past the last page: an empty page, the total still known.
    let past: Paged<PluginVersions> =
        app.get("/v1/namespaces/acme/plugins?per_page=2&page=3", token).await.expect(200).read();
    assert!(past.items.is_empty() && past.total == Some(3));
    // An empty namespace has no plugins, and says so.
    app.post("/v1/namespaces", token, json!({"name": "fresh"})).await.expect(201);
    let empty = plugins_of(&app, "fresh", token).await;
    assert!(empty.items.is_empty() && empty.total == Some(0));
}

async fn bad_paging(app: TestApp) {
    for query in ["per_page=0", "per_page=201", "page=0", "page=x"] {
        for path in ["/v1/namespaces", "/v1/namespaces/acme/plugins"] {
            app.get(&format!("{path}?{query}"), &app.maker.token).await.problem(422, "invalid-request");
        }
    }
}
