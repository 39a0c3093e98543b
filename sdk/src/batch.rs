//! Columnar batches: the unit in which a plugin reads data and writes tables.

use std::cell::OnceCell;

use crate::{Error, Strings};

/// A timestamp in nanoseconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

/// The values of one column, one per row.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// 64-bit floats.
    F64(Vec<f64>),
    /// 64-bit signed integers.
    S64(Vec<i64>),
    /// UTF-8 strings, packed in one buffer.
    String(Strings),
    /// Booleans.
    Bool(Vec<bool>),
    /// Timestamps, nanoseconds since the Unix epoch.
    Timestamp(Vec<Timestamp>),
}

impl ColumnData {
    /// The number of rows held.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::F64(v) => v.len(),
            ColumnData::S64(v) => v.len(),
            ColumnData::String(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Timestamp(v) => v.len(),
        }
    }

    /// Whether the column holds no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The type's name as the contract spells it, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            ColumnData::F64(_) => "f64",
            ColumnData::S64(_) => "s64",
            ColumnData::String(_) => "string",
            ColumnData::Bool(_) => "bool",
            ColumnData::Timestamp(_) => "timestamp",
        }
    }
}

/// One named column with optional per-row validity (`false` marks a null).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its values.
    pub data: ColumnData,
    /// `None` when no row is null.
    pub validity: Option<Vec<bool>>,
}

/// Columns of equal length: a slice of a dataset or a result table.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    rows: usize,
    columns: Vec<Column>,
    /// `f64` copies of integer columns, made on first use by [`Batch::f64`].
    widened: Vec<OnceCell<Vec<f64>>>,
}

impl PartialEq for Batch {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows && self.columns == other.columns
    }
}

macro_rules! typed_getter {
    ($(#[$doc:meta])* $name:ident, $variant:ident, $ty:ty) => {
        $(#[$doc])*
        pub fn $name(&self, column: &str) -> Result<&$ty, Error> {
            match &self.column(column)?.data {
                ColumnData::$variant(values) => Ok(values),
                other => Err(Error::invalid_data(format!(
                    "column `{column}` is {}, not {}",
                    other.type_name(),
                    stringify!($name)
                ))),
            }
        }
    };
}

impl Batch {
    /// An empty batch with no rows and no columns; add columns with the `with_*` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a batch from columns, checking that they all have the same length.
    pub fn from_columns(columns: Vec<Column>) -> Result<Self, Error> {
        let rows = columns.first().map_or(0, |c| c.data.len());
        for column in &columns {
            if column.data.len() != rows {
                return Err(Error::invalid_data(format!(
                    "column `{}` has {} rows, expected {rows}",
                    column.name,
                    column.data.len()
                )));
            }
            if let Some(validity) = &column.validity
                && validity.len() != rows
            {
                return Err(Error::invalid_data(format!(
                    "column `{}` has {} validity flags, expected {rows}",
                    column.name,
                    validity.len()
                )));
            }
        }
        let widened = vec![OnceCell::new(); columns.len()];
        Ok(Batch { rows, columns, widened })
    }

    /// The number of rows.
    pub fn num_rows(&self) -> usize {
        self.rows
    }

    /// The columns in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Consumes the batch, returning its columns.
    pub fn into_columns(self) -> Vec<Column> {
        self.columns
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Result<&Column, Error> {
        Ok(&self.columns[self.index(name)?])
    }

    fn index(&self, name: &str) -> Result<usize, Error> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| Error::invalid_data(format!("no column `{name}` in batch")))
    }

    /// Which rows hold a value in every one of `columns`; `None` when none of them has nulls.
    /// Cheaper than [`Batch::is_valid`] per row in a loop.
    pub fn rows_without_nulls(&self, columns: &[&str]) -> Result<Option<Vec<bool>>, Error> {
        let mut usable: Option<Vec<bool>> = None;
        for name in columns {
            if let Some(validity) = &self.column(name)?.validity {
                match &mut usable {
                    None => usable = Some(validity.clone()),
                    Some(usable) => usable.iter_mut().zip(validity).for_each(|(u, v)| *u &= *v),
                }
            }
        }
        Ok(usable)
    }

    /// Whether row `row` of column `name` holds a value (is not null).
    pub fn is_valid(&self, name: &str, row: usize) -> Result<bool, Error> {
        let column = self.column(name)?;
        Ok(column.validity.as_ref().is_none_or(|v| v.get(row).copied().unwrap_or(false)))
    }

    /// The values of an `f64` column. An `s64` column is widened to `f64` (once, on first
    /// use), since CSV files type whole numbers as integers.
    pub fn f64(&self, column: &str) -> Result<&[f64], Error> {
        let index = self.index(column)?;
        match &self.columns[index].data {
            ColumnData::F64(values) => Ok(values),
            ColumnData::S64(values) => {
                Ok(self.widened[index].get_or_init(|| values.iter().map(|v| *v as f64).collect()))
            }
            other => Err(Error::invalid_data(format!("column `{column}` is {}, not f64", other.type_name()))),
        }
    }
    typed_getter!(
        /// The values of an `s64` column.
        s64, S64, [i64]
    );
    typed_getter!(
        /// The values of a `string` column: `&column[i]` is a `&str`, with no allocation per row.
        str, String, Strings
    );
    typed_getter!(
        /// The values of a `bool` column.
        bool, Bool, [bool]
    );
    typed_getter!(
        /// The values of a `timestamp` column, in nanoseconds since the Unix epoch.
        timestamp, Timestamp, [Timestamp]
    );

    /// Appends a column with no nulls. Panics if its length differs from the batch's:
    /// meant for building fixtures and outputs whose shape the code controls.
    pub fn with(mut self, name: impl Into<String>, data: ColumnData) -> Self {
        self.push(name, data, None);
        self
    }

    /// Appends a column whose `None` entries are nulls.
    pub fn with_nullable<T: Default>(
        mut self,
        name: impl Into<String>,
        values: Vec<Option<T>>,
        wrap: impl FnOnce(Vec<T>) -> ColumnData,
    ) -> Self {
        let validity = values.iter().map(Option::is_some).collect();
        let data = wrap(values.into_iter().map(Option::unwrap_or_default).collect());
        self.push(name, data, Some(validity));
        self
    }

    /// Appends a `string` column whose `None` entries are nulls.
    pub fn with_nullable_str<S: AsRef<str>>(mut self, name: impl Into<String>, values: Vec<Option<S>>) -> Self {
        let validity = values.iter().map(Option::is_some).collect();
        let data = ColumnData::String(values.iter().map(|v| v.as_ref().map_or("", AsRef::as_ref)).collect());
        self.push(name, data, Some(validity));
        self
    }

    /// Appends an `f64` column.
    pub fn with_f64(self, name: impl Into<String>, values: Vec<f64>) -> Self {
        self.with(name, ColumnData::F64(values))
    }

    /// Appends an `s64` column.
    pub fn with_s64(self, name: impl Into<String>, values: Vec<i64>) -> Self {
        self.with(name, ColumnData::S64(values))
    }

    /// Appends a `string` column.
    pub fn with_str<S: AsRef<str>>(self, name: impl Into<String>, values: impl IntoIterator<Item = S>) -> Self {
        self.with(name, ColumnData::String(values.into_iter().collect()))
    }

    /// Appends a `bool` column.
    pub fn with_bool(self, name: impl Into<String>, values: Vec<bool>) -> Self {
        self.with(name, ColumnData::Bool(values))
    }

    /// Appends a `timestamp` column.
    pub fn with_timestamp(self, name: impl Into<String>, values: Vec<Timestamp>) -> Self {
        self.with(name, ColumnData::Timestamp(values))
    }

    fn push(&mut self, name: impl Into<String>, data: ColumnData, validity: Option<Vec<bool>>) {
        let name = name.into();
        if self.columns.is_empty() {
            self.rows = data.len();
        }
        assert_eq!(data.len(), self.rows, "column `{name}` has {} rows but the batch has {}", data.len(), self.rows);
        self.columns.push(Column { name, data, validity });
        self.widened.push(OnceCell::new());
    }

    /// Keeps only `names`, in that order; every name must exist.
    pub fn project(&self, names: &[String]) -> Result<Batch, Error> {
        let columns = names.iter().map(|n| self.column(n).cloned()).collect::<Result<Vec<_>, _>>()?;
        Batch::from_columns(columns)
    }

    /// Rows `start..end` as a new batch.
    pub fn slice(&self, start: usize, end: usize) -> Batch {
        let columns = self
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                data: match &c.data {
                    ColumnData::F64(v) => ColumnData::F64(v[start..end].to_vec()),
                    ColumnData::S64(v) => ColumnData::S64(v[start..end].to_vec()),
                    ColumnData::String(v) => ColumnData::String(v.slice(start, end)),
                    ColumnData::Bool(v) => ColumnData::Bool(v[start..end].to_vec()),
                    ColumnData::Timestamp(v) => ColumnData::Timestamp(v[start..end].to_vec()),
                },
                validity: c.validity.as_ref().map(|v| v[start..end].to_vec()),
            })
            .collect();
        let widened = vec![OnceCell::new(); self.columns.len()];
        Batch { rows: end - start, columns, widened }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_getter_refuses_wrong_type() {
        let batch = Batch::new().with_f64("x", vec![1.0, 2.0]);
        assert_eq!(batch.f64("x").unwrap(), &[1.0, 2.0]);
        let err = batch.s64("x").unwrap_err();
        assert!(err.to_string().contains("is f64, not s64"), "{err}");
        assert!(Batch::new().with_str("s", vec!["a"]).f64("s").is_err());
    }

    #[test]
    fn integer_columns_widen_to_f64() {
        let batch = Batch::new().with_s64("n", vec![1, 2]);
        assert_eq!(batch.f64("n").unwrap(), &[1.0, 2.0]);
        assert_eq!(batch.s64("n").unwrap(), &[1, 2]);
    }

    #[test]
    fn from_columns_refuses_ragged_columns() {
        let columns = vec![
            Column { name: "a".into(), data: ColumnData::F64(vec![1.0]), validity: None },
            Column { name: "b".into(), data: ColumnData::F64(vec![]), validity: None },
        ];
        assert!(Batch::from_columns(columns).is_err());
    }

    #[test]
    fn nullable_columns_keep_validity() {
        let batch = Batch::new().with_nullable("x", vec![Some(1.0), None], ColumnData::F64);
        assert!(batch.is_valid("x", 0).unwrap());
        assert!(!batch.is_valid("x", 1).unwrap());
    }
}
