//! API tokens: stored as sha256 hashes, scoped, expiring, revocable. Each belongs to one
//! principal, by id.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::principals::stored_role;
use super::{StoreError, WriteTx, conflict};
use crate::auth::Role;

/// A token as stored (never the secret itself), with its principal's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenRecord {
    /// The token's public id.
    pub id: String,
    /// The name of the principal it acts as.
    pub principal: String,
    /// The id of the principal it acts as.
    pub principal_id: String,
    /// The principal's role.
    pub role: Role,
    /// The tenant an enterprise admin is bound to.
    pub tenant: Option<String>,
    /// Scopes it is limited to; empty means all its role allows.
    pub scopes: Vec<String>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Expires, unix ms.
    pub expires_at: Option<i64>,
    /// Revoked, unix ms.
    pub revoked_at: Option<i64>,
}

/// Tokens joined with their principals: the identity is read from `principals`, never copied.
const SELECT: &str = "SELECT t.id, t.principal_id, t.scopes, t.created_at, t.expires_at, t.revoked_at, \
                      p.name AS principal, p.role AS role, p.tenant AS tenant \
                      FROM tokens t JOIN principals p ON p.id = t.principal_id";

fn record(row: &sqlx::any::AnyRow) -> Result<TokenRecord, StoreError> {
    let role: String = row.try_get("role")?;
    let scopes: String = row.try_get("scopes")?;
    Ok(TokenRecord {
        id: row.try_get("id")?,
        principal: row.try_get("principal")?,
        principal_id: row.try_get("principal_id")?,
        role: stored_role(&role)?,
        tenant: row.try_get("tenant")?,
        scopes: scopes.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Stores a new token for `token.principal_id` under the hash of its secret.
pub async fn insert(tx: &mut WriteTx, token: &TokenRecord, hash: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tokens (id, token_hash, principal_id, scopes, created_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL)",
    )
    .bind(&token.id)
    .bind(hash)
    .bind(&token.principal_id)
    .bind(token.scopes.join(","))
    .bind(token.created_at)
    .bind(token.expires_at)
    .execute(&mut *tx.tx)
    .await
    .map_err(conflict(format!("token {}", token.id)))?;
    Ok(())
}

/// The token whose secret hashes to `hash`.
pub async fn find_by_hash(pool: &AnyPool, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE t.token_hash = $1")).bind(hash).fetch_optional(pool).await?;
    row.as_ref().map(record).transpose()
}

/// One token by id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<TokenRecord, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE t.id = $1")).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(record).transpose()?.ok_or_else(|| StoreError::NotFound(format!("token {id}")))
}

/// Tokens, all or one principal's (by id), newest first.
pub async fn list(
    pool: &AnyPool,
    principal_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<TokenRecord>, StoreError> {
    let rows = match principal_id {
        Some(p) => {
            sqlx::query(&format!(
                "{SELECT} WHERE t.principal_id = $1 ORDER BY t.created_at DESC, t.id LIMIT $2 OFFSET $3"
            ))
            .bind(p)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} ORDER BY t.created_at DESC, t.id LIMIT $1 OFFSET $2"))
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        }
    };
    rows.iter().map(record).collect()
}

/// Whether a live (unrevoked, unexpired at `now`) token of a principal with `role` exists.
/// Bootstrap refuses only then: revoked or expired operator tokens must not lock the
/// operator out for good.
pub async fn live_role_exists(pool: &AnyPool, role: Role, now: i64) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM tokens t JOIN principals p ON p.id = t.principal_id \
         WHERE p.role = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(role.as_str())
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Marks a token revoked; returns false if it was already.
pub async fn revoke(tx: &mut WriteTx, id: &str, at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
