//! Components the host must refuse to load, and the WAT-built guests that need exact control
//! over their core module.

use kiln_host::LoadError;

use crate::common::*;

/// Wraps a core module (WAT) implementing the canonical ABI of `kiln:plugin/guest` into a
/// plugin component, the way `wit-component` does for Rust guests.
pub fn component_from_core_wat(wat: &str) -> Vec<u8> {
    let mut resolve = wit_parser::Resolve::default();
    let wit_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/since_v0.1.0");
    let (package, _) = resolve.push_dir(wit_dir).expect("WIT parses");
    let world = resolve.select_world(&[package], Some("plugin")).expect("plugin world");
    let mut module = wat::parse_str(wat).expect("WAT parses");
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8)
        .expect("embed metadata");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("module accepted")
        .validate(true)
        .encode()
        .expect("component encodes")
}

/// A plugin whose `run` grows its table until refused, then traps.
pub fn table_bomb() -> Vec<u8> {
    component_from_core_wat(
        r#"(module
            (memory (export "memory") 1)
            (table $t 1 funcref)
            (global $heap (mut i32) (i32.const 4096))
            (data (i32.const 100) "table-bomb")
            (data (i32.const 200) "0.1.0")
            ;; plugin-info: name, version, description, params, datasets, outputs as (ptr, len)
            (data (i32.const 1024) "\64\00\00\00\0a\00\00\00\c8\00\00\00\05\00\00\00")
            (func (export "kiln:plugin/guest@0.1.0#describe") (result i32) i32.const 1024)
            (func (export "kiln:plugin/guest@0.1.0#run") (param i32 i32) (result i32)
                (loop $grow
                    (br_if $grow (i32.ne (table.grow $t (ref.null func) (i32.const 100)) (i32.const -1))))
                unreachable)
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
                (local $p i32)
                (local.set $p (i32.and
                    (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                    (i32.sub (i32.const 0) (local.get 2))))
                (global.set $heap (i32.add (local.get $p) (local.get 3)))
                (local.get $p)))"#,
    )
}

async fn refused(bytes: &[u8]) -> LoadError {
    let err = match host().load(bytes).await {
        Err(e) => e,
        Ok(_) => panic!("component loaded"),
    };
    good_still_works().await;
    err
}

#[tokio::test]
async fn core_module_is_not_a_component() {
    let module = wat::parse_str("(module (func (export \"run\")))").unwrap();
    assert!(matches!(refused(&module).await, LoadError::CoreModule));
}

#[tokio::test]
async fn random_bytes_are_refused() {
    // A fixed xorshift stream: random-looking, the same on every run.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    assert!(matches!(refused(&bytes).await, LoadError::Invalid(_)));
    let mut with_header = b"\0asm\x0d\0\x01\0".to_vec();
    with_header.extend_from_slice(&bytes);
    assert!(matches!(refused(&with_header).await, LoadError::Invalid(_)));
}

#[tokio::test]
async fn truncated_component_is_refused() {
    let bytes = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    assert!(matches!(refused(&bytes[..bytes.len() / 2]).await, LoadError::Invalid(_)));
}

#[tokio::test]
async fn extra_import_is_refused() {
    let component = wat::parse_str(r#"(component (import "evil:host/escape@1.0.0" (instance)))"#).unwrap();
    match refused(&component).await {
        LoadError::ForbiddenImport(name) => assert_eq!(name, "evil:host/escape@1.0.0"),
        other => panic!("expected forbidden import, got {other}"),
    }
}

#[tokio::test]
async fn http_import_is_refused() {
    let component = wat::parse_str(r#"(component (import "wasi:http/outgoing-handler@0.2.0" (instance)))"#).unwrap();
    match refused(&component).await {
        LoadError::ForbiddenImport(name) => assert_eq!(name, "wasi:http/outgoing-handler@0.2.0"),
        other => panic!("expected forbidden import, got {other}"),
    }
}

#[tokio::test]
async fn component_without_the_plugin_export_is_the_wrong_world() {
    let component = wat::parse_str("(component)").unwrap();
    assert!(matches!(refused(&component).await, LoadError::WrongWorld(_)));
}

#[tokio::test]
async fn mistyped_plugin_export_is_the_wrong_world() {
    let component = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 0))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (instance $g (export "describe" (func $f)) (export "run" (func $f)))
            (export "kiln:plugin/guest@0.1.0" (instance $g)))"#,
    )
    .unwrap();
    let err = refused(&component).await;
    assert!(matches!(err, LoadError::WrongWorld(_)), "{err:?}");
}

#[tokio::test]
async fn oversized_component_is_refused() {
    let bytes = vec![0_u8; host().config().max_component_bytes + 1];
    assert!(matches!(refused(&bytes).await, LoadError::TooLarge { .. }));
}

#[tokio::test]
async fn imports_are_refused_before_the_component_is_compiled() {
    // The core function's body is ill-typed, so compiling would fail; the import is named first
    // because the component is read before anything compiles it.
    let component = wat::parse_str(
        r#"(component
            (import "wasi:http/outgoing-handler@0.2.0" (instance))
            (core module $m (func (result i32) f64.const 1))
            (core instance (instantiate $m)))"#,
    )
    .unwrap();
    match host().inspect(&component) {
        Err(LoadError::ForbiddenImport(name)) => assert_eq!(name, "wasi:http/outgoing-handler@0.2.0"),
        other => panic!("expected a forbidden import, got {other:?}"),
    }
}

#[tokio::test]
async fn a_component_taking_more_of_the_pool_than_one_may_is_refused_before_compiling() {
    let instances = "(core instance (instantiate $m))".repeat(70);
    let component = wat::parse_str(format!("(component (core module $m) {instances})")).unwrap();
    match host().inspect(&component) {
        Err(LoadError::ExceedsLimits(message)) => assert!(message.contains("70 core instances"), "{message}"),
        other => panic!("expected exceeds-limits, got {other:?}"),
    }
}

#[test]
fn nested_components_are_sized_with_their_instantiations_and_adapters() {
    // Two instances of a component holding one module with a memory and a table, and one
    // function lifted from the first instance and lowered into a module of the outer one.
    let component = wat::parse_str(
        r#"(component
            (component $inner
                (core module $m (memory 2) (table 3 funcref) (func (export "f")))
                (core instance $i (instantiate $m))
                (func (export "f") (canon lift (core func $i "f"))))
            (instance $a (instantiate $inner))
            (instance $b (instantiate $inner))
            (alias export $a "f" (func $f))
            (core func $lowered (canon lower (func $f)))
            (core module $user (import "x" "f" (func)))
            (core instance (instantiate $user (with "x" (instance (export "f" (func $lowered)))))))"#,
    )
    .unwrap();
    let shape = kiln_host::inspect::shape(&component).expect("sized");
    assert_eq!(shape.core_instances, 2 + 1 + 1, "two inner instances, the user module and one adapter");
    assert_eq!((shape.memories, shape.tables), (2, 2));
    assert_eq!(shape.max_initial_memory_bytes, 2 << 16);
    assert_eq!(shape.max_initial_table_elements, 3);
}
