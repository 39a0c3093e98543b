//! Namespaces: the names makers publish under, and who may publish in each (by principal id).

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::{StoreError, WriteTx, conflict, now_ms};

/// A namespace and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Namespace {
    /// Its name.
    pub name: String,
    /// Who created it.
    pub created_by: String,
    /// Names of the principals allowed to publish in it.
    pub members: Vec<String>,
}

/// Creates `name` with the principal `owner_id` (named `owner`) as its first member.
pub async fn create(tx: &mut WriteTx, name: &str, owner: &str, owner_id: &str) -> Result<(), StoreError> {
    let at = now_ms();
    sqlx::query("INSERT INTO namespaces (name, created_by, created_at) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(owner)
        .bind(at)
        .execute(&mut *tx.tx)
        .await
        .map_err(conflict(format!("namespace {name}")))?;
    add_member(tx, name, owner_id).await
}

/// Adds the principal `principal_id` as a member (idempotent).
pub async fn add_member(tx: &mut WriteTx, name: &str, principal_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO namespace_principals (namespace, principal_id, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (namespace, principal_id) DO NOTHING",
    )
    .bind(name)
    .bind(principal_id)
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
    let members = sqlx::query(
        "SELECT p.name AS name FROM namespace_principals m JOIN principals p ON p.id = m.principal_id \
         WHERE m.namespace = $1 ORDER BY p.name",
    )
    .bind(name)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| r.try_get("name"))
    .collect::<Result<_, _>>()?;
    Ok(Namespace { name: name.to_string(), created_by: row.try_get("created_by")?, members })
}

/// Whether the principal `principal_id` may publish in `name`.
pub async fn is_member(pool: &AnyPool, name: &str, principal_id: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT 1 AS one FROM namespace_principals WHERE namespace = $1 AND principal_id = $2")
        .bind(name)
        .bind(principal_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

/// A namespace in a list: its owner and how many members and plugins it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NamespaceSummary {
    /// Its name.
    pub name: String,
    /// Who created it.
    pub created_by: String,
    /// When, unix ms.
    pub created_at: i64,
    /// How many principals may publish in it.
    pub member_count: i64,
    /// How many plugins it holds, whatever their versions' review state (taken-down ones too).
    pub plugin_count: i64,
}

/// Namespaces by name, with the total count: those the principal `member_id` belongs to, or
/// every namespace when `member_id` is `None`.
pub async fn list(
    pool: &AnyPool,
    member_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<NamespaceSummary>, i64), StoreError> {
    const FILTER: &str = "WHERE ($1 IS NULL OR EXISTS \
         (SELECT 1 FROM namespace_principals o WHERE o.namespace = n.name AND o.principal_id = $1))";
    let sql = format!(
        "SELECT n.name AS name, n.created_by AS created_by, n.created_at AS created_at, \
         (SELECT COUNT(*) FROM namespace_principals m WHERE m.namespace = n.name) AS member_count, \
         (SELECT COUNT(*) FROM plugins p WHERE p.namespace = n.name) AS plugin_count \
         FROM namespaces n {FILTER} ORDER BY n.name LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(&sql).bind(member_id).bind(limit).bind(offset).fetch_all(pool).await?;
    let total = sqlx::query(&format!("SELECT COUNT(*) AS n FROM namespaces n {FILTER}"))
        .bind(member_id)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(NamespaceSummary {
                name: r.try_get("name")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                member_count: r.try_get("member_count")?,
                plugin_count: r.try_get("plugin_count")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((items, total))
}
