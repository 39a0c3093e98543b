//! Datasets held in memory: for tests, benchmarks and small synchronous runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{BatchStream, DataError, DataSource, Field, Schema};
use crate::model::{Batch, Column, ColumnData, Dict};

/// A set of named in-memory tables.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    tables: BTreeMap<String, Arc<Batch>>,
}

impl MemorySource {
    /// No datasets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a dataset.
    pub fn with(mut self, name: impl Into<String>, table: Batch) -> Self {
        self.tables.insert(name.into(), Arc::new(table));
        self
    }

    fn table(&self, dataset: &str) -> Result<&Arc<Batch>, DataError> {
        self.tables.get(dataset).ok_or_else(|| DataError::UnknownDataset(dataset.to_string()))
    }
}

impl DataSource for MemorySource {
    fn datasets(&self) -> Result<Vec<String>, DataError> {
        Ok(self.tables.keys().cloned().collect())
    }

    fn schema(&self, dataset: &str) -> Result<Schema, DataError> {
        Ok(self
            .table(dataset)?
            .columns
            .iter()
            .map(|c| Field { name: c.name.clone(), ty: c.data.value_type(), nullable: c.validity.is_some() })
            .collect())
    }

    fn scan(&self, dataset: &str, columns: &[String], batch_rows: usize) -> Result<Box<dyn BatchStream>, DataError> {
        let table = self.table(dataset)?.clone();
        let indices = columns
            .iter()
            .map(|name| {
                table
                    .columns
                    .iter()
                    .position(|c| &c.name == name)
                    .ok_or_else(|| DataError::UnknownColumn { dataset: dataset.to_string(), column: name.clone() })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Box::new(Slices { table, indices, at: 0, batch_rows: batch_rows.max(1) }))
    }
}

struct Slices {
    table: Arc<Batch>,
    indices: Vec<usize>,
    at: usize,
    batch_rows: usize,
}

impl BatchStream for Slices {
    fn next_batch(&mut self) -> Result<Option<Batch>, DataError> {
        let rows = self.table.rows as usize;
        if self.at >= rows {
            return Ok(None);
        }
        let (start, end) = (self.at, (self.at + self.batch_rows).min(rows));
        self.at = end;
        let columns = self
            .indices
            .iter()
            .map(|&i| {
                let c = &self.table.columns[i];
                Column {
                    name: c.name.clone(),
                    data: match &c.data {
                        ColumnData::F64(v) => ColumnData::F64(v[start..end].to_vec()),
                        ColumnData::S64(v) => ColumnData::S64(v[start..end].to_vec()),
                        ColumnData::String(v) => ColumnData::String(crate::strings::slice(v, start, end)),
                        ColumnData::Bool(v) => ColumnData::Bool(v[start..end].to_vec()),
                        ColumnData::Timestamp(v) => ColumnData::Timestamp(v[start..end].to_vec()),
                        // A standalone dictionary: each slice keeps all of it.
                        ColumnData::Dict(d) => ColumnData::Dict(Dict {
                            base: d.base,
                            values: d.values.clone(),
                            codes: d.codes[start..end].to_vec(),
                        }),
                    },
                    validity: c.validity.as_ref().map(|v| v[start..end].to_vec()),
                }
            })
            .collect();
        Ok(Some(Batch { rows: (end - start) as u32, columns }))
    }
}
