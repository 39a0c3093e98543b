//! Generated bindings for `kiln:plugin@0.1.0`. Plumbing for the `export!` macro, not API.

#![allow(missing_docs)]

wit_bindgen::generate!({
    path: "../wit/since_v0.1.0",
    world: "plugin",
    pub_export_macro: true,
    export_macro_name: "__export_plugin_world",
    default_bindings_module: "::kiln_sdk::__private::bindings",
    runtime_path: "::kiln_sdk::__private::wit_bindgen::rt",
});
