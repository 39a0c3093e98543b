//! Enterprise data as the host serves it to plugins: datasets with a schema, read in bounded
//! batches, projected to granted columns.

mod arrow;
mod dict;
mod files;
mod grants;
mod memory;

use crate::model::Batch;

pub use dict::{DictBudget, MAX_DICT_BYTES, encode_dictionaries, encode_dictionaries_within};
pub use files::DirSource;
pub use grants::{GrantError, Grants};
pub use memory::MemorySource;

/// Why data could not be served.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// No dataset of that name.
    #[error("no dataset `{0}`")]
    UnknownDataset(String),
    /// The dataset has no column of that name.
    #[error("dataset `{dataset}` has no column `{column}`")]
    UnknownColumn {
        /// The dataset.
        dataset: String,
        /// The missing column.
        column: String,
    },
    /// The stored data is malformed or has a type the contract cannot carry.
    #[error("{0}")]
    Invalid(String),
    /// Reading storage failed.
    #[error("{0}")]
    Io(String),
}

pub use crate::model::{Field, Schema};

/// Where the host gets the data a plugin scans. Implementations need not check grants: the
/// host does that before calling them.
pub trait DataSource: Send + Sync {
    /// Names of the datasets available.
    fn datasets(&self) -> Result<Vec<String>, DataError>;

    /// The schema of `dataset`.
    fn schema(&self, dataset: &str) -> Result<Schema, DataError>;

    /// Starts reading `columns` (all present in the schema) of `dataset`, in batches of at most
    /// `batch_rows` rows.
    fn scan(&self, dataset: &str, columns: &[String], batch_rows: usize) -> Result<Box<dyn BatchStream>, DataError>;

    /// Like [`DataSource::scan`], but string columns may come as standalone dictionary columns
    /// (`base` 0, each batch's own dictionary), for sources that store them so and can hand
    /// them over without expanding (Parquet's dictionary pages). [`encode_dictionaries`] makes
    /// them scan-stable.
    fn scan_with_dictionaries(
        &self,
        dataset: &str,
        columns: &[String],
        batch_rows: usize,
    ) -> Result<Box<dyn BatchStream>, DataError> {
        self.scan(dataset, columns, batch_rows)
    }
}

/// A stream of batches from one scan.
pub trait BatchStream: Send {
    /// The next batch, or `None` at the end.
    fn next_batch(&mut self) -> Result<Option<Batch>, DataError>;
}
