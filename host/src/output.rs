//! Checking what a guest returns before anyone reads it: its shape, its names, and its size
//! charged at what it costs the host to hold.
//!
//! Lifting the output out of guest memory is already bounded: every store carries a hostcall
//! budget (see `Host::store`) that wasmtime charges for each list element at its host size and
//! each string byte, so even lists that alias one another in guest memory cannot be lifted past
//! the run's `output_bytes`. What is lifted is then checked here, so that the counts every
//! consumer allocates from (rows, tables, columns) are backed by real values, and against the
//! schema the plugin declared (contract 0.2.0 on). Dictionary columns are then expanded to
//! plain strings, once their expanded size is known to fit the limit too, so a checked output
//! holds only plain columns.

use std::collections::HashSet;
use std::mem::size_of;

use crate::error::RunError;
use crate::limits::Limits;
use crate::model::{Column, ColumnData, Metric, Output, OutputKind, OutputSpec, Table};

/// The longest table, column or metric name (and metric unit), in bytes.
pub const MAX_NAME_BYTES: usize = 128;

/// The bytes the host spends holding `output`: every table, column and metric record at its
/// in-memory size, every name and unit, every value, validity flag and string offset.
///
/// This is what `output_bytes` limits and what [`crate::Usage::output_bytes`] reports. It is
/// computed from the lengths of what is there, never from a count the guest claims.
pub fn output_size(output: &Output) -> u64 {
    let tables: u64 = output.tables.iter().map(table_size).sum();
    let metrics: u64 = output.metrics.iter().map(|m| (size_of::<Metric>() + m.name.len() + m.unit.len()) as u64).sum();
    size_of::<Output>() as u64 + tables + metrics
}

fn table_size(table: &Table) -> u64 {
    let columns: u64 = table.data.columns.iter().map(column_size).sum();
    (size_of::<Table>() + table.name.len()) as u64 + columns
}

fn column_size(column: &Column) -> u64 {
    let validity = column.validity.as_ref().map_or(0, Vec::len);
    (size_of::<Column>() + column.name.len() + validity) as u64 + values_size(&column.data)
}

/// The bytes a column's values take on the host.
fn values_size(data: &ColumnData) -> u64 {
    let bytes = match data {
        ColumnData::F64(v) => 8 * v.len(),
        ColumnData::S64(v) | ColumnData::Timestamp(v) => 8 * v.len(),
        ColumnData::Bool(v) => v.len(),
        ColumnData::String(v) => v.bytes.len() + 4 * v.offsets.len(),
        ColumnData::Dict(d) => d.values.bytes.len() + 4 * d.values.offsets.len() + 4 * d.codes.len(),
    };
    bytes as u64
}

/// What `output` will cost the host once its dictionary columns are expanded.
pub fn expanded_size(output: &Output) -> u64 {
    output_size(output) + dictionary_growth(output)
}

/// How many bytes expanding `output`'s dictionary columns adds to its charge.
fn dictionary_growth(output: &Output) -> u64 {
    output
        .tables
        .iter()
        .flat_map(|t| &t.data.columns)
        .map(|c| match &c.data {
            ColumnData::Dict(d) => {
                let plain = crate::strings::expanded_len(d) + 4 * (d.codes.len() as u64 + 1);
                plain.saturating_sub(values_size(&c.data))
            }
            _ => 0,
        })
        .sum()
}

/// Checks `output` against `limits`, the contract and the `declared` outputs: within
/// `output_bytes`, before and after its dictionaries are expanded; every table's `rows` equal
/// to each of its columns' lengths (and 0 without columns); names non-empty, printable, at
/// most [`MAX_NAME_BYTES`] and unique (tables in the output, columns in their table, metrics
/// in the output); string and dictionary columns well formed; and, where the plugin declared
/// its outputs' kinds, each table and metric declared, with the declared columns in order,
/// of the declared types, without nulls where none are allowed. Returns it with plain columns.
pub fn check(output: Output, declared: &[OutputSpec], limits: &Limits) -> Result<Output, RunError> {
    let size = output_size(&output);
    if size > limits.output_bytes {
        return Err(RunError::OutputSize { size: Some(size), limit: limits.output_bytes });
    }
    let mut table_names = HashSet::new();
    for table in &output.tables {
        let bad = |why: String| RunError::InvalidOutput(format!("table `{}`: {why}", escape(&table.name)));
        check_name("table", &table.name, &mut table_names).map_err(RunError::InvalidOutput)?;
        let rows = table.data.rows as usize;
        if table.data.columns.is_empty() && rows != 0 {
            return Err(bad(format!("claims {rows} rows but has no columns")));
        }
        let mut column_names = HashSet::new();
        for c in &table.data.columns {
            check_name("column", &c.name, &mut column_names).map_err(bad)?;
            let bad = |why: String| bad(format!("column `{}`: {why}", c.name));
            let len = match &c.data {
                ColumnData::F64(v) => v.len(),
                ColumnData::S64(v) | ColumnData::Timestamp(v) => v.len(),
                ColumnData::Bool(v) => v.len(),
                ColumnData::String(v) => {
                    crate::strings::check(v, rows).map_err(bad)?;
                    rows
                }
                ColumnData::Dict(d) => {
                    check_dict(d).map_err(bad)?;
                    d.codes.len()
                }
            };
            if len != rows || c.validity.as_ref().is_some_and(|v| v.len() != rows) {
                return Err(bad(format!("length differs from the table's {rows} rows")));
            }
        }
        if let Some(spec) = declared.iter().find(|s| s.name == table.name) {
            match &spec.kind {
                Some(OutputKind::Table(columns)) => check_schema(&table.data.columns, columns).map_err(bad)?,
                Some(OutputKind::Metric) => return Err(bad("is declared as a metric".into())),
                None => {}
            }
        } else if typed(declared) {
            return Err(bad("is not declared in describe()".into()));
        }
    }
    let mut metric_names = HashSet::new();
    for m in &output.metrics {
        check_name("metric", &m.name, &mut metric_names).map_err(RunError::InvalidOutput)?;
        if m.unit.len() > MAX_NAME_BYTES || m.unit.chars().any(char::is_control) {
            return Err(RunError::InvalidOutput(format!(
                "metric `{}`: a unit must be printable and at most {MAX_NAME_BYTES} bytes",
                m.name
            )));
        }
        let spec = declared.iter().find(|s| s.name == m.name);
        if typed(declared) && !spec.is_some_and(|s| matches!(s.kind, Some(OutputKind::Metric) | None)) {
            return Err(RunError::InvalidOutput(format!("metric `{}` is not declared as a metric", escape(&m.name))));
        }
    }
    // `size` was charged before the checks; only the expansion's growth is new.
    let expanded = size + dictionary_growth(&output);
    if expanded > limits.output_bytes {
        return Err(RunError::OutputSize { size: Some(expanded), limit: limits.output_bytes });
    }
    Ok(expand_dictionaries(output))
}

/// Whether the plugin declared its outputs' kinds (contract 0.2.0 on), so outputs it did not
/// declare are refused.
fn typed(declared: &[OutputSpec]) -> bool {
    declared.iter().any(|s| s.kind.is_some())
}

/// A standalone dictionary: base 0, well-formed values, every code within them.
fn check_dict(d: &crate::model::Dict) -> Result<(), String> {
    if d.base != 0 {
        return Err(format!("an output dictionary starts at code {}, not 0", d.base));
    }
    let values = d.values.offsets.len().checked_sub(1).ok_or("a dictionary without offsets")?;
    crate::strings::check(&d.values, values)?;
    match d.codes.iter().find(|&&c| c as usize >= values) {
        Some(code) => Err(format!("code {code} is past its {values}-value dictionary")),
        None => Ok(()),
    }
}

/// The columns are the declared ones: same names in the same order, same types, and no nulls
/// where the declaration allows none.
fn check_schema(columns: &[Column], declared: &[crate::model::ColumnSpec]) -> Result<(), String> {
    let names = |names: Vec<&str>| names.join(", ");
    if columns.len() != declared.len() || columns.iter().zip(declared).any(|(c, d)| c.name != d.name) {
        return Err(format!(
            "has columns [{}], but describe() declares [{}]",
            names(columns.iter().map(|c| c.name.as_str()).collect()),
            names(declared.iter().map(|d| d.name.as_str()).collect())
        ));
    }
    for (c, d) in columns.iter().zip(declared) {
        let ty = c.data.value_type();
        if ty != d.type_ {
            return Err(format!("column `{}` is {ty:?}, but describe() declares {:?}", c.name, d.type_));
        }
        if !d.nullable && c.validity.as_ref().is_some_and(|v| v.contains(&false)) {
            return Err(format!("column `{}` holds nulls, but describe() declares it not nullable", c.name));
        }
    }
    Ok(())
}

/// Replaces each dictionary column by its strings (checked first: every code is in range).
fn expand_dictionaries(mut output: Output) -> Output {
    for column in output.tables.iter_mut().flat_map(|t| &mut t.data.columns) {
        if let ColumnData::Dict(d) = &column.data {
            column.data = ColumnData::String(crate::strings::expand(d));
        }
    }
    output
}

/// A name must be non-empty, printable, short, and not yet in `seen`.
fn check_name<'a>(what: &str, name: &'a str, seen: &mut HashSet<&'a str>) -> Result<(), String> {
    printable_name(what, name)?;
    if !seen.insert(name) {
        return Err(format!("{what} name `{name}` appears twice"));
    }
    Ok(())
}

/// The rule every name a guest hands the host follows: non-empty, at most [`MAX_NAME_BYTES`],
/// no control characters.
pub(crate) fn printable_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("a {what} name is empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!("a {what} name is {} bytes, over {MAX_NAME_BYTES}", name.len()));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("{what} name `{}` holds control characters", escape(name)));
    }
    Ok(())
}

/// `text` shortened and with control characters escaped, for quoting a name that was refused.
fn escape(text: &str) -> String {
    let short: String = text.chars().take(MAX_NAME_BYTES).collect();
    short.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Batch, ColumnSpec, Dict, Strings, ValueType};
    use crate::strings::pack;

    fn column(name: &str, data: ColumnData) -> Column {
        Column { name: name.into(), data, validity: None }
    }

    fn one_table(rows: u32, columns: Vec<Column>) -> Output {
        Output { tables: vec![Table { name: "t".into(), data: Batch { rows, columns } }], metrics: vec![] }
    }

    fn kind(output: Output) -> &'static str {
        match check(output, &[], &Limits::default()) {
            Ok(_) => "ok",
            Err(e) => e.kind(),
        }
    }

    fn declared_table(columns: &[(&str, ValueType, bool)]) -> Vec<OutputSpec> {
        let columns = columns
            .iter()
            .map(|(name, type_, nullable)| ColumnSpec {
                name: name.to_string(),
                type_: *type_,
                nullable: *nullable,
                doc: String::new(),
            })
            .collect();
        vec![
            OutputSpec { name: "t".into(), doc: String::new(), kind: Some(OutputKind::Table(columns)) },
            OutputSpec { name: "m".into(), doc: String::new(), kind: Some(OutputKind::Metric) },
        ]
    }

    fn checked(output: Output, declared: &[OutputSpec]) -> Result<Output, String> {
        check(output, declared, &Limits::default()).map_err(|e| e.to_string())
    }

    fn ids() -> Column {
        column("id", ColumnData::Dict(Dict { base: 0, values: pack(["a", "b"]), codes: vec![1, 0, 1] }))
    }

    #[test]
    fn an_output_matching_its_declared_schema_is_accepted_with_dictionaries_expanded() {
        let declared = declared_table(&[("id", ValueType::String, false), ("v", ValueType::F64, true)]);
        let v = Column {
            name: "v".into(),
            data: ColumnData::F64(vec![1.0, 2.0, 3.0]),
            validity: Some(vec![true, false, true]),
        };
        let mut output = one_table(3, vec![ids(), v]);
        output.metrics.push(Metric { name: "m".into(), value: 1.0, unit: String::new() });
        let output = checked(output, &declared).expect("matches");
        assert_eq!(output.tables[0].data.columns[0].data, ColumnData::String(pack(["b", "a", "b"])));
    }

    #[test]
    fn an_output_differing_from_its_declared_schema_is_refused() {
        let declared = declared_table(&[("id", ValueType::String, false)]);
        let renamed = one_table(3, vec![Column { name: "key".into(), ..ids() }]);
        assert!(checked(renamed, &declared).unwrap_err().contains("declares [id]"));
        let retyped = one_table(1, vec![column("id", ColumnData::S64(vec![1]))]);
        assert!(checked(retyped, &declared).unwrap_err().contains("is S64, but describe() declares String"));
        let extra = one_table(3, vec![ids(), column("x", ColumnData::Bool(vec![true; 3]))]);
        assert!(checked(extra, &declared).is_err());
        let nulls = one_table(3, vec![Column { validity: Some(vec![true, false, true]), ..ids() }]);
        assert!(checked(nulls, &declared).unwrap_err().contains("not nullable"));
        let undeclared = Output {
            tables: vec![Table { name: "u".into(), data: Batch { rows: 0, columns: vec![] } }],
            metrics: vec![],
        };
        assert!(checked(undeclared, &declared).unwrap_err().contains("not declared"));
        let metric =
            Output { tables: vec![], metrics: vec![Metric { name: "t".into(), value: 0.0, unit: String::new() }] };
        assert!(checked(metric, &declared).unwrap_err().contains("not declared as a metric"));
        assert!(checked(Output::default(), &declared).is_ok(), "a declared output may be left out");
    }

    #[test]
    fn untyped_outputs_of_contract_0_1_0_are_not_held_to_a_schema() {
        let untyped = vec![OutputSpec { name: "t".into(), doc: String::new(), kind: None }];
        let other = Output {
            tables: vec![Table { name: "other".into(), data: Batch { rows: 0, columns: vec![] } }],
            metrics: vec![],
        };
        assert!(checked(other, &untyped).is_ok());
    }

    #[test]
    fn malformed_dictionaries_are_refused() {
        let dict = |base, codes: Vec<u32>| {
            one_table(
                codes.len() as u32,
                vec![column("id", ColumnData::Dict(Dict { base, values: pack(["a"]), codes }))],
            )
        };
        assert_eq!(kind(dict(0, vec![0, 0])), "ok");
        assert_eq!(kind(dict(0, vec![0, 1])), "invalid-output");
        assert_eq!(kind(dict(3, vec![0])), "invalid-output");
        let no_offsets = Dict { base: 0, values: Strings { offsets: vec![], bytes: vec![] }, codes: vec![] };
        assert_eq!(kind(one_table(0, vec![column("id", ColumnData::Dict(no_offsets))])), "invalid-output");
    }

    #[test]
    fn a_dictionary_that_would_expand_past_the_limit_is_refused_before_it_is_expanded() {
        let long = "x".repeat(1000);
        let dict = Dict { base: 0, values: pack([long.as_str()]), codes: vec![0; 10_000] };
        let output = one_table(10_000, vec![column("id", ColumnData::Dict(dict))]);
        let size = output_size(&output);
        assert!(size < 100_000, "the dictionary itself is small: {size}");
        let limits = Limits { output_bytes: 1 << 20, ..Limits::default() };
        let err = check(output, &[], &limits).unwrap_err();
        assert_eq!(err.kind(), "output-size");
        assert!(err.to_string().contains("10"), "{err}");
    }

    #[test]
    fn ragged_or_malformed_output_is_refused() {
        assert_eq!(kind(one_table(2, vec![column("c", ColumnData::F64(vec![1.0, 2.0]))])), "ok");
        assert_eq!(kind(one_table(3, vec![column("c", ColumnData::F64(vec![1.0]))])), "invalid-output");
        let strings = Strings { offsets: vec![0, 9], bytes: b"abc".to_vec() };
        assert_eq!(kind(one_table(1, vec![column("c", ColumnData::String(strings))])), "invalid-output");
    }

    #[test]
    fn rows_claimed_without_columns_are_refused() {
        assert_eq!(kind(one_table(u32::MAX, vec![])), "invalid-output");
        assert_eq!(kind(one_table(0, vec![])), "ok");
    }

    #[test]
    fn empty_long_control_or_duplicate_names_are_refused() {
        for name in ["", &"n".repeat(MAX_NAME_BYTES + 1), "a\u{1b}[2J"] {
            assert_eq!(kind(one_table(0, vec![column(name, ColumnData::Bool(vec![]))])), "invalid-output", "{name:?}");
        }
        let twice = one_table(0, vec![column("c", ColumnData::Bool(vec![])), column("c", ColumnData::Bool(vec![]))]);
        assert_eq!(kind(twice), "invalid-output");
        let table = || Table { name: "t".into(), data: Batch { rows: 0, columns: vec![] } };
        assert_eq!(kind(Output { tables: vec![table(), table()], metrics: vec![] }), "invalid-output");
        let metric = || Metric { name: "m".into(), value: 1.0, unit: String::new() };
        assert_eq!(kind(Output { tables: vec![], metrics: vec![metric(), metric()] }), "invalid-output");
    }

    #[test]
    fn empty_tables_are_charged_what_they_cost_the_host() {
        let tables: Vec<Table> =
            (0..1000).map(|i| Table { name: format!("t{i}"), data: Batch { rows: 0, columns: vec![] } }).collect();
        let output = Output { tables, metrics: vec![] };
        assert!(output_size(&output) >= 1000 * size_of::<Table>() as u64);
        let limits = Limits { output_bytes: 1000 * size_of::<Table>() as u64, ..Limits::default() };
        assert_eq!(check(output, &[], &limits).unwrap_err().kind(), "output-size");
    }
}

/// Random outputs, well formed or not: the checks accept exactly the well-formed ones within
/// the limit, and what they accept is bounded in every rendering by its charged size.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::model::{Batch, Dict, Strings};

    fn column_data() -> impl Strategy<Value = ColumnData> {
        prop_oneof![
            prop::collection::vec(any::<f64>(), 0..8).prop_map(ColumnData::F64),
            prop::collection::vec(any::<i64>(), 0..8).prop_map(ColumnData::S64),
            prop::collection::vec(any::<bool>(), 0..8).prop_map(ColumnData::Bool),
            prop::collection::vec("[a-z\u{1b}é]{0,3}", 0..8)
                .prop_map(|v| ColumnData::String(crate::strings::pack(v.iter().map(String::as_str)))),
            (prop::collection::vec(0_u32..6, 0..8), prop::collection::vec(any::<u8>(), 0..6))
                .prop_map(|(offsets, bytes)| ColumnData::String(Strings { offsets, bytes })),
            (0_u32..2, prop::collection::vec("[a-z]{0,3}", 0..3), prop::collection::vec(0_u32..3, 0..8)).prop_map(
                |(base, values, codes)| ColumnData::Dict(Dict {
                    base,
                    values: crate::strings::pack(values.iter().map(String::as_str)),
                    codes
                })
            ),
        ]
    }

    fn name() -> impl Strategy<Value = String> {
        "[ab\u{7}]{0,2}"
    }

    fn output() -> impl Strategy<Value = Output> {
        let column = (name(), column_data(), prop::option::of(prop::collection::vec(any::<bool>(), 0..8)))
            .prop_map(|(name, data, validity)| Column { name, data, validity });
        let table = (name(), 0_u32..8, prop::collection::vec(column, 0..4))
            .prop_map(|(name, rows, columns)| Table { name, data: Batch { rows, columns } });
        let metric = (name(), any::<f64>(), name()).prop_map(|(name, value, unit)| Metric { name, value, unit });
        (prop::collection::vec(table, 0..4), prop::collection::vec(metric, 0..3))
            .prop_map(|(tables, metrics)| Output { tables, metrics })
    }

    fn well_formed(o: &Output) -> bool {
        let good_name = |n: &str| !n.is_empty() && !n.chars().any(char::is_control);
        let distinct = |names: Vec<&str>| names.iter().collect::<HashSet<_>>().len() == names.len();
        o.tables.iter().all(|t| {
            let rows = t.data.rows as usize;
            good_name(&t.name)
                && (!t.data.columns.is_empty() || rows == 0)
                && distinct(t.data.columns.iter().map(|c| c.name.as_str()).collect())
                && t.data.columns.iter().all(|c| {
                    let len = match &c.data {
                        ColumnData::F64(v) => v.len(),
                        ColumnData::S64(v) | ColumnData::Timestamp(v) => v.len(),
                        ColumnData::Bool(v) => v.len(),
                        ColumnData::String(s) => {
                            if crate::strings::check(s, rows).is_err() {
                                return false;
                            }
                            rows
                        }
                        ColumnData::Dict(d) => {
                            let values = d.values.len();
                            if d.base != 0 || d.codes.iter().any(|&c| c as usize >= values) {
                                return false;
                            }
                            d.codes.len()
                        }
                    };
                    good_name(&c.name) && len == rows && c.validity.as_ref().is_none_or(|v| v.len() == rows)
                })
        }) && distinct(o.tables.iter().map(|t| t.name.as_str()).collect())
            && o.metrics.iter().all(|m| good_name(&m.name) && !m.unit.chars().any(char::is_control))
            && distinct(o.metrics.iter().map(|m| m.name.as_str()).collect())
    }

    proptest! {
        #[test]
        fn exactly_the_well_formed_outputs_within_the_limit_are_accepted(output in output(), limit in 0_u64..4096) {
            let size = output_size(&output);
            let expected = well_formed(&output) && size <= limit && expanded_size(&output) <= limit;
            let limits = Limits { output_bytes: limit, ..Limits::default() };
            match check(output, &[], &limits) {
                Ok(output) => {
                    prop_assert!(expected);
                    let size = output_size(&output);
                    prop_assert!(size <= limit, "expanded, it is charged {size} of {limit}");
                    let json = serde_json::to_vec(&output).expect("serializes");
                    // Rendered as JSON, an accepted output stays within a small multiple of its charge.
                    prop_assert!(json.len() as u64 <= 8 * size, "{} bytes of JSON for {size} charged", json.len());
                }
                Err(e) => prop_assert!(!expected, "refused: {e}"),
            }
        }
    }
}
