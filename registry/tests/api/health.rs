//! Health, metrics, and malformed requests.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::json;

use crate::common::TestApp;

crate::both! {
    health_and_readiness_answer_without_a_token => health;
    metrics_count_requests_by_route_and_status => metrics;
    malformed_requests_are_invalid_request_problems => malformed;
    unknown_routes_are_not_found_problems => unknown_route;
    a_wrong_method_is_a_method_not_allowed_problem => wrong_method;
}

async fn health(app: TestApp) {
    let resp = app.get_anonymous("/healthz").await;
    assert_eq!(resp.expect(200).text(), "ok");
    let resp = app.get_anonymous("/readyz").await;
    assert_eq!(resp.expect(200).text(), "ready");
    // Every response carries a request id; a caller's own is propagated.
    assert!(resp.headers.get("x-request-id").is_some_and(|id| id.len() == 16));
    let req = Request::get("/healthz").header("x-request-id", "trace-me-42").body(Body::empty()).unwrap();
    assert_eq!(app.send(req).await.headers["x-request-id"], "trace-me-42");
}

async fn metrics(app: TestApp) {
    app.get_anonymous("/healthz").await.expect(200);
    app.get_anonymous("/healthz").await.expect(200);
    app.get_anonymous("/v1/plugins").await.problem(401, "unauthenticated");
    let resp = app.get_anonymous("/metrics").await;
    resp.expect(200);
    assert!(resp.content_type().starts_with("text/plain"), "{}", resp.content_type());
    let text = resp.text();
    assert!(text.contains("# TYPE kiln_http_requests_total counter"), "{text}");
    assert!(text.contains(r#"kiln_http_requests_total{method="GET",route="/healthz",status="200"} 2"#), "{text}");
    assert!(text.contains(r#"kiln_http_requests_total{method="GET",route="/v1/plugins",status="401"} 1"#), "{text}");
    // Path parameters are counted by their template, not their values.
    app.get("/v1/namespaces/acme", &app.maker.token).await.expect(200);
    let text = app.get_anonymous("/metrics").await.text();
    assert!(text.contains(r#"route="/v1/namespaces/{ns}",status="200"} 1"#), "{text}");
    assert!(!text.contains("/v1/namespaces/acme"), "{text}");
}

async fn malformed(app: TestApp) {
    let op = &app.operator.token;
    for body in [
        json!({"principal": 5, "role": "maker"}),
        json!({"principal": "ann", "role": "wizard"}),
        json!({"principal": "ann", "role": "maker", "expires_in_days": -1}),
        json!({"principal": "ann", "role": "maker", "scopes": "read"}),
        json!({"role": "maker"}),
        json!([1, 2, 3]),
    ] {
        let resp = app.post("/v1/tokens", op, body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.text());
        resp.problem(422, "invalid-request");
    }
    let publish = json!({"manifest": {"namespace": "acme"}, "signature": 1, "key_id": [], "component": false});
    app.post("/v1/plugins/acme/good/versions", &app.maker.token, publish).await.problem(422, "invalid-request");
    // Not JSON at all, and JSON without its content type.
    for (content_type, body) in [("application/json", "{\"principal\":"), ("text/plain", "{\"principal\":\"ann\"}")] {
        let req = Request::post("/v1/tokens")
            .header(header::AUTHORIZATION, format!("Bearer {op}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        app.send(req).await.problem(422, "invalid-request");
    }
    // Query parameters of the wrong type.
    app.get("/v1/plugins?page=first", op).await.problem(422, "invalid-request");
    app.get("/v1/review?status=lost", op).await.problem(422, "invalid-request");
    // Values the API validates itself.
    app.post("/v1/tokens", op, json!({"principal": "Ann", "role": "maker"})).await.problem(422, "invalid-name");
    app.post("/v1/tokens", op, json!({"principal": "ann", "role": "maker", "scopes": ["root"]}))
        .await
        .problem(422, "invalid-request");
    app.post("/v1/tokens", op, json!({"principal": "ann", "role": "enterprise-admin"}))
        .await
        .problem(422, "invalid-request");
    app.post("/v1/keys", &app.maker.token, json!({"public_key": "abcd"})).await.problem(422, "invalid-request");
    app.post("/v1/namespaces", &app.maker.token, json!({"name": "../etc"})).await.problem(422, "invalid-name");
    app.post("/v1/namespaces", &app.maker.token, json!({"name": "acme"})).await.problem(409, "conflict");
}

async fn unknown_route(app: TestApp) {
    app.get_anonymous("/nothing-here").await.problem(404, "not-found");
    app.get("/v1/plugins/acme/good/versions/0.1.0/extra", &app.operator.token).await.problem(404, "not-found");
    app.get("/v1/namespaces/nothing", &app.operator.token).await.problem(404, "not-found");
}

async fn wrong_method(app: TestApp) {
    let req = Request::put("/v1/tokens").body(Body::empty()).unwrap();
    app.send(req).await.problem(405, "method-not-allowed");
}
