//! Showing plugin output: aligned text tables for people, JSON for programs.

use kiln_host::Batch;
use serde_json::Value;

use kiln_registry::results::cell;
use kiln_registry::routes::runs::OutputTable;

/// Formats a batch as an aligned text table, showing at most `max_rows` rows.
pub fn batch_text(batch: &Batch, max_rows: usize) -> String {
    let names = batch.columns.iter().map(|c| c.name.clone()).collect();
    let shown = (batch.rows as usize).min(max_rows);
    let rows = (0..shown).map(|r| batch.columns.iter().map(|c| cell(&c.data, c.validity.as_ref(), r)).collect());
    grid_text(names, rows.collect(), batch.rows as usize)
}

/// Formats a table of a run's output document as [`batch_text`] formats a batch.
pub fn output_table_text(table: &OutputTable, max_rows: usize) -> String {
    let width = table.columns.len();
    let names = table.columns.iter().map(|c| c.name.clone()).collect();
    let shown = table.rows.iter().take(max_rows).map(|row| {
        // A row shorter than the header (a malformed document) shows its missing cells as null.
        (0..width).map(|i| row.get(i).cloned().unwrap_or(Value::Null)).collect()
    });
    grid_text(names, shown.collect(), table.rows.len())
}

/// `text` safe to print on a terminal: control characters (escape sequences, carriage returns,
/// bells) a plugin put in its output or log are shown escaped, never interpreted.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// Aligns `rows` of JSON cells under `names`, noting how many of `total` rows are not shown.
fn grid_text(names: Vec<String>, rows: Vec<Vec<Value>>, total: usize) -> String {
    let shown = rows.len();
    let names = names.iter().map(|n| printable(n).into_owned()).collect();
    let mut grid: Vec<Vec<String>> = vec![names];
    for row in rows {
        grid.push(
            row.into_iter()
                .map(|value| match value {
                    Value::Null => "∅".to_string(),
                    Value::String(s) => printable(&s).into_owned(),
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
        (0..grid[0].len()).map(|i| grid.iter().map(|row| row[i].chars().count()).max().unwrap_or(0)).collect();
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
    if shown < total {
        out.push_str(&format!("… {} more rows\n", total - shown));
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
    fn control_characters_are_escaped_for_the_terminal() {
        assert_eq!(printable("plain 西安"), "plain 西安");
        assert_eq!(printable("\u{1b}[2J\r\u{7}"), "\\u{1b}[2J\\r\\u{7}");
    }

    #[test]
    fn text_tables_are_aligned_and_elided() {
        let text = batch_text(&batch(), 1);
        assert_eq!(text, "id  x\n--  ------\na   1.5000\n… 1 more rows\n");
    }
}
