//! The OpenAPI document: checked in as a snapshot, and covering every route.

use axum::http::Method;
use kiln_registry::auth::Role;
use serde_json::{Value, json};

use crate::common::{Resp, TestApp, router_routes};

crate::both! {
    the_openapi_document_matches_its_snapshot => snapshot;
    every_route_of_the_router_is_documented => coverage;
    refusals_are_documented_problem_documents_on_their_routes => refusals;
    queued_and_finished_runs_match_the_documented_schema => run_records;
    namespace_lists_match_the_documented_schema => namespace_lists;
}

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/openapi.snapshot.json");

async fn snapshot(app: TestApp) {
    let resp = app.get_anonymous("/openapi.json").await;
    resp.expect(200);
    assert!(resp.content_type().starts_with("application/json"), "{}", resp.content_type());
    let doc = resp.json();
    assert_eq!(doc, serde_json::to_value(kiln_registry::openapi::document()).unwrap());
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";

    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        // Both backends' tests write the same bytes; a rename keeps readers from seeing half.
        let tmp = format!("{SNAPSHOT}.{:?}.tmp", std::thread::current().id());
        std::fs::write(&tmp, &pretty).unwrap();
        std::fs::rename(&tmp, SNAPSHOT).unwrap();
        return;
    }
    let hint = "to accept the current document, run \
                `UPDATE_SNAPSHOTS=1 cargo test -p kiln-registry --test api openapi` and review the diff";
    let stored =
        std::fs::read_to_string(SNAPSHOT).unwrap_or_else(|e| panic!("no snapshot at {SNAPSHOT} ({e}); {hint}"));
    let stored: Value =
        serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{SNAPSHOT} is not JSON ({e}); {hint}"));
    if stored != doc {
        let mut diffs = Vec::new();
        diff("", &stored, &doc, &mut diffs);
        panic!(
            "the OpenAPI document differs from {SNAPSHOT} at {} places:\n  {}\n{hint}",
            diffs.len(),
            diffs.iter().take(30).cloned().collect::<Vec<_>>().join("\n  ")
        );
    }
}

/// JSON pointers where `a` and `b` differ.
fn diff(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => diff(&here, p, q, out),
                    (Some(_), None) => out.push(format!("{here}: removed")),
                    (None, Some(_)) => out.push(format!("{here}: added")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{at}/{i}"), p, q, out);
            }
        }
        _ if a != b => out.push(format!("{at}: {a} -> {b}")),
        _ => {}
    }
}

async fn coverage(app: TestApp) {
    let doc = app.get_anonymous("/openapi.json").await.expect(200).json();
    let routes = router_routes();
    assert!(routes.len() >= 27, "the route list was read from the document: {routes:?}");
    // Routes reach the router only through `routes!`, which documents them: a plain
    // `.route(...)` (or a service mounted beside the router) would serve an undocumented path.
    // In `routes/mod.rs` that holds for `api()`; `router()` may add what is not the API.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let mut source = std::fs::read_to_string(&path).unwrap();
        if path.ends_with("mod.rs") {
            let start = source.find("pub fn api()").expect("routes::api");
            let end = start + source[start..].find("\n}\n").expect("the end of routes::api");
            source = source[start..end].to_string();
        }
        let code: String = source.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for bypass in [".route(", ".route_service(", ".nest_service(", ".nest(", "Router::new()"] {
            assert!(!code.contains(bypass), "{} calls `{bypass}`: register routes with `routes!`", path.display());
        }
    }
    // And the router serves exactly the documented methods on each documented path: the
    // others get the method-not-allowed problem, never a route of their own.
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete: Vec<&str> = path.split('/').map(|s| if s.starts_with('{') { "x0" } else { s }).collect();
        let concrete = concrete.join("/");
        for method in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let documented = item.get(method.as_str().to_lowercase()).is_some();
            let resp = app.call(method.clone(), &concrete, None, None).await;
            if documented {
                assert_ne!(resp.status.as_u16(), 405, "{method} {path} is documented but not served");
                assert!(!resp.text().contains("no route for"), "{method} {path} is documented but not served");
            } else {
                assert_eq!(resp.status.as_u16(), 405, "{method} {path} is served but not documented: {}", resp.text());
                resp.problem(405, "method-not-allowed");
            }
        }
    }
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

/// The operation documented for a request, and the path template it matched.
fn operation<'a>(doc: &'a Value, method: &Method, path: &str) -> (&'a Value, String) {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (template, item) in doc["paths"].as_object().unwrap() {
        let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        let matches =
            parts.len() == segments.len() && parts.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s);
        let op = &item[method.as_str().to_lowercase()];
        if matches && !op.is_null() {
            return (op, template.clone());
        }
    }
    panic!("no documented operation for {method} {path}");
}

/// Asserts `resp` is an answer the document gives for `method path`: a documented status
/// and, for errors, a problem document documented as `application/problem+json`.
fn assert_documented(doc: &Value, method: &Method, path: &str, resp: &Resp) {
    let (op, template) = operation(doc, method, path);
    let status = resp.status.as_u16().to_string();
    let documented = &op["responses"][&status];
    assert!(
        documented.is_object(),
        "{method} {template} answered {status}, which it does not document: {}",
        resp.text()
    );
    if resp.status.as_u16() >= 400 {
        assert_eq!(resp.content_type(), "application/problem+json", "{method} {path}");
        let content = documented["content"].as_object().map(|c| c.keys().cloned().collect::<Vec<_>>());
        assert_eq!(content, Some(vec!["application/problem+json".to_string()]), "{method} {template} {status}");
    }
}

/// A request (method, path, token, JSON body) and the status it must get.
type Refusal<'a> = (Method, &'a str, Option<&'a str>, Option<Value>, u16);

/// Hostile and careless callers: no token, a wrong role, a bad page size, a missing
/// resource, a duplicate. Each answer must be documented as the problem document it is.
async fn refusals(app: TestApp) {
    let doc = app.get_anonymous("/openapi.json").await.expect(200).json();
    let maker = app.maker.token.clone();
    let erin = app.enterprise.token.clone();
    let olga = app.operator.token.clone();
    let tenant = json!({"id": "t1", "name": "t1 Ltd", "district": "d1", "park": "p1", "industry": "C39",
                        "size_class": "small"});
    let cases: Vec<Refusal> = vec![
        (Method::GET, "/v1/tenants/t1/runs", None, None, 401),
        (Method::GET, "/v1/plugins", None, None, 401),
        (Method::POST, "/v1/namespaces", None, Some(json!({"name": "x"})), 401),
        (Method::GET, "/v1/tenants/t1/runs", Some(&maker), None, 403),
        (Method::GET, "/v1/audit", Some(&erin), None, 403),
        (Method::POST, "/v1/tenants", Some(&maker), Some(tenant.clone()), 403),
        (Method::POST, "/v1/tenants", Some(&olga), Some(tenant), 409),
        (Method::GET, "/v1/tokens?per_page=-1", Some(&olga), None, 422),
        (Method::GET, "/v1/tenants/t1/runs?page=x", Some(&erin), None, 422),
        (Method::POST, "/v1/tenants", Some(&olga), Some(json!({"id": "only"})), 422),
        (Method::GET, "/v1/tenants/t1/runs/0123456789abcdef", Some(&erin), None, 404),
        (Method::DELETE, "/v1/keys/0123456789abcdef", Some(&maker), None, 404),
        (Method::GET, "/v1/monitoring/rollup", Some(&olga), None, 404),
        (Method::GET, "/v1/namespaces", None, None, 401),
        (Method::GET, "/v1/namespaces", Some(&erin), None, 403),
        (Method::GET, "/v1/namespaces?per_page=0", Some(&maker), None, 422),
        (Method::GET, "/v1/namespaces/acme/plugins", Some(&erin), None, 404),
        (Method::GET, "/v1/namespaces/acme/plugins?page=0", Some(&maker), None, 422),
    ];
    for (method, path, token, body, status) in cases {
        let resp = app.call(method.clone(), path, token, body).await;
        resp.expect(status);
        assert_documented(&doc, &method, path, &resp);
    }
}

/// Whether `value` fits `schema` as far as types, nullability and properties go (enough to
/// catch a field documented as an object that is sent as null).
fn fits(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return fits(doc, &doc["components"]["schemas"][name], value, at, errors);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let fitting = options.iter().any(|o| {
            let mut e = Vec::new();
            fits(doc, o, value, at, &mut e);
            e.is_empty()
        });
        if !fitting {
            errors.push(format!("{at}: {value} fits none of {}", schema["oneOf"]));
        }
        return;
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return,
    };
    let integer_as_number = kind == "integer" && types.contains(&"number");
    if !(types.contains(&kind) || integer_as_number) {
        errors.push(format!("{at}: {kind} where the document says {types:?}"));
        return;
    }
    if let Value::Object(fields) = value {
        for (name, field) in fields {
            if let Some(property) = schema["properties"].get(name) {
                fits(doc, property, field, &format!("{at}.{name}"), errors);
            }
        }
        for required in schema["required"].as_array().into_iter().flatten() {
            if !fields.contains_key(required.as_str().unwrap_or_default()) {
                errors.push(format!("{at}: required `{required}` is missing"));
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            fits(doc, item_schema, item, &format!("{at}[{i}]"), errors);
        }
    }
}

/// A queued run has no usage, log or output yet; a finished one has them. Both records, and
/// the run list, must be what the document says they are.
async fn run_records(app: TestApp) {
    let doc = app.get_anonymous("/openapi.json").await.expect(200).json();
    app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let admin = app.token("t1-runner", Role::EnterpriseAdmin, Some("t1"), &[]).await;
    app.upload_csv(&admin, "readings", "value\n1.5\n2.5\n").await.expect(201);
    let enablement = app.enable(&admin, "good", json!({})).await;
    let queued = app.submit(&admin, &enablement, "queued").await;
    let synced = app.submit(&admin, &enablement, "sync").await;
    let list = app.get("/v1/tenants/t1/runs", &admin.token).await;
    let submit = format!("/v1/tenants/t1/enablements/{enablement}/runs");
    for (method, path, resp, status) in [
        (Method::POST, submit.as_str(), &queued, 202),
        (Method::POST, submit.as_str(), &synced, 200),
        (Method::GET, "/v1/tenants/t1/runs", &list, 200),
    ] {
        resp.expect(status);
        let (op, template) = operation(&doc, &method, path);
        let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
        let mut errors = Vec::new();
        fits(&doc, schema, &resp.json(), &format!("{method} {template}"), &mut errors);
        assert!(errors.is_empty(), "the answer differs from the document:\n  {}", errors.join("\n  "));
    }
    assert!(queued.json()["usage"].is_null() && queued.json()["log"].is_null(), "{}", queued.text());
}

/// Both namespace lists, with plugins in every review state, are what the document says.
async fn namespace_lists(app: TestApp) {
    let doc = app.get_anonymous("/openapi.json").await.expect(200).json();
    app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::NOOP)).await;
    let good = app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let takedown = format!("/v1/plugins/acme/good/versions/{}/takedown", good.version);
    app.post(&takedown, &app.operator.token, json!({"reason": "malware"})).await.expect(200);
    for path in ["/v1/namespaces", "/v1/namespaces/acme/plugins"] {
        let resp = app.get(path, &app.maker.token).await;
        resp.expect(200);
        let (op, template) = operation(&doc, &Method::GET, path);
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        let mut errors = Vec::new();
        fits(&doc, schema, &resp.json(), &format!("GET {template}"), &mut errors);
        assert!(errors.is_empty(), "the answer differs from the document:\n  {}", errors.join("\n  "));
        assert!(!resp.json()["items"].as_array().unwrap().is_empty(), "{}", resp.text());
    }
}
