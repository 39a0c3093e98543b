//! Principals: the identities tokens act as. A principal has an id, a name unique across the
//! registry, a role and (for enterprise admins) a tenant. Ownership of tokens and keys and
//! namespace membership are by id, so two principals never share anything through a name.

use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::{StoreError, WriteTx, conflict, new_id, now_ms};
use crate::auth::Role;

/// A stored principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PrincipalRecord {
    /// Its id (opaque).
    pub id: String,
    /// Its name, unique across the registry.
    pub name: String,
    /// Its role, fixed for its life.
    pub role: Role,
    /// The tenant an enterprise admin is bound to.
    pub tenant: Option<String>,
    /// Created, unix ms.
    pub created_at: i64,
}

/// Parses a stored role; an unknown spelling is a corrupt row, never a default.
pub(crate) fn stored_role(role: &str) -> Result<Role, StoreError> {
    role.parse().map_err(|_| StoreError::Corrupt(format!("unknown stored role `{role}`")))
}

fn record(row: &sqlx::any::AnyRow) -> Result<PrincipalRecord, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(PrincipalRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: stored_role(&role)?,
        tenant: row.try_get("tenant")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The principal named `name`, if any.
pub async fn by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<PrincipalRecord>, StoreError> {
    let row = sqlx::query("SELECT * FROM principals WHERE name = $1").bind(name).fetch_optional(&mut *conn).await?;
    row.as_ref().map(record).transpose()
}

/// Why a name cannot be used for the identity asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The principal that holds the name.
    pub existing: PrincipalRecord,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.existing;
        match (&p.tenant, p.role) {
            (Some(t), _) => write!(f, "the name `{}` belongs to the {} of tenant {t}", p.name, p.role.as_str()),
            (None, Role::Operator) => write!(f, "the name `{}` belongs to an operator", p.name),
            (None, _) => write!(f, "the name `{}` belongs to a {}", p.name, p.role.as_str()),
        }
    }
}

/// The principal `name` with `role` and `tenant`: the existing one if the name is held by
/// exactly that identity, a new one if the name is free, and `Err(Mismatch)` if another
/// identity holds it. Runs in the audited write, which serializes writers, so two callers
/// cannot both create the name.
pub async fn resolve_or_create(
    tx: &mut WriteTx,
    name: &str,
    role: Role,
    tenant: Option<&str>,
) -> Result<Result<PrincipalRecord, Mismatch>, StoreError> {
    if let Some(existing) = by_name(&mut tx.tx, name).await? {
        if existing.role == role && existing.tenant.as_deref() == tenant {
            return Ok(Ok(existing));
        }
        return Ok(Err(Mismatch { existing }));
    }
    let p = PrincipalRecord {
        id: new_id(),
        name: name.to_string(),
        role,
        tenant: tenant.map(String::from),
        created_at: now_ms(),
    };
    sqlx::query("INSERT INTO principals (id, name, role, tenant, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&p.id)
        .bind(&p.name)
        .bind(p.role.as_str())
        .bind(&p.tenant)
        .bind(p.created_at)
        .execute(&mut *tx.tx)
        .await
        .map_err(conflict(format!("principal {name}")))?;
    Ok(Ok(p))
}
