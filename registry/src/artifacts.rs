//! Compiled artifacts: a plugin's component compiled once per engine build — at publish, or by
//! the first process that needs it — and kept in the blob store, so a worker that never saw the
//! plugin loads it in milliseconds instead of compiling it for seconds.
//!
//! Deserializing an artifact runs native code. Its sha256 is recorded in the database when it
//! is made ([`crate::store::artifacts`]); a process reads the blob into memory, the read checks
//! those bytes against that hash ([`Blobs::get`]), and exactly those bytes are deserialized —
//! never a file that could change between the check and the use. An artifact that fails the
//! check, or that the engine refuses, is made again from the component and replaces the record.

use bytes::Bytes;
use kiln_host::{Host, LoadError, Plugin};

use crate::blobs::Blobs;
use crate::store::artifacts::{self, Artifact};
use crate::store::{Store, now_ms};

/// Native code made from a component, not yet stored.
pub struct Compiled {
    /// The code.
    pub bytes: Bytes,
    /// Its record, to write once the code is stored.
    pub record: Artifact,
}

/// Compiles `component` (whose sha256 is `sha256`) for `host`'s engine, off the async runtime
/// and within the host's bound on concurrent compiles.
pub async fn compile(host: &Host, component: &[u8], sha256: &str) -> Result<Compiled, LoadError> {
    let bytes = Bytes::from(host.compile(component).await?);
    let record = Artifact {
        component_sha256: sha256.to_string(),
        fingerprint: host.fingerprint(),
        artifact_sha256: kiln_host::sha256_hex(&bytes),
        size: bytes.len() as i64,
        created_at: now_ms(),
    };
    Ok(Compiled { bytes, record })
}

/// How a plugin was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// From the stored artifact.
    Stored,
    /// Compiled here, because no artifact was stored for this engine or the stored one was
    /// refused; the new one is stored for the next process.
    Compiled,
}

/// Loads `component` (whose sha256 is `sha256`, already checked) from its stored artifact,
/// compiling and storing one when there is none or the stored one is refused.
pub async fn load(
    store: &Store,
    blobs: &Blobs,
    host: &Host,
    component: &[u8],
    sha256: &str,
) -> Result<(Plugin, Origin), LoadError> {
    // Refuse a component that can never load before fetching or compiling anything.
    host.inspect(component)?;
    let fingerprint = host.fingerprint();
    match artifacts::get(store.pool(), sha256, &fingerprint).await {
        Ok(Some(record)) => match blobs.get(&record.artifact_sha256, record.size as u64).await {
            Ok(compiled) => match host.load_compiled(component, &compiled).await {
                Ok(plugin) => return Ok((plugin, Origin::Stored)),
                // The engine refused code that hashed right: made by another build, say.
                Err(LoadError::ExceedsLimits(why)) => {
                    tracing::warn!(component = sha256, %why, "the stored artifact does not load; compiling again");
                }
                Err(other) => return Err(other),
            },
            Err(e) => tracing::warn!(component = sha256, error = %e, "the stored artifact is refused; compiling again"),
        },
        Ok(None) => {}
        Err(e) => tracing::warn!(component = sha256, error = %e, "reading the artifact record failed; compiling"),
    }
    let compiled = compile(host, component, sha256).await?;
    let plugin = host.load_compiled(component, &compiled.bytes).await?;
    // Storing is for the next process: failing to store costs it a compile, not this load.
    let stored = async {
        blobs.replace(&compiled.record.artifact_sha256, compiled.bytes.clone()).await?;
        artifacts::record(store.pool(), &compiled.record).await?;
        Ok::<_, anyhow::Error>(())
    };
    if let Err(e) = stored.await {
        tracing::warn!(component = sha256, error = %e, "storing the compiled artifact failed");
    }
    Ok((plugin, Origin::Compiled))
}
