//! Comparing a replay's output with the original's: equal bytes are `identical`; otherwise the
//! first place the two documents differ, reading tables in order (their names, then each one's
//! columns, then its cells row by row), then the metrics.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::routes::runs::{OutputTable, RunOutput};

/// The largest output document compared cell by cell. Parsing a document into values takes
/// many times its size, so larger ones are compared by hash alone (`bytes`): a host's memory
/// stays bounded whatever a plugin returned.
pub const MAX_COMPARED_BYTES: u64 = 8 << 20;

/// Where two outputs first differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Difference {
    /// What differs: `tables`, `columns`, `cell`, `rows`, `metrics`, `metric`, `encoding`
    /// (equal values in different bytes) or `bytes` (documents too large to compare by value:
    /// both sha256s).
    pub what: String,
    /// The table, for `columns`, `cell` and `rows`.
    pub table: Option<String>,
    /// The column, for `cell`.
    pub column: Option<String>,
    /// The 0-based row, for `cell` (and for `rows`, the first row one side lacks).
    pub row: Option<u64>,
    /// The metric, for `metric`.
    pub metric: Option<String>,
    /// The original's value there.
    pub expected: Value,
    /// The replay's value there.
    pub found: Value,
}

impl Difference {
    fn new(what: &str, expected: Value, found: Value) -> Self {
        Difference { what: what.into(), table: None, column: None, row: None, metric: None, expected, found }
    }

    fn in_table(mut self, table: &OutputTable) -> Self {
        self.table = Some(table.name.clone());
        self
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        let place = match (&self.table, &self.column, self.row, &self.metric) {
            (Some(t), Some(c), Some(r), _) => format!("table `{t}`, column `{c}`, row {r}"),
            (Some(t), None, Some(r), _) => format!("table `{t}` from row {r}"),
            (Some(t), ..) => format!("table `{t}`"),
            (None, _, _, Some(m)) => format!("metric `{m}`"),
            _ => "the output".to_string(),
        };
        format!("{} differ in {place}: expected {}, found {}", self.what, self.expected, self.found)
    }
}

/// The first difference between `expected` and `found`, or `None` if their values are equal.
pub fn first_difference(expected: &RunOutput, found: &RunOutput) -> Option<Difference> {
    let names = |o: &RunOutput| o.tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    if names(expected) != names(found) {
        return Some(Difference::new("tables", json!(names(expected)), json!(names(found))));
    }
    for (e, f) in expected.tables.iter().zip(&found.tables) {
        if let Some(d) = table_difference(e, f) {
            return Some(d.in_table(e));
        }
    }
    let metric_names = |o: &RunOutput| o.metrics.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
    if metric_names(expected) != metric_names(found) {
        return Some(Difference::new("metrics", json!(metric_names(expected)), json!(metric_names(found))));
    }
    expected.metrics.iter().zip(&found.metrics).find(|(e, f)| e != f).map(|(e, f)| Difference {
        metric: Some(e.name.clone()),
        ..Difference::new(
            "metric",
            json!({"value": e.value, "unit": e.unit}),
            json!({"value": f.value, "unit": f.unit}),
        )
    })
}

fn table_difference(e: &OutputTable, f: &OutputTable) -> Option<Difference> {
    if e.columns != f.columns {
        return Some(Difference::new("columns", json!(e.columns), json!(f.columns)));
    }
    for (row, (er, fr)) in e.rows.iter().zip(&f.rows).enumerate() {
        if let Some((column, (ev, fv))) = e.columns.iter().zip(er.iter().zip(fr)).find(|(_, (ev, fv))| ev != fv) {
            return Some(Difference {
                column: Some(column.name.clone()),
                row: Some(row as u64),
                ..Difference::new("cell", ev.clone(), fv.clone())
            });
        }
    }
    (e.rows.len() != f.rows.len()).then(|| Difference {
        row: Some(e.rows.len().min(f.rows.len()) as u64),
        ..Difference::new("rows", json!(e.rows.len()), json!(f.rows.len()))
    })
}

/// Compares two output documents (the stored JSON): `None` when their bytes are equal,
/// otherwise the first difference (`encoding` if only their bytes differ, `bytes` past
/// [`MAX_COMPARED_BYTES`]). A document that does not parse is reported as one.
pub fn compare(expected: &[u8], found: &[u8]) -> Option<Difference> {
    if expected == found {
        return None;
    }
    if expected.len().max(found.len()) as u64 > MAX_COMPARED_BYTES {
        return Some(by_hash(&kiln_host::sha256_hex(expected), &kiln_host::sha256_hex(found)));
    }
    let parse = |bytes: &[u8]| serde_json::from_slice::<RunOutput>(bytes);
    match (parse(expected), parse(found)) {
        (Ok(e), Ok(f)) => Some(first_difference(&e, &f).unwrap_or_else(|| {
            Difference::new("encoding", json!(kiln_host::sha256_hex(expected)), json!(kiln_host::sha256_hex(found)))
        })),
        (Err(e), _) => Some(Difference::new("encoding", json!(format!("unreadable: {e}")), Value::Null)),
        (_, Err(e)) => Some(Difference::new("encoding", Value::Null, json!(format!("unreadable: {e}")))),
    }
}

/// Two documents that differ, known only by their hashes.
pub fn by_hash(expected: &str, found: &str) -> Difference {
    Difference::new("bytes", json!(expected), json!(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(rows: Vec<Vec<Value>>, metric: f64) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "tables": [{"name": "summary", "columns": [{"name": "firm", "type": "string"}, {"name": "kwh", "type": "f64"}],
                        "rows": rows}],
            "metrics": [{"name": "total", "value": metric, "unit": "kWh"}]
        }))
        .unwrap()
    }

    #[test]
    fn equal_bytes_are_identical() {
        let a = output(vec![vec![json!("a"), json!(1.0)]], 1.0);
        assert_eq!(compare(&a, &a), None);
    }

    #[test]
    fn the_first_differing_cell_is_named_with_both_values() {
        let a = output(vec![vec![json!("a"), json!(1.0)], vec![json!("b"), json!(2.0)]], 3.0);
        let b = output(vec![vec![json!("a"), json!(1.0)], vec![json!("b"), json!(2.5)]], 3.5);
        let d = compare(&a, &b).unwrap();
        assert_eq!(
            (d.what.as_str(), d.table.as_deref(), d.column.as_deref(), d.row),
            ("cell", Some("summary"), Some("kwh"), Some(1))
        );
        assert_eq!((d.expected, d.found), (json!(2.0), json!(2.5)));
    }

    #[test]
    fn a_missing_row_and_a_changed_metric_are_reported() {
        let a = output(vec![vec![json!("a"), json!(1.0)], vec![json!("b"), json!(2.0)]], 3.0);
        let b = output(vec![vec![json!("a"), json!(1.0)]], 3.0);
        let d = compare(&a, &b).unwrap();
        assert_eq!((d.what.as_str(), d.row, d.expected, d.found), ("rows", Some(1), json!(2), json!(1)));
        let c = output(vec![vec![json!("a"), json!(1.0)], vec![json!("b"), json!(2.0)]], 4.0);
        let d = compare(&a, &c).unwrap();
        assert_eq!((d.what.as_str(), d.metric.as_deref()), ("metric", Some("total")));
    }

    #[test]
    fn documents_too_large_to_parse_safely_are_compared_by_hash() {
        let a = vec![b' '; MAX_COMPARED_BYTES as usize + 1];
        let d = compare(&a, b"{}").unwrap();
        assert_eq!((d.what.as_str(), d.found), ("bytes", json!(kiln_host::sha256_hex(b"{}"))));
    }

    #[test]
    fn the_same_values_in_other_bytes_are_an_encoding_difference() {
        let a = output(vec![vec![json!("a"), json!(1.0)]], 1.0);
        let mut b = a.clone();
        b.push(b'\n');
        assert_eq!(compare(&a, &b).unwrap().what, "encoding");
    }
}
