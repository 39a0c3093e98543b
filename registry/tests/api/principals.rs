//! Principals are identities: a name is held by one principal, and tokens, keys and namespace
//! membership belong to a principal's id. Hostile callers here share names with their victims.

use kiln_registry::auth::Role;
use serde_json::json;

use crate::common::TestApp;

crate::both! {
    a_name_cannot_be_issued_to_a_second_identity => name_taken;
    same_named_admins_cannot_list_or_revoke_each_others_tokens => same_named_admins;
    a_tenant_admin_cannot_touch_operator_tokens => operator_tokens;
    bootstrap_recovers_once_no_operator_token_is_live => bootstrap_recovers;
    a_non_maker_is_never_a_namespace_member => non_maker_member;
    principals_migrate_from_names_to_identities => migration;
}

async fn name_taken(app: TestApp) {
    app.tenant("t2").await;
    // The name `erin` is t1's admin: t2 cannot get a principal of that name, nor can a maker.
    let body = json!({"principal": "erin", "role": "enterprise-admin", "tenant": "t2"});
    app.post("/v1/tokens", &app.operator.token, body).await.problem(409, "conflict");
    let body = json!({"principal": "erin", "role": "maker"});
    app.post("/v1/tokens", &app.operator.token, body).await.problem(409, "conflict");
    // The same identity gets a second token of its own.
    let body = json!({"principal": "erin", "role": "enterprise-admin", "tenant": "t1"});
    let again = app.post("/v1/tokens", &app.operator.token, body).await.expect(201).json();
    let own = app.get("/v1/tokens", &app.enterprise.token).await.expect(200).json();
    assert_eq!(own["items"].as_array().unwrap().len(), 2, "{own}");
    assert!(own["items"].as_array().unwrap().iter().all(|t| t["principal_id"] == again["record"]["principal_id"]));
}

async fn same_named_admins(app: TestApp) {
    // The attack of old: `root` administers t1, and an operator, by mistake or on request,
    // names t2's admin `root` too. Today the second is refused outright...
    let t1_root = app.token("root", Role::EnterpriseAdmin, Some("t1"), &[]).await;
    let t2 = app.tenant("t2").await;
    let body = json!({"principal": "root", "role": "enterprise-admin", "tenant": "t2"});
    app.post("/v1/tokens", &app.operator.token, body).await.problem(409, "conflict");
    // ... and even a principal that shares a token list's name cannot reach another's tokens:
    // t2's admin sees only its own, and cannot revoke t1's `root` token.
    let listed = app.get("/v1/tokens", &t2.token).await.expect(200).json();
    let ids: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [t2.token_id.as_str()], "{listed}");
    app.delete(&format!("/v1/tokens/{}", t1_root.token_id), &t2.token).await.problem(404, "not-found");
    app.get("/v1/tokens", &t1_root.token).await.expect(200);
}

async fn operator_tokens(app: TestApp) {
    // The operator goes by the bootstrap default, `admin`; a tenant admin may not be named
    // `admin` too (it used to be, and then listed and revoked the operator's tokens).
    let op = app.token("admin", Role::Operator, None, &[]).await;
    let body = json!({"principal": "admin", "role": "enterprise-admin", "tenant": "t1"});
    app.post("/v1/tokens", &app.operator.token, body).await.problem(409, "conflict");
    // No tenant admin reaches an operator's token, by list or by id.
    let erin = &app.enterprise;
    app.delete(&format!("/v1/tokens/{}", op.token_id), &erin.token).await.problem(404, "not-found");
    let listed = app.get("/v1/tokens", &erin.token).await.expect(200).json();
    assert!(listed["items"].as_array().unwrap().iter().all(|t| t["principal"] == "erin"), "{listed}");
    app.get("/v1/tenants", &op.token).await.expect(200);
}

async fn bootstrap_recovers(app: TestApp) {
    // While the operator's token is live, bootstrap refuses.
    let refused = kiln_registry::bootstrap(&app.db_url, "olga").await;
    assert!(refused.is_err(), "bootstrap issued a second operator token while one was live");
    // An expired operator token does not count as live either.
    let spare = app.token("olga", Role::Operator, None, &[]).await;
    app.exec(&format!("UPDATE tokens SET expires_at = 1 WHERE id = '{}'", spare.token_id)).await;
    app.delete(&format!("/v1/tokens/{}", app.operator.token_id), &app.operator.token).await.expect(204);
    app.get("/v1/tenants", &app.operator.token).await.problem(401, "unauthenticated");
    // With no live operator token left, bootstrap lets the operator back in as the same
    // principal, and only once.
    let created = kiln_registry::bootstrap(&app.db_url, "olga").await.expect("bootstrap recovers");
    assert_eq!(created.record.role, Role::Operator);
    app.get("/v1/tenants", &created.token).await.expect(200);
    assert!(kiln_registry::bootstrap(&app.db_url, "olga").await.is_err(), "bootstrap ran twice");
    // Bootstrap cannot take over a name another identity holds.
    app.delete(&format!("/v1/tokens/{}", created.record.id), &created.token).await.expect(204);
    assert!(kiln_registry::bootstrap(&app.db_url, "erin").await.is_err(), "bootstrap took a tenant admin's name");
}

async fn non_maker_member(app: TestApp) {
    let pending = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let path = crate::common::version_path(&pending);
    // `maria` is the maker; a tenant admin cannot share her name, and naming t1's admin as a
    // member is refused: members publish, so only makers are members.
    let body = json!({"principal": "maria", "role": "enterprise-admin", "tenant": "t1"});
    app.post("/v1/tokens", &app.operator.token, body).await.problem(409, "conflict");
    let body = json!({"principal": "erin"});
    app.post("/v1/namespaces/acme/members", &app.maker.token, body).await.problem(422, "invalid-request");
    app.get(&path, &app.enterprise.token).await.problem(404, "not-found");
    app.get(&path, &app.maker.token).await.expect(200);
    // A name that is free becomes a maker's (without tokens yet), so it can never be issued
    // to a tenant admin later.
    app.post("/v1/namespaces/acme/members", &app.maker.token, json!({"principal": "newbie"})).await.expect(200);
    let body = json!({"principal": "newbie", "role": "enterprise-admin", "tenant": "t1"});
    app.post("/v1/tokens", &app.operator.token, body).await.problem(409, "conflict");
    let newbie = app.token("newbie", Role::Maker, None, &[]).await;
    let newbie = app.register_key(newbie).await;
    app.publish(&newbie, "acme", &kiln_test_guests::bytes(kiln_test_guests::NOOP)).await;
}

/// Builds a pre-0003 database with same-named identities, then migrates it.
async fn migration(app: TestApp) {
    let (legacy, url) = crate::common::legacy_database(&app, 3).await;
    let run = |sql: &'static str| {
        let legacy = legacy.clone();
        async move { sqlx::raw_sql(sql).execute(&legacy).await.unwrap() }
    };
    run("INSERT INTO tenants (id, name, district, park, industry, size_class, opted_in, max_active_runs, \
         cpu_ms_per_day, storage_bytes, created_at) VALUES ('t1', 'T1', 'd', 'p', 'C', 's', 1, 1, 1, 1, 0), \
         ('t2', 'T2', 'd', 'p', 'C', 's', 1, 1, 1, 1, 0)")
    .await;
    run("INSERT INTO tokens (id, token_hash, principal, role, tenant, scopes, created_at, expires_at, revoked_at) \
         VALUES ('k1', 'h1', 'admin', 'operator', NULL, '', 1, NULL, NULL), \
         ('k2', 'h2', 'admin', 'enterprise-admin', 't1', '', 2, NULL, NULL), \
         ('k3', 'h3', 'admin', 'enterprise-admin', 't2', '', 3, NULL, NULL), \
         ('k4', 'h4', 'maria', 'maker', NULL, '', 4, NULL, NULL), \
         ('k5', 'h5', 'maria', 'maker', NULL, '', 5, NULL, NULL)")
    .await;
    run("INSERT INTO signing_keys (id, principal, public_key, name, created_at, revoked_at) \
         VALUES ('key1', 'maria', 'aa', 'k', 4, NULL)")
    .await;
    run("INSERT INTO namespaces (name, created_by, created_at) VALUES ('acme', 'maria', 4)").await;
    run("INSERT INTO namespace_members (namespace, principal, added_at) VALUES ('acme', 'maria', 4), \
         ('acme', 'admin', 5), ('acme', 'newbie', 6)")
    .await;
    legacy.close().await;

    let store = kiln_registry::store::Store::connect(&url).await.expect("0003 migrates");
    let pool = store.pool();
    let tokens = kiln_registry::store::tokens::list(pool, None, 100, 0).await.unwrap();
    let by_id = |id: &str| tokens.iter().find(|t| t.id == id).unwrap().clone();
    // The operator keeps the name; each tenant's `admin` is its own principal.
    assert_eq!(by_id("k1").principal, "admin");
    assert_eq!(by_id("k2").principal, "admin.enterprise-admin.t1");
    assert_eq!(by_id("k3").principal, "admin.enterprise-admin.t2");
    let ids: std::collections::HashSet<_> = ["k1", "k2", "k3"].iter().map(|k| by_id(k).principal_id).collect();
    assert_eq!(ids.len(), 3, "same-named identities were merged");
    assert_eq!(by_id("k4").principal_id, by_id("k5").principal_id, "one maker's tokens were split");
    assert_eq!(by_id("k2").tenant.as_deref(), Some("t1"));
    let key = kiln_registry::store::keys::get(pool, "key1").await.unwrap();
    assert_eq!(key.principal_id, by_id("k4").principal_id);
    // The maker and the member named before having a token are members; `admin` (an
    // operator) is not a maker, so its name-based membership is dropped.
    let ns = kiln_registry::store::namespaces::get(pool, "acme").await.unwrap();
    assert_eq!(ns.members, ["maria", "newbie"]);
    assert!(!kiln_registry::store::namespaces::is_member(pool, "acme", &by_id("k1").principal_id).await.unwrap());
    store.pool().close().await;
    crate::common::drop_legacy_database(&url).await;
}
