//! Contract versions side by side: a plugin built against the frozen 0.1.0 contract runs on
//! this host as it did, beside the same plugin built against 0.2.0.

use kiln_host::{Limits, OutputKind, SUPPORTED_VERSIONS};

use crate::common::*;

#[tokio::test]
async fn each_build_reports_the_contract_its_export_names() {
    let old = load(kiln_test_guests::GOOD_V0_1_0).await;
    let new = load(kiln_test_guests::GOOD).await;
    assert_eq!((old.wit_version(), new.wit_version()), ("0.1.0", "0.2.0"));
    assert_eq!(SUPPORTED_VERSIONS, ["0.1.0", "0.2.0"]);
    assert!(old.info().outputs.iter().all(|o| o.kind.is_none()), "0.1.0 declares names only");
    assert!(new.info().outputs.iter().all(|o| matches!(o.kind, Some(OutputKind::Table(_) | OutputKind::Metric))));
}

#[tokio::test]
async fn a_0_1_0_plugin_computes_what_its_0_2_0_build_computes() {
    for wasm in [kiln_test_guests::GOOD_V0_1_0, kiln_test_guests::GOOD] {
        let plugin = load(wasm).await;
        let output = run_on_readings(&plugin, 5000, &[], Limits::default()).await.result.expect("runs");
        assert_eq!(output.metrics[0].value, readings_sum(5000), "{wasm}");
    }
}

#[tokio::test]
async fn a_component_on_an_unknown_contract_is_refused_naming_the_versions_supported() {
    let mut resolve = wit_parser::Resolve::default();
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/since_v0.2.0/plugin.wit");
    let text = std::fs::read_to_string(wit).expect("reads the WIT").replace("kiln:plugin@0.2.0", "kiln:plugin@0.9.0");
    let package = resolve.push_str("plugin.wit", &text).expect("WIT parses");
    let world = resolve.select_world(&[package], Some("plugin")).expect("plugin world");
    let mut module = wat::parse_str(
        r#"(module (memory (export "memory") 1)
        (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) unreachable)
        (func (export "kiln:plugin/guest@0.9.0#describe") (result i32) unreachable)
        (func (export "kiln:plugin/guest@0.9.0#run") (param i32 i32) (result i32) unreachable))"#,
    )
    .expect("WAT parses");
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8)
        .expect("embed metadata");
    let component =
        wit_component::ComponentEncoder::default().module(&module).expect("module").encode().expect("encodes");
    let err = host().load(&component).await.err().expect("refused").to_string();
    assert!(err.contains("0.9.0") && err.contains("0.1.0, 0.2.0"), "{err}");
}
