//! The run's view of the host: granted data and the log.

use crate::{Batch, Error, ValueType};

/// A dataset granted to this run, with its granted columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The dataset's name.
    pub dataset: String,
    /// Granted columns with their types.
    pub columns: Vec<(String, ValueType)>,
}

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Very detailed tracing.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal progress.
    Info,
    /// Something looks wrong but the run goes on.
    Warn,
    /// Something failed.
    Error,
}

/// Where a [`Context`] gets its data: the Wasm host, the native test harness, or any native
/// host (see [`crate::native`]).
pub trait Backend {
    /// The datasets and columns the run may read.
    fn grants(&mut self) -> Vec<Grant>;
    /// Opens a scan of `columns` of `dataset` (all granted columns when empty).
    fn open(&mut self, dataset: &str, columns: &[String]) -> Result<Box<dyn BatchSource + '_>, Error>;
    /// Records a log line.
    fn log(&mut self, level: Level, message: &str);
}

/// A stream of batches behind a [`Scan`].
pub trait BatchSource {
    /// The next batch, or `None` at the end.
    fn next_batch(&mut self) -> Result<Option<Batch>, Error>;
}

/// What a plugin's `run` gets from the host: granted data and a log.
pub struct Context<'a> {
    backend: &'a mut dyn Backend,
}

impl<'a> Context<'a> {
    /// A context reading from `backend`.
    pub fn new(backend: &'a mut dyn Backend) -> Self {
        Context { backend }
    }

    /// The datasets and columns this run may read.
    pub fn grants(&mut self) -> Vec<Grant> {
        self.backend.grants()
    }

    /// Scans `dataset`, yielding batches of the `columns` given (all granted ones if empty).
    ///
    /// Under the host, asking for data that was not granted ends the run.
    pub fn scan(&mut self, dataset: &str, columns: &[&str]) -> Result<Scan<'_>, Error> {
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        Ok(Scan { source: self.backend.open(dataset, &columns)? })
    }

    /// Reads the whole of `dataset` (the chosen columns) into one batch.
    pub fn read_all(&mut self, dataset: &str, columns: &[&str]) -> Result<Batch, Error> {
        let mut all: Option<Vec<crate::Column>> = None;
        for batch in self.scan(dataset, columns)? {
            let batch = batch?;
            match &mut all {
                None => all = Some(batch.into_columns()),
                Some(all) => {
                    for (into, from) in all.iter_mut().zip(batch.into_columns()) {
                        append(into, from)?;
                    }
                }
            }
        }
        match all {
            Some(columns) => Batch::from_columns(columns),
            None => Ok(Batch::new()),
        }
    }

    /// Writes a line to the run's log.
    pub fn log(&mut self, level: Level, message: impl AsRef<str>) {
        self.backend.log(level, message.as_ref());
    }

    /// Writes an info line to the run's log.
    pub fn info(&mut self, message: impl AsRef<str>) {
        self.log(Level::Info, message);
    }

    /// Writes a warning to the run's log.
    pub fn warn(&mut self, message: impl AsRef<str>) {
        self.log(Level::Warn, message);
    }
}

fn append(into: &mut crate::Column, from: crate::Column) -> Result<(), Error> {
    use crate::ColumnData::*;
    let before = into.data.len();
    let added = from.data.len();
    match (&mut into.data, from.data) {
        (F64(a), F64(b)) => a.extend(b),
        (S64(a), S64(b)) => a.extend(b),
        (String(a), String(b)) => a.extend_from(&b),
        (Bool(a), Bool(b)) => a.extend(b),
        (Timestamp(a), Timestamp(b)) => a.extend(b),
        _ => return Err(Error::invalid_data(format!("column `{}` changed type between batches", into.name))),
    }
    match (&mut into.validity, from.validity) {
        (None, None) => {}
        (Some(a), None) => a.extend(std::iter::repeat_n(true, added)),
        (a @ None, Some(b)) => {
            let mut v = vec![true; before];
            v.extend(b);
            *a = Some(v);
        }
        (Some(a), Some(b)) => a.extend(b),
    }
    Ok(())
}

/// An iterator over the batches of one dataset.
pub struct Scan<'a> {
    source: Box<dyn BatchSource + 'a>,
}

impl Iterator for Scan<'_> {
    type Item = Result<Batch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.source.next_batch().transpose()
    }
}
