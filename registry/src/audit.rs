//! Verifying the tamper-evident audit log: the store's hash chain
//! ([`crate::store::audit::check`]), with every finished run's record held to the provenance its
//! `run.finish` entry recorded ([`crate::provenance::recorded`]).

use sqlx::AnyPool;

use crate::store::StoreError;
use crate::store::audit::{self, Check, Verdict};

/// Recomputes the chain and each finished run's provenance; names the first break.
pub async fn verify(pool: &AnyPool) -> Result<Verdict, StoreError> {
    audit::verify(pool, crate::provenance::recorded).await
}

/// [`verify`], with how much was checked and the head.
pub async fn check(pool: &AnyPool) -> Result<Check, StoreError> {
    audit::check(pool, crate::provenance::recorded).await
}
