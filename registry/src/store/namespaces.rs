//! Namespaces: the names makers publish under, and who may publish in each.

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::{StoreError, WriteTx, conflict, now_ms};

/// A namespace and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Namespace {
    /// Its name.
    pub name: String,
    /// Who created it.
    pub created_by: String,
    /// Principals allowed to publish in it.
    pub members: Vec<String>,
}

/// Creates `name` with `owner` as its first member.
pub async fn create(tx: &mut WriteTx, name: &str, owner: &str) -> Result<(), StoreError> {
    let at = now_ms();
    sqlx::query("INSERT INTO namespaces (name, created_by, created_at) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(owner)
        .bind(at)
        .execute(&mut *tx.tx)
        .await
        .map_err(conflict(format!("namespace {name}")))?;
    add_member(tx, name, owner).await
}

/// Adds a member (idempotent).
pub async fn add_member(tx: &mut WriteTx, name: &str, principal: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO namespace_members (namespace, principal, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (namespace, principal) DO NOTHING",
    )
    .bind(name)
    .bind(principal)
    .bind(now_ms())
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// A namespace with its members.
pub async fn get(pool: &AnyPool, name: &str) -> Result<Namespace, StoreError> {
    let row = sqlx::query("SELECT created_by FROM namespaces WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("namespace {name}")))?;
    let members = sqlx::query("SELECT principal FROM namespace_members WHERE namespace = $1 ORDER BY principal")
        .bind(name)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get("principal"))
        .collect::<Result<_, _>>()?;
    Ok(Namespace { name: name.to_string(), created_by: row.try_get("created_by")?, members })
}

/// Whether `principal` may publish in `name`.
pub async fn is_member(pool: &AnyPool, name: &str, principal: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT 1 AS one FROM namespace_members WHERE namespace = $1 AND principal = $2")
        .bind(name)
        .bind(principal)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}
