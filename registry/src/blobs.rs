//! Component bytes, stored content-addressed by sha256 in an object store: a local directory by
//! default, S3 at scale.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use sha2::{Digest, Sha256};

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The store failed.
    #[error("blob store: {0}")]
    Store(#[from] object_store::Error),
    /// The URL or directory is unusable.
    #[error("blob store config: {0}")]
    Config(String),
    /// The bytes read back do not hash to their name.
    #[error("blob {0} does not match its sha256")]
    Corrupt(String),
}

/// A content-addressed blob store.
#[derive(Debug, Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

impl Blobs {
    /// Opens `url`: `s3://bucket/prefix` (credentials from the environment) or a local
    /// directory path (created if missing).
    pub fn open(url: &str) -> Result<Self, BlobError> {
        let store: Arc<dyn ObjectStore> = if url.starts_with("s3://") {
            let parsed = url::Url::parse(url).map_err(|e| BlobError::Config(e.to_string()))?;
            let s3 = object_store::aws::AmazonS3Builder::from_env().with_url(url).build()?;
            let prefix = parsed.path().trim_start_matches('/');
            if prefix.is_empty() { Arc::new(s3) } else { Arc::new(object_store::prefix::PrefixStore::new(s3, prefix)) }
        } else {
            let dir = Path::new(url.strip_prefix("file://").unwrap_or(url));
            std::fs::create_dir_all(dir).map_err(|e| BlobError::Config(format!("{}: {e}", dir.display())))?;
            Arc::new(LocalFileSystem::new_with_prefix(dir)?)
        };
        Ok(Blobs { store })
    }

    fn path(sha256: &str) -> ObjectPath {
        ObjectPath::from(format!("sha256/{}/{sha256}", &sha256[..2.min(sha256.len())]))
    }

    /// Stores `bytes` under their sha256 (which the caller computed). Idempotent: the same
    /// content always lands at the same name, and local writes are atomic.
    pub async fn put(&self, sha256: &str, bytes: Bytes) -> Result<(), BlobError> {
        let path = Self::path(sha256);
        if self.store.head(&path).await.is_ok() {
            return Ok(());
        }
        self.store.put(&path, bytes.into()).await?;
        Ok(())
    }

    /// Reads a blob back, checking it still hashes to its name.
    pub async fn get(&self, sha256: &str) -> Result<Bytes, BlobError> {
        let bytes = self.store.get(&Self::path(sha256)).await?.bytes().await?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(BlobError::Corrupt(sha256.to_string()));
        }
        Ok(bytes)
    }
}
