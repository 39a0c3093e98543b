//! What a plugin component may import and must export.

use crate::error::LoadError;
use crate::wit::{SUPPORTED_VERSIONS, Version};

/// WASI 0.2 packages the host links, with nothing behind them: no preopened directories, no
/// environment, every socket address and name lookup refused. Rust's std imports the first
/// five; CPython (componentize-py) also imports sockets, which it links whether or not a
/// plugin uses them, so they are linked too and every use fails at run time.
const WASI_PACKAGES: &[&str] =
    &["wasi:io", "wasi:cli", "wasi:clocks", "wasi:random", "wasi:filesystem", "wasi:sockets"];

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

/// The export every plugin provides, before its `@version`.
const GUEST_EXPORT: &str = "kiln:plugin/guest@";

/// Finds the contract version the component was built for (the one its `kiln:plugin/guest`
/// export names) and checks its imports against the allow-list: that version's `kiln:plugin`
/// interfaces and WASI's.
pub(crate) fn check_names(imports: &[String], exports: &[String]) -> Result<Version, LoadError> {
    // Imports outside the contract and WASI's allow-list are named first: they are what
    // matters most about a component, whatever contract it names.
    let contract = |name: &str| name.starts_with("kiln:plugin/");
    if let Some(bad) = imports.iter().find(|name| !contract(name) && !import_allowed(name, Version::V0_1_0)) {
        return Err(LoadError::ForbiddenImport(bad.clone()));
    }
    let version = contract_version(exports)?;
    if let Some(bad) = imports.iter().find(|name| !import_allowed(name, version)) {
        return Err(LoadError::ForbiddenImport(bad.clone()));
    }
    Ok(version)
}

/// The version named by the one `kiln:plugin/guest` export, if this host runs it.
fn contract_version(exports: &[String]) -> Result<Version, LoadError> {
    let supported = SUPPORTED_VERSIONS.join(", ");
    let named: Vec<&str> = exports.iter().filter_map(|e| e.strip_prefix(GUEST_EXPORT)).collect();
    match named.as_slice() {
        [version] => Version::parse(version).ok_or_else(|| {
            LoadError::WrongWorld(format!(
                "it targets contract {version}; this host runs contract versions {supported}"
            ))
        }),
        [] => Err(LoadError::WrongWorld(format!(
            "expected export `{GUEST_EXPORT}X.Y.Z` for one of the contract versions {supported}, found [{}]",
            exports.join(", ")
        ))),
        _ => Err(LoadError::WrongWorld(format!("it exports more than one contract version: [{}]", named.join(", ")))),
    }
}

/// Whether a component built for contract `version` may import `name`: only that version's
/// own interfaces, so one component never mixes contract versions.
fn import_allowed(name: &str, contract: Version) -> bool {
    let Some((path, import_version)) = name.split_once('@') else {
        return false;
    };
    let Some((package, _interface)) = path.split_once('/') else {
        return false;
    };
    if package == "kiln:plugin" {
        return import_version == contract.as_str();
    }
    WASI_PACKAGES.contains(&package) && import_version.starts_with("0.2.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_contract_and_safe_wasi_are_importable() {
        let v1 = Version::V0_1_0;
        assert!(import_allowed("kiln:plugin/data@0.1.0", v1));
        assert!(import_allowed("wasi:cli/stdout@0.2.4", v1));
        assert!(import_allowed("wasi:sockets/tcp@0.2.9", v1), "linked, and every use refused");
        assert!(!import_allowed("wasi:sockets/tcp@0.3.0", v1));
        assert!(!import_allowed("wasi:http/outgoing-handler@0.2.4", v1));
        assert!(!import_allowed("kiln:plugin/data@9.0.0", v1));
        assert!(!import_allowed("host-escape", v1));
    }

    #[test]
    fn a_component_never_mixes_contract_versions() {
        assert!(import_allowed("kiln:plugin/data@0.2.0", Version::V0_2_0));
        assert!(!import_allowed("kiln:plugin/data@0.1.0", Version::V0_2_0));
        assert!(!import_allowed("kiln:plugin/log@0.2.0", Version::V0_1_0));
    }

    #[test]
    fn the_version_comes_from_the_guest_export_and_an_unknown_one_names_the_supported() {
        let exports = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(contract_version(&exports(&["kiln:plugin/guest@0.2.0"])).unwrap(), Version::V0_2_0);
        assert_eq!(contract_version(&exports(&["kiln:plugin/guest@0.1.0"])).unwrap(), Version::V0_1_0);
        let err = contract_version(&exports(&["kiln:plugin/guest@0.9.0"])).unwrap_err().to_string();
        assert!(err.contains("0.9.0") && err.contains("0.1.0, 0.2.0"), "{err}");
        let err = contract_version(&exports(&["other:thing/x@1.0.0"])).unwrap_err().to_string();
        assert!(err.contains("0.1.0, 0.2.0"), "{err}");
        assert!(contract_version(&exports(&["kiln:plugin/guest@0.1.0", "kiln:plugin/guest@0.2.0"])).is_err());
    }

    #[test]
    fn random_bytes_and_core_modules_are_not_components() {
        assert!(matches!(check_is_component(b"\0asm\x01\0\0\0"), Err(LoadError::CoreModule)));
        assert!(matches!(check_is_component(b"hello"), Err(LoadError::Invalid(_))));
    }
}
