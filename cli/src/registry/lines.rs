//! The registry's records as lines of text for people (`--json` prints the records themselves).

use kiln_registry::store::keys::SigningKey;
use kiln_registry::store::plugins::VersionRecord;
use kiln_registry::store::tokens::TokenRecord;

use super::when;

/// A version's review status with its yank and takedown flags and reasons.
pub fn version_state(v: &VersionRecord) -> String {
    let mut state = v.status.as_str().to_string();
    if let Some(reason) = &v.status_reason {
        state.push_str(&format!(" ({reason})"));
    }
    if v.yanked {
        state.push_str(", yanked");
    }
    if v.taken_down {
        state.push_str(&format!(", taken down ({})", v.takedown_reason.as_deref().unwrap_or("no reason given")));
    }
    state
}

/// The first 12 hex digits of a sha256.
pub fn short_sha(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

/// A token's record: id, who, role, tenant, scopes, expiry, revocation (never the secret).
pub fn token_line(t: &TokenRecord) -> String {
    let tenant = t.tenant.as_deref().map(|t| format!(" tenant={t}")).unwrap_or_default();
    let scopes = if t.scopes.is_empty() { "all".to_string() } else { t.scopes.join(",") };
    let expires = t.expires_at.map_or("never".to_string(), when);
    let revoked = t.revoked_at.map(|at| format!("  REVOKED {}", when(at))).unwrap_or_default();
    format!("{}  {} ({}{tenant})  scopes={scopes}  expires {expires}{revoked}", t.id, t.principal, t.role.as_str())
}

/// A signing key: id, public key, label, dates.
pub fn key_line(k: &SigningKey) -> String {
    let name = if k.name.is_empty() { String::new() } else { format!("  {}", k.name) };
    let revoked = k.revoked_at.map(|at| format!("  REVOKED {}", when(at))).unwrap_or_default();
    format!("{}  {}{name}  added {}{revoked}", k.id, k.public_key, when(k.created_at))
}
