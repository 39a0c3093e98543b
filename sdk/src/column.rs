//! Columns: a name, values of one type, and which rows are null.

use crate::{Dict, StrColumn, Strings, ValueType};

/// A timestamp in nanoseconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

/// The values of one column, one per row.
#[derive(Debug, Clone)]
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
    /// UTF-8 strings as codes into a dictionary: the same value type as [`ColumnData::String`].
    Dict(Dict),
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
            ColumnData::Dict(v) => v.len(),
        }
    }

    /// Whether the column holds no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The type of the values; a dictionary column holds strings.
    pub fn value_type(&self) -> ValueType {
        match self {
            ColumnData::F64(_) => ValueType::F64,
            ColumnData::S64(_) => ValueType::S64,
            ColumnData::String(_) | ColumnData::Dict(_) => ValueType::String,
            ColumnData::Bool(_) => ValueType::Bool,
            ColumnData::Timestamp(_) => ValueType::Timestamp,
        }
    }

    /// The type's name as the contract spells it, for error messages.
    pub fn type_name(&self) -> &'static str {
        self.value_type().name()
    }

    /// The strings of a string or dictionary column, without copying; `None` for other types.
    pub fn strs(&self) -> Option<StrColumn<'_>> {
        match self {
            ColumnData::String(v) => Some(StrColumn::plain(v)),
            ColumnData::Dict(v) => Some(v.strs()),
            _ => None,
        }
    }
}

impl PartialEq for ColumnData {
    /// Equal when the values are; a string column equals a dictionary column of the same strings.
    fn eq(&self, other: &Self) -> bool {
        use ColumnData::*;
        match (self, other) {
            (F64(a), F64(b)) => a == b,
            (S64(a), S64(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Timestamp(a), Timestamp(b)) => a == b,
            (String(_) | Dict(_), String(_) | Dict(_)) => self.strs() == other.strs(),
            _ => false,
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

impl Column {
    /// Whether any row is null.
    pub fn has_nulls(&self) -> bool {
        self.validity.as_ref().is_some_and(|v| v.iter().any(|valid| !valid))
    }
}
