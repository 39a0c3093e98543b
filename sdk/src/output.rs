//! What a run returns: named tables and scalar metrics.

use crate::{Batch, Error};

/// A named result table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The table's name, one of the plugin's declared outputs.
    pub name: String,
    /// Its rows.
    pub data: Batch,
}

/// A named scalar result with its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The metric's name.
    pub name: String,
    /// Its value.
    pub value: f64,
    /// Its unit, such as `"tce/10k CNY"`; empty for a pure number.
    pub unit: String,
}

/// The output of a run, built with [`Output::table`] and [`Output::metric`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    /// Result tables.
    pub tables: Vec<Table>,
    /// Scalar results.
    pub metrics: Vec<Metric>,
}

impl Output {
    /// An empty output.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a table.
    pub fn table(mut self, name: impl Into<String>, data: Batch) -> Self {
        self.tables.push(Table { name: name.into(), data });
        self
    }

    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, value: f64, unit: impl Into<String>) -> Self {
        self.metrics.push(Metric { name: name.into(), value, unit: unit.into() });
        self
    }

    /// The table called `name`, for tests.
    pub fn get_table(&self, name: &str) -> Result<&Batch, Error> {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .map(|t| &t.data)
            .ok_or_else(|| Error::msg(format!("no output table `{name}`")))
    }

    /// The metric called `name`, for tests.
    pub fn get_metric(&self, name: &str) -> Result<f64, Error> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
            .ok_or_else(|| Error::msg(format!("no output metric `{name}`")))
    }
}
