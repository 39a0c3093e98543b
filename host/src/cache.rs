//! The on-disk compile cache: compiled components keyed by the component's sha256 and the
//! engine's fingerprint, so a known plugin loads without recompiling.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::engine::Host;
use crate::error::LoadError;

/// A directory of precompiled components.
///
/// Loading a cached file runs native code from it, so the directory must be writable only by
/// the host's own user. Files are written atomically (temp file, then rename).
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
    fingerprint: String,
}

/// Whether a load compiled the component or reused the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Found in the cache.
    Hit,
    /// Compiled (and stored, when a cache is configured).
    Compiled,
}

impl CompileCache {
    /// A cache in `dir` (created if missing) for components compiled by `engine`.
    pub fn new(dir: &Path, engine: &Engine) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(CompileCache { dir: dir.to_path_buf(), fingerprint: fingerprint(engine) })
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.fingerprint))
    }

    /// The compiled component for `bytes` (whose hash is `sha256`), from the cache or compiled
    /// by `host` and stored.
    pub(crate) async fn load(
        &self,
        host: &Host,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<(Component, CacheOutcome), LoadError> {
        let path = self.path(sha256);
        // Read into memory, then deserialize those bytes: what is checked is what runs.
        if let Ok(compiled) = std::fs::read(&path) {
            match host.deserialize(&compiled) {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "discarding unreadable cache entry");
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let compiled = host.compile(bytes).await?;
        // Unique per process and per call: two loads of one new component may race here.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self.dir.join(format!(".{sha256}.{}.{n}.tmp", std::process::id()));
        std::fs::write(&tmp, &compiled)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| LoadError::Cache(format!("writing {}: {e}", path.display())))?;
        Ok((host.deserialize(&compiled)?, CacheOutcome::Compiled))
    }
}

impl Host {
    /// Compiles `bytes` into this engine's native code (what [`Host::load_compiled`] takes),
    /// on a blocking thread, at most [`HostConfig::max_compiles`](crate::HostConfig) at once:
    /// a 30 MB component takes seconds of every core, and must neither stall the async
    /// runtime nor run many times over at once.
    pub async fn compile(&self, bytes: &[u8]) -> Result<Vec<u8>, LoadError> {
        let permit =
            self.compile_slots.clone().acquire_owned().await.map_err(|_| LoadError::Busy("shutting down".into()))?;
        let engine = self.engine.clone();
        let bytes = bytes.to_vec();
        // The permit goes with the compile, not with this future: a caller that gives up (a
        // publish whose client hung up) leaves the compile running, and it still counts.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            engine.precompile_component(&bytes)
        })
        .await
        .map_err(|e| LoadError::Invalid(format!("the compiler stopped: {e}")))?
        .map_err(|e| LoadError::Invalid(crate::error::one_line(&e)))
    }

    /// Native code made by [`Host::compile`], ready to link. The caller vouches for `compiled`:
    /// deserializing runs it, so it must be bytes this engine made, checked against a hash
    /// recorded when they were made. wasmtime still refuses code from an incompatible engine.
    pub(crate) fn deserialize(&self, compiled: &[u8]) -> Result<Component, LoadError> {
        // SAFETY: per the contract above, these bytes come from `precompile_component` of an
        // engine with this fingerprint, held where only the host writes or checked by hash.
        unsafe { Component::deserialize(&self.engine, compiled) }.map_err(|e| {
            // The bytes are valid; what fails is the fit in the engine's instance pool (too
            // many memories or tables, or too large ones) or the engine's compatibility.
            LoadError::ExceedsLimits(crate::error::one_line(&e))
        })
    }
}

/// A hex digest of everything that makes compiled code compatible with `engine`.
pub fn fingerprint(engine: &Engine) -> String {
    struct ShaHasher(Sha256);
    impl Hasher for ShaHasher {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut hasher = ShaHasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..12])
}

/// The sha256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{Host, HostConfig};

    #[tokio::test]
    async fn a_compile_given_up_on_still_holds_its_permit_until_it_ends() {
        let host = Host::new(HostConfig { max_instances: 4, max_compiles: 1, ..HostConfig::default() }).unwrap();
        let bytes = kiln_test_guests::bytes(kiln_test_guests::BIG);
        // The caller hangs up almost at once; the compile it started goes on, and counts.
        let given_up = tokio::time::timeout(Duration::from_millis(2), host.compile(&bytes)).await;
        assert!(given_up.is_err(), "compiling took under 2 ms");
        assert_eq!(host.compile_slots.available_permits(), 0, "an abandoned compile freed its permit");
        for _ in 0..1_000 {
            if host.compile_slots.available_permits() == 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the abandoned compile never returned its permit");
    }
}
