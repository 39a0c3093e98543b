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

/// A table or metric the plugin produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// Its name.
    pub name: String,
    /// What it holds.
    pub doc: String,
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

    /// Declares an output table or metric.
    pub fn output(mut self, name: impl Into<String>, doc: impl Into<String>) -> Self {
        self.outputs.push(OutputSpec { name: name.into(), doc: doc.into() });
        self
    }
}
