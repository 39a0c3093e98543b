//! The on-disk compile cache: compiled components keyed by the component's sha256 and the
//! engine's fingerprint, so a known plugin loads without recompiling.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

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

    /// The compiled component for `bytes` (whose hash is `sha256`), from the cache or compiled.
    pub fn load(&self, engine: &Engine, bytes: &[u8], sha256: &str) -> Result<(Component, CacheOutcome), LoadError> {
        let path = self.path(sha256);
        if path.exists() {
            // SAFETY: the file was written by `precompile_component` of an engine with this
            // fingerprint, into a directory only this host writes; wasmtime still checks its
            // header and compatibility and errors on mismatch.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "discarding unreadable cache entry");
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let compiled =
            engine.precompile_component(bytes).map_err(|e| LoadError::Invalid(crate::error::one_line(&e)))?;
        // Unique per process and per call: two loads of one new component may race here.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self.dir.join(format!(".{sha256}.{}.{n}.tmp", std::process::id()));
        std::fs::write(&tmp, &compiled)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| LoadError::Cache(format!("writing {}: {e}", path.display())))?;
        Ok((from_compiled(engine, &compiled)?, CacheOutcome::Compiled))
    }
}

/// Compiles `bytes` without a cache.
pub(crate) fn compile(engine: &Engine, bytes: &[u8]) -> Result<Component, LoadError> {
    let compiled = engine.precompile_component(bytes).map_err(|e| LoadError::Invalid(crate::error::one_line(&e)))?;
    from_compiled(engine, &compiled)
}

/// Loads freshly compiled code. The bytes are valid, so what can fail here is the component's
/// fit in the engine's instance pool (too many memories or tables, or too large ones).
fn from_compiled(engine: &Engine, compiled: &[u8]) -> Result<Component, LoadError> {
    // SAFETY: these bytes were just produced by `precompile_component` on this engine.
    unsafe { Component::deserialize(engine, compiled) }
        .map_err(|e| LoadError::ExceedsLimits(crate::error::one_line(&e)))
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
