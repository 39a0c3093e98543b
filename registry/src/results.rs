//! Run output as stored and served: one JSON document per run (tables as named columns and
//! rows, then metrics), and any of its tables as CSV.
//!
//! Both are streamed: the document is serialized straight from the host's [`Output`] and a
//! table's CSV straight from the stored bytes, so neither ever builds a tree of JSON values
//! (which costs tens of bytes per cell, a multiple of what the output was charged).

use std::fmt::Write as _;

use kiln_host::{Batch, Column, ColumnData, Output};
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

/// One cell of a column as JSON (`null` where the row is invalid or the float is not finite).
pub fn cell(data: &ColumnData, validity: Option<&Vec<bool>>, row: usize) -> Value {
    if validity.is_some_and(|v| !v[row]) {
        return Value::Null;
    }
    match data {
        ColumnData::F64(v) => json!(v[row]),
        ColumnData::S64(v) | ColumnData::Timestamp(v) => json!(v[row]),
        ColumnData::String(_) | ColumnData::Dict(_) => json!(data.str_at(row)),
        ColumnData::Bool(v) => json!(v[row]),
    }
}

fn type_name(data: &ColumnData) -> &'static str {
    match data {
        ColumnData::F64(_) => "f64",
        ColumnData::S64(_) => "s64",
        ColumnData::String(_) | ColumnData::Dict(_) => "string",
        ColumnData::Bool(_) => "bool",
        ColumnData::Timestamp(_) => "timestamp",
    }
}

/// The most bytes the JSON document of an output within `output_bytes` can take. Against what
/// `output_bytes` charges a value, JSON spends at most ten times as much: `[false],` for a
/// one-byte bool row is 8, a `\u00XX`-escaped string byte is 6, an f64 is at most 25 for 8; the
/// constant covers names and framing.
pub fn max_document_bytes(output_bytes: u64) -> u64 {
    output_bytes.saturating_mul(10).saturating_add(1 << 16)
}

/// An output as its stored JSON document:
/// `{"tables": [{"name", "columns": [{"name", "type"}], "rows": [[...]]}], "metrics": [{"name", "value", "unit"}]}`.
/// Each table's `name` comes before its `rows`, which [`table_csv`] relies on.
pub struct OutputDocument<'a>(pub &'a Output);

impl Serialize for OutputDocument<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut doc = s.serialize_map(Some(2))?;
        doc.serialize_entry("tables", &Tables(&self.0.tables))?;
        doc.serialize_entry(
            "metrics",
            &Each(&self.0.metrics, |m: &kiln_host::Metric| json!({"name": m.name, "value": m.value, "unit": m.unit})),
        )?;
        doc.end()
    }
}

struct Tables<'a>(&'a [kiln_host::Table]);

impl Serialize for Tables<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for t in self.0 {
            seq.serialize_element(&TableDocument(&t.name, &t.data))?;
        }
        seq.end()
    }
}

struct TableDocument<'a>(&'a str, &'a Batch);

impl Serialize for TableDocument<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut doc = s.serialize_map(Some(3))?;
        doc.serialize_entry("name", self.0)?;
        doc.serialize_entry("columns", &ColumnHeads(&self.1.columns))?;
        doc.serialize_entry("rows", &Rows(self.1))?;
        doc.end()
    }
}

/// A sequence of `items`, each serialized as `f` makes it.
struct Each<'a, T, F>(&'a [T], F);

impl<T, F: Fn(&T) -> R, R: Serialize> Serialize for Each<'_, T, F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&(self.1)(item))?;
        }
        seq.end()
    }
}

struct ColumnHeads<'a>(&'a [Column]);

impl Serialize for ColumnHeads<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Each(self.0, |c: &Column| json!({"name": c.name, "type": type_name(&c.data)})).serialize(s)
    }
}

struct Rows<'a>(&'a Batch);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut rows = s.serialize_seq(Some(self.0.rows as usize))?;
        for row in 0..self.0.rows as usize {
            rows.serialize_element(&Row(&self.0.columns, row))?;
        }
        rows.end()
    }
}

struct Row<'a>(&'a [Column], usize);

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let row = self.1;
        let mut cells = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            if c.validity.as_ref().is_some_and(|v| !v.get(row).copied().unwrap_or(false)) {
                cells.serialize_element(&())?;
                continue;
            }
            match &c.data {
                // serde_json writes non-finite floats as null.
                ColumnData::F64(v) => cells.serialize_element(&v.get(row))?,
                ColumnData::S64(v) | ColumnData::Timestamp(v) => cells.serialize_element(&v.get(row))?,
                ColumnData::Bool(v) => cells.serialize_element(&v.get(row))?,
                ColumnData::String(v) => cells.serialize_element(v.get(row))?,
                ColumnData::Dict(_) => cells.serialize_element(&c.data.str_at(row))?,
            }
        }
        cells.end()
    }
}

/// Table `name` (or the first) of a stored output document as RFC 4180 CSV with a header row;
/// `Ok(None)` when there is no such table, an error when the document is malformed.
///
/// The document is read as a stream and only the chosen table's rows are rendered, one row at
/// a time: memory is the CSV itself, whatever the document holds.
pub fn table_csv(document: &[u8], name: Option<&str>) -> Result<Option<String>, serde_json::Error> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(document);
    DocumentSeed { want: name, found: &mut found }.deserialize(&mut de)?;
    de.end()?;
    Ok(found)
}

struct DocumentSeed<'a> {
    want: Option<&'a str>,
    found: &'a mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an output document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "tables" {
                map.next_value_seed(TablesSeed { want: self.want, found: &mut *self.found })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct TablesSeed<'a> {
    want: Option<&'a str>,
    found: &'a mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for TablesSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of tables")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(TableSeed { want: self.want, found: &mut *self.found })?.is_some() {}
        Ok(())
    }
}

struct TableSeed<'a> {
    want: Option<&'a str>,
    found: &'a mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for TableSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// A column's header in the document.
#[derive(serde::Deserialize)]
struct ColumnHead {
    name: String,
}

impl<'de> Visitor<'de> for TableSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut name, mut columns) = (None::<String>, None::<Vec<ColumnHead>>);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value()?),
                "columns" => columns = Some(map.next_value()?),
                "rows" => {
                    let chosen = self.found.is_none()
                        && match self.want {
                            None => true,
                            Some(want) => {
                                name.as_deref()
                                    .ok_or_else(|| A::Error::custom("a table's rows come before its name"))?
                                    == want
                            }
                        };
                    if !chosen {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let heads =
                        columns.as_ref().ok_or_else(|| A::Error::custom("a table's rows come before its columns"))?;
                    let mut csv = heads.iter().map(|c| csv_field(&c.name)).collect::<Vec<_>>().join(",");
                    csv.push_str("\r\n");
                    map.next_value_seed(RowsSeed(&mut csv))?;
                    *self.found = Some(csv);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct RowsSeed<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut rows: A) -> Result<(), A::Error> {
        while rows.next_element_seed(RowSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct RowSeed<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a row of cells")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut cells: A) -> Result<(), A::Error> {
        let mut first = true;
        // Each cell is a scalar, so this value never holds more than one cell.
        while let Some(cell) = cells.next_element::<Value>()? {
            if !first {
                self.0.push(',');
            }
            first = false;
            match cell {
                Value::Null => {}
                Value::String(s) => self.0.push_str(&csv_field(&s)),
                other => {
                    let _ = write!(self.0, "{other}");
                }
            }
        }
        self.0.push_str("\r\n");
        Ok(())
    }
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
        let other = Batch {
            rows: 1,
            columns: vec![Column { name: "n".into(), data: ColumnData::S64(vec![7]), validity: None }],
        };
        Output {
            tables: vec![Table { name: "t".into(), data }, Table { name: "u".into(), data: other }],
            metrics: vec![Metric { name: "m".into(), value: 2.0, unit: "kg".into() }],
        }
    }

    fn document() -> Vec<u8> {
        serde_json::to_vec(&OutputDocument(&output())).unwrap()
    }

    #[test]
    fn the_document_reads_back_as_the_run_output_type() {
        let doc: Value = serde_json::from_slice(&document()).unwrap();
        let typed: crate::routes::runs::RunOutput = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(typed.tables[1].columns[0].type_, crate::routes::runs::OutputType::S64);
        assert_eq!(serde_json::to_value(&typed).unwrap(), doc);
        let nan =
            Output { tables: vec![], metrics: vec![Metric { name: "m".into(), value: f64::NAN, unit: "".into() }] };
        let doc = serde_json::to_vec(&OutputDocument(&nan)).unwrap();
        let typed: crate::routes::runs::RunOutput = serde_json::from_slice(&doc).unwrap();
        assert_eq!(typed.metrics[0].value, None);
    }

    #[test]
    fn nulls_render_as_json_null() {
        let doc: Value = serde_json::from_slice(&document()).unwrap();
        assert_eq!(doc["tables"][0]["rows"], json!([["a,b", 1.5], ["c\"d", null]]));
        assert_eq!(
            doc["tables"][0]["columns"],
            json!([{"name": "id", "type": "string"}, {"name": "x", "type": "f64"}])
        );
        assert_eq!(doc["metrics"][0], json!({"name": "m", "value": 2.0, "unit": "kg"}));
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_leaves_nulls_empty() {
        let doc = document();
        assert_eq!(table_csv(&doc, Some("t")).unwrap().unwrap(), "id,x\r\n\"a,b\",1.5\r\n\"c\"\"d\",\r\n");
        assert_eq!(table_csv(&doc, Some("u")).unwrap().unwrap(), "n\r\n7\r\n");
        assert_eq!(table_csv(&doc, None).unwrap(), table_csv(&doc, Some("t")).unwrap());
        assert_eq!(table_csv(&doc, Some("missing")).unwrap(), None);
    }

    #[test]
    fn documents_stored_with_sorted_keys_still_give_csv() {
        // Earlier versions stored serde_json::Value documents, whose keys are sorted.
        let doc =
            br#"{"metrics":[],"tables":[{"columns":[{"name":"a","type":"s64"}],"name":"t","rows":[[1],[null]]}]}"#;
        assert_eq!(table_csv(doc, Some("t")).unwrap().unwrap(), "a\r\n1\r\n\r\n");
    }

    #[test]
    fn a_malformed_document_is_an_error_not_a_table() {
        assert!(table_csv(br#"{"tables":[{"rows":[[1]],"name":"t"}]}"#, Some("t")).is_err());
        assert!(table_csv(b"not json", None).is_err());
    }
}
