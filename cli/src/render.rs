//! Showing plugin output: aligned text tables for people, JSON for programs.

use kiln_host::{Batch, ColumnData, Output};
use serde_json::{Value, json};

/// One cell of a column as JSON (`null` where the row is invalid).
fn cell(data: &ColumnData, validity: Option<&Vec<bool>>, row: usize) -> Value {
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

/// An output as JSON: tables by name, then metrics.
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

/// Formats a batch as an aligned text table, showing at most `max_rows` rows.
pub fn batch_text(batch: &Batch, max_rows: usize) -> String {
    let shown = (batch.rows as usize).min(max_rows);
    let mut grid: Vec<Vec<String>> = vec![batch.columns.iter().map(|c| c.name.clone()).collect()];
    for r in 0..shown {
        grid.push(
            batch
                .columns
                .iter()
                .map(|c| match cell(&c.data, c.validity.as_ref(), r) {
                    Value::Null => "∅".to_string(),
                    Value::String(s) => s,
                    Value::Number(n) => match n.as_f64() {
                        Some(f) if n.is_f64() => format!("{f:.4}"),
                        _ => n.to_string(),
                    },
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    let widths: Vec<usize> =
        (0..batch.columns.len()).map(|i| grid.iter().map(|row| row[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (n, row) in grid.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
            out.push('\n');
        }
    }
    if shown < batch.rows as usize {
        out.push_str(&format!("… {} more rows\n", batch.rows as usize - shown));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_host::Column;

    fn batch() -> Batch {
        Batch {
            rows: 2,
            columns: vec![
                Column {
                    name: "id".into(),
                    data: ColumnData::String(kiln_host::strings::pack(["a", "b"])),
                    validity: None,
                },
                Column { name: "x".into(), data: ColumnData::F64(vec![1.5, 0.0]), validity: Some(vec![true, false]) },
            ],
        }
    }

    #[test]
    fn nulls_render_as_json_null() {
        assert_eq!(batch_json(&batch())["rows"], json!([["a", 1.5], ["b", null]]));
    }

    #[test]
    fn text_tables_are_aligned_and_elided() {
        let text = batch_text(&batch(), 1);
        assert_eq!(text, "id  x\n--  ------\na   1.5000\n… 1 more rows\n");
    }
}
