//! Run a plugin natively against in-memory batches, so makers unit test without Wasm.
//!
//! ```
//! use kiln_sdk::{testing::TestRun, Batch};
//! # use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};
//! # struct Sum;
//! # impl Plugin for Sum {
//! #     type Params = ();
//! #     fn info() -> PluginInfo { PluginInfo::new("sum", "0.1.0").metric("total", "Sum of kwh.") }
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
//!
//! Like the host, a test run sends string columns dictionary-encoded (each batch adding its new
//! values to the scan's dictionary), or plain past [`TestRun::dictionary_bound`] values; and
//! checks the output against the schemas declared in [`Plugin::info`], refusing an undeclared
//! output, a column of the wrong name, order or type, or a null in a non-nullable column.

use std::collections::HashMap;

use crate::context::{Backend, BatchSource};
use crate::{Batch, Column, ColumnData, Dict, Error, Grant, Level, Output, Plugin, Strings, Value};

/// A native run of a plugin: datasets, parameters, and the captured log.
#[derive(Debug, Default)]
pub struct TestRun {
    datasets: Vec<(String, Batch)>,
    params: Vec<(String, Value)>,
    batch_rows: Option<usize>,
    dictionary_bound: Option<usize>,
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

    /// Sends a string column dictionary-encoded only while its scan dictionary holds at most
    /// `values` values, and plain for the rest of the scan once a batch would take it past
    /// that, as the host does (default: no bound). `0` sends every string column plain, as a
    /// host on contract 0.1.0 does.
    pub fn dictionary_bound(mut self, values: usize) -> Self {
        self.dictionary_bound = Some(values);
        self
    }

    /// Runs plugin `P` and returns its output, checked against its declared outputs.
    pub fn run<P: Plugin>(self) -> Result<Output, Error> {
        self.run_with_log::<P>().0
    }

    /// Runs plugin `P`, returning its output and the lines it logged.
    pub fn run_with_log<P: Plugin>(mut self) -> (Result<Output, Error>, Vec<(Level, String)>) {
        let given = std::mem::take(&mut self.params);
        let result = crate::native::run::<P>(&mut self, given)
            .and_then(|output| P::info().check_output(&output).map(|()| output));
        (result, self.log)
    }
}

impl Backend for TestRun {
    fn grants(&mut self) -> Vec<Grant> {
        self.datasets
            .iter()
            .map(|(name, batch)| Grant {
                dataset: name.clone(),
                columns: batch.columns().iter().map(|c| (c.name.clone(), c.data.value_type())).collect(),
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
        let encoders = projected.columns().iter().map(|_| Encoder::default()).collect();
        Ok(Box::new(Chunks {
            batch: projected,
            at: 0,
            rows: self.batch_rows.unwrap_or(1024),
            bound: self.dictionary_bound.unwrap_or(usize::MAX),
            encoders,
        }))
    }

    fn log(&mut self, level: Level, message: &str) {
        self.log.push((level, message.to_string()));
    }
}

struct Chunks {
    batch: Batch,
    at: usize,
    rows: usize,
    bound: usize,
    /// One per column, used by string columns.
    encoders: Vec<Encoder>,
}

impl BatchSource for Chunks {
    fn next_batch(&mut self) -> Result<Option<Batch>, Error> {
        if self.at >= self.batch.num_rows() {
            return Ok(None);
        }
        let end = (self.at + self.rows).min(self.batch.num_rows());
        let chunk = self.batch.slice(self.at, end);
        self.at = end;
        let columns = chunk
            .into_columns()
            .into_iter()
            .zip(&mut self.encoders)
            .map(|(column, encoder)| encoder.send(column, self.bound))
            .collect();
        Batch::from_columns(columns).map(Some)
    }
}

/// A string column's scan dictionary on the sending side, as the host keeps it.
#[derive(Default)]
struct Encoder {
    codes: HashMap<String, u32>,
    /// Set once the dictionary would pass the bound: the rest of the scan goes plain.
    plain: bool,
}

impl Encoder {
    /// `column` as the host would send it: a string column as the values it adds to the
    /// dictionary and its codes, while the dictionary stays within `bound`.
    fn send(&mut self, column: Column, bound: usize) -> Column {
        let Column { name, data, validity } = column;
        let rows = match data {
            ColumnData::String(rows) => rows,
            ColumnData::Dict(dict) => dict.to_strings(),
            data => return Column { name, data, validity },
        };
        if !self.plain {
            let base = self.codes.len() as u32;
            let added: Strings = {
                let mut seen = std::collections::HashSet::new();
                rows.iter().filter(|r| !self.codes.contains_key(*r) && seen.insert(*r)).collect()
            };
            if self.codes.len() + added.len() <= bound {
                for value in &added {
                    self.codes.insert(value.to_string(), self.codes.len() as u32);
                }
                let codes = rows.iter().map(|r| self.codes[r]).collect();
                return Column { name, data: ColumnData::Dict(Dict::delta(base, added, codes)), validity };
            }
            self.plain = true;
        }
        Column { name, data: ColumnData::String(rows), validity }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, PluginInfo, ValueType, col};

    /// Counts rows per `id` code, checking the codes hold across batches.
    struct Count;

    impl Plugin for Count {
        type Params = ();

        fn info() -> PluginInfo {
            PluginInfo::new("count", "0.1.0")
                .table("counts", "", &[col("id", ValueType::String), col("rows", ValueType::S64)])
                .metric("batches", "")
        }

        fn run(ctx: &mut Context, _: ()) -> Result<Output, Error> {
            let mut counts: Vec<i64> = Vec::new();
            let mut batches = 0;
            let mut scan = ctx.scan("d", &["id"])?;
            for batch in &mut scan {
                let batch = batch?;
                batches += 1;
                let ids = batch.dict("id")?;
                counts.resize(ids.values().len(), 0);
                for (&code, id) in ids.codes().iter().zip(batch.str("id")?) {
                    assert_eq!(&ids.values()[code as usize], id);
                    counts[code as usize] += 1;
                }
            }
            let ids = scan.dictionary("id").unwrap_or_default();
            let codes = (0..ids.len() as u32).collect();
            Ok(Output::new().table("counts", Batch::new().with_dict("id", ids, codes).with_s64("rows", counts)).metric(
                "batches",
                batches as f64,
                "",
            ))
        }
    }

    fn run(bound: usize) -> Output {
        TestRun::new()
            .dataset("d", Batch::new().with_str("id", ["a", "b", "a", "c", "a", "d", "b"]))
            .batch_rows(2)
            .dictionary_bound(bound)
            .run::<Count>()
            .unwrap()
    }

    #[test]
    fn codes_are_stable_whether_strings_come_coded_plain_or_both() {
        for bound in [usize::MAX, 0, 2, 3] {
            let output = run(bound);
            let counts = output.get_table("counts").unwrap();
            assert_eq!(counts.str("id").unwrap(), ["a", "b", "c", "d"], "bound {bound}");
            assert_eq!(counts.s64("rows").unwrap(), &[3, 2, 1, 1], "bound {bound}");
            assert_eq!(output.get_metric("batches").unwrap(), 4.0);
        }
    }

    #[test]
    fn an_output_off_its_schema_fails_the_run() {
        struct Off;
        impl Plugin for Off {
            type Params = ();
            fn info() -> PluginInfo {
                PluginInfo::new("off", "0.1.0").table("t", "", &[col("x", ValueType::F64)])
            }
            fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
                Ok(Output::new().table("t", Batch::new().with_s64("x", vec![1])))
            }
        }
        let err = TestRun::new().run::<Off>().unwrap_err();
        assert!(err.to_string().contains("column `x` is s64, but declared f64"), "{err}");
    }

    #[test]
    fn read_all_joins_coded_and_plain_batches_by_code() {
        struct All;
        impl Plugin for All {
            type Params = ();
            fn info() -> PluginInfo {
                PluginInfo::new("all", "0.1.0").metric("distinct", "")
            }
            fn run(ctx: &mut Context, _: ()) -> Result<Output, Error> {
                let all = ctx.read_all("d", &["id"])?;
                assert_eq!(all.str("id")?, ["a", "b", "a", "c", "a", "d", "b"]);
                assert_eq!(all.dict("id")?.codes(), &[0, 1, 0, 2, 0, 3, 1]);
                Ok(Output::new().metric("distinct", all.dict("id")?.values().len() as f64, ""))
            }
        }
        for bound in [usize::MAX, 0, 2] {
            let output = TestRun::new()
                .dataset("d", Batch::new().with_str("id", ["a", "b", "a", "c", "a", "d", "b"]))
                .batch_rows(2)
                .dictionary_bound(bound)
                .run::<All>()
                .unwrap();
            assert_eq!(output.get_metric("distinct").unwrap(), 4.0, "bound {bound}");
        }
    }
}
