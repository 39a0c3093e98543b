//! Bounds on what `describe()` may declare. The registry stores it for every version and shows
//! it to every caller, so its counts and sizes are capped at load (and so at publish), on top
//! of the byte budget the lift itself is held to (`MAX_DESCRIBE_BYTES`).

use std::collections::HashSet;

use crate::model::{OutputKind, PluginInfo};
use crate::output::MAX_NAME_BYTES;

/// The most parameters a plugin may declare.
pub const MAX_PARAMS: usize = 128;
/// The most datasets a plugin may declare.
pub const MAX_DATASETS: usize = 32;
/// The most columns a plugin may declare on one dataset.
pub const MAX_DATASET_COLUMNS: usize = 1024;
/// The most outputs a plugin may declare.
pub const MAX_OUTPUTS: usize = 128;
/// The most columns a plugin may declare on one output table.
pub const MAX_OUTPUT_COLUMNS: usize = 1024;
/// The longest description, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 16 << 10;
/// The longest doc string of a parameter, dataset or output, in bytes.
pub const MAX_DOC_BYTES: usize = 4 << 10;

/// Checks `info`'s counts, sizes and names; the message says which bound was passed.
pub fn check(info: &PluginInfo) -> Result<(), String> {
    name("plugin", &info.name)?;
    if info.version.is_empty() || info.version.len() > MAX_NAME_BYTES {
        return Err(format!("the version must be 1 to {MAX_NAME_BYTES} bytes"));
    }
    text("description", &info.description, MAX_DESCRIPTION_BYTES)?;
    count("parameters", info.params.len(), MAX_PARAMS)?;
    count("datasets", info.datasets.len(), MAX_DATASETS)?;
    count("outputs", info.outputs.len(), MAX_OUTPUTS)?;
    unique("parameter", info.params.iter().map(|p| (p.name.as_str(), p.doc.as_str())))?;
    unique("dataset", info.datasets.iter().map(|d| (d.name.as_str(), d.doc.as_str())))?;
    unique("output", info.outputs.iter().map(|o| (o.name.as_str(), o.doc.as_str())))?;
    for d in &info.datasets {
        count(&format!("columns of dataset `{}`", d.name), d.columns.len(), MAX_DATASET_COLUMNS)?;
        unique("column", d.columns.iter().map(|c| (c.as_str(), "")))?;
    }
    for o in &info.outputs {
        if let Some(OutputKind::Table(columns)) = &o.kind {
            count(&format!("columns of output `{}`", o.name), columns.len(), MAX_OUTPUT_COLUMNS)?;
            unique("column", columns.iter().map(|c| (c.name.as_str(), c.doc.as_str())))?;
        }
    }
    Ok(())
}

fn count(what: &str, n: usize, max: usize) -> Result<(), String> {
    if n > max {
        return Err(format!("declares {n} {what}, over the limit of {max}"));
    }
    Ok(())
}

fn name(what: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("a {what} name is empty"));
    }
    crate::output::printable_name(what, name)
}

fn text(what: &str, text: &str, max: usize) -> Result<(), String> {
    if text.len() > max {
        return Err(format!("the {what} is {} bytes, over {max}", text.len()));
    }
    Ok(())
}

fn unique<'a>(what: &str, items: impl Iterator<Item = (&'a str, &'a str)>) -> Result<(), String> {
    let mut seen = HashSet::new();
    for (n, doc) in items {
        name(what, n)?;
        text(&format!("doc of {what} `{n}`"), doc, MAX_DOC_BYTES)?;
        if !seen.insert(n) {
            return Err(format!("{what} `{n}` is declared twice"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ColumnSpec, OutputSpec, ParamSpec, ValueType};

    fn info() -> PluginInfo {
        PluginInfo {
            name: "p".into(),
            version: "0.1.0".into(),
            description: String::new(),
            params: vec![],
            datasets: vec![],
            outputs: vec![],
        }
    }

    fn param(name: &str) -> ParamSpec {
        ParamSpec { name: name.into(), type_: ValueType::F64, default: None, doc: String::new() }
    }

    #[test]
    fn a_plain_describe_passes() {
        assert_eq!(check(&info()), Ok(()));
    }

    #[test]
    fn too_many_params_a_long_description_or_a_duplicate_is_refused() {
        let many = PluginInfo { params: (0..=MAX_PARAMS).map(|i| param(&format!("p{i}"))).collect(), ..info() };
        assert!(check(&many).unwrap_err().contains("parameters"));
        let long = PluginInfo { description: "d".repeat(MAX_DESCRIPTION_BYTES + 1), ..info() };
        assert!(check(&long).unwrap_err().contains("description"));
        let twice = PluginInfo { params: vec![param("a"), param("a")], ..info() };
        assert!(check(&twice).unwrap_err().contains("twice"));
        assert!(check(&PluginInfo { name: " ".into(), ..info() }).is_err());
    }

    #[test]
    fn an_output_table_declaring_a_column_twice_or_too_many_is_refused() {
        let column = |name: String| ColumnSpec { name, type_: ValueType::F64, nullable: false, doc: String::new() };
        let table = |columns: Vec<ColumnSpec>| PluginInfo {
            outputs: vec![OutputSpec { name: "t".into(), doc: String::new(), kind: Some(OutputKind::Table(columns)) }],
            ..info()
        };
        assert_eq!(check(&table(vec![column("a".into()), column("b".into())])), Ok(()));
        assert!(check(&table(vec![column("a".into()), column("a".into())])).unwrap_err().contains("twice"));
        let many = (0..=MAX_OUTPUT_COLUMNS).map(|i| column(format!("c{i}"))).collect();
        assert!(check(&table(many)).unwrap_err().contains("columns of output `t`"));
    }
}
