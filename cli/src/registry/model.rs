//! The registry's JSON records, read back for text output. Only the fields the CLI prints;
//! `--json` prints the registry's answer as it came.

use serde::Deserialize;

use super::when;

/// A published version (`VersionRecord`).
#[derive(Debug, Deserialize)]
pub struct Version {
    /// Namespace.
    pub namespace: String,
    /// Plugin name.
    pub name: String,
    /// Semver version.
    pub version: String,
    /// sha256 of the component, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Why it was rejected.
    pub status_reason: Option<String>,
    /// Yanked by its owner.
    pub yanked: bool,
    /// Taken down by an operator.
    pub taken_down: bool,
    /// Why it was taken down.
    pub takedown_reason: Option<String>,
    /// Who published it.
    pub published_by: String,
    /// When, unix ms.
    pub published_at: i64,
    /// The signing key's id.
    pub key_id: String,
}

impl Version {
    /// `namespace/name@version`.
    pub fn subject(&self) -> String {
        format!("{}/{}@{}", self.namespace, self.name, self.version)
    }

    /// The status with its yank/takedown flags and reasons, for people.
    pub fn state(&self) -> String {
        let mut state = self.status.clone();
        if let Some(reason) = &self.status_reason {
            state.push_str(&format!(" ({reason})"));
        }
        if self.yanked {
            state.push_str(", yanked");
        }
        if self.taken_down {
            state.push_str(&format!(", taken down ({})", self.takedown_reason.as_deref().unwrap_or("no reason given")));
        }
        state
    }

    /// The first 12 hex digits of the sha256.
    pub fn short_sha(&self) -> &str {
        self.sha256.get(..12).unwrap_or(&self.sha256)
    }
}

/// A plugin (`PluginRecord`).
#[derive(Debug, Deserialize)]
pub struct Plugin {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// When it was taken down, unix ms.
    pub taken_down_at: Option<i64>,
    /// Why.
    pub takedown_reason: Option<String>,
}

/// An API token's record (`TokenRecord`), never the secret.
#[derive(Debug, Deserialize)]
pub struct Token {
    /// Its id.
    pub id: String,
    /// Who it acts as.
    pub principal: String,
    /// Its role.
    pub role: String,
    /// An enterprise admin's tenant.
    pub tenant: Option<String>,
    /// Scopes; empty means all its role allows.
    pub scopes: Vec<String>,
    /// Expiry, unix ms.
    pub expires_at: Option<i64>,
    /// Revocation, unix ms.
    pub revoked_at: Option<i64>,
}

impl Token {
    /// One line: id, who, role, tenant, scopes, expiry, revocation.
    pub fn line(&self) -> String {
        let tenant = self.tenant.as_deref().map(|t| format!(" tenant={t}")).unwrap_or_default();
        let scopes = if self.scopes.is_empty() { "all".to_string() } else { self.scopes.join(",") };
        let expires = self.expires_at.map_or("never".to_string(), when);
        let revoked = self.revoked_at.map(|at| format!("  REVOKED {}", when(at))).unwrap_or_default();
        format!("{}  {} ({}{tenant})  scopes={scopes}  expires {expires}{revoked}", self.id, self.principal, self.role)
    }
}

/// A created token: the secret, shown once, and its record.
#[derive(Debug, Deserialize)]
pub struct CreatedToken {
    /// The secret.
    pub token: String,
    /// The stored record.
    pub record: Token,
}

/// A registered signing key (`SigningKey`).
#[derive(Debug, Deserialize)]
pub struct Key {
    /// Its id.
    pub id: String,
    /// The ed25519 public key, hex.
    pub public_key: String,
    /// A label.
    pub name: String,
    /// Registered, unix ms.
    pub created_at: i64,
    /// Revoked, unix ms.
    pub revoked_at: Option<i64>,
}

impl Key {
    /// One line: id, public key, label, dates.
    pub fn line(&self) -> String {
        let name = if self.name.is_empty() { String::new() } else { format!("  {}", self.name) };
        let revoked = self.revoked_at.map(|at| format!("  REVOKED {}", when(at))).unwrap_or_default();
        format!("{}  {}{name}  added {}{revoked}", self.id, self.public_key, when(self.created_at))
    }
}

/// A namespace and its members.
#[derive(Debug, Deserialize)]
pub struct Namespace {
    /// Its name.
    pub name: String,
    /// Who created it.
    pub created_by: String,
    /// Who may publish in it.
    pub members: Vec<String>,
}

/// One audit log entry.
#[derive(Debug, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain.
    pub seq: i64,
    /// When, unix ms.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub subject: String,
    /// Details, JSON text.
    pub details: String,
}
