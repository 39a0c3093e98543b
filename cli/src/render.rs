//! Showing plugin output: aligned text tables for people, JSON for programs.

use kiln_host::Batch;
use serde_json::Value;

use kiln_registry::results::cell;
pub use kiln_registry::results::output_json;

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
    use kiln_host::{Column, ColumnData};

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
    fn text_tables_are_aligned_and_elided() {
        let text = batch_text(&batch(), 1);
        assert_eq!(text, "id  x\n--  ------\na   1.5000\n… 1 more rows\n");
    }
}
