//! The registry's database: SQLite by default, PostgreSQL at scale, through sqlx's `Any`
//! driver with one portable schema (`migrations/`). Every state change runs in a
//! [`WriteTx`], which appends its audit entry in the same transaction.

pub mod artifacts;
pub mod audit;
pub mod datasets;
pub mod enablements;
pub mod keys;
pub mod namespaces;
pub mod places;
pub mod plugins;
pub mod principals;
pub mod runs;
pub mod schedules;
pub mod sessions;
pub mod shares;
pub mod tenants;
pub mod tokens;

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

pub use audit::WriteTx;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row with the same key exists.
    #[error("{0} already exists")]
    Conflict(String),
    /// No such row.
    #[error("{0} not found")]
    NotFound(String),
    /// A stored row cannot be read back (unparsable JSON, an unknown enum spelling): the
    /// database was edited or damaged. Never turned into a default or a "not found".
    #[error("corrupt stored row: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A connection pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`) and applies migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let max = if backend == Backend::Sqlite { 4 } else { 16 };
        let pool = AnyPoolOptions::new().max_connections(max).connect(url).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed during a write; it is a property of the file, set once.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, backend })
    }

    /// The connection pool, for the store functions that take one.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts an audited write transaction.
    pub async fn write(&self) -> Result<WriteTx, StoreError> {
        WriteTx::begin(&self.pool).await
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`] naming `what`.
pub(crate) fn conflict(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    let what = what.into();
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Db(e),
    }
}

/// Parses a stored JSON column; unparsable text is a corrupt row ([`StoreError::Corrupt`],
/// answered as `internal`), never a default that would pass for real data.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A stored enum spelling that `parse` does not know is a corrupt row, never a "not found".
pub(crate) fn stored_enum<T>(what: &str, text: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown stored {what} `{text}`")))
}

/// A random identifier: 16 hex characters.
pub fn new_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}
