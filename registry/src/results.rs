//! Run output as stored and served: one JSON document per run (tables as named columns and
//! rows, then metrics), and any of its tables as CSV.

use kiln_host::{Batch, ColumnData, Output};
use serde_json::{Value, json};

/// One cell of a column as JSON (`null` where the row is invalid or the float is not finite).
pub fn cell(data: &ColumnData, validity: Option<&Vec<bool>>, row: usize) -> Value {
    if validity.is_some_and(|v| !v[row]) {
        return Value::Null;
    }
    match data {
        ColumnData::F64(v) => json!(v[row]),
        ColumnData::S64(v) | ColumnData::Timestamp(v) => json!(v[row]),
        ColumnData::String(v) => json!(kiln_host::strings::get(v, row)),
        ColumnData::Bool(v) => json!(v[row]),
    }
}

fn type_name(data: &ColumnData) -> &'static str {
    match data {
        ColumnData::F64(_) => "f64",
        ColumnData::S64(_) => "s64",
        ColumnData::String(_) => "string",
        ColumnData::Bool(_) => "bool",
        ColumnData::Timestamp(_) => "timestamp",
    }
}

/// A batch as `{"columns": [{"name","type"}], "rows": [[...], ...]}`.
pub fn batch_json(batch: &Batch) -> Value {
    let columns: Vec<Value> =
        batch.columns.iter().map(|c| json!({"name": c.name, "type": type_name(&c.data)})).collect();
    let rows: Vec<Value> = (0..batch.rows as usize)
        .map(|r| Value::Array(batch.columns.iter().map(|c| cell(&c.data, c.validity.as_ref(), r)).collect()))
        .collect();
    json!({"columns": columns, "rows": rows})
}

/// An output as JSON: `{"tables": [{"name", "columns", "rows"}], "metrics": [{"name","value","unit"}]}`.
pub fn output_json(output: &Output) -> Value {
    let tables: Vec<Value> = output
        .tables
        .iter()
        .map(|t| {
            let mut table = batch_json(&t.data);
            table["name"] = json!(t.name);
            table
        })
        .collect();
    let metrics: Vec<Value> =
        output.metrics.iter().map(|m| json!({"name": m.name, "value": m.value, "unit": m.unit})).collect();
    json!({"tables": tables, "metrics": metrics})
}

/// Table `name` (or the first) of a stored output document as RFC 4180 CSV with a header row;
/// `None` when there is no such table.
pub fn table_csv(output: &Value, name: Option<&str>) -> Option<String> {
    let tables = output["tables"].as_array()?;
    let table = match name {
        Some(name) => tables.iter().find(|t| t["name"] == name)?,
        None => tables.first()?,
    };
    let mut out = String::new();
    let header: Vec<String> =
        table["columns"].as_array()?.iter().map(|c| csv_field(c["name"].as_str().unwrap_or(""))).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in table["rows"].as_array()? {
        let cells: Vec<String> = row
            .as_array()?
            .iter()
            .map(|v| match v {
                Value::Null => String::new(),
                Value::String(s) => csv_field(s),
                other => other.to_string(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    Some(out)
}

/// A CSV field, quoted when it must be (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use kiln_host::{Column, Metric, Table};

    use super::*;

    fn output() -> Output {
        let data = Batch {
            rows: 2,
            columns: vec![
                Column {
                    name: "id".into(),
                    data: ColumnData::String(kiln_host::strings::pack(["a,b", "c\"d"])),
                    validity: None,
                },
                Column { name: "x".into(), data: ColumnData::F64(vec![1.5, 0.0]), validity: Some(vec![true, false]) },
            ],
        };
        Output {
            tables: vec![Table { name: "t".into(), data }],
            metrics: vec![Metric { name: "m".into(), value: 2.0, unit: "kg".into() }],
        }
    }

    #[test]
    fn nulls_render_as_json_null() {
        let doc = output_json(&output());
        assert_eq!(doc["tables"][0]["rows"], json!([["a,b", 1.5], ["c\"d", null]]));
        assert_eq!(doc["metrics"][0], json!({"name": "m", "value": 2.0, "unit": "kg"}));
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_leaves_nulls_empty() {
        let doc = output_json(&output());
        assert_eq!(table_csv(&doc, Some("t")).unwrap(), "id,x\r\n\"a,b\",1.5\r\n\"c\"\"d\",\r\n");
        assert_eq!(table_csv(&doc, None), table_csv(&doc, Some("t")));
        assert_eq!(table_csv(&doc, Some("missing")), None);
    }
}
