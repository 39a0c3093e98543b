//! Talking to a Kiln registry over its HTTP API: the connection flags every command shares,
//! `NAMESPACE/NAME[@VERSION]` references, output, and one module per command group.

pub mod audit;
pub mod client;
pub mod datasets;
pub mod download;
pub mod keys;
pub mod lines;
pub mod monitor;
pub mod namespaces;
pub mod publish;
pub mod review;
pub mod runs;
pub mod schedules;
pub mod tenants;
pub mod tokens;
pub mod versions;

use std::fmt;
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use clap::Args;
use kiln_registry::manifest::valid_name;
use serde::Serialize;

/// Where the registry is, who is calling and how to print: flattened into every command that
/// calls the API.
#[derive(Args, Debug, Clone)]
pub struct Remote {
    /// The registry's base URL.
    #[arg(long, env = "KILN_REGISTRY", value_name = "URL", default_value = "http://127.0.0.1:8080")]
    pub registry: String,
    /// The API token to send (`kiln_...`).
    #[arg(long, env = "KILN_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

impl Remote {
    /// A client for this registry and token.
    pub fn client(&self) -> anyhow::Result<client::Client> {
        client::Client::new(&self.registry, self.token.as_deref())
    }
}

/// A plugin in a registry, `NAMESPACE/NAME`, optionally at a version (`@1.2.3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRef {
    /// The namespace.
    pub namespace: String,
    /// The plugin's name.
    pub name: String,
    /// The version, when one was given.
    pub version: Option<String>,
}

impl PluginRef {
    fn parse_any(text: &str) -> Result<Self, String> {
        let (path, version) = match text.split_once('@') {
            Some((path, version)) => (path, Some(version)),
            None => (text, None),
        };
        let (namespace, name) =
            path.split_once('/').ok_or_else(|| format!("`{text}` is not NAMESPACE/NAME[@VERSION]"))?;
        for part in [namespace, name] {
            if !valid_name(part) {
                return Err(format!(
                    "`{part}` is not a valid name (lowercase letters, digits and single dashes, starting with a letter)"
                ));
            }
        }
        if let Some(v) = version {
            semver::Version::parse(v).map_err(|e| format!("`{v}` is not a semver version: {e}"))?;
        }
        Ok(PluginRef { namespace: namespace.into(), name: name.into(), version: version.map(String::from) })
    }

    /// The plugin's API path segments: `v1/plugins/NS/NAME`.
    pub fn plugin_path(&self) -> Vec<&str> {
        vec!["v1", "plugins", &self.namespace, &self.name]
    }

    /// The version's API path segments, `v1/plugins/NS/NAME/versions/VERSION`, then `more`.
    pub fn version_path<'a>(&'a self, more: &[&'a str]) -> Vec<&'a str> {
        let mut path = self.plugin_path();
        path.extend(["versions", self.version.as_deref().unwrap_or_default()]);
        path.extend(more);
        path
    }
}

impl fmt::Display for PluginRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)?;
        match &self.version {
            Some(v) => write!(f, "@{v}"),
            None => Ok(()),
        }
    }
}

/// Parses `NAMESPACE/NAME[@VERSION]`.
pub fn any_ref(text: &str) -> Result<PluginRef, String> {
    PluginRef::parse_any(text)
}

/// Parses `NAMESPACE/NAME`, without a version.
pub fn plugin_ref(text: &str) -> Result<PluginRef, String> {
    let r = PluginRef::parse_any(text)?;
    match r.version {
        Some(_) => Err(format!("`{text}` names a version; give NAMESPACE/NAME")),
        None => Ok(r),
    }
}

/// Parses `NAMESPACE/NAME@VERSION`.
pub fn version_ref(text: &str) -> Result<PluginRef, String> {
    let r = PluginRef::parse_any(text)?;
    match r.version {
        Some(_) => Ok(r),
        None => Err(format!("`{text}` needs a version: NAMESPACE/NAME@VERSION")),
    }
}

/// Prints an answer: as one JSON document with `--json`, else as text through `text`. The
/// registry's answers are read as its own API types, which serialize back as they came.
pub fn emit<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T)) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        text(value);
    }
    Ok(ExitCode::SUCCESS)
}

/// Unix milliseconds as an RFC 3339 time, to the second.
pub fn when(ms: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_and_refuse_path_tricks() {
        let r = version_ref("acme/good@0.1.0").unwrap();
        assert_eq!((r.namespace.as_str(), r.name.as_str(), r.version.as_deref()), ("acme", "good", Some("0.1.0")));
        assert_eq!(r.version_path(&["yank"]), ["v1", "plugins", "acme", "good", "versions", "0.1.0", "yank"]);
        assert_eq!(r.to_string(), "acme/good@0.1.0");
        assert!(plugin_ref("acme/good").is_ok());
        assert!(plugin_ref("acme/good@0.1.0").is_err());
        assert!(version_ref("acme/good").is_err());
        assert!(any_ref("acme/good@0.1").is_err());
        for bad in ["acme", "acme/../x", "Acme/good", "acme/good/x", "/good", "acme/"] {
            assert!(any_ref(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn times_print_as_rfc3339() {
        assert_eq!(when(0), "1970-01-01T00:00:00Z");
        assert_eq!(when(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }
}
