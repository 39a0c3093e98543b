//! Publishing: what is accepted, and everything that must be refused without leaving a trace.

use kiln_registry::auth::Role;
use kiln_registry::manifest::Manifest;
use kiln_registry::store::plugins::Status;
use serde_json::json;

use crate::common::{Publish, TestApp};

crate::both! {
    a_signed_publish_is_stored_pending_and_audited => accepted;
    a_signature_that_does_not_verify_is_refused => bad_signature;
    a_signature_by_a_key_that_is_not_an_active_key_of_the_maker_is_refused => foreign_key;
    bytes_other_than_the_signed_ones_are_refused => tampered;
    a_component_of_the_wrong_world_is_refused => wrong_world;
    a_component_importing_http_is_refused => extra_import;
    an_oversized_upload_is_refused_as_too_large => oversized;
    a_manifest_version_that_is_not_semver_is_refused => bad_semver;
    a_manifest_disagreeing_with_describe_or_the_url_is_refused => mismatch;
    publishing_in_someone_elses_namespace_is_forbidden => squatting;
    path_like_names_in_the_url_are_refused => path_names;
    a_second_publish_of_the_same_version_conflicts => duplicate;
    the_source_a_component_carries_is_shown_to_those_who_may_see_the_version => source;
    a_component_whose_source_section_is_malformed_is_refused => malformed_source;
}

fn good() -> Vec<u8> {
    kiln_test_guests::bytes(kiln_test_guests::GOOD)
}

fn manifest(name: &str, version: &str) -> Manifest {
    Manifest {
        namespace: "acme".into(),
        name: name.into(),
        version: version.into(),
        description: "test".into(),
        license: "MIT".into(),
        repository: None,
        categories: vec![],
        capabilities: vec![],
    }
}

async fn accepted(app: TestApp) {
    let bytes = good();
    let audit_before = app.audit_rows().await;
    let v = app.publish(&app.maker, "acme", &bytes).await;
    let sha = kiln_host::sha256_hex(&bytes);
    assert_eq!(v.status, Status::Pending);
    assert_eq!(v.sha256, sha);
    assert_eq!(v.size, bytes.len() as i64);
    assert_eq!(v.published_by, "maria");
    assert_eq!(v.key_id, app.maker.key_id);
    assert_eq!(v.describe["name"], "good");
    assert_eq!(v.manifest["license"], "Apache-2.0");
    assert_eq!((v.yanked, v.taken_down), (false, false));
    assert_eq!(app.version_rows().await, 1);
    assert_eq!(app.audit_rows().await, audit_before + 1);
    let last = app.get(&format!("/v1/audit?after={audit_before}"), &app.operator.token).await.expect(200).json();
    assert_eq!(last[0]["action"], "version.publish");
    assert_eq!(last[0]["subject"], "acme/good@0.1.0");
    assert_eq!(last[0]["actor"], "maria");
    let blob = app.dir.path().join("blobs/sha256").join(&sha[..2]).join(&sha);
    assert_eq!(std::fs::read(&blob).unwrap(), bytes, "the blob is stored by its sha256");
    // The plugin now appears in the catalog for its maker (and in the operator's review queue).
    let queue = app.get("/v1/review", &app.operator.token).await.expect(200).json();
    assert_eq!(queue["items"][0]["sha256"], sha);
}

async fn bad_signature(app: TestApp) {
    let p = app.publish_of(&app.maker, "acme", &good()).await;
    let maria = &app.maker.actor;
    for signature in ["00".repeat(64), "zz".into(), String::new(), "ab".repeat(65)] {
        let body = Publish { signature: Some(signature), ..p.clone() }.body();
        app.refused_publish(maria, &p.path(), body, 422, "bad-signature").await;
    }
    // Signed by a key that was never registered, claiming the maker's registered key id.
    let stranger = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let body = Publish { signer: stranger, ..p.clone() }.body();
    app.refused_publish(maria, &p.path(), body, 422, "bad-signature").await;
    // The manifest was changed after signing.
    let mut altered = p.clone();
    altered.signed_manifest = Some(p.manifest.clone());
    altered.manifest.description = "now does something else".into();
    app.refused_publish(maria, &p.path(), altered.body(), 422, "bad-signature").await;
}

async fn foreign_key(app: TestApp) {
    let p = app.publish_of(&app.maker, "acme", &good()).await;
    let maria = &app.maker.actor;
    // Otto's registered key, signed with it, sent by Maria.
    let body = Publish { signer: app.other.key.clone(), key_id: app.other.key_id.clone(), ..p.clone() }.body();
    app.refused_publish(maria, &p.path(), body, 422, "unknown-key").await;
    // A key id that does not exist.
    let body = Publish { key_id: "ffffffffffffffff".into(), ..p.clone() }.body();
    app.refused_publish(maria, &p.path(), body, 422, "unknown-key").await;
    // Maria's own key, revoked.
    let revoked = app.register_key(maria.clone()).await;
    app.delete(&format!("/v1/keys/{}", revoked.key_id), &maria.token).await.expect(204);
    let body = Publish { signer: revoked.key.clone(), key_id: revoked.key_id.clone(), ..p.clone() }.body();
    app.refused_publish(maria, &p.path(), body, 422, "unknown-key").await;
}

async fn tampered(app: TestApp) {
    let noop = kiln_test_guests::bytes(kiln_test_guests::NOOP);
    // Sign good, send noop (with good's manifest, then with noop's).
    let mut p = app.publish_of(&app.maker, "acme", &good()).await;
    p.signed_bytes = Some(p.bytes.clone());
    p.bytes = noop.clone();
    app.refused_publish(&app.maker, &p.path(), p.body(), 422, "bad-signature").await;
    let mut q = app.publish_of(&app.maker, "acme", &noop).await;
    q.signed_bytes = Some(good());
    app.refused_publish(&app.maker, &q.path(), q.body(), 422, "bad-signature").await;
    // One flipped byte.
    let mut r = app.publish_of(&app.maker, "acme", &good()).await;
    r.signed_bytes = Some(r.bytes.clone());
    let last = r.bytes.len() - 1;
    r.bytes[last] ^= 1;
    app.refused_publish(&app.maker, &r.path(), r.body(), 422, "bad-signature").await;
}

async fn wrong_world(app: TestApp) {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a core module", wat::parse_str("(module (func (export \"describe\")))").unwrap()),
        ("an empty component", wat::parse_str("(component)").unwrap()),
        (
            "a component exporting an unrelated function",
            wat::parse_str(
                r#"(component
                    (core module $m (func (export "f") (result i32) i32.const 1))
                    (core instance $i (instantiate $m))
                    (func $f (result u32) (canon lift (core func $i "f")))
                    (export "describe" (func $f)))"#,
            )
            .unwrap(),
        ),
        ("not wasm at all", b"#!/bin/sh\nrm -rf /\n".to_vec()),
    ];
    for (what, bytes) in cases {
        let p = TestApp::publish_with(&app.maker, manifest("thing", "0.1.0"), &bytes);
        let resp = app.refused_publish(&app.maker, &p.path(), p.body(), 422, "invalid-component").await;
        println!("{what}: {}", resp.json()["detail"]);
    }
}

async fn extra_import(app: TestApp) {
    // Sockets are linked with every use refused (CPython imports them); HTTP is not linked.
    let bytes = wat::parse_str(r#"(component (import "wasi:http/outgoing-handler@0.2.0" (instance)))"#).unwrap();
    let p = TestApp::publish_with(&app.maker, manifest("fetcher", "0.1.0"), &bytes);
    let resp = app.refused_publish(&app.maker, &p.path(), p.body(), 422, "invalid-component").await;
    let detail = resp.json()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("wasi:http/outgoing-handler"), "the refusal names the forbidden import: {detail}");
}

async fn oversized(app: TestApp) {
    let limits = &app.state.limits;
    // One byte over the largest component limit (the body itself is within the body limit).
    let p = TestApp::publish_with(&app.maker, manifest("big", "0.1.0"), &vec![0; limits.largest_component() + 1]);
    app.refused_publish(&app.maker, &p.path(), p.body(), 413, "too-large").await;
    // A Rust component padded past its language's limit, though within an interpreter's: the
    // larger allowance is for what embeds an interpreter only.
    let mut padded = good();
    let padding = limits.max_component_bytes + 1 - padded.len();
    padded.push(0); // a custom section: name "pad", then the payload
    let mut size = (padding + 4) as u32;
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        padded.push(if size == 0 { byte } else { byte | 0x80 });
        if size == 0 {
            break;
        }
    }
    padded.extend_from_slice(b"\x03pad");
    padded.resize(padded.len() + padding, 0);
    assert!(padded.len() > limits.max_component_bytes && padded.len() < limits.max_interpreter_component_bytes);
    let p = TestApp::publish_with(&app.maker, manifest("good", "0.1.0"), &padded);
    let resp = app.refused_publish(&app.maker, &p.path(), p.body(), 413, "too-large").await;
    assert!(resp.json()["detail"].as_str().unwrap().contains("for components embedding an interpreter"));
    // A body over the request limit is refused before it is parsed.
    let huge = "A".repeat(app.state.limits.max_body_bytes + 1);
    let body = json!({"manifest": manifest("big", "0.1.0"), "signature": "", "key_id": "", "component": huge});
    app.refused_publish(&app.maker, &p.path(), body, 413, "too-large").await;
}

async fn bad_semver(app: TestApp) {
    let base = app.publish_of(&app.maker, "acme", &good()).await;
    for version in ["1.0", "latest", "01.0.0", "1.0.0.0", ""] {
        let mut p = base.clone();
        p.manifest.version = version.into();
        app.refused_publish(&app.maker, &p.path(), p.body(), 422, "invalid-version").await;
    }
}

async fn mismatch(app: TestApp) {
    let base = app.publish_of(&app.maker, "acme", &good()).await;
    // Versions, names and capabilities that describe() does not say.
    let mut p = base.clone();
    p.manifest.version = "0.2.0".into();
    let resp = app.refused_publish(&app.maker, &p.path(), p.body(), 422, "manifest-mismatch").await;
    assert!(resp.json()["detail"].as_str().unwrap().contains("0.2.0"), "{}", resp.text());
    let mut p = base.clone();
    p.manifest.name = "great".into();
    app.refused_publish(&app.maker, &p.path(), p.body(), 422, "manifest-mismatch").await;
    let mut p = base.clone();
    p.manifest.capabilities.clear();
    app.refused_publish(&app.maker, &p.path(), p.body(), 422, "manifest-mismatch").await;
    // A manifest for another name or namespace than the URL's.
    app.refused_publish(&app.maker, "/v1/plugins/acme/other/versions", base.body(), 422, "manifest-mismatch").await;
    app.post("/v1/namespaces", &app.maker.token, json!({"name": "beta"})).await.expect(201);
    app.refused_publish(&app.maker, "/v1/plugins/beta/good/versions", base.body(), 422, "manifest-mismatch").await;
}

async fn squatting(app: TestApp) {
    // Otto signs correctly with his own key, but acme is not his.
    let p = app.publish_of(&app.other, "acme", &good()).await;
    app.refused_publish(&app.other, &p.path(), p.body(), 403, "forbidden").await;
    // Nobody is a member of a namespace that does not exist.
    let p = app.publish_of(&app.maker, "nowhere", &good()).await;
    app.refused_publish(&app.maker, &p.path(), p.body(), 403, "forbidden").await;
    // Only makers publish.
    let p = app.publish_of(&app.maker, "acme", &good()).await;
    app.refused_publish(&app.operator, &p.path(), p.body(), 403, "forbidden").await;
    app.refused_publish(&app.enterprise, &p.path(), p.body(), 403, "forbidden").await;
    // Nor with a token lacking the publish scope.
    let read_only = app.token("maria", Role::Maker, None, &["read"]).await;
    app.refused_publish(&read_only, &p.path(), p.body(), 403, "forbidden").await;
}

async fn path_names(app: TestApp) {
    let body = app.publish_of(&app.maker, "acme", &good()).await.body();
    for path in [
        "/v1/plugins/acme/../versions",
        "/v1/plugins/../good/versions",
        "/v1/plugins/acme/a%2Fb/versions",
        "/v1/plugins/acme/..%2F..%2Fetc/versions",
        "/v1/plugins/Acme/good/versions",
        "/v1/plugins/acme/Good/versions",
        "/v1/plugins/acme/go_od/versions",
        "/v1/plugins/acme/.good/versions",
    ] {
        app.refused_publish(&app.maker, path, body.clone(), 422, "invalid-name").await;
    }
    // Control characters are refused at the edge, before any route looks at the name.
    app.refused_publish(&app.maker, "/v1/plugins/acme/good%00/versions", body.clone(), 422, "invalid-request").await;
    // Extra segments match no route at all.
    app.refused_publish(&app.maker, "/v1/plugins/acme/a/b/versions", body.clone(), 404, "not-found").await;
    app.refused_publish(&app.maker, "/v1/plugins/acme/good/versions/", body, 404, "not-found").await;
    // Reading with path-like names finds nothing.
    let resp = app.get("/v1/plugins/acme/..%2F..%2Fetc/versions/0.1.0/download", &app.operator.token).await;
    resp.problem(404, "not-found");
}

async fn duplicate(app: TestApp) {
    let p = app.publish_of(&app.maker, "acme", &good()).await;
    app.send_publish(&app.maker, &p).await.expect(201);
    app.refused_publish(&app.maker, &p.path(), p.body(), 409, "conflict").await;
    assert_eq!(app.version_rows().await, 1);
    // A second member of the namespace cannot replace it either.
    app.post("/v1/namespaces/acme/members", &app.maker.token, json!({"principal": "otto"})).await.expect(200);
    let q = app.publish_of(&app.other, "acme", &good()).await;
    app.refused_publish(&app.other, &q.path(), q.body(), 409, "conflict").await;
    let listed = app.get("/v1/plugins/acme/good/versions", &app.maker.token).await.expect(200).json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["published_by"], "maria");
}

fn source_files() -> Vec<kiln_host::source::SourceFile> {
    vec![kiln_host::source::SourceFile { path: "good.py".into(), text: "class Good(Plugin): ...\n".into() }]
}

async fn source(app: TestApp) {
    let bytes = kiln_host::source::embed(&good(), source_files()).unwrap();
    let v = app.publish(&app.maker, "acme", &bytes).await;
    let path = format!("/v1/plugins/acme/good/versions/{}/source", v.version);
    for reader in [&app.maker.token, &app.operator.token] {
        let shown = app.get(&path, reader).await.expect(200).json();
        assert_eq!(shown, json!({"files": [{"path": "good.py", "text": "class Good(Plugin): ...\n"}]}));
    }
    // Pending: hidden from enterprises and from makers outside the namespace, as the version is.
    app.get(&path, &app.enterprise.token).await.problem(404, "not-found");
    app.get(&path, &app.other.token).await.problem(404, "not-found");
    // A component without source says so with no files.
    let plain = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::NOOP)).await;
    let path = format!("/v1/plugins/acme/{}/versions/{}/source", plain.name, plain.version);
    assert_eq!(app.get(&path, &app.maker.token).await.expect(200).json(), json!({"files": []}));
}

async fn malformed_source(app: TestApp) {
    let twice = kiln_host::source::embed(&kiln_host::source::embed(&good(), source_files()).unwrap(), source_files());
    let p = app.publish_of(&app.maker, "acme", &twice.unwrap()).await;
    let resp = app.refused_publish(&app.maker, &p.path(), p.body(), 422, "invalid-component").await;
    assert!(resp.json()["detail"].as_str().unwrap().contains("source twice"), "{}", resp.text());
}
