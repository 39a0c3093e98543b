//! Principals, roles, scopes and API tokens.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::now_ms;
use crate::store::sessions::{self, SessionRecord};
use crate::store::tokens::{self, TokenRecord};

/// What a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Reviews, approves, takes down, audits.
    Operator,
    /// Publishes plugins in namespaces it belongs to.
    Maker,
    /// Runs plugins for one tenant.
    EnterpriseAdmin,
}

impl Role {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Maker => "maker",
            Role::EnterpriseAdmin => "enterprise-admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "operator" => Ok(Role::Operator),
            "maker" => Ok(Role::Maker),
            "enterprise-admin" => Ok(Role::EnterpriseAdmin),
            other => Err(format!("unknown role `{other}` (operator, maker, enterprise-admin)")),
        }
    }
}

/// Scopes a token may be limited to. A token with no scopes has all its role allows.
pub const SCOPES: &[&str] =
    &["read", "publish", "keys", "namespaces", "tokens", "review", "audit", "tenants", "data", "runs", "monitoring"];

/// The caller, authenticated from a bearer token.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The principal's id: what ownership and membership are checked by.
    pub id: String,
    /// The principal's name (unique; for messages and the audit log).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The tenant, for enterprise admins.
    pub tenant: Option<String>,
    /// The token's scopes (empty: unrestricted within the role).
    pub scopes: Vec<String>,
    /// The token used.
    pub token_id: String,
    /// When the token used expires, unix ms.
    pub expires_at: Option<i64>,
    /// The console session the request came through, when it came with the session cookie
    /// rather than a bearer token.
    pub session: Option<SessionRecord>,
}

impl Principal {
    /// Refuses unless the principal has one of `roles` and its token carries `scope`.
    pub fn require(&self, roles: &[Role], scope: &str) -> Result<(), ApiError> {
        if !roles.contains(&self.role) {
            return Err(ApiError::forbidden(format!("a {} may not do this", self.role.as_str())));
        }
        if !self.scopes.is_empty() && !self.scopes.iter().any(|s| s == scope) {
            return Err(ApiError::forbidden(format!("this token lacks the `{scope}` scope")));
        }
        Ok(())
    }

    /// Refuses unless the principal is the enterprise admin of `tenant` and its token carries
    /// `scope`. Another tenant's admin is told the tenant does not exist, so tenants cannot be
    /// probed through each other.
    pub fn require_tenant(&self, tenant: &str, scope: &str) -> Result<(), ApiError> {
        self.require(&[Role::EnterpriseAdmin], scope)?;
        if self.tenant.as_deref() != Some(tenant) {
            return Err(ApiError::not_found(format!("tenant {tenant} not found")));
        }
        Ok(())
    }

    /// Refuses unless the principal is an operator, or the admin of `tenant`, with `scope`.
    pub fn require_operator_or_tenant(&self, tenant: &str, scope: &str) -> Result<(), ApiError> {
        if self.is_operator() { self.require(&[Role::Operator], scope) } else { self.require_tenant(tenant, scope) }
    }

    /// Whether this is an operator.
    pub fn is_operator(&self) -> bool {
        self.role == Role::Operator
    }
}

/// A new random token secret: `kiln_` and 64 hex characters.
pub fn new_token() -> String {
    format!("kiln_{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// How a token secret is stored: its sha256. Tokens are 256 random bits, so a fast hash is
/// enough; there is nothing to brute-force.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The console's session cookie. HttpOnly and SameSite=Strict: scripts cannot read it and other
/// sites cannot send it.
pub const SESSION_COOKIE: &str = "kiln_session";

/// The header a cookie-authenticated write must carry, holding the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses a token that was revoked or has expired.
fn live_token(record: &TokenRecord, now: i64) -> Result<(), ApiError> {
    if record.revoked_at.is_some() {
        return Err(ApiError::unauthenticated("the token was revoked"));
    }
    if record.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::unauthenticated("the token has expired"));
    }
    Ok(())
}

fn principal(record: TokenRecord, session: Option<SessionRecord>) -> Principal {
    let expires_at = match (&session, record.expires_at) {
        (Some(s), Some(t)) => Some(s.expires_at.min(t)),
        (Some(s), None) => Some(s.expires_at),
        (None, t) => t,
    };
    Principal {
        id: record.principal_id,
        name: record.principal,
        role: record.role,
        tenant: record.tenant,
        scopes: record.scopes,
        token_id: record.id,
        expires_at,
        session,
    }
}

/// The principal behind a bearer token.
pub async fn from_token(state: &AppState, secret: &str) -> Result<Principal, ApiError> {
    let record = tokens::find_by_hash(&state.store.pool, &token_hash(secret.trim()))
        .await?
        .ok_or_else(|| ApiError::unauthenticated("unknown token"))?;
    from_token_record(record)
}

/// The principal a stored token acts as, if the token is live.
pub fn from_token_record(record: TokenRecord) -> Result<Principal, ApiError> {
    live_token(&record, now_ms())?;
    Ok(principal(record, None))
}

/// The principal behind a session cookie. A write (any method but GET, HEAD and OPTIONS) must
/// also carry the session's CSRF token in `X-CSRF-Token`: SameSite=Strict already keeps other
/// sites' requests from carrying the cookie, and the token holds even where a browser or proxy
/// does not honour SameSite.
async fn from_session(parts: &Parts, state: &AppState, secret: &str) -> Result<Principal, ApiError> {
    let unknown = || ApiError::unauthenticated("the session is unknown or has ended; sign in again");
    let (session, record) =
        sessions::find_by_hash(&state.store.pool, &token_hash(secret)).await?.ok_or_else(unknown)?;
    let now = now_ms();
    if !session.is_live(now) {
        return Err(unknown());
    }
    live_token(&record, now)?;
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let sent = parts.headers.get(CSRF_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
        if !same_secret(sent, session.csrf_token.as_bytes()) {
            return Err(ApiError::csrf("a write with the session cookie must send the session's X-CSRF-Token"));
        }
    }
    Ok(principal(record, Some(session)))
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let secret = header
                .to_str()
                .ok()
                .and_then(|h| h.strip_prefix("Bearer "))
                .ok_or_else(|| ApiError::unauthenticated("the Authorization header must be `Bearer <token>`"))?;
            return from_token(state, secret).await;
        }
        match cookie(&parts.headers, SESSION_COOKIE) {
            Some(secret) => from_session(parts, state, secret).await,
            None => Err(ApiError::unauthenticated("send `Authorization: Bearer <token>`, or sign in to the console")),
        }
    }
}
