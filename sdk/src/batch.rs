//! Columnar batches: the unit in which a plugin reads data and writes tables.

use std::cell::OnceCell;

use crate::scan_dictionary::{self, ScanDictionary, Shared};
use crate::{Column, ColumnData, Dict, Dictionary, Error, StrColumn, Timestamp};

/// Columns of equal length: a slice of a dataset or a result table.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    rows: usize,
    columns: Vec<Column>,
    /// What is worked out per column on first use, one entry per column.
    derived: Vec<Derived>,
}

/// A column's lazily made forms.
#[derive(Debug, Clone, Default)]
struct Derived {
    /// The `f64` copy of an integer column, made by [`Batch::f64`].
    widened: OnceCell<Vec<f64>>,
    /// The codes of a plain string column, made by [`Batch::dict`].
    encoded: OnceCell<Dict>,
    /// The scan's dictionary of a plain string column, which [`Batch::dict`] encodes into so
    /// codes hold across the scan; `None` outside a scan.
    dictionary: Option<Shared>,
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
        let derived = vec![Derived::default(); columns.len()];
        Ok(Batch { rows, columns, derived })
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

    /// The columns, to resolve a source's dictionary batches in place (see [`crate::Scan`]).
    pub(crate) fn columns_mut(&mut self) -> &mut [Column] {
        &mut self.columns
    }

    /// Makes column `index`'s [`Batch::dict`] encode into a scan's dictionary.
    pub(crate) fn link_dictionary(&mut self, index: usize, dictionary: Shared) {
        self.derived[index].dictionary = Some(dictionary);
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
                Ok(self.derived[index].widened.get_or_init(|| values.iter().map(|v| *v as f64).collect()))
            }
            other => Err(Error::invalid_data(format!("column `{column}` is {}, not f64", other.type_name()))),
        }
    }

    /// The strings of a `string` column, packed or dictionary-encoded: `column[i]` is a
    /// `&str`, read in place with no allocation per row.
    pub fn str(&self, column: &str) -> Result<StrColumn<'_>, Error> {
        let data = &self.column(column)?.data;
        data.strs().ok_or_else(|| Error::invalid_data(format!("column `{column}` is {}, not string", data.type_name())))
    }

    /// A `string` column as `u32` codes and its dictionary (`codes()[i]` indexes `values()`).
    ///
    /// In a scan a code means the same string in every batch, and the dictionary holds every
    /// value seen so far, so a plugin keeps per-code state in a `Vec` sized by
    /// `values().len()` instead of hashing strings. Columns the host sends dictionary-encoded
    /// cost nothing here; plain ones (an older host, a column with too many distinct values
    /// for the host to encode) are encoded into the same scan dictionary on first call.
    pub fn dict(&self, column: &str) -> Result<&Dict, Error> {
        let index = self.index(column)?;
        match &self.columns[index].data {
            ColumnData::Dict(dict) => Ok(dict),
            ColumnData::String(rows) => {
                let derived = &self.derived[index];
                Ok(derived.encoded.get_or_init(|| match &derived.dictionary {
                    Some(shared) => ScanDictionary::lock(shared).encode(rows),
                    None => scan_dictionary::encode_alone(rows),
                }))
            }
            other => Err(Error::invalid_data(format!("column `{column}` is {}, not string", other.type_name()))),
        }
    }

    typed_getter!(
        /// The values of an `s64` column.
        s64, S64, [i64]
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

    /// Appends a `string` column as codes into `values`: each distinct string is stored once,
    /// so an output that repeats ids row after row neither copies nor sends them per row.
    /// `values` may be a scan's [`Dict::values`] (shared, not copied). Panics on a code past
    /// `values`, like [`Batch::with`] on a length: the code building an output controls both.
    pub fn with_dict(self, name: impl Into<String>, values: impl Into<Dictionary>, codes: Vec<u32>) -> Self {
        let name = name.into();
        match Dict::new(values, codes) {
            Ok(dict) => self.with(name, ColumnData::Dict(dict)),
            Err(e) => panic!("column `{name}`: {e}"),
        }
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
        self.derived.push(Derived::default());
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
                    ColumnData::Dict(v) => ColumnData::Dict(v.slice(start, end)),
                },
                validity: c.validity.as_ref().map(|v| v[start..end].to_vec()),
            })
            .collect();
        let derived = vec![Derived::default(); self.columns.len()];
        Batch { rows: end - start, columns, derived }
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
        assert!(batch.dict("x").is_err());
        assert!(batch.str("x").is_err());
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

    #[test]
    fn string_and_dict_columns_read_alike() {
        let batch = Batch::new().with_str("plain", ["b", "a", "b"]).with_dict(
            "coded",
            ["a", "b"].into_iter().collect::<Dictionary>(),
            vec![1, 0, 1],
        );
        assert_eq!(batch.str("plain").unwrap(), batch.str("coded").unwrap());
        assert_eq!(batch.dict("plain").unwrap().codes(), &[0, 1, 0]);
        assert_eq!(batch.dict("coded").unwrap().codes(), &[1, 0, 1]);
        assert_eq!(batch.column("plain").unwrap().data, batch.column("coded").unwrap().data);
    }

    #[test]
    #[should_panic(expected = "past a dictionary")]
    fn an_output_code_past_its_dictionary_panics() {
        let _ = Batch::new().with_dict("x", ["a"].into_iter().collect::<Dictionary>(), vec![1]);
    }
}
