//! Bad bytes get a 4xx on both databases: every id and name a request carries (path segments,
//! query values, JSON body fields) is checked once at the edge, and paging is bounded.

use axum::http::Method;
use serde_json::{Value, json};

use crate::common::TestApp;

crate::both! {
    a_nul_in_any_id_or_name_is_refused_with_a_4xx => nul_bytes;
    paging_out_of_range_is_an_invalid_request => paging;
}

async fn nul_bytes(app: TestApp) {
    let op = &app.operator.token;
    let erin = &app.enterprise.token;
    let maker = &app.maker.token;
    // Path segments, for every kind of id and name.
    let paths: Vec<(Method, String, &str)> = vec![
        (Method::GET, "/v1/tenants/t%00".into(), op),
        (Method::GET, "/v1/tenants/t1/runs/r%001".into(), erin),
        (Method::GET, "/v1/tenants/t1/datasets/d%00".into(), erin),
        (Method::GET, "/v1/tenants/t1/enablements/e%00".into(), erin),
        (Method::GET, "/v1/namespaces/ac%00me".into(), maker),
        (Method::GET, "/v1/plugins/acme/go%00od/versions".into(), maker),
        (Method::GET, "/v1/plugins/acme/good/versions/0.1.0%00".into(), maker),
        (Method::DELETE, "/v1/tokens/%00".into(), erin),
        (Method::DELETE, "/v1/keys/k%00".into(), maker),
        // Query values.
        (Method::GET, "/v1/plugins?q=%00".into(), erin),
        (Method::GET, "/v1/plugins/acme/good/resolve?req=%00".into(), erin),
        (Method::GET, "/v1/audit?after=1&actor=%00".into(), op),
    ];
    for (method, path, token) in paths {
        let resp = app.call(method.clone(), &path, Some(token), None).await;
        assert_eq!(resp.status.as_u16(), 422, "{method} {path}: {}", resp.text());
        resp.problem(422, "invalid-request");
    }
    // JSON body fields.
    let bodies: Vec<(&str, Value, &str)> = vec![
        (
            "/v1/tenants",
            json!({"id": "t\u{0}", "name": "x", "district": "d", "park": "p", "industry": "C",
                               "size_class": "small"}),
            op,
        ),
        (
            "/v1/tenants",
            json!({"id": "t9", "name": "x\u{0}", "district": "d", "park": "p", "industry": "C",
                               "size_class": "small"}),
            op,
        ),
        ("/v1/tokens", json!({"principal": "a\u{0}", "role": "maker"}), op),
        ("/v1/namespaces", json!({"name": "n\u{0}", "owner": "maria"}), op),
        ("/v1/namespaces/acme/members", json!({"principal": "otto\u{0}"}), maker),
        ("/v1/keys", json!({"public_key": "00", "name": "k\u{0}"}), maker),
    ];
    let audit = app.audit_rows().await;
    for (path, body, token) in bodies {
        let resp = app.post(path, token, body.clone()).await;
        assert_eq!(resp.status.as_u16(), 422, "POST {path} {body}: {}", resp.text());
        resp.problem(422, "invalid-request");
    }
    assert_eq!(app.audit_rows().await, audit, "a refused request changed something");
    // A literal backslash-u in text is not a NUL and is kept as sent.
    let body = json!({"id": "t9", "name": "A\\u0000B", "district": "d", "park": "p", "industry": "C",
                      "size_class": "small"});
    let created = app.post("/v1/tenants", op, body).await.expect(201).json();
    assert_eq!(created["name"], "A\\u0000B");
}

async fn paging(app: TestApp) {
    let erin = &app.enterprise.token;
    for query in ["per_page=2147483648", "per_page=0", "per_page=201", "page=0", "page=1000001", "per_page=-1"] {
        for path in ["/v1/tokens", "/v1/plugins", "/v1/tenants/t1/runs"] {
            let resp = app.get(&format!("{path}?{query}"), erin).await;
            assert_eq!(resp.status.as_u16(), 422, "{path}?{query}: {}", resp.text());
            resp.problem(422, "invalid-request");
        }
    }
    let page = app.get("/v1/tokens?per_page=200&page=3", erin).await.expect(200).json();
    assert_eq!((page["page"].as_i64(), page["per_page"].as_i64()), (Some(3), Some(200)), "{page}");
}
