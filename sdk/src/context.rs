//! The run's view of the host: granted data and the log.

use crate::{Batch, Column, ColumnData, Dictionary, Error, Scan, ValueType};

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
        Ok(Scan::new(self.backend.open(dataset, &columns)?))
    }

    /// Reads the whole of `dataset` (the chosen columns) into one batch. A string column
    /// dictionary-encoded in any batch comes out as one dictionary column with the scan's codes.
    pub fn read_all(&mut self, dataset: &str, columns: &[&str]) -> Result<Batch, Error> {
        let mut scan = self.scan(dataset, columns)?;
        let mut all: Option<Vec<Column>> = None;
        for batch in &mut scan {
            let batch = batch?;
            let joined = match &all {
                None => batch.into_columns(),
                Some(all) => join_forms(all, batch)?,
            };
            let columns = joined.into_iter().map(codes_alone);
            match &mut all {
                None => all = Some(columns.collect()),
                Some(all) => {
                    for (into, from) in all.iter_mut().zip(columns) {
                        append(into, from)?;
                    }
                }
            }
        }
        let Some(mut columns) = all else { return Ok(Batch::new()) };
        // Dictionary columns were gathered as codes alone, so that no batch kept a handle on
        // the dictionary while the scan grew it (which would copy it); they get the whole one now.
        for column in &mut columns {
            if let ColumnData::Dict(dict) = &mut column.data {
                dict.values = scan.dictionary(&column.name).unwrap_or_default();
            }
        }
        Batch::from_columns(columns)
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

/// `batch`'s columns in the forms `all` holds them in: a column that came dictionary-encoded
/// before and plain now (the host's bound passed mid-scan) as its codes in the scan's
/// dictionary, and the reverse (which no host does) as strings.
fn join_forms(all: &[Column], batch: Batch) -> Result<Vec<Column>, Error> {
    let mut recoded = Vec::new();
    for (into, from) in all.iter().zip(batch.columns()) {
        recoded.push(match (&into.data, &from.data) {
            (ColumnData::Dict(_), ColumnData::String(_)) => Some(batch.dict(&from.name)?.codes.clone()),
            _ => None,
        });
    }
    let mut columns = batch.into_columns();
    for (column, codes) in columns.iter_mut().zip(recoded) {
        if let Some(codes) = codes {
            column.data = ColumnData::Dict(crate::Dict { base: 0, values: Dictionary::default(), codes });
        }
    }
    for (into, column) in all.iter().zip(&mut columns) {
        if let (ColumnData::String(_), ColumnData::Dict(dict)) = (&into.data, &column.data) {
            column.data = ColumnData::String(dict.to_strings());
        }
    }
    Ok(columns)
}

/// A dictionary column without its handle on the scan's dictionary, so the scan grows that
/// dictionary in place rather than copying it for the batch still holding it.
fn codes_alone(mut column: Column) -> Column {
    if let ColumnData::Dict(dict) = &mut column.data {
        dict.values = Dictionary::default();
    }
    column
}

fn append(into: &mut Column, from: Column) -> Result<(), Error> {
    use ColumnData::*;
    let before = into.data.len();
    let added = from.data.len();
    match (&mut into.data, from.data) {
        (F64(a), F64(b)) => a.extend(b),
        (S64(a), S64(b)) => a.extend(b),
        (String(a), String(b)) => a.extend_from(&b),
        (Bool(a), Bool(b)) => a.extend(b),
        (Timestamp(a), Timestamp(b)) => a.extend(b),
        (Dict(a), Dict(b)) => a.codes.extend(b.codes),
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
