//! Console sessions: a token or a one-time link becomes an HttpOnly, SameSite=Strict cookie;
//! cookie writes need the CSRF token; sessions expire, end at sign-out and with their token.

use axum::body::Body;
use axum::http::{Method, Request, header};
use kiln_registry::audit::verify;
use kiln_registry::store::audit::Verdict;
use serde_json::{Value, json};

use crate::common::{Resp, TestApp};

crate::both! {
    a_token_becomes_an_http_only_strict_session_cookie => cookie_from_token;
    a_cookie_write_without_the_csrf_token_is_refused_and_changes_nothing => csrf_refused;
    a_sign_in_link_signs_in_once => link_once;
    signing_out_ends_the_session => sign_out;
    revoking_the_token_ends_its_sessions => token_revoked;
    an_expired_or_forged_session_is_unauthenticated => expired_or_forged;
    another_site_cannot_sign_a_visitor_in => cross_site;
    a_session_cannot_make_sign_in_links => no_links_from_sessions;
    sign_in_takes_exactly_one_credential => one_credential;
    sessions_are_audited_in_the_chain => audited;
    the_session_cookie_is_secure_only_when_served_over_https => secure_cookie;
}

/// A browser holding the session cookie (and the CSRF token the page was given).
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn call(&self, app: &TestApp, method: Method, path: &str, body: Option<Value>, csrf: Option<&str>) -> Resp {
        let mut req =
            Request::builder().method(method).uri(path).header(header::COOKIE, format!("theme=dark; {}", self.cookie));
        if let Some(csrf) = csrf {
            req = req.header("x-csrf-token", csrf);
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        app.send(req).await
    }
}

async fn sign_in(app: &TestApp, body: Value) -> Resp {
    app.call(Method::POST, "/v1/session", None, Some(body)).await
}

fn browser(resp: &Resp) -> Browser {
    resp.expect(201);
    let set = resp.headers.get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap().to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    Browser { cookie, csrf: resp.json()["csrf_token"].as_str().unwrap().to_string() }
}

async fn cookie_from_token(app: TestApp) {
    let resp = sign_in(&app, json!({"token": app.enterprise.token})).await;
    let set = resp.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    assert!(!set.contains(&app.enterprise.token), "the cookie must not be the token");
    let info = resp.json();
    assert_eq!(info["token_id"], app.enterprise.token_id.as_str());
    assert_eq!(info["principal"]["name"], app.enterprise.name);
    assert_eq!(info["principal"]["tenant"], "t1");
    assert_eq!(info["via"], "session");
    let b = browser(&resp);

    // The session reads as its principal, and says so.
    let me = b.call(&app, Method::GET, "/v1/session", None, None).await;
    assert_eq!(me.expect(200).json()["csrf_token"], b.csrf.as_str());
    b.call(&app, Method::GET, "/v1/tenants/t1/datasets", None, None).await.expect(200);
    // ...and only as its principal: another tenant is hidden, operator routes refused.
    b.call(&app, Method::GET, "/v1/tenants/other/datasets", None, None).await.problem(404, "not-found");
    b.call(&app, Method::GET, "/v1/review", None, None).await.problem(403, "forbidden");
    // A write with the CSRF token goes through.
    let csv = "enterprise_id,kwh\ne1,1.5\n";
    let req = Request::post("/v1/tenants/t1/datasets/readings")
        .header(header::COOKIE, &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv))
        .unwrap();
    app.send(req).await.expect(201);
}

async fn csrf_refused(app: TestApp) {
    let b = browser(&sign_in(&app, json!({"token": app.operator.token})).await);
    let body = json!({"id": "hostile", "name": "Hostile", "district": "yanta", "park": "none", "industry": "C38", "size_class": "small"});
    let before = app.count("SELECT COUNT(*) FROM tenants").await;
    b.call(&app, Method::POST, "/v1/tenants", Some(body.clone()), None).await.problem(403, "csrf");
    b.call(&app, Method::POST, "/v1/tenants", Some(body.clone()), Some("0000")).await.problem(403, "csrf");
    b.call(&app, Method::POST, "/v1/tenants", Some(body.clone()), Some("")).await.problem(403, "csrf");
    // Another session's token is no good either.
    let other = browser(&sign_in(&app, json!({"token": app.operator.token})).await);
    b.call(&app, Method::POST, "/v1/tenants", Some(body.clone()), Some(&other.csrf)).await.problem(403, "csrf");
    b.call(&app, Method::DELETE, "/v1/session", None, None).await.problem(403, "csrf");
    assert_eq!(app.count("SELECT COUNT(*) FROM tenants").await, before);
    // The session still works for reads and, with its token, for writes.
    b.call(&app, Method::GET, "/v1/session", None, None).await.expect(200);
    b.call(&app, Method::POST, "/v1/tenants", Some(body), Some(&b.csrf)).await.expect(201);
}

async fn link_once(app: TestApp) {
    let made = app.post_empty("/v1/session/links", &app.operator.token).await;
    let link = made.expect(201).json();
    let path = link["path"].as_str().unwrap();
    let secret = path.strip_prefix("/signin#link=").expect("the secret is in the fragment");
    let b = browser(&sign_in(&app, json!({"link": secret})).await);
    let me = b.call(&app, Method::GET, "/v1/session", None, None).await;
    assert_eq!(me.expect(200).json()["principal"]["name"], app.operator.name);
    sign_in(&app, json!({"link": secret})).await.problem(401, "unauthenticated");
    sign_in(&app, json!({"link": "kiln_00"})).await.problem(401, "unauthenticated");

    // An expired link is refused too.
    let made = app.post_empty("/v1/session/links", &app.enterprise.token).await.json();
    let secret = made["path"].as_str().unwrap().strip_prefix("/signin#link=").unwrap().to_string();
    app.exec("UPDATE sign_in_links SET expires_at = 1 WHERE used_at IS NULL").await;
    sign_in(&app, json!({"link": secret})).await.problem(401, "unauthenticated");
}

async fn sign_out(app: TestApp) {
    let resp = sign_in(&app, json!({"token": app.maker.token})).await;
    let b = browser(&resp);
    let out = b.call(&app, Method::DELETE, "/v1/session", None, Some(&b.csrf)).await;
    out.expect(204);
    let cleared = out.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cleared.starts_with("kiln_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    b.call(&app, Method::GET, "/v1/session", None, None).await.problem(401, "unauthenticated");
    // The token itself still works: signing out ends the session, not the token.
    app.get("/v1/session", &app.maker.token).await.expect(200);
}

async fn token_revoked(app: TestApp) {
    let spare = app.token(&app.enterprise.name, kiln_registry::auth::Role::EnterpriseAdmin, Some("t1"), &[]).await;
    let b = browser(&sign_in(&app, json!({"token": spare.token})).await);
    app.delete(&format!("/v1/tokens/{}", spare.token_id), &app.operator.token).await.expect(204);
    b.call(&app, Method::GET, "/v1/session", None, None).await.problem(401, "unauthenticated");
    sign_in(&app, json!({"token": spare.token})).await.problem(401, "unauthenticated");
}

async fn expired_or_forged(app: TestApp) {
    let b = browser(&sign_in(&app, json!({"token": app.operator.token})).await);
    app.exec("UPDATE sessions SET expires_at = 1").await;
    b.call(&app, Method::GET, "/v1/session", None, None).await.problem(401, "unauthenticated");
    let forged = Browser { cookie: "kiln_session=0000".into(), csrf: String::new() };
    forged.call(&app, Method::GET, "/v1/session", None, None).await.problem(401, "unauthenticated");
    sign_in(&app, json!({"token": "kiln_not_a_token"})).await.problem(401, "unauthenticated");
    // A session never outlives its token.
    let spare = app.token("short", kiln_registry::auth::Role::Maker, None, &[]).await;
    let soon = kiln_registry::store::now_ms() + 60_000;
    app.exec(&format!("UPDATE tokens SET expires_at = {soon} WHERE id = '{}'", spare.token_id)).await;
    let info = sign_in(&app, json!({"token": spare.token})).await.expect(201).json();
    assert!(info["expires_at"].as_i64().unwrap() <= soon, "{info}");
}

async fn cross_site(app: TestApp) {
    let req = Request::post("/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(json!({"token": app.operator.token}).to_string()))
        .unwrap();
    let resp = app.send(req).await;
    resp.problem(403, "forbidden");
    assert!(resp.headers.get(header::SET_COOKIE).is_none());
    // A form post cannot send JSON, so a plain cross-origin form is refused as well.
    let req = Request::post("/v1/session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={}", app.operator.token)))
        .unwrap();
    app.send(req).await.problem(422, "invalid-request");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn no_links_from_sessions(app: TestApp) {
    let b = browser(&sign_in(&app, json!({"token": app.operator.token})).await);
    b.call(&app, Method::POST, "/v1/session/links", None, Some(&b.csrf)).await.problem(422, "invalid-request");
    assert_eq!(app.count("SELECT COUNT(*) FROM sign_in_links").await, 0);
}

async fn one_credential(app: TestApp) {
    sign_in(&app, json!({})).await.problem(422, "invalid-request");
    sign_in(&app, json!({"token": app.operator.token, "link": "x"})).await.problem(422, "invalid-request");
    sign_in(&app, json!({"token": app.operator.token, "role": "operator"})).await.problem(422, "invalid-request");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn audited(app: TestApp) {
    let link = app.post_empty("/v1/session/links", &app.enterprise.token).await.json();
    let secret = link["path"].as_str().unwrap().strip_prefix("/signin#link=").unwrap().to_string();
    let b = browser(&sign_in(&app, json!({"link": secret})).await);
    b.call(&app, Method::DELETE, "/v1/session", None, Some(&b.csrf)).await.expect(204);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 3").fetch_all(&app.db).await.unwrap();
    assert_eq!(actions, ["session.end", "session.create", "session.link.create"]);
    let details: String = sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'session.create'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(details.contains("\"via\":\"link\""), "{details}");
    assert!(matches!(verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
}

async fn secure_cookie(app: TestApp) {
    // Plain HTTP (`kiln demo` on loopback): a `Secure` cookie would never come back.
    let plain = sign_in(&app, json!({"token": app.operator.token})).await;
    let set = plain.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(!set.contains("Secure"), "{set}");
    assert!(plain.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "HSTS over plain HTTP");

    // Behind a TLS-terminating proxy, as with TLS of its own.
    let state = app.state_behind_https_proxy().await;
    assert!(state.https);
    let https = kiln_registry::routes::router(state);
    let req = Request::post("/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"token": app.operator.token}).to_string()))
        .unwrap();
    let resp = crate::common::send(https.clone(), req).await;
    let b = browser(&resp);
    let hsts = resp.headers.get(header::STRICT_TRANSPORT_SECURITY).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(hsts.as_deref(), Some(kiln_registry::routes::HSTS));
    let set = resp.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    // Signing out deletes it with the same attributes, or the browser would keep it.
    let req = Request::delete("/v1/session")
        .header(header::COOKIE, &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .body(Body::empty())
        .unwrap();
    let out = crate::common::send(https, req).await;
    out.expect(204);
    let set = out.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(set.contains("Secure") && set.contains("Max-Age=0"), "{set}");
}
