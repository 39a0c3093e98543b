//! The host's own data model: what the registry, the CLI and data sources see of plugins and
//! their data, whichever contract version a plugin was built against.
//!
//! Each contract version (`crate::wit::since_v*`) converts between these types and its own
//! generated bindings, so a new contract version adds a module there and changes nothing here
//! but what it newly carries. The serde forms are the stored forms (a version's `describe()`
//! and a run's output are kept as JSON), so fields added after 0.1.0 default when absent.

use serde::{Deserialize, Serialize};

/// The type of a column or a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ValueType {
    /// 64-bit IEEE float.
    F64,
    /// 64-bit signed integer.
    S64,
    /// UTF-8 text.
    String,
    /// true or false.
    Bool,
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    Timestamp,
}

/// UTF-8 strings packed Arrow-style: row `i` is `bytes[offsets[i]..offsets[i + 1]]` (see
/// [`crate::strings`] for building, checking and expanding them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Strings {
    /// `rows + 1` byte offsets into `bytes`, starting at 0, never decreasing, ending at its length.
    pub offsets: Vec<u32>,
    /// The strings' bytes, back to back.
    pub bytes: Vec<u8>,
}

impl Strings {
    /// The number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String `i`, or `""` if the column is malformed there (call [`crate::strings::check`] on
    /// untrusted input first).
    pub fn get(&self, i: usize) -> &str {
        std::str::from_utf8(self.bytes_at(i)).unwrap_or("")
    }

    /// String `i`'s bytes, or none if the column is malformed there.
    pub(crate) fn bytes_at(&self, i: usize) -> &[u8] {
        let (Some(&start), Some(&end)) = (self.offsets.get(i), self.offsets.get(i + 1)) else {
            return &[];
        };
        self.bytes.get(start as usize..end as usize).unwrap_or(&[])
    }
}

/// One column of a dataset's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Column name.
    pub name: String,
    /// Its type as plugins see it.
    pub ty: ValueType,
    /// Whether it may hold nulls.
    pub nullable: bool,
}

/// A dataset's columns, in order.
pub type Schema = Vec<Field>;

/// A dictionary-encoded string column: each distinct value once and a `u32` code per row.
///
/// In a scan's batches the dictionary grows across batches: `values` are the ones this batch
/// adds, numbered from `base`, and `codes` index everything the scan has sent so far on this
/// column. Standing alone (a [`crate::data::BatchStream`] of one batch, an output table) `base`
/// is 0 and `values` is the whole dictionary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dict {
    /// The code of `values`' first entry.
    pub base: u32,
    /// The values this batch adds to the dictionary.
    pub values: Strings,
    /// One code per row.
    pub codes: Vec<u32>,
}

/// The values of one column, one entry per row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnData {
    /// 64-bit floats.
    F64(Vec<f64>),
    /// 64-bit integers.
    S64(Vec<i64>),
    /// Packed strings.
    String(Strings),
    /// Booleans.
    Bool(Vec<bool>),
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    Timestamp(Vec<i64>),
    /// Dictionary-encoded strings (value type [`ValueType::String`]).
    Dict(Dict),
}

impl ColumnData {
    /// The type of the column's values.
    pub fn value_type(&self) -> ValueType {
        match self {
            ColumnData::F64(_) => ValueType::F64,
            ColumnData::S64(_) => ValueType::S64,
            ColumnData::String(_) | ColumnData::Dict(_) => ValueType::String,
            ColumnData::Bool(_) => ValueType::Bool,
            ColumnData::Timestamp(_) => ValueType::Timestamp,
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::F64(v) => v.len(),
            ColumnData::S64(v) | ColumnData::Timestamp(v) => v.len(),
            ColumnData::String(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Dict(d) => d.codes.len(),
        }
    }

    /// Whether the column holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `row` of a string column or a standalone dictionary column; `None` for other types,
    /// rows past the end, and codes outside the dictionary this column holds.
    pub fn str_at(&self, row: usize) -> Option<&str> {
        match self {
            ColumnData::String(s) if row < s.len() => Some(s.get(row)),
            ColumnData::Dict(d) => {
                let code = d.codes.get(row)?.checked_sub(d.base)? as usize;
                (code < d.values.len()).then(|| d.values.get(code))
            }
            _ => None,
        }
    }
}

/// One named column of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its values.
    pub data: ColumnData,
    /// `None` when every row holds a value; otherwise one flag per row, false where it is null.
    pub validity: Option<Vec<bool>>,
}

/// A slice of a table: columns of equal length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// The number of rows; every column holds exactly this many values.
    pub rows: u32,
    /// The columns.
    pub columns: Vec<Column>,
}

/// A single typed value: a parameter or a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A float.
    F64(f64),
    /// An integer.
    S64(i64),
    /// Text.
    String(String),
    /// A boolean.
    Bool(bool),
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    Timestamp(i64),
}

/// A parameter a plugin accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// Its name.
    pub name: String,
    /// Its type.
    pub type_: ValueType,
    /// The value used when the caller gives none; `None` makes the parameter required.
    pub default: Option<Value>,
    /// What it means.
    pub doc: String,
}

/// A dataset a plugin reads and the columns it needs from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSpec {
    /// The dataset's name.
    pub name: String,
    /// The columns the plugin reads.
    pub columns: Vec<String>,
    /// What the plugin uses it for.
    pub doc: String,
}

/// A column of a declared output table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// The column's name.
    pub name: String,
    /// Its values' type.
    pub type_: ValueType,
    /// Whether it may hold nulls.
    pub nullable: bool,
    /// What it holds.
    #[serde(default)]
    pub doc: String,
}

/// What a declared output is (contract 0.2.0 on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OutputKind {
    /// A table with exactly these columns, in this order.
    Table(Vec<ColumnSpec>),
    /// A named scalar.
    Metric,
}

/// A table or metric a plugin produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputSpec {
    /// Its name.
    pub name: String,
    /// What it holds.
    pub doc: String,
    /// Its declared shape; `None` for plugins built against contract 0.1.0, which declared
    /// only names, and whose outputs are therefore not checked against a schema.
    #[serde(default)]
    pub kind: Option<OutputKind>,
}

/// Everything the host and registry know about a plugin before running it: what its
/// `describe()` returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// The plugin's name.
    pub name: String,
    /// The plugin's own semver version.
    pub version: String,
    /// What it does.
    pub description: String,
    /// The parameters it accepts.
    pub params: Vec<ParamSpec>,
    /// The datasets it reads.
    pub datasets: Vec<DatasetSpec>,
    /// What it produces.
    pub outputs: Vec<OutputSpec>,
}

/// One parameter value passed to a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The parameter's name.
    pub name: String,
    /// Its value.
    pub value: Value,
}

/// A named result table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Its rows. Checked outputs hold no [`ColumnData::Dict`] columns: the host expands them.
    pub data: Batch,
}

/// A named scalar result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// The metric's name.
    pub name: String,
    /// Its value.
    pub value: f64,
    /// Its unit.
    pub unit: String,
}

/// What a successful run returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// Result tables.
    pub tables: Vec<Table>,
    /// Scalar results.
    pub metrics: Vec<Metric>,
}

/// Why a plugin declined to produce output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PluginError {
    /// A parameter is missing, unknown, or out of range.
    InvalidParams(String),
    /// Granted data is missing what the plugin needs, or is malformed.
    InvalidData(String),
    /// Anything else.
    Failed(String),
}

/// A dataset a run may read, with its granted columns (what the `data.grants` import returns).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grant {
    pub(crate) dataset: String,
    pub(crate) columns: Vec<Field>,
}

/// Why reading failed, as the `data` interface reports it to the guest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ReadError {
    /// The dataset's storage could not be read.
    Io(String),
    /// The stored data does not match its schema.
    Invalid(String),
}
