//! Talking to a Kiln registry over its HTTP API: the connection flags every command shares
//! (and how they combine with a `kiln login` profile), `NAMESPACE/NAME[@VERSION]` references,
//! output, and one module per command group.

pub mod audit;
pub mod client;
pub mod credentials;
pub mod datasets;
pub mod download;
pub mod keys;
pub mod lines;
pub mod login;
pub mod monitor;
pub mod namespaces;
pub mod publish;
pub mod review;
pub mod runs;
pub mod tenants;
pub mod tokens;
pub mod versions;

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Context as _;
use clap::Args;
use kiln_registry::manifest::valid_name;
use reqwest::Url;
use serde::Serialize;

use credentials::{CredentialsFile, DEFAULT_PROFILE, Profile};

/// The registry a command calls when neither a flag, the environment nor a profile names one.
pub const DEFAULT_REGISTRY: &str = "http://127.0.0.1:8080";

/// Where the registry is, who is calling and how to print: flattened into every command that
/// calls the API. Flags and their environment variables win over the `kiln login` profile.
#[derive(Args, Debug, Clone, Default)]
pub struct Remote {
    /// The registry's base URL [default: the profile's, else http://127.0.0.1:8080].
    #[arg(long, env = "KILN_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// The API token to send (`kiln_...`) [default: the profile's, for the profile's registry].
    #[arg(long, env = "KILN_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The `kiln login` profile to take the registry and token from [default: `default`].
    #[arg(long, env = "KILN_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// A PEM file of CA certificates to trust besides the system's (a private CA's).
    #[arg(long, env = "KILN_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What a command connects with, once flags, environment and profile are combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The registry's base URL.
    pub registry: String,
    /// The token, if any.
    pub token: Option<String>,
    /// A private CA to trust.
    pub ca_cert: Option<PathBuf>,
}

impl Remote {
    /// A client for this registry and token.
    pub fn client(&self) -> anyhow::Result<client::Client> {
        let target = self.target()?;
        client::Client::connect(&target.registry, target.token.as_deref(), target.ca_cert.as_deref())
    }

    /// The registry, token and CA to use. The credentials file is read only when the flags
    /// and environment leave something to fill in, or a profile is named.
    pub fn target(&self) -> anyhow::Result<Target> {
        let complete = self.registry.is_some() && self.token.is_some();
        if complete && self.profile.is_none() {
            return Ok(self.combine(None));
        }
        let file = CredentialsFile::locate()?;
        let name = self.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
        let profile = file.profile(name)?;
        if profile.is_none() && self.profile.is_some() {
            anyhow::bail!(
                "no profile `{name}` in {}; add it with `kiln login --profile {name}`",
                file.path().display()
            );
        }
        Ok(self.combine(profile))
    }

    /// Flags over the profile. The profile's token (and CA) go only to the profile's own
    /// registry: `KILN_REGISTRY=https://elsewhere` must not send a stored token elsewhere.
    fn combine(&self, profile: Option<Profile>) -> Target {
        let registry = self
            .registry
            .clone()
            .or_else(|| profile.as_ref().map(|p| p.registry.clone()))
            .unwrap_or_else(|| DEFAULT_REGISTRY.to_string());
        let stored = profile.filter(|p| same_registry(&p.registry, &registry));
        Target {
            token: self.token.clone().or_else(|| stored.as_ref().map(|p| p.token.clone())),
            ca_cert: self.ca_cert.clone().or_else(|| stored.and_then(|p| p.ca_cert)),
            registry,
        }
    }
}

/// Whether two registry URLs name the same registry (`https://r/` and `https://r` do).
pub fn same_registry(a: &str, b: &str) -> bool {
    match (Url::parse(a.trim()), Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

/// An absolute form of a path given on the command line, so a stored profile works from any
/// directory.
pub fn absolute(path: &std::path::Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
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
    fn flags_win_over_the_profile_whose_token_stays_with_its_registry() {
        let stored = || {
            Some(Profile {
                registry: "https://reg.example/".into(),
                token: "kiln_stored".into(),
                ca_cert: Some("/ca.pem".into()),
            })
        };
        let target = |remote: Remote| remote.combine(stored());
        // Nothing given: all from the profile.
        let t = target(Remote::default());
        assert_eq!(
            t,
            Target {
                registry: "https://reg.example/".into(),
                token: Some("kiln_stored".into()),
                ca_cert: Some("/ca.pem".into())
            }
        );
        // A token given: the profile's registry with it.
        let t = target(Remote { token: Some("kiln_env".into()), ..Remote::default() });
        assert_eq!((t.registry.as_str(), t.token.as_deref()), ("https://reg.example/", Some("kiln_env")));
        // The same registry spelled differently still gets the stored token.
        let t = target(Remote { registry: Some("https://reg.example".into()), ..Remote::default() });
        assert_eq!(t.token.as_deref(), Some("kiln_stored"));
        // Another registry: the stored token and CA are not sent there.
        let t = target(Remote { registry: Some("https://other.example".into()), ..Remote::default() });
        assert_eq!((t.token, t.ca_cert), (None, None));
        // No profile at all: the loopback default.
        assert_eq!(Remote::default().combine(None).registry, DEFAULT_REGISTRY);
    }

    #[test]
    fn times_print_as_rfc3339() {
        assert_eq!(when(0), "1970-01-01T00:00:00Z");
        assert_eq!(when(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }
}
