//! Checking a run's parameters against the plugin's `describe()` before it starts.

use crate::error::RunError;
use crate::model::{Param, PluginInfo, Value, ValueType};

/// Builds the full parameter list for a run: each given `NAME=TEXT` parsed as its declared
/// type, the rest filled from defaults. Unknown, unparsable or missing ones are refused.
pub fn params_from_text(info: &PluginInfo, given: &[(String, String)]) -> Result<Vec<Param>, RunError> {
    let typed = given
        .iter()
        .map(|(name, text)| {
            let spec = info
                .params
                .iter()
                .find(|p| &p.name == name)
                .ok_or_else(|| RunError::Params(format!("unknown parameter `{name}`")))?;
            Ok((name.clone(), parse_value(spec.type_, text).map_err(|e| RunError::Params(format!("`{name}`: {e}")))?))
        })
        .collect::<Result<Vec<_>, RunError>>()?;
    complete_params(info, typed)
}

/// Checks typed parameters against their declared types and fills defaults.
pub fn complete_params(info: &PluginInfo, given: Vec<(String, Value)>) -> Result<Vec<Param>, RunError> {
    let mut out = Vec::with_capacity(info.params.len());
    for (name, value) in &given {
        let spec = info
            .params
            .iter()
            .find(|p| &p.name == name)
            .ok_or_else(|| RunError::Params(format!("unknown parameter `{name}`")))?;
        if value_type(value) != spec.type_ {
            return Err(RunError::Params(format!("`{name}` must be {:?}", spec.type_)));
        }
    }
    for spec in &info.params {
        let value = match given.iter().rev().find(|(n, _)| n == &spec.name) {
            Some((_, v)) => v.clone(),
            None => spec
                .default
                .clone()
                .ok_or_else(|| RunError::Params(format!("missing required parameter `{}`", spec.name)))?,
        };
        out.push(Param { name: spec.name.clone(), value });
    }
    Ok(out)
}

/// The type of a value.
pub fn value_type(value: &Value) -> ValueType {
    match value {
        Value::F64(_) => ValueType::F64,
        Value::S64(_) => ValueType::S64,
        Value::String(_) => ValueType::String,
        Value::Bool(_) => ValueType::Bool,
        Value::Timestamp(_) => ValueType::Timestamp,
    }
}

/// Parses `text` as a value of type `ty`. Timestamps are integer nanoseconds.
pub fn parse_value(ty: ValueType, text: &str) -> Result<Value, String> {
    let bad = |e: &dyn std::fmt::Display| format!("`{text}` is not a valid {ty:?}: {e}");
    Ok(match ty {
        ValueType::F64 => Value::F64(text.parse().map_err(|e| bad(&e))?),
        ValueType::S64 => Value::S64(text.parse().map_err(|e| bad(&e))?),
        ValueType::Timestamp => Value::Timestamp(text.parse().map_err(|e| bad(&e))?),
        ValueType::Bool => Value::Bool(text.parse().map_err(|e| bad(&e))?),
        ValueType::String => Value::String(text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ParamSpec;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "p".into(),
            version: "0.1.0".into(),
            description: String::new(),
            params: vec![
                ParamSpec {
                    name: "z".into(),
                    type_: ValueType::F64,
                    default: Some(Value::F64(3.5)),
                    doc: String::new(),
                },
                ParamSpec { name: "needed".into(), type_: ValueType::S64, default: None, doc: String::new() },
            ],
            datasets: vec![],
            outputs: vec![],
        }
    }

    #[test]
    fn text_params_are_typed_and_defaults_filled() {
        let params = params_from_text(&info(), &[("needed".into(), "7".into())]).unwrap();
        assert_eq!(params[0].value, Value::F64(3.5));
        assert_eq!(params[1].value, Value::S64(7));
    }

    #[test]
    fn missing_unknown_and_unparsable_params_are_refused() {
        assert!(params_from_text(&info(), &[]).is_err());
        assert!(params_from_text(&info(), &[("needed".into(), "x".into())]).is_err());
        assert!(params_from_text(&info(), &[("needed".into(), "1".into()), ("what".into(), "1".into())]).is_err());
    }
}
