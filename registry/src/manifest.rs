//! The publish manifest and its ed25519 signature, shared by the server and the CLI so both
//! sign and verify exactly the same bytes.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use kiln_host::PluginInfo;
use serde::{Deserialize, Serialize};

/// What a maker declares about a version. Signed together with the component's sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Manifest {
    /// Namespace published into.
    pub namespace: String,
    /// Plugin name; must equal describe()'s.
    pub name: String,
    /// Semver version; must equal describe()'s.
    pub version: String,
    /// What it computes.
    pub description: String,
    /// SPDX license expression.
    pub license: String,
    /// Source repository URL.
    pub repository: Option<String>,
    /// Catalog categories.
    pub categories: Vec<String>,
    /// The data it asks for; must equal describe()'s datasets.
    pub capabilities: Vec<Capability>,
}

/// A dataset and the columns a plugin declares it reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Capability {
    /// Dataset name.
    pub dataset: String,
    /// Columns read.
    pub columns: Vec<String>,
}

impl Manifest {
    /// A manifest for a component from its describe() output.
    pub fn from_describe(
        namespace: &str,
        info: &PluginInfo,
        license: &str,
        repository: Option<String>,
        categories: Vec<String>,
    ) -> Self {
        Manifest {
            namespace: namespace.to_string(),
            name: info.name.clone(),
            version: info.version.clone(),
            description: info.description.clone(),
            license: license.to_string(),
            repository,
            categories,
            capabilities: capabilities(info),
        }
    }

    /// Why this manifest disagrees with the component's describe(), if it does.
    pub fn disagreement(&self, info: &PluginInfo) -> Option<String> {
        if self.name != info.name {
            return Some(format!("manifest name `{}` but describe() says `{}`", self.name, info.name));
        }
        if self.version != info.version {
            return Some(format!("manifest version `{}` but describe() says `{}`", self.version, info.version));
        }
        if self.capabilities != capabilities(info) {
            return Some("manifest capabilities differ from the datasets describe() declares".into());
        }
        None
    }
}

fn capabilities(info: &PluginInfo) -> Vec<Capability> {
    info.datasets.iter().map(|d| Capability { dataset: d.name.clone(), columns: d.columns.clone() }).collect()
}

/// The exact bytes signed: a domain tag, the component's sha256, and the manifest's JSON.
pub fn signing_payload(sha256: &str, manifest: &Manifest) -> Vec<u8> {
    let mut payload = format!("kiln-publish-v1\n{sha256}\n").into_bytes();
    // Field order is the struct's, so the JSON is the same on every side.
    payload.extend(serde_json::to_vec(manifest).unwrap_or_default());
    payload
}

/// Signs a publish with the maker's secret key; returns the signature in hex.
pub fn sign(key: &SigningKey, sha256: &str, manifest: &Manifest) -> String {
    hex::encode(key.sign(&signing_payload(sha256, manifest)).to_bytes())
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The key is not 32 hex-encoded bytes of a valid point.
    #[error("malformed public key")]
    BadKey,
    /// The signature is not 64 hex-encoded bytes.
    #[error("malformed signature")]
    Malformed,
    /// It does not verify.
    #[error("signature does not verify against the key")]
    Mismatch,
}

/// Parses a hex ed25519 public key.
pub fn public_key(hex_key: &str) -> Result<VerifyingKey, SignatureError> {
    let bytes: [u8; 32] = hex::decode(hex_key).ok().and_then(|b| b.try_into().ok()).ok_or(SignatureError::BadKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| SignatureError::BadKey)
}

/// Verifies a hex signature of a publish.
pub fn verify(public_hex: &str, signature_hex: &str, sha256: &str, manifest: &Manifest) -> Result<(), SignatureError> {
    let key = public_key(public_hex)?;
    let bytes: [u8; 64] =
        hex::decode(signature_hex).ok().and_then(|b| b.try_into().ok()).ok_or(SignatureError::Malformed)?;
    key.verify(&signing_payload(sha256, manifest), &Signature::from_bytes(&bytes)).map_err(|_| SignatureError::Mismatch)
}

/// The longest namespace, plugin, principal or tenant name, in bytes (all ASCII).
pub const NAME_MAX_LEN: usize = 64;

/// [`valid_name`] as a regular expression, for the OpenAPI document.
pub const NAME_PATTERN: &str = "^[a-z](-?[a-z0-9])*$";

/// Checks a namespace or plugin name: lowercase letters, digits and single dashes, starting
/// with a letter, at most [`NAME_MAX_LEN`] characters. Nothing path-like gets through.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name.len() <= NAME_MAX_LEN
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            namespace: "acme".into(),
            name: "oee".into(),
            version: "0.1.0".into(),
            description: String::new(),
            license: "MIT".into(),
            repository: None,
            categories: vec![],
            capabilities: vec![],
        }
    }

    #[test]
    fn signatures_verify_only_for_the_same_bytes_and_key() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = hex::encode(key.verifying_key().to_bytes());
        let sig = sign(&key, "abc", &manifest());
        assert_eq!(verify(&public, &sig, "abc", &manifest()), Ok(()));
        assert_eq!(verify(&public, &sig, "abd", &manifest()), Err(SignatureError::Mismatch));
        let other = hex::encode(SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes());
        assert_eq!(verify(&other, &sig, "abc", &manifest()), Err(SignatureError::Mismatch));
        assert_eq!(verify(&public, "zz", "abc", &manifest()), Err(SignatureError::Malformed));
    }

    #[test]
    fn path_like_names_are_refused() {
        for bad in ["", "../x", "a/b", ".", "A", "-a", "a-", "a--b", "a_b", &"a".repeat(65)] {
            assert!(!valid_name(bad), "{bad:?} accepted");
        }
        assert!(valid_name("energy-intensity2"));
    }

    #[test]
    fn the_documented_name_pattern_is_the_name_check() {
        let pattern = regex::Regex::new(NAME_PATTERN).unwrap();
        let samples =
            ["", "a", "a1", "1a", "a-b", "a--b", "a-", "-a", "ab-c9-d", "A", "a_b", "a.b", "a/b", "é", "a\0", "a b"];
        for name in samples {
            assert_eq!(pattern.is_match(name), valid_name(name), "{name:?}");
        }
        let longest = "a".repeat(NAME_MAX_LEN);
        assert!(valid_name(&longest) && !valid_name(&format!("{longest}a")));
    }
}
