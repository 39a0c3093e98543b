//! Run a plugin natively against in-memory batches, so makers unit test without Wasm.
//!
//! ```
//! use kiln_sdk::{testing::TestRun, Batch};
//! # use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};
//! # struct Sum;
//! # impl Plugin for Sum {
//! #     type Params = ();
//! #     fn info() -> PluginInfo { PluginInfo::new("sum", "0.1.0") }
//! #     fn run(ctx: &mut Context, _: ()) -> Result<Output, Error> {
//! #         let mut total = 0.0;
//! #         for batch in ctx.scan("readings", &["kwh"])? { total += batch?.f64("kwh")?.iter().sum::<f64>(); }
//! #         Ok(Output::new().metric("total", total, "kWh"))
//! #     }
//! # }
//! let output = TestRun::new()
//!     .dataset("readings", Batch::new().with_f64("kwh", vec![1.0, 2.5]))
//!     .run::<Sum>()
//!     .unwrap();
//! assert_eq!(output.get_metric("total").unwrap(), 3.5);
//! ```

use crate::context::{Backend, BatchSource};
use crate::{Batch, ColumnData, Error, Grant, Level, Output, Plugin, Value, ValueType};

/// A native run of a plugin: datasets, parameters, and the captured log.
#[derive(Debug, Default)]
pub struct TestRun {
    datasets: Vec<(String, Batch)>,
    params: Vec<(String, Value)>,
    batch_rows: Option<usize>,
    log: Vec<(Level, String)>,
}

impl TestRun {
    /// A run with no data and no parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Grants a dataset with all of its columns.
    pub fn dataset(mut self, name: impl Into<String>, data: Batch) -> Self {
        self.datasets.push((name.into(), data));
        self
    }

    /// Sets a parameter; the rest take their declared defaults.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Splits scans into batches of at most `rows` rows (default 1024), as the host does.
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = Some(rows.max(1));
        self
    }

    /// Runs plugin `P` and returns its output.
    pub fn run<P: Plugin>(self) -> Result<Output, Error> {
        self.run_with_log::<P>().0
    }

    /// Runs plugin `P`, returning its output and the lines it logged.
    pub fn run_with_log<P: Plugin>(mut self) -> (Result<Output, Error>, Vec<(Level, String)>) {
        let given = std::mem::take(&mut self.params);
        let result = crate::native::run::<P>(&mut self, given);
        (result, self.log)
    }
}

impl Backend for TestRun {
    fn grants(&mut self) -> Vec<Grant> {
        self.datasets
            .iter()
            .map(|(name, batch)| Grant {
                dataset: name.clone(),
                columns: batch.columns().iter().map(|c| (c.name.clone(), type_of(&c.data))).collect(),
            })
            .collect()
    }

    fn open(&mut self, dataset: &str, columns: &[String]) -> Result<Box<dyn BatchSource + '_>, Error> {
        let (_, batch) = self
            .datasets
            .iter()
            .find(|(name, _)| name == dataset)
            .ok_or_else(|| Error::invalid_data(format!("dataset `{dataset}` is not granted")))?;
        let projected = if columns.is_empty() { batch.clone() } else { batch.project(columns)? };
        Ok(Box::new(Chunks { batch: projected, at: 0, rows: self.batch_rows.unwrap_or(1024) }))
    }

    fn log(&mut self, level: Level, message: &str) {
        self.log.push((level, message.to_string()));
    }
}

fn type_of(data: &ColumnData) -> ValueType {
    match data {
        ColumnData::F64(_) => ValueType::F64,
        ColumnData::S64(_) => ValueType::S64,
        ColumnData::String(_) => ValueType::String,
        ColumnData::Bool(_) => ValueType::Bool,
        ColumnData::Timestamp(_) => ValueType::Timestamp,
    }
}

struct Chunks {
    batch: Batch,
    at: usize,
    rows: usize,
}

impl BatchSource for Chunks {
    fn next_batch(&mut self) -> Result<Option<Batch>, Error> {
        if self.at >= self.batch.num_rows() {
            return Ok(None);
        }
        let end = (self.at + self.rows).min(self.batch.num_rows());
        let chunk = self.batch.slice(self.at, end);
        self.at = end;
        Ok(Some(chunk))
    }
}
