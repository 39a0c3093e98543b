//! How the declared schema of each output both versions produce changed: a table's columns
//! added, removed, or retyped, or an output that became (or stopped being) a table or a metric.
//!
//! Read from the stored `describe()` JSON, where contract 0.2.0 puts each output's shape in
//! `kind` (`{"Table": [columns]}` or `"Metric"`) and 0.1.0 puts nothing (a version stored before
//! contracts had schemas has no `kind` key; one stored after has `"kind": null`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an output is declared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// Nothing: a contract 0.1.0 plugin declares only an output's name.
    Undeclared,
    /// A table with declared columns.
    Table,
    /// A named scalar.
    Metric,
}

/// A declared column of an output table, as the change report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnType {
    /// Its values' type as the contract spells it: `f64`, `s64`, `string`, `bool`, `timestamp`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Whether it may hold nulls.
    pub nullable: bool,
}

/// A column in both versions' declaration of a table whose type or nullability differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnChange {
    /// The column.
    pub name: String,
    /// As the base declared it.
    pub before: ColumnType,
    /// As this version declares it.
    pub after: ColumnType,
}

/// How one output's declared schema changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutputSchemaDelta {
    /// The output.
    pub output: String,
    /// What the base declared it as.
    pub before: Shape,
    /// What this version declares it as.
    pub after: Shape,
    /// Columns this version's table declares and the base's did not (every column, when the
    /// output was not a declared table before).
    pub added: Vec<String>,
    /// Columns the base's table declared and this version's does not.
    pub removed: Vec<String>,
    /// Columns in both with a different type or nullability.
    pub changed: Vec<ColumnChange>,
}

/// An output's declared shape and, for a table, its columns in order, read from one item of a
/// stored `describe()`'s `outputs` (anything unreadable as a 0.2.0 `kind` is `Undeclared`).
pub fn declared_shape(output: &Value) -> (Shape, Vec<(String, ColumnType)>) {
    match output.get("kind") {
        Some(Value::String(s)) if s == "Metric" => (Shape::Metric, Vec::new()),
        Some(Value::Object(o)) if o.contains_key("Table") => {
            let columns = o["Table"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    let name = c["name"].as_str()?.to_string();
                    let type_ = c["type_"].as_str().unwrap_or_default().to_lowercase();
                    Some((name, ColumnType { type_, nullable: c["nullable"].as_bool().unwrap_or(false) }))
                })
                .collect();
            (Shape::Table, columns)
        }
        _ => (Shape::Undeclared, Vec::new()),
    }
}

/// The schema changes of the outputs in both `new` and `old` (`describe()` documents), by
/// output name; outputs whose shape and columns are the same are left out.
pub fn schema_changes(new: &BTreeMap<String, &Value>, old: &BTreeMap<String, &Value>) -> Vec<OutputSchemaDelta> {
    let mut out = Vec::new();
    for (name, item) in new {
        let Some(was) = old.get(name) else { continue };
        let (after, columns) = declared_shape(item);
        let (before, was_columns) = declared_shape(was);
        let find = |list: &[(String, ColumnType)], n: &str| list.iter().find(|(c, _)| c == n).map(|(_, t)| t.clone());
        let added = columns.iter().filter(|(c, _)| find(&was_columns, c).is_none()).map(|(c, _)| c.clone()).collect();
        let removed = was_columns.iter().filter(|(c, _)| find(&columns, c).is_none()).map(|(c, _)| c.clone()).collect();
        let changed = columns
            .iter()
            .filter_map(|(c, t)| {
                let b = find(&was_columns, c)?;
                (b != *t).then(|| ColumnChange { name: c.clone(), before: b, after: t.clone() })
            })
            .collect();
        let delta = OutputSchemaDelta { output: name.clone(), before, after, added, removed, changed };
        let same_columns = delta.added.is_empty() && delta.removed.is_empty() && delta.changed.is_empty();
        if before != after || !same_columns {
            out.push(delta);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn by_name(outputs: &Value) -> BTreeMap<String, &Value> {
        outputs.as_array().unwrap().iter().map(|o| (o["name"].as_str().unwrap().to_string(), o)).collect()
    }

    fn col(name: &str, ty: &str, nullable: bool) -> Value {
        json!({"name": name, "type_": ty, "nullable": nullable, "doc": ""})
    }

    #[test]
    fn columns_added_removed_and_retyped_are_reported_per_table() {
        let old = json!([
            {"name": "t", "doc": "", "kind": {"Table": [col("id", "String", false), col("x", "F64", false), col("gone", "Bool", false)]}},
            {"name": "same", "doc": "", "kind": {"Table": [col("a", "S64", false)]}},
        ]);
        let new = json!([
            {"name": "t", "doc": "", "kind": {"Table": [col("id", "String", false), col("x", "S64", true), col("fresh", "Timestamp", true)]}},
            {"name": "same", "doc": "changed doc only", "kind": {"Table": [col("a", "S64", false)]}},
            {"name": "added", "doc": "", "kind": "Metric"},
        ]);
        let c = schema_changes(&by_name(&new), &by_name(&old));
        assert_eq!(
            c,
            [OutputSchemaDelta {
                output: "t".into(),
                before: Shape::Table,
                after: Shape::Table,
                added: vec!["fresh".into()],
                removed: vec!["gone".into()],
                changed: vec![ColumnChange {
                    name: "x".into(),
                    before: ColumnType { type_: "f64".into(), nullable: false },
                    after: ColumnType { type_: "s64".into(), nullable: true },
                }],
            }]
        );
    }

    #[test]
    fn an_undeclared_output_is_the_same_whether_its_kind_is_missing_or_null() {
        let stored_before_schemas = json!([{"name": "t", "doc": ""}]);
        let stored_after = json!([{"name": "t", "doc": "", "kind": null}]);
        assert_eq!(schema_changes(&by_name(&stored_after), &by_name(&stored_before_schemas)), []);
    }

    #[test]
    fn declaring_a_schema_or_turning_a_table_into_a_metric_is_a_change_of_shape() {
        let v1 =
            json!([{"name": "t", "doc": ""}, {"name": "m", "doc": "", "kind": {"Table": [col("v", "F64", false)]}}]);
        let v2 = json!([{"name": "t", "doc": "", "kind": {"Table": [col("a", "F64", false)]}}, {"name": "m", "doc": "", "kind": "Metric"}]);
        let c = schema_changes(&by_name(&v2), &by_name(&v1));
        let shapes: Vec<_> = c.iter().map(|d| (d.output.as_str(), d.before, d.after)).collect();
        assert_eq!(shapes, [("m", Shape::Table, Shape::Metric), ("t", Shape::Undeclared, Shape::Table)]);
        assert_eq!((c[0].removed.as_slice(), c[1].added.as_slice()), (&["v".to_string()][..], &["a".to_string()][..]));
    }
}
