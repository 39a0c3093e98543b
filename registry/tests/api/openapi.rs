//! The OpenAPI document: checked in as a snapshot, and covering every route.

use serde_json::Value;

use crate::common::{TestApp, router_routes};

crate::both! {
    the_openapi_document_matches_its_snapshot => snapshot;
    every_route_of_the_router_is_documented => coverage;
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
    assert!(routes.len() >= 27, "the route list was read from the sources: {routes:?}");
    let mut missing = Vec::new();
    for (method, path) in &routes {
        if doc["paths"][path][method.to_lowercase()].is_null() {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(missing.is_empty(), "routes missing from the OpenAPI document: {missing:?}");
    // And the document describes nothing the router does not serve.
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    assert_eq!(documented, routes);
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}
