//! Support for Kiln's cross-crate tests and benchmarks.
//!
//! [`NativeBackend`] feeds a plugin compiled natively from the same [`kiln_host::DataSource`]
//! the host uses, so a benchmark compares the Wasm build with native code on the same work,
//! data decoding included.

use std::sync::Arc;

use kiln_host::{DataSource, Grants};
use kiln_sdk::native::{Backend, BatchSource};
use kiln_sdk::{Batch, Column, ColumnData, Error, Grant, Level, Strings, ValueType};

/// A [`Backend`] reading from a host data source under the same grants and batch size.
pub struct NativeBackend {
    source: Arc<dyn DataSource>,
    grants: Grants,
    batch_rows: usize,
}

impl NativeBackend {
    /// Reads `source` in batches of `batch_rows`, allowing what `grants` allows.
    pub fn new(source: Arc<dyn DataSource>, grants: Grants, batch_rows: usize) -> Self {
        NativeBackend { source, grants, batch_rows }
    }
}

impl Backend for NativeBackend {
    fn grants(&mut self) -> Vec<Grant> {
        self.grants
            .dataset_names()
            .filter_map(|d| {
                let schema = self.source.schema(d).ok()?;
                let columns = schema
                    .into_iter()
                    .filter(|f| self.grants.allows_column(d, &f.name))
                    .map(|f| (f.name, value_type(f.ty)))
                    .collect();
                Some(Grant { dataset: d.to_string(), columns })
            })
            .collect()
    }

    fn open(&mut self, dataset: &str, columns: &[String]) -> Result<Box<dyn BatchSource + '_>, Error> {
        if let Some(c) = columns.iter().find(|c| !self.grants.allows_column(dataset, c)) {
            return Err(Error::invalid_data(format!("`{dataset}.{c}` is not granted")));
        }
        // Dictionary-encoded as a 0.2.0 guest receives them, so both sides decode alike.
        let stream = self
            .source
            .scan_with_dictionaries(dataset, columns, self.batch_rows)
            .map_err(|e| Error::msg(e.to_string()))?;
        let stream = kiln_host::data::encode_dictionaries(stream);
        Ok(Box::new(Stream(stream)))
    }

    fn log(&mut self, _: Level, _: &str) {}
}

struct Stream(Box<dyn kiln_host::data::BatchStream>);

impl BatchSource for Stream {
    fn next_batch(&mut self) -> Result<Option<Batch>, Error> {
        let Some(batch) = self.0.next_batch().map_err(|e| Error::msg(e.to_string()))? else {
            return Ok(None);
        };
        Batch::from_columns(batch.columns.into_iter().map(sdk_column).collect::<Result<_, _>>()?).map(Some)
    }
}

/// Moves a host column into the SDK's type without copying values, as a guest receives them.
pub fn sdk_column(c: kiln_host::Column) -> Result<Column, Error> {
    let data = match c.data {
        kiln_host::ColumnData::F64(v) => ColumnData::F64(v),
        kiln_host::ColumnData::S64(v) => ColumnData::S64(v),
        kiln_host::ColumnData::String(v) => ColumnData::String(Strings::from_parts(v.offsets, v.bytes)?),
        kiln_host::ColumnData::Bool(v) => ColumnData::Bool(v),
        kiln_host::ColumnData::Timestamp(v) => ColumnData::Timestamp(v),
        kiln_host::ColumnData::Dict(d) => ColumnData::Dict(kiln_sdk::Dict::delta(
            d.base,
            Strings::from_parts(d.values.offsets, d.values.bytes)?,
            d.codes,
        )),
    };
    Ok(Column { name: c.name, data, validity: c.validity })
}

fn value_type(ty: kiln_host::ValueType) -> ValueType {
    match ty {
        kiln_host::ValueType::F64 => ValueType::F64,
        kiln_host::ValueType::S64 => ValueType::S64,
        kiln_host::ValueType::String => ValueType::String,
        kiln_host::ValueType::Bool => ValueType::Bool,
        kiln_host::ValueType::Timestamp => ValueType::Timestamp,
    }
}
