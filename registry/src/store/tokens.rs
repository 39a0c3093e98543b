//! API tokens: stored as sha256 hashes, scoped, expiring, revocable.

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::{StoreError, WriteTx, conflict};
use crate::auth::Role;

/// A token as stored (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TokenRecord {
    /// The token's public id.
    pub id: String,
    /// Who it acts as.
    pub principal: String,
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

fn record(row: &sqlx::any::AnyRow) -> Result<TokenRecord, StoreError> {
    let role: String = row.try_get("role")?;
    let scopes: String = row.try_get("scopes")?;
    Ok(TokenRecord {
        id: row.try_get("id")?,
        principal: row.try_get("principal")?,
        role: role.parse().map_err(|_| StoreError::NotFound(format!("role {role}")))?,
        tenant: row.try_get("tenant")?,
        scopes: scopes.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Stores a new token under the hash of its secret.
pub async fn insert(tx: &mut WriteTx, token: &TokenRecord, hash: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tokens (id, token_hash, principal, role, tenant, scopes, created_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
    )
    .bind(&token.id)
    .bind(hash)
    .bind(&token.principal)
    .bind(token.role.as_str())
    .bind(&token.tenant)
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
    let row = sqlx::query("SELECT * FROM tokens WHERE token_hash = $1").bind(hash).fetch_optional(pool).await?;
    row.as_ref().map(record).transpose()
}

/// One token by id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<TokenRecord, StoreError> {
    let row = sqlx::query("SELECT * FROM tokens WHERE id = $1").bind(id).fetch_optional(pool).await?;
    row.as_ref().map(record).transpose()?.ok_or_else(|| StoreError::NotFound(format!("token {id}")))
}

/// Tokens, all or one principal's, newest first.
pub async fn list(
    pool: &AnyPool,
    principal: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<TokenRecord>, StoreError> {
    let rows = match principal {
        Some(p) => {
            sqlx::query("SELECT * FROM tokens WHERE principal = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3")
                .bind(p)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        }
        None => {
            sqlx::query("SELECT * FROM tokens ORDER BY created_at DESC, id LIMIT $1 OFFSET $2")
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        }
    };
    rows.iter().map(record).collect()
}

/// Whether any token exists with `role` (bootstrap refuses a second first operator).
pub async fn role_exists(pool: &AnyPool, role: Role) -> Result<bool, StoreError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM tokens WHERE role = $1").bind(role.as_str()).fetch_one(pool).await?;
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
