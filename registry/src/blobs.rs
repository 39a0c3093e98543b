//! Components, datasets and outputs, stored content-addressed by sha256 in an object store: a
//! local directory by default, S3 (or any S3-compatible server) at scale.
//!
//! Every read is bounded and re-hashed: a blob that changed in the store, or grew past what its
//! kind may hold, is refused rather than trusted.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt as _;
use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Parts of a multipart upload. S3 wants at least 5 MiB a part; two in flight keep an upload's
/// memory near 16 MiB however large the file.
const PART_BYTES: usize = 8 << 20;
const PARTS_IN_FLIGHT: usize = 2;

/// How long [`Blobs::ping`] waits. The store's client retries refused connections with backoff
/// for minutes; a healthy store answers a HEAD in milliseconds.
const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The store failed.
    #[error("blob store: {0}")]
    Store(#[from] object_store::Error),
    /// The URL or directory is unusable.
    #[error("blob store config: {0}")]
    Config(String),
    /// The store did not answer in time.
    #[error("blob store {0} did not answer within {1:?}")]
    Timeout(String, std::time::Duration),
    /// A local file could not be read or written.
    #[error("blob file: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes read back do not hash to their name.
    #[error("blob {0} does not match its sha256")]
    Corrupt(String),
    /// The stored blob is larger than what may be read for it.
    #[error("blob {sha256} holds {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// The blob's name.
        sha256: String,
        /// Its size in the store.
        size: u64,
        /// The most that may be read.
        max: u64,
    },
}

/// A content-addressed blob store.
#[derive(Debug, Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    location: String,
}

impl Blobs {
    /// Opens `url`: `s3://bucket/prefix`, configured by the standard AWS environment variables
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
    /// `AWS_ALLOW_HTTP`, ...), or a local directory path (created if missing).
    pub fn open(url: &str) -> Result<Self, BlobError> {
        Self::open_with(url, [])
    }

    /// [`Blobs::open`], with S3 settings applied over the environment's (for tests and embedders
    /// that must not change the process environment).
    pub fn open_with(
        url: &str,
        s3_settings: impl IntoIterator<Item = (AmazonS3ConfigKey, String)>,
    ) -> Result<Self, BlobError> {
        let store: Arc<dyn ObjectStore> = if url.starts_with("s3://") {
            let parsed = url::Url::parse(url).map_err(|e| BlobError::Config(format!("{url}: {e}")))?;
            let mut builder = AmazonS3Builder::from_env().with_url(url);
            for (key, value) in s3_settings {
                builder = builder.with_config(key, value);
            }
            let s3 = builder.build()?;
            let prefix = parsed.path().trim_matches('/');
            if prefix.is_empty() { Arc::new(s3) } else { Arc::new(object_store::prefix::PrefixStore::new(s3, prefix)) }
        } else {
            let dir = Path::new(url.strip_prefix("file://").unwrap_or(url));
            std::fs::create_dir_all(dir).map_err(|e| BlobError::Config(format!("{}: {e}", dir.display())))?;
            Arc::new(LocalFileSystem::new_with_prefix(dir)?)
        };
        Ok(Blobs { store, location: url.to_string() })
    }

    /// Where the blobs are, as configured (a directory or `s3://bucket/prefix`: no secrets).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Checks that the store answers within [`PING_TIMEOUT`]: listing a prefix that holds
    /// nothing must succeed. (A HEAD would not do: S3 answers a missing bucket's HEAD with a bare
    /// 404, the same as a missing object's.)
    pub async fn ping(&self) -> Result<(), BlobError> {
        let probe = ObjectPath::from("sha256/ping");
        match tokio::time::timeout(PING_TIMEOUT, self.store.list_with_delimiter(Some(&probe))).await {
            Ok(Ok(_) | Err(object_store::Error::NotFound { .. })) => Ok(()),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(BlobError::Timeout(self.location.clone(), PING_TIMEOUT)),
        }
    }

    fn path(sha256: &str) -> ObjectPath {
        ObjectPath::from(format!("sha256/{}/{sha256}", &sha256[..2.min(sha256.len())]))
    }

    async fn exists(&self, path: &ObjectPath) -> Result<bool, BlobError> {
        match self.store.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores `bytes` under their sha256 (which the caller computed). Idempotent: the same
    /// content always lands at the same name, and writes are atomic (a local file is renamed
    /// into place; an S3 object appears whole).
    pub async fn put(&self, sha256: &str, bytes: Bytes) -> Result<(), BlobError> {
        let path = Self::path(sha256);
        if self.exists(&path).await? {
            return Ok(());
        }
        self.store.put(&path, bytes.into()).await?;
        Ok(())
    }

    /// Stores `bytes` under their sha256 even if a blob of that name is there: it replaces one
    /// that no longer hashes to its name (an altered compiled artifact, made again).
    pub async fn replace(&self, sha256: &str, bytes: Bytes) -> Result<(), BlobError> {
        self.store.put(&Self::path(sha256), bytes.into()).await?;
        Ok(())
    }

    /// Stores the file at `file` under `sha256` (which the caller computed), streaming it: a
    /// file larger than one part goes up as a multipart upload, aborted if any part fails, so
    /// a failed upload leaves nothing behind.
    pub async fn put_file(&self, sha256: &str, file: &Path) -> Result<(), BlobError> {
        let path = Self::path(sha256);
        if self.exists(&path).await? {
            return Ok(());
        }
        let mut writer =
            BufWriter::with_capacity(self.store.clone(), path, PART_BYTES).with_max_concurrency(PARTS_IN_FLIGHT);
        let copied = async {
            let mut input = tokio::fs::File::open(file).await?;
            loop {
                let mut chunk = Vec::with_capacity(1 << 20);
                if (&mut input).take(1 << 20).read_to_end(&mut chunk).await? == 0 {
                    break;
                }
                writer.put(chunk.into()).await?;
            }
            writer.shutdown().await?;
            Ok::<_, BlobError>(())
        }
        .await;
        if copied.is_err() {
            // Best effort: an upload that cannot be aborted is collected by the bucket's
            // lifecycle rule for incomplete uploads (docs/deploy.md).
            let _ = writer.abort().await;
        }
        copied
    }

    /// Removes a blob for good (an operator's purge); removing one that is gone is no error.
    pub async fn delete(&self, sha256: &str) -> Result<(), BlobError> {
        match self.store.delete(&Self::path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a blob of at most `max` bytes back, checking it still hashes to its name.
    pub async fn get(&self, sha256: &str, max: u64) -> Result<Bytes, BlobError> {
        let found = self.store.get(&Self::path(sha256)).await?;
        check_size(sha256, found.meta.size, max)?;
        let bytes = found.bytes().await?;
        // The store may not have said the truth about the size: the bytes are what count.
        check_size(sha256, bytes.len() as u64, max)?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(BlobError::Corrupt(sha256.to_string()));
        }
        Ok(bytes)
    }

    /// Streams a blob of at most `max` bytes into the file `to`, hashing it on the way: the file
    /// is written beside `to` and renamed into place only once it hashes to its name, so a
    /// reader of `to` never sees a partial or altered blob.
    pub async fn get_to_file(&self, sha256: &str, to: &Path, max: u64) -> Result<(), BlobError> {
        let found = self.store.get(&Self::path(sha256)).await?;
        check_size(sha256, found.meta.size, max)?;
        let partial = to.with_file_name(format!(
            ".{}.{}",
            to.file_name().and_then(|n| n.to_str()).unwrap_or("blob"),
            crate::store::new_id()
        ));
        let written = async {
            let mut file = tokio::fs::File::create(&partial).await?;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let mut stream = found.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                size += chunk.len() as u64;
                check_size(sha256, size, max)?;
                hasher.update(&chunk);
                file.write_all(&chunk).await?;
            }
            file.flush().await?;
            if hex::encode(hasher.finalize()) != sha256 {
                return Err(BlobError::Corrupt(sha256.to_string()));
            }
            tokio::fs::rename(&partial, to).await?;
            Ok(())
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        written
    }
}

/// The sha256 of the file at `path`, read in chunks.
pub async fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut chunk = vec![0; 1 << 20];
    loop {
        match file.read(&mut chunk).await? {
            0 => return Ok(hex::encode(hasher.finalize())),
            n => hasher.update(&chunk[..n]),
        }
    }
}

fn check_size(sha256: &str, size: u64, max: u64) -> Result<(), BlobError> {
    if size > max {
        return Err(BlobError::TooLarge { sha256: sha256.to_string(), size, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    #[tokio::test]
    async fn a_file_larger_than_a_part_is_stored_whole_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(dir.path().join("blobs").to_str().unwrap()).unwrap();
        let content: Vec<u8> = (0..PART_BYTES * 2 + 12_345).map(|i| (i % 251) as u8).collect();
        let file = dir.path().join("big");
        std::fs::write(&file, &content).unwrap();
        let name = sha(&content);
        blobs.put_file(&name, &file).await.unwrap();
        assert_eq!(sha256_file(&file).await.unwrap(), name);
        let copy = dir.path().join("copy");
        blobs.get_to_file(&name, &copy, u64::MAX).await.unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), content);
        assert_eq!(blobs.get(&name, u64::MAX).await.unwrap(), content);
    }

    #[tokio::test]
    async fn a_blob_over_its_cap_is_refused_and_no_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(dir.path().join("blobs").to_str().unwrap()).unwrap();
        let name = sha(b"0123456789");
        blobs.put(&name, Bytes::from_static(b"0123456789")).await.unwrap();
        assert!(matches!(blobs.get(&name, 9).await, Err(BlobError::TooLarge { size: 10, max: 9, .. })));
        let to = dir.path().join("out");
        assert!(matches!(blobs.get_to_file(&name, &to, 9).await, Err(BlobError::TooLarge { .. })));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only the blob store is left");
    }

    #[tokio::test]
    async fn an_altered_blob_is_refused_and_no_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("blobs");
        let blobs = Blobs::open(root.to_str().unwrap()).unwrap();
        let name = sha(b"genuine");
        blobs.put(&name, Bytes::from_static(b"genuine")).await.unwrap();
        std::fs::write(root.join("sha256").join(&name[..2]).join(&name), b"altered").unwrap();
        assert!(matches!(blobs.get(&name, 100).await, Err(BlobError::Corrupt(_))));
        let to = dir.path().join("out");
        assert!(matches!(blobs.get_to_file(&name, &to, 100).await, Err(BlobError::Corrupt(_))));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only the blob store is left");
    }

    #[tokio::test]
    async fn an_unreachable_s3_endpoint_fails_the_ping() {
        // Port 9 (discard) on loopback: nothing listens there.
        let settings = [
            (AmazonS3ConfigKey::Endpoint, "http://127.0.0.1:9".to_string()),
            (AmazonS3ConfigKey::Client(object_store::ClientConfigKey::AllowHttp), "true".into()),
            (AmazonS3ConfigKey::Region, "us-east-1".into()),
            (AmazonS3ConfigKey::AccessKeyId, "test".into()),
            (AmazonS3ConfigKey::SecretAccessKey, "test".into()),
        ];
        let blobs = Blobs::open_with("s3://nowhere/kiln", settings).unwrap();
        assert!(blobs.ping().await.is_err());
    }
}
