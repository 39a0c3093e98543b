//! Makers' ed25519 public keys, which publish signatures are checked against.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::{StoreError, WriteTx, conflict};

/// A registered public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SigningKey {
    /// Its id.
    pub id: String,
    /// The name of the principal it belongs to.
    pub principal: String,
    /// The id of the principal it belongs to: ownership is by id.
    pub principal_id: String,
    /// The 32-byte ed25519 public key, hex.
    pub public_key: String,
    /// A label.
    pub name: String,
    /// Registered, unix ms.
    pub created_at: i64,
    /// Revoked, unix ms.
    pub revoked_at: Option<i64>,
}

fn key(row: &sqlx::any::AnyRow) -> Result<SigningKey, sqlx::Error> {
    Ok(SigningKey {
        id: row.try_get("id")?,
        principal: row.try_get("principal")?,
        principal_id: row.try_get("principal_id")?,
        public_key: row.try_get("public_key")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Registers a key.
pub async fn insert(tx: &mut WriteTx, k: &SigningKey) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO signing_keys (id, principal_id, public_key, name, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, NULL)",
    )
    .bind(&k.id)
    .bind(&k.principal_id)
    .bind(&k.public_key)
    .bind(&k.name)
    .bind(k.created_at)
    .execute(&mut *tx.tx)
    .await
    .map_err(conflict("that public key"))?;
    Ok(())
}

/// Keys joined with their principals' names.
const SELECT: &str = "SELECT k.id, k.principal_id, k.public_key, k.name, k.created_at, k.revoked_at, \
                      p.name AS principal FROM signing_keys k JOIN principals p ON p.id = k.principal_id";

/// One key by id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<SigningKey, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE k.id = $1")).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(key).transpose()?.ok_or_else(|| StoreError::NotFound(format!("key {id}")))
}

/// The keys of the principal `principal_id`.
pub async fn list(pool: &AnyPool, principal_id: &str) -> Result<Vec<SigningKey>, StoreError> {
    let rows = sqlx::query(&format!("{SELECT} WHERE k.principal_id = $1 ORDER BY k.created_at, k.id"))
        .bind(principal_id)
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(key).collect::<Result<_, _>>()?)
}

/// Revokes a key; returns false if it was already.
pub async fn revoke(tx: &mut WriteTx, id: &str, at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE signing_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
