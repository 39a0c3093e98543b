//! Which compiled artifact belongs to which component and engine, and the hash it had when it
//! was made (see migration 0009).

use sqlx::{AnyPool, Row};

use super::StoreError;

/// A compiled artifact's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The sha256 of the component it was compiled from.
    pub component_sha256: String,
    /// The engine fingerprint it was compiled for ([`kiln_host::fingerprint`]).
    pub fingerprint: String,
    /// The sha256 of the compiled bytes, as made: its blob's name.
    pub artifact_sha256: String,
    /// Its size in bytes.
    pub size: i64,
    /// When it was made, unix ms.
    pub created_at: i64,
}

/// The artifact of `component_sha256` for the engine with `fingerprint`, if one was made.
pub async fn get(pool: &AnyPool, component_sha256: &str, fingerprint: &str) -> Result<Option<Artifact>, StoreError> {
    let row = sqlx::query(
        "SELECT artifact_sha256, size, created_at FROM artifacts WHERE component_sha256 = $1 AND fingerprint = $2",
    )
    .bind(component_sha256)
    .bind(fingerprint)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Artifact {
        component_sha256: component_sha256.to_string(),
        fingerprint: fingerprint.to_string(),
        artifact_sha256: row.try_get("artifact_sha256")?,
        size: row.try_get("size")?,
        created_at: row.try_get("created_at")?,
    }))
}

/// Records `artifact`, replacing the record of an earlier one for the same component and
/// engine (made again because the stored one was refused). Takes a pool or a transaction: a
/// publish records its artifact in the transaction that records the version.
pub async fn record<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    artifact: &Artifact,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO artifacts (component_sha256, fingerprint, artifact_sha256, size, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (component_sha256, fingerprint) DO UPDATE SET \
         artifact_sha256 = excluded.artifact_sha256, size = excluded.size, created_at = excluded.created_at",
    )
    .bind(&artifact.component_sha256)
    .bind(&artifact.fingerprint)
    .bind(&artifact.artifact_sha256)
    .bind(artifact.size)
    .bind(artifact.created_at)
    .execute(db)
    .await?;
    Ok(())
}
