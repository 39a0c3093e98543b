//! Who may call what: every route against every kind of caller.

use axum::http::Method;
use kiln_registry::auth::Role;
use serde_json::{Value, json};

use crate::common::{Actor, TestApp};

crate::both! {
    the_authorization_matrix_holds_for_every_route => matrix;
    unknown_revoked_and_expired_tokens_are_unauthenticated => bad_tokens;
    non_operators_list_only_their_own_tokens => own_tokens;
    a_refused_token_revocation_leaves_the_token_working => revoke_refused;
    a_token_may_revoke_itself_whatever_its_scopes => revoke_self;
    a_scoped_token_cannot_mint_a_broader_token => scope_escalation;
    hidden_versions_cannot_be_probed_by_outsiders => probing;
    a_token_cannot_mint_one_that_outlives_it => outliving_token;
    taken_down_plugins_leave_search_except_for_operators => search_after_takedown;
}

/// What a cell expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum E {
    /// Allowed, with this 2xx status.
    Ok(u16),
    /// 401 `unauthenticated`.
    U,
    /// 403 `forbidden`.
    F,
    /// 404 `not-found`: the resource is hidden from this caller.
    N,
    /// 422 `invalid-request`: allowed to ask, but the request does not apply to this caller.
    I,
}
use E::{F, I, N, U};
const OK: E = E::Ok(200);
const NEW: E = E::Ok(201);
const GONE: E = E::Ok(204);

/// What each cell needs prepared before its request, so that state-changing cells do not
/// depend on the order they run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fx {
    /// Namespace `acme` with `good@0.1.0` approved and `noop@0.1.0` pending.
    Shared,
    /// `{token}`: a new token of the maker's.
    MakerToken,
    /// `{key}`: a new key of the maker's.
    MakerKey,
    /// `{ns}`: a new namespace of the maker's, and `{publish}`: a signed publish of `good` into it.
    EmptyNs,
    /// `{ns}`: a new namespace of the maker's holding `good@0.1.0`, pending.
    Pending,
    /// `{ns}`: a new namespace of the maker's holding `good@0.1.0`, approved.
    Approved,
    /// In tenant `t1`: datasets `readings` (`{dsversion}`) and `{spare}`, an enablement
    /// `{enablement}` of `acme/good`, a succeeded run `{run}`, a succeeded run `{shared}` shared
    /// with `acme`, and a queued run `{queued}`.
    Tenant,
    /// In tenant `t1`: an enablement `{enablement}` of `acme/good` and a schedule `{schedule}` of it.
    Scheduled,
}
use Fx::{Approved, EmptyNs, MakerKey, MakerToken, Pending, Scheduled, Shared, Tenant};

/// The callers, one column each.
const CALLERS: [&str; 6] = ["anonymous", "operator", "maker", "maker/read", "other maker", "enterprise"];

/// One route: its template (as in the router), the request sent, and what each caller gets.
struct Row {
    route: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    fx: Fx,
    expect: [E; 6],
}

const fn row(route: &'static str, path: &'static str, body: Option<&'static str>, fx: Fx, expect: [E; 6]) -> Row {
    Row { route, path, body, fx, expect }
}

// Columns: anonymous, operator, maker (member of the namespace), the maker's token scoped to
// ["read"], another maker (not a member), an enterprise admin.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    row("GET /healthz",      "/healthz",      None, Shared, [OK, OK, OK, OK, OK, OK]),
    row("GET /readyz",       "/readyz",       None, Shared, [OK, OK, OK, OK, OK, OK]),
    row("GET /metrics",      "/metrics",      None, Shared, [OK, OK, OK, OK, OK, OK]),
    row("GET /openapi.json", "/openapi.json", None, Shared, [OK, OK, OK, OK, OK, OK]),

    // A token for oneself; for another principal; an operator token for oneself.
    row("POST /v1/tokens", "/v1/tokens", Some(r#"{"principal":"{me}","role":"{role}","tenant":{tenant}}"#), Shared,
                                                                    [U, NEW, NEW, F, NEW, NEW]),
    row("POST /v1/tokens", "/v1/tokens", Some(r#"{"principal":"mallory","role":"maker"}"#), Shared,
                                                                    [U, NEW, F,   F, F,   F]),
    row("POST /v1/tokens", "/v1/tokens", Some(r#"{"principal":"{me}","role":"operator"}"#), Shared,
                                                                    [U, NEW, F,   F, F,   F]),
    row("GET /v1/tokens",  "/v1/tokens", None, Shared,              [U, OK,  OK,  F, OK,  OK]),
    // Revoking the maker's token: hidden (404) from everyone else but operators.
    row("DELETE /v1/tokens/{id}", "/v1/tokens/{token}", None, MakerToken,
                                                                    [U, GONE, GONE, F, N, N]),

    // Console sessions: each caller signs in with its own token; bearer callers have no
    // session to end; links are made with a token.
    row("POST /v1/session", "/v1/session", Some(r#"{"token":"{mytoken}"}"#), Shared,
                                                                    [U, NEW, NEW, NEW, NEW, NEW]),
    row("GET /v1/session", "/v1/session", None, Shared,             [U, OK,  OK,  OK,  OK,  OK]),
    row("DELETE /v1/session", "/v1/session", None, Shared,          [U, I,   I,   I,   I,   I]),
    row("POST /v1/session/links", "/v1/session/links", None, Shared, [U, NEW, NEW, NEW, NEW, NEW]),

    // A namespace owned by oneself; one owned by somebody else.
    row("POST /v1/namespaces", "/v1/namespaces", Some(r#"{"name":"{uniq}","owner":"{me}"}"#), Shared,
                                                                    [U, NEW, NEW, F, NEW, F]),
    row("POST /v1/namespaces", "/v1/namespaces", Some(r#"{"name":"{uniq}","owner":"mallory"}"#), Shared,
                                                                    [U, NEW, F,   F, F,   F]),
    row("GET /v1/namespaces/{ns}", "/v1/namespaces/acme", None, Shared,
                                                                    [U, OK,  OK,  OK, OK, OK]),
    row("POST /v1/namespaces/{ns}/members", "/v1/namespaces/acme/members", Some(r#"{"principal":"newbie"}"#), Shared,
                                                                    [U, OK,  OK,  F, F,   F]),
    // The caller's own namespaces (operators: all; tenant admins belong to none), and everything
    // in one, whatever its review state: its members' and operators' alone, hidden from others
    // exactly as a namespace that does not exist.
    row("GET /v1/namespaces", "/v1/namespaces", None, Shared,       [U, OK,  OK,  OK, OK, F]),
    row("GET /v1/namespaces/{ns}/plugins", "/v1/namespaces/acme/plugins", None, Shared,
                                                                    [U, OK,  OK,  OK, N,  N]),
    row("GET /v1/namespaces/{ns}/plugins", "/v1/namespaces/nothing/plugins", None, Shared,
                                                                    [U, N,   N,   N,  N,  N]),

    row("POST /v1/keys", "/v1/keys", Some(r#"{"public_key":"{pubkey}"}"#), Shared,
                                                                    [U, F,   NEW, F, NEW, F]),
    row("GET /v1/keys",  "/v1/keys", None, Shared,                  [U, F,   OK,  F, OK,  F]),
    row("DELETE /v1/keys/{id}", "/v1/keys/{key}", None, MakerKey,   [U, GONE, GONE, F, N, F]),

    row("POST /v1/plugins/{ns}/{name}/versions", "/v1/plugins/{ns}/good/versions", Some("{publish}"), EmptyNs,
                                                                    [U, F,   NEW, F, F,   F]),
    row("GET /v1/plugins", "/v1/plugins", None, Shared,             [U, OK,  OK,  OK, OK, OK]),
    row("GET /v1/plugins/{ns}/{name}/versions", "/v1/plugins/acme/good/versions", None, Shared,
                                                                    [U, OK,  OK,  OK, OK, OK]),
    // An approved version is public; a pending one only to operators and members.
    row("GET /v1/plugins/{ns}/{name}/versions/{version}", "/v1/plugins/acme/good/versions/0.1.0", None, Shared,
                                                                    [U, OK,  OK,  OK, OK, OK]),
    row("GET /v1/plugins/{ns}/{name}/versions/{version}", "/v1/plugins/acme/noop/versions/0.1.0", None, Shared,
                                                                    [U, OK,  OK,  OK, N,  N]),
    row("GET /v1/plugins/{ns}/{name}/versions/{version}/changes", "/v1/plugins/acme/good/versions/0.1.0/changes", None, Shared,
                                                                    [U, OK,  OK,  OK, OK, OK]),
    row("GET /v1/plugins/{ns}/{name}/versions/{version}/changes", "/v1/plugins/acme/noop/versions/0.1.0/changes", None, Shared,
                                                                    [U, OK,  OK,  OK, N,  N]),
    row("GET /v1/plugins/{ns}/{name}/versions/{version}/download", "/v1/plugins/acme/good/versions/0.1.0/download", None, Shared,
                                                                    [U, OK,  OK,  OK, OK, OK]),
    row("GET /v1/plugins/{ns}/{name}/versions/{version}/download", "/v1/plugins/acme/noop/versions/0.1.0/download", None, Shared,
                                                                    [U, OK,  OK,  OK, N,  N]),
    row("GET /v1/plugins/{ns}/{name}/versions/{version}/source", "/v1/plugins/acme/good/versions/0.1.0/source", None, Shared,
                                                                    [U, OK,  OK,  OK, OK, OK]),
    row("GET /v1/plugins/{ns}/{name}/versions/{version}/source", "/v1/plugins/acme/noop/versions/0.1.0/source", None, Shared,
                                                                    [U, OK,  OK,  OK, N,  N]),
    row("GET /v1/plugins/{ns}/{name}/resolve", "/v1/plugins/acme/good/resolve?req=%5E0.1", None, Shared,
                                                                    [U, OK,  OK,  OK, OK, OK]),
    row("POST /v1/plugins/{ns}/{name}/versions/{version}/yank", "/v1/plugins/{ns}/good/versions/0.1.0/yank", None, Approved,
                                                                    [U, F,   OK,  F, F,   F]),
    row("POST /v1/plugins/{ns}/{name}/versions/{version}/unyank", "/v1/plugins/{ns}/good/versions/0.1.0/unyank", None, Approved,
                                                                    [U, F,   OK,  F, F,   F]),

    row("GET /v1/review", "/v1/review", None, Shared,               [U, OK,  F,   F, F,   F]),
    row("POST /v1/plugins/{ns}/{name}/versions/{version}/approve", "/v1/plugins/{ns}/good/versions/0.1.0/approve", None, Pending,
                                                                    [U, OK,  F,   F, F,   F]),
    row("POST /v1/plugins/{ns}/{name}/versions/{version}/reject", "/v1/plugins/{ns}/good/versions/0.1.0/reject",
        Some(r#"{"reason":"not good enough"}"#), Pending,           [U, OK,  F,   F, F,   F]),
    row("POST /v1/plugins/{ns}/{name}/versions/{version}/takedown", "/v1/plugins/{ns}/good/versions/0.1.0/takedown",
        Some(r#"{"reason":"malware"}"#), Approved,                  [U, OK,  F,   F, F,   F]),
    row("POST /v1/plugins/{ns}/{name}/takedown", "/v1/plugins/{ns}/good/takedown",
        Some(r#"{"reason":"malware"}"#), Approved,                  [U, OK,  F,   F, F,   F]),

    row("GET /v1/audit", "/v1/audit", None, Shared,                 [U, OK,  F,   F, F,   F]),
    row("POST /v1/audit/verify", "/v1/audit/verify", None, Shared,  [U, OK,  F,   F, F,   F]),
    row("GET /v1/overview", "/v1/overview", None, Shared,           [U, OK,  F,   F, F,   F]),
    row("GET /v1/places", "/v1/places", None, Shared,               [U, OK,  F,   F, F,   F]),

    // Tenants: operators manage them; an enterprise admin reads its own and sets its opt-in.
    row("POST /v1/tenants", "/v1/tenants",
        Some(r#"{"id":"{uniq}","name":"X","district":"d1","park":"p1","industry":"C39","size_class":"micro"}"#), Shared,
                                                                    [U, NEW, F,   F, F,   F]),
    row("POST /v1/tenants/import", "/v1/tenants/import",
        Some(r#"{"tenants":[{"id":"{uniq}","name":"X","district":"d1","park":"p1","industry":"C39","size_class":"micro"}]}"#), Shared,
                                                                    [U, OK,  F,   F, F,   F]),
    row("GET /v1/tenants", "/v1/tenants", None, Shared,             [U, OK,  F,   F, F,   OK]),
    row("GET /v1/tenants/{tenant}", "/v1/tenants/t1", None, Shared, [U, OK,  F,   F, F,   OK]),
    row("PATCH /v1/tenants/{tenant}", "/v1/tenants/t1", Some(r#"{"opted_in":true}"#), Shared,
                                                                    [U, OK,  F,   F, F,   OK]),
    row("GET /v1/tenants/{tenant}/usage", "/v1/tenants/t1/usage", None, Shared,
                                                                    [U, OK,  F,   F, F,   OK]),

    // A tenant's data, enablements and runs are its admin's alone: operators do not read them.
    row("GET /v1/tenants/{tenant}/datasets", "/v1/tenants/t1/datasets", None, Shared,
                                                                    [U, F,   F,   F, F,   OK]),
    row("POST /v1/tenants/{tenant}/datasets/{name}", "/v1/tenants/t1/datasets/{uniq}", Some("csv:value\n1.5\n"), Shared,
                                                                    [U, F,   F,   F, F,   NEW]),
    row("GET /v1/tenants/{tenant}/datasets/{name}", "/v1/tenants/t1/datasets/readings", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("DELETE /v1/tenants/{tenant}/datasets/{name}", "/v1/tenants/t1/datasets/{spare}", None, Tenant,
                                                                    [U, F,   F,   F, F,   GONE]),
    row("GET /v1/tenants/{tenant}/datasets/{name}/versions/{version}", "/v1/tenants/t1/datasets/readings/versions/{dsversion}", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("GET /v1/tenants/{tenant}/datasets/{name}/preview", "/v1/tenants/t1/datasets/readings/preview", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("POST /v1/tenants/{tenant}/enablements", "/v1/tenants/t1/enablements", Some(r#"{"namespace":"acme","plugin":"good"}"#), Tenant,
                                                                    [U, F,   F,   F, F,   NEW]),
    row("GET /v1/tenants/{tenant}/enablements", "/v1/tenants/t1/enablements", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("GET /v1/tenants/{tenant}/enablements/{id}", "/v1/tenants/t1/enablements/{enablement}", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("PATCH /v1/tenants/{tenant}/enablements/{id}", "/v1/tenants/t1/enablements/{enablement}", Some("{}"), Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("DELETE /v1/tenants/{tenant}/enablements/{id}", "/v1/tenants/t1/enablements/{enablement}", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("POST /v1/tenants/{tenant}/enablements/{id}/runs", "/v1/tenants/t1/enablements/{enablement}/runs", Some(r#"{"mode":"queued"}"#), Tenant,
                                                                    [U, F,   F,   F, F,   E::Ok(202)]),
    row("GET /v1/tenants/{tenant}/runs", "/v1/tenants/t1/runs", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("GET /v1/tenants/{tenant}/runs/{id}", "/v1/tenants/t1/runs/{run}", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("GET /v1/tenants/{tenant}/runs/{id}/result", "/v1/tenants/t1/runs/{run}/result", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("POST /v1/tenants/{tenant}/runs/{id}/cancel", "/v1/tenants/t1/runs/{queued}/cancel", None, Tenant,
                                                                    [U, F,   F,   F, F,   E::Ok(202)]),
    row("POST /v1/tenants/{tenant}/runs/{id}/replay", "/v1/tenants/t1/runs/{run}/replay", None, Tenant,
                                                                    [U, F,   F,   F, F,   E::Ok(202)]),
    row("GET /v1/tenants/{tenant}/runs/{id}/bundle", "/v1/tenants/t1/runs/{run}/bundle", None, Tenant,
                                                                    [U, F,   F,   F, F,   OK]),
    row("POST /v1/tenants/{tenant}/runs/{id}/share", "/v1/tenants/t1/runs/{run}/share", None, Tenant,
                                                                    [U, F,   F,   F, F,   NEW]),
    row("DELETE /v1/tenants/{tenant}/runs/{id}/share", "/v1/tenants/t1/runs/{shared}/share", None, Tenant,
                                                                    [U, F,   F,   F, F,   GONE]),
    row("GET /v1/namespaces/{ns}/shared-runs", "/v1/namespaces/acme/shared-runs", None, Tenant,
                                                                    [U, F,   OK,  OK, F,  F]),
    row("GET /v1/namespaces/{ns}/shared-runs/{id}/bundle", "/v1/namespaces/acme/shared-runs/{shared}/bundle", None, Tenant,
                                                                    [U, F,   OK,  OK, F,  F]),
    row("POST /v1/tenants/{tenant}/datasets/{name}/purge", "/v1/tenants/t1/datasets/{spare}/purge", Some(r#"{"reason":"a court order"}"#), Tenant,
                                                                    [U, OK,  F,   F, F,   F]),
    row("POST /v1/tenants/{tenant}/schedules", "/v1/tenants/t1/schedules", Some(r#"{"enablement":"{enablement}","cron":"0 8 2 * *"}"#), Scheduled,
                                                                    [U, F,   F,   F, F,   NEW]),
    row("GET /v1/tenants/{tenant}/schedules", "/v1/tenants/t1/schedules", None, Scheduled,
                                                                    [U, F,   F,   F, F,   OK]),
    row("GET /v1/tenants/{tenant}/schedules/{id}", "/v1/tenants/t1/schedules/{schedule}", None, Scheduled,
                                                                    [U, F,   F,   F, F,   OK]),
    row("DELETE /v1/tenants/{tenant}/schedules/{id}", "/v1/tenants/t1/schedules/{schedule}", None, Scheduled,
                                                                    [U, F,   F,   F, F,   GONE]),
    row("POST /v1/tenants/{tenant}/schedules/{id}/pause", "/v1/tenants/t1/schedules/{schedule}/pause", None, Scheduled,
                                                                    [U, F,   F,   F, F,   OK]),
    row("POST /v1/tenants/{tenant}/schedules/{id}/resume", "/v1/tenants/t1/schedules/{schedule}/resume", None, Scheduled,
                                                                    [U, F,   F,   F, F,   OK]),
    row("GET /v1/tenants/{tenant}/schedules/{id}/ticks", "/v1/tenants/t1/schedules/{schedule}/ticks", None, Scheduled,
                                                                    [U, F,   F,   F, F,   OK]),

    // Regional statistics are the operators'.
    row("GET /v1/monitoring/months", "/v1/monitoring/months", None, Shared,
                                                                    [U, OK,  F,   F, F,   F]),
    row("GET /v1/monitoring/rollup", "/v1/monitoring/rollup?month=2025-01&level=district", None, Shared,
                                                                    [U, OK,  F,   F, F,   F]),
];

async fn matrix(app: TestApp) {
    let good = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let noop = kiln_test_guests::bytes(kiln_test_guests::NOOP);
    app.publish_approved(&app.maker, "acme", &good).await;
    app.publish(&app.maker, "acme", &noop).await;
    let read_only = app.token(&app.maker.name, Role::Maker, None, &["read"]).await;
    let callers: [Option<&Actor>; 6] =
        [None, Some(&app.operator), Some(&app.maker), Some(&read_only), Some(&app.other), Some(&app.enterprise)];

    let mut failures = Vec::new();
    for row in MATRIX {
        for (column, (caller, expect)) in callers.iter().zip(row.expect).enumerate() {
            // The caller's placeholders first; the fixture's last, so that a substituted
            // publish body is not searched for placeholders again.
            let (me, role, tenant, mytoken) = match caller {
                Some(a) => (
                    a.name.clone(),
                    a.role.as_str(),
                    a.tenant.as_ref().map_or("null".into(), |t| format!("\"{t}\"")),
                    a.token.clone(),
                ),
                None => ("nobody".into(), "maker", "null".into(), "kiln_unknown".into()),
            };
            let pubkey =
                hex::encode(ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng).verifying_key().to_bytes());
            let mut vars = vec![
                ("{me}", me),
                ("{role}", role.into()),
                ("{tenant}", tenant),
                ("{mytoken}", mytoken),
                ("{pubkey}", pubkey),
                ("{uniq}", app.unique("fresh")),
            ];
            vars.extend(prepare(&app, row.fx, &good).await);
            let fill = |template: &str| vars.iter().fold(template.to_string(), |s, (k, v)| s.replace(k, v));

            let (method, _) = row.route.split_once(' ').unwrap();
            let method: Method = method.parse().unwrap();
            let path = fill(row.path);
            let resp = match row.body.map(fill) {
                // A dataset upload: the body is the file itself.
                Some(csv) if csv.starts_with("csv:") => {
                    let mut req = axum::http::Request::builder().method(method.clone()).uri(&path);
                    if let Some(a) = caller {
                        req = req.header("authorization", format!("Bearer {}", a.token));
                    }
                    let csv = csv["csv:".len()..].to_string();
                    app.send(req.header("content-type", "text/csv").body(axum::body::Body::from(csv)).unwrap()).await
                }
                body => {
                    let body: Option<Value> = body.map(|b| serde_json::from_str(&b).unwrap());
                    app.call(method.clone(), &path, caller.map(|a| a.token.as_str()), body).await
                }
            };

            let cell = format!("{method} {path} as {}", CALLERS[column]);
            let got = resp.status.as_u16();
            let (status, slug) = match expect {
                E::Ok(status) => (status, None),
                U => (401, Some("unauthenticated")),
                F => (403, Some("forbidden")),
                N => (404, Some("not-found")),
                I => (422, Some("invalid-request")),
            };
            if got != status {
                let text: String = resp.text().chars().take(300).collect();
                failures.push(format!("{cell}: expected {status}, got {got}: {text}"));
                continue;
            }
            if let Some(slug) = slug {
                let body: Value = serde_json::from_slice(&resp.body).unwrap_or_default();
                if resp.content_type() != "application/problem+json"
                    || body["type"] != format!("https://kiln.dev/problems/{slug}")
                    || body["status"] != status
                {
                    failures.push(format!(
                        "{cell}: expected a `{slug}` problem, got {}: {}",
                        resp.content_type(),
                        resp.text()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells of the authorization matrix failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The matrix names every route the router serves, so a new route cannot go unchecked.
    let mut covered: Vec<(String, String)> = MATRIX
        .iter()
        .map(|r| {
            let (m, p) = r.route.split_once(' ').unwrap();
            (m.to_string(), p.to_string())
        })
        .collect();
    covered.sort();
    covered.dedup();
    assert_eq!(covered, crate::common::router_routes(), "the matrix and the router's routes differ");
}

/// Prepares a cell's fixture; returns its placeholders (`{ns}` always).
async fn prepare(app: &TestApp, fx: Fx, good: &[u8]) -> Vec<(&'static str, String)> {
    match fx {
        Shared => vec![("{ns}", "acme".into())],
        MakerToken => vec![("{token}", app.token(&app.maker.name, Role::Maker, None, &[]).await.token_id)],
        MakerKey => vec![("{key}", app.register_key(app.maker.actor.clone()).await.key_id)],
        Tenant => {
            let erin = &app.enterprise;
            let upload = app.upload_csv(erin, "readings", "value\n1.5\n2.5\n").await;
            let dsversion = upload.expect(201).json()["version"].to_string();
            let spare = app.unique("spare");
            app.upload_csv(erin, &spare, "value\n1\n").await.expect(201);
            let enablement = app.enable(erin, "good", json!({})).await;
            let run =
                app.submit(erin, &enablement, "sync").await.expect(200).json()["id"].as_str().unwrap().to_string();
            let shared =
                app.submit(erin, &enablement, "sync").await.expect(200).json()["id"].as_str().unwrap().to_string();
            app.call(Method::POST, &format!("/v1/tenants/t1/runs/{shared}/share"), Some(&erin.token), None)
                .await
                .expect(201);
            let queued =
                app.submit(erin, &enablement, "queued").await.expect(202).json()["id"].as_str().unwrap().to_string();
            vec![
                ("{ns}", "acme".into()),
                ("{dsversion}", dsversion),
                ("{spare}", spare),
                ("{enablement}", enablement),
                ("{run}", run),
                ("{shared}", shared),
                ("{queued}", queued),
            ]
        }
        Scheduled => {
            let erin = &app.enterprise;
            app.upload_csv(erin, "readings", "value\n1.5\n2.5\n").await.expect(201);
            let enablement = app.enable(erin, "good", json!({})).await;
            let body = json!({"enablement": enablement, "cron": "0 8 2 * *"});
            let schedule = app.post("/v1/tenants/t1/schedules", &erin.token, body).await.expect(201).json()["id"]
                .as_str()
                .unwrap()
                .to_string();
            vec![("{ns}", "acme".into()), ("{enablement}", enablement), ("{schedule}", schedule)]
        }
        EmptyNs | Pending | Approved => {
            let ns = app.unique("fx");
            app.namespace(&ns, &app.maker.name).await;
            match fx {
                EmptyNs => {
                    let publish = app.publish_of(&app.maker, &ns, good).await.body().to_string();
                    return vec![("{ns}", ns), ("{publish}", publish)];
                }
                Pending => drop(app.publish(&app.maker, &ns, good).await),
                _ => drop(app.publish_approved(&app.maker, &ns, good).await),
            }
            vec![("{ns}", ns)]
        }
    }
}

async fn bad_tokens(app: TestApp) {
    let check = |resp: crate::common::Resp| {
        resp.problem(401, "unauthenticated");
    };
    check(app.get("/v1/plugins", "kiln_0000").await);
    let mut req = axum::http::Request::builder().uri("/v1/plugins");
    req = req.header("authorization", format!("Basic {}", app.maker.token));
    check(app.send(req.body(axum::body::Body::empty()).unwrap()).await);

    let spare = app.token("maria", Role::Maker, None, &[]).await;
    app.get("/v1/plugins", &spare.token).await.expect(200);
    app.delete(&format!("/v1/tokens/{}", spare.token_id), &spare.token).await.expect(204);
    check(app.get("/v1/plugins", &spare.token).await);

    let expiring = app.token("maria", Role::Maker, None, &[]).await;
    app.get("/v1/plugins", &expiring.token).await.expect(200);
    app.exec(&format!("UPDATE tokens SET expires_at = 1 WHERE id = '{}'", expiring.token_id)).await;
    check(app.get("/v1/plugins", &expiring.token).await);
}

async fn own_tokens(app: TestApp) {
    let principals = |v: Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|t| t["principal"].as_str().unwrap().to_string()).collect()
    };
    let mine = principals(app.get("/v1/tokens", &app.maker.token).await.expect(200).json());
    assert!(!mine.is_empty() && mine.iter().all(|p| p == "maria"), "{mine:?}");
    let erin = principals(app.get("/v1/tokens", &app.enterprise.token).await.expect(200).json());
    assert_eq!(erin, ["erin"]);
    let all = principals(app.get("/v1/tokens", &app.operator.token).await.expect(200).json());
    for who in ["olga", "maria", "otto", "erin"] {
        assert!(all.iter().any(|p| p == who), "operator does not see {who}'s token: {all:?}");
    }
    // Secrets never appear in listings.
    let text = app.get("/v1/tokens", &app.operator.token).await.text();
    assert!(!text.contains(&app.maker.token) && !text.contains("token_hash"), "{text}");
}

async fn revoke_refused(app: TestApp) {
    let path = format!("/v1/tokens/{}", app.maker.token_id);
    app.delete(&path, &app.other.token).await.problem(404, "not-found");
    app.delete(&path, &app.enterprise.token).await.problem(404, "not-found");
    app.delete("/v1/tokens/0000000000000000", &app.other.token).await.problem(404, "not-found");
    app.get("/v1/plugins", &app.maker.token).await.expect(200);
    // Revoking twice conflicts.
    app.delete(&path, &app.operator.token).await.expect(204);
    app.delete(&path, &app.operator.token).await.problem(409, "conflict");
}

async fn revoke_self(app: TestApp) {
    // A token scoped to `read` lacks `tokens`: it may not revoke its principal's other tokens...
    let limited = app.token("maria", Role::Maker, None, &["read"]).await;
    let sibling = app.token("maria", Role::Maker, None, &[]).await;
    app.delete(&format!("/v1/tokens/{}", sibling.token_id), &limited.token).await.problem(403, "forbidden");
    // ...but it may give itself up (what `kiln logout` does), learning its id from the session route.
    let me = app.get("/v1/session", &limited.token).await.expect(200).json();
    assert_eq!(me["token_id"], limited.token_id.as_str());
    app.delete(&format!("/v1/tokens/{}", limited.token_id), &limited.token).await.expect(204);
    app.get("/v1/session", &limited.token).await.problem(401, "unauthenticated");
    app.get("/v1/session", &sibling.token).await.expect(200);
    // Revoking itself is audited like any revocation.
    let subject = format!("token:{}", limited.token_id);
    let audit = app.get(&format!("/v1/audit?action=token.revoke&subject={subject}"), &app.operator.token).await;
    let entries = audit.expect(200).json();
    assert_eq!(entries.as_array().unwrap().len(), 1, "{entries}");
    assert_eq!(entries[0]["actor"], "maria");
}

async fn scope_escalation(app: TestApp) {
    let limited = app.token("maria", Role::Maker, None, &["tokens", "read"]).await;
    let mint = |scopes: Option<Value>| {
        let mut body = serde_json::json!({"principal": "maria", "role": "maker"});
        if let Some(scopes) = scopes {
            body["scopes"] = scopes;
        }
        app.post("/v1/tokens", &limited.token, body)
    };
    // Unscoped means everything the role allows: more than the minting token has.
    mint(None).await.problem(403, "forbidden");
    mint(Some(serde_json::json!([]))).await.problem(403, "forbidden");
    mint(Some(serde_json::json!(["tokens", "publish"]))).await.problem(403, "forbidden");
    // The same scopes or fewer are fine.
    let narrower = mint(Some(serde_json::json!(["read"]))).await;
    assert_eq!(narrower.expect(201).json()["record"]["scopes"], serde_json::json!(["read"]));
    mint(Some(serde_json::json!(["read", "tokens"]))).await.expect(201);
    // An operator token limited to some scopes cannot mint an unlimited one either.
    let limited_op = app.token("olga", Role::Operator, None, &["tokens"]).await;
    let body = serde_json::json!({"principal": "olga", "role": "operator"});
    app.post("/v1/tokens", &limited_op.token, body).await.problem(403, "forbidden");
    // Unscoped tokens are unaffected.
    let body = serde_json::json!({"principal": "maria", "role": "maker", "scopes": ["publish"]});
    app.post("/v1/tokens", &app.maker.token, body).await.expect(201);
    app.post("/v1/tokens", &app.maker.token, serde_json::json!({"principal": "maria", "role": "maker"}))
        .await
        .expect(201);
}

/// Whether a hidden (pending) version or plugin exists must not show in any answer to someone
/// who may not see it: each probe gets the same answer as for something that does not exist.
async fn probing(app: TestApp) {
    app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::NOOP)).await;
    let (otto, erin) = (&app.other.token, &app.enterprise.token);
    let same = |hidden: crate::common::Resp, missing: crate::common::Resp, what: &str| {
        assert_eq!(
            (hidden.status, hidden.json()["type"].clone()),
            (missing.status, missing.json()["type"].clone()),
            "{what}: a hidden thing answers differently from a missing one: {} vs {}",
            hidden.text(),
            missing.text()
        );
    };
    for token in [otto, erin] {
        let hidden = app.get("/v1/plugins/acme/noop/versions/0.1.0", token).await;
        let missing = app.get("/v1/plugins/acme/noop/versions/9.9.9", token).await;
        same(hidden, missing, "show");
        let hidden = app.get("/v1/plugins/acme/noop/versions/0.1.0/download", token).await;
        let missing = app.get("/v1/plugins/acme/noop/versions/9.9.9/download", token).await;
        same(hidden, missing, "download");
        let hidden = app.get("/v1/plugins/acme/noop/versions", token).await;
        let missing = app.get("/v1/plugins/acme/nothing/versions", token).await;
        same(hidden, missing, "list versions");
        let hidden = app.get("/v1/plugins/acme/noop/resolve?req=*", token).await;
        let missing = app.get("/v1/plugins/acme/nothing/resolve?req=*", token).await;
        same(hidden, missing, "resolve");
    }
    let hidden = app.post_empty("/v1/plugins/acme/noop/versions/0.1.0/yank", otto).await;
    let missing = app.post_empty("/v1/plugins/acme/noop/versions/9.9.9/yank", otto).await;
    same(hidden, missing, "yank");
}

async fn outliving_token(app: TestApp) {
    // A maker's 1-day token may make a shorter one, but not a longer or an endless one.
    let body = |days: u32| json!({"principal": app.maker.name, "role": "maker", "expires_in_days": days});
    let short = app.post("/v1/tokens", &app.maker.token, body(1)).await.expect(201).json();
    let short_token = short["token"].as_str().unwrap().to_string();
    app.post("/v1/tokens", &short_token, body(30)).await.problem(403, "forbidden");
    app.post("/v1/tokens", &short_token, body(0)).await.problem(403, "forbidden");
    // Without an expiry, the new token gets its creator's.
    let inherited = app.post("/v1/tokens", &short_token, json!({"principal": app.maker.name, "role": "maker"})).await;
    assert_eq!(inherited.expect(201).json()["record"]["expires_at"], short["record"]["expires_at"]);
}

async fn search_after_takedown(app: TestApp) {
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let found = |token: &str| {
        let app = &app;
        let token = token.to_string();
        async move { app.get("/v1/plugins?namespace=acme", &token).await.expect(200).json()["total"].clone() }
    };
    assert_eq!(found(&app.enterprise.token).await, 1);
    app.post("/v1/plugins/acme/good/takedown", &app.operator.token, json!({"reason": "malware"})).await.expect(200);
    assert_eq!(found(&app.enterprise.token).await, 0);
    assert_eq!(found(&app.operator.token).await, 1);
}
