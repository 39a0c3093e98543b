//! A plugin's self-description: parameters, datasets, outputs.

use crate::Value;

/// The type of a parameter or column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// 64-bit float.
    F64,
    /// 64-bit signed integer.
    S64,
    /// UTF-8 text.
    String,
    /// Boolean.
    Bool,
    /// Nanoseconds since the Unix epoch.
    Timestamp,
}

impl ValueType {
    /// The type's name as the contract spells it, for error messages.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::F64 => "f64",
            ValueType::S64 => "s64",
            ValueType::String => "string",
            ValueType::Bool => "bool",
            ValueType::Timestamp => "timestamp",
        }
    }
}

/// A parameter the plugin accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Its name, as callers pass it.
    pub name: String,
    /// Its type.
    pub ty: ValueType,
    /// The value used when none is given; `None` makes it required.
    pub default: Option<Value>,
    /// What it does, for makers and enterprise admins.
    pub doc: String,
}

/// A dataset the plugin reads and the columns it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSpec {
    /// The dataset's name.
    pub name: String,
    /// The columns read from it.
    pub columns: Vec<String>,
    /// Why it is needed.
    pub doc: String,
}

/// A column of a declared output table; make one with [`col`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The column's name.
    pub name: String,
    /// Its values' type (a dictionary column's is [`ValueType::String`]).
    pub ty: ValueType,
    /// Whether it may hold nulls.
    pub nullable: bool,
    /// What it holds.
    pub doc: String,
}

/// A declared output table's column called `name`, of type `ty`, without nulls; chain
/// [`ColumnSpec::nullable`] and [`ColumnSpec::doc`] to say more.
pub fn col(name: impl Into<String>, ty: ValueType) -> ColumnSpec {
    ColumnSpec { name: name.into(), ty, nullable: false, doc: String::new() }
}

impl ColumnSpec {
    /// Lets the column hold nulls.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Says what the column holds.
    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        self.doc = doc.into();
        self
    }
}

/// What a declared output is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputKind {
    /// A table with exactly these columns, in this order.
    Table(Vec<ColumnSpec>),
    /// A named scalar.
    Metric,
}

/// A table or metric the plugin produces. A run may leave out a declared output, but may not
/// return one that is not declared, or a table whose columns differ from its declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// Its name.
    pub name: String,
    /// What it holds.
    pub doc: String,
    /// A table and its columns, or a metric.
    pub kind: OutputKind,
}

/// What `describe()` returns: everything the host and registry know about a plugin before a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PluginInfo {
    /// The plugin's name.
    pub name: String,
    /// Its semver version.
    pub version: String,
    /// One or two sentences on what it computes.
    pub description: String,
    /// Accepted parameters.
    pub params: Vec<ParamSpec>,
    /// Datasets read.
    pub datasets: Vec<DatasetSpec>,
    /// Tables and metrics produced.
    pub outputs: Vec<OutputSpec>,
}

impl PluginInfo {
    /// Starts a description; usually `PluginInfo::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))`.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        PluginInfo { name: name.into(), version: version.into(), ..Default::default() }
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// Declares a parameter with a default value (its type is the default's).
    pub fn param(mut self, name: impl Into<String>, default: impl Into<Value>, doc: impl Into<String>) -> Self {
        let default = default.into();
        self.params.push(ParamSpec { name: name.into(), ty: default.ty(), default: Some(default), doc: doc.into() });
        self
    }

    /// Declares a parameter the caller must give.
    pub fn required_param(mut self, name: impl Into<String>, ty: ValueType, doc: impl Into<String>) -> Self {
        self.params.push(ParamSpec { name: name.into(), ty, default: None, doc: doc.into() });
        self
    }

    /// Declares a dataset and the columns read from it.
    pub fn dataset(mut self, name: impl Into<String>, columns: &[&str], doc: impl Into<String>) -> Self {
        self.datasets.push(DatasetSpec {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            doc: doc.into(),
        });
        self
    }

    /// Declares an output table and its columns, in order: the host refuses a run whose
    /// table of this name has other columns, other types, or nulls in a column not
    /// [`ColumnSpec::nullable`].
    ///
    /// ```
    /// use kiln_sdk::{col, PluginInfo, ValueType};
    /// let info = PluginInfo::new("p", "0.1.0").table(
    ///     "by_enterprise",
    ///     "Total kWh per enterprise.",
    ///     &[col("enterprise_id", ValueType::String), col("kwh", ValueType::F64).nullable()],
    /// );
    /// # assert_eq!(info.outputs.len(), 1);
    /// ```
    pub fn table(mut self, name: impl Into<String>, doc: impl Into<String>, columns: &[ColumnSpec]) -> Self {
        self.outputs.push(OutputSpec { name: name.into(), doc: doc.into(), kind: OutputKind::Table(columns.to_vec()) });
        self
    }

    /// Declares an output metric (a named scalar).
    pub fn metric(mut self, name: impl Into<String>, doc: impl Into<String>) -> Self {
        self.outputs.push(OutputSpec { name: name.into(), doc: doc.into(), kind: OutputKind::Metric });
        self
    }
}
