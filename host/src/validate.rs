//! What a plugin component may import and must export.

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::bindings::v0_1_0;
use crate::error::LoadError;

/// WASI 0.2 packages that Rust's std links and the host provides (with nothing behind them:
/// no preopened directories, no environment, no sockets).
const WASI_PACKAGES: &[&str] = &["wasi:io", "wasi:cli", "wasi:clocks", "wasi:random", "wasi:filesystem"];

/// A component's import and export names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Interfaces {
    /// Imported interface names, like `wasi:cli/stdout@0.2.4`.
    pub imports: Vec<String>,
    /// Exported names, like `kiln:plugin/guest@0.1.0`.
    pub exports: Vec<String>,
}

/// Refuses anything that is not a component: random bytes, a core module.
pub fn check_is_component(bytes: &[u8]) -> Result<(), LoadError> {
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(LoadError::CoreModule);
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(LoadError::Invalid("missing the component header (\\0asm, layer 1)".into()));
    }
    Ok(())
}

/// Checks the imports against the allow-list and that the plugin export is present; returns
/// the names for display and the contract version the export names.
pub fn check_interfaces(engine: &Engine, component: &Component) -> Result<(Interfaces, &'static str), LoadError> {
    let ty = component.component_type();
    let imports: Vec<String> = ty.imports(engine).map(|(name, _)| name.to_string()).collect();
    let exports: Vec<String> = ty.exports(engine).map(|(name, _)| name.to_string()).collect();
    if let Some(bad) = imports.iter().find(|name| !import_allowed(name)) {
        return Err(LoadError::ForbiddenImport(bad.clone()));
    }
    if !exports.iter().any(|e| e == v0_1_0::GUEST_EXPORT) {
        return Err(LoadError::WrongWorld(format!(
            "expected export `{}`, found [{}]",
            v0_1_0::GUEST_EXPORT,
            exports.join(", ")
        )));
    }
    Ok((Interfaces { imports, exports }, v0_1_0::VERSION))
}

fn import_allowed(name: &str) -> bool {
    let Some((path, version)) = name.split_once('@') else {
        return false;
    };
    let Some((package, _interface)) = path.split_once('/') else {
        return false;
    };
    if package == "kiln:plugin" {
        return version == v0_1_0::VERSION;
    }
    WASI_PACKAGES.contains(&package) && version.starts_with("0.2.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_contract_and_safe_wasi_are_importable() {
        assert!(import_allowed("kiln:plugin/data@0.1.0"));
        assert!(import_allowed("wasi:cli/stdout@0.2.4"));
        assert!(!import_allowed("wasi:sockets/tcp@0.2.4"));
        assert!(!import_allowed("wasi:http/outgoing-handler@0.2.4"));
        assert!(!import_allowed("kiln:plugin/data@9.0.0"));
        assert!(!import_allowed("host-escape"));
    }

    #[test]
    fn random_bytes_and_core_modules_are_not_components() {
        assert!(matches!(check_is_component(b"\0asm\x01\0\0\0"), Err(LoadError::CoreModule)));
        assert!(matches!(check_is_component(b"hello"), Err(LoadError::Invalid(_))));
    }
}
