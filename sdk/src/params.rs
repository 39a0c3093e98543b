//! Parameter values and their conversion into a plugin's own `Params` type via serde.

use serde::de::DeserializeOwned;

use crate::{Error, PluginInfo, ValueType};

/// One typed value: a parameter, or a parameter's default.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// 64-bit float.
    F64(f64),
    /// 64-bit signed integer.
    S64(i64),
    /// Text.
    String(String),
    /// Boolean.
    Bool(bool),
    /// Nanoseconds since the Unix epoch.
    Timestamp(i64),
}

impl Value {
    /// The value's type.
    pub fn ty(&self) -> ValueType {
        match self {
            Value::F64(_) => ValueType::F64,
            Value::S64(_) => ValueType::S64,
            Value::String(_) => ValueType::String,
            Value::Bool(_) => ValueType::Bool,
            Value::Timestamp(_) => ValueType::Timestamp,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Value::F64(v) => serde_json::Number::from_f64(*v).map_or(serde_json::Value::Null, Into::into),
            Value::S64(v) | Value::Timestamp(v) => (*v).into(),
            Value::String(v) => v.clone().into(),
            Value::Bool(v) => (*v).into(),
        }
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::F64(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::S64(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

/// Builds the plugin's `Params` from the given values, applying `info`'s defaults and refusing
/// unknown, missing or mistyped parameters.
pub fn parse<P: DeserializeOwned>(info: &PluginInfo, given: Vec<(String, Value)>) -> Result<P, Error> {
    let mut map = serde_json::Map::new();
    for (name, value) in given {
        let spec = info
            .params
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| Error::invalid_params(format!("unknown parameter `{name}`")))?;
        if value.ty() != spec.ty {
            return Err(Error::invalid_params(format!(
                "parameter `{name}` must be {:?}, got {:?}",
                spec.ty,
                value.ty()
            )));
        }
        map.insert(name, value.to_json());
    }
    for spec in &info.params {
        if map.contains_key(&spec.name) {
            continue;
        }
        match &spec.default {
            Some(default) => {
                map.insert(spec.name.clone(), default.to_json());
            }
            None => return Err(Error::invalid_params(format!("missing parameter `{}`", spec.name))),
        }
    }
    // A plugin without parameters uses `()`, which serde reads from null, not from `{}`.
    if map.is_empty()
        && let Ok(unit) = serde_json::from_value(serde_json::Value::Null)
    {
        return Ok(unit);
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| Error::invalid_params(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct P {
        threshold: f64,
        top: i64,
    }

    fn info() -> PluginInfo {
        PluginInfo::new("p", "0.1.0").param("threshold", 3.5, "z cut-off").param("top", 10_i64, "rows kept")
    }

    #[test]
    fn defaults_fill_missing_params() {
        let p: P = parse(&info(), vec![("top".into(), Value::S64(3))]).unwrap();
        assert_eq!(p, P { threshold: 3.5, top: 3 });
    }

    #[test]
    fn a_plugin_without_params_takes_unit() {
        parse::<()>(&PluginInfo::new("p", "0.1.0"), vec![]).unwrap();
    }

    #[test]
    fn unknown_and_mistyped_params_are_refused() {
        assert!(parse::<P>(&info(), vec![("nope".into(), Value::S64(3))]).is_err());
        assert!(parse::<P>(&info(), vec![("top".into(), Value::F64(3.0))]).is_err());
    }
}
