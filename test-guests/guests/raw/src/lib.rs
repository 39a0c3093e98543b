//! A plugin written against the frozen 0.1.0 contract with raw wit-bindgen, without the SDK, so
//! it can return what the SDK never would: outputs whose counts lie, duplicate or empty names,
//! floods of tiny elements. It also blocks in WASI calls and repeats projected columns. The
//! `attack` parameter picks what it does; `n` sizes it.

wit_bindgen::generate!({ path: "../../../wit/since_v0.1.0", world: "plugin" });

use exports::kiln::plugin::guest::{
    DatasetSpec, Guest, Metric, Output, OutputSpec, Param, ParamSpec, PluginError, PluginInfo, Table,
};
use kiln::plugin::types::{Batch, Column, ColumnData, Value, ValueType};
use kiln::plugin::{data, log};

struct Raw;

fn table(name: impl Into<String>, rows: u32, columns: Vec<Column>) -> Table {
    Table { name: name.into(), data: Batch { rows, columns } }
}

fn column(name: impl Into<String>, data: ColumnData) -> Column {
    Column { name: name.into(), data, validity: None }
}

fn tables(tables: Vec<Table>) -> Output {
    Output { tables, metrics: vec![] }
}

impl Guest for Raw {
    fn describe() -> PluginInfo {
        let param = |name: &str, default: Value| ParamSpec {
            name: name.into(),
            type_: match default {
                Value::S64(_) => ValueType::S64,
                _ => ValueType::String,
            },
            default: Some(default),
            doc: String::new(),
        };
        PluginInfo {
            name: "raw".into(),
            version: "0.1.0".into(),
            description: "Returns what the SDK never would.".into(),
            params: vec![param("attack", Value::String("none".into())), param("n", Value::S64(1))],
            datasets: vec![DatasetSpec { name: "readings".into(), columns: vec!["value".into()], doc: String::new() }],
            outputs: vec![OutputSpec { name: "t".into(), doc: String::new() }],
        }
    }

    fn run(params: Vec<Param>) -> Result<Output, PluginError> {
        let mut attack = String::new();
        let mut n = 1_usize;
        for p in params {
            match (p.name.as_str(), p.value) {
                ("attack", Value::String(s)) => attack = s,
                ("n", Value::S64(v)) => n = v as usize,
                _ => {}
            }
        }
        Ok(match attack.as_str() {
            "none" => tables(vec![table("t", 1, vec![column("x", ColumnData::F64(vec![1.0]))])]),
            // A few bytes claiming four billion rows.
            "rows-without-columns" => tables(vec![table("t", u32::MAX, vec![])]),
            "rows-longer-than-columns" => {
                tables(vec![table("t", u32::MAX, vec![column("x", ColumnData::F64(vec![1.0]))])])
            }
            "empty-tables" => tables((0..n).map(|i| table(format!("t{i}"), 0, vec![])).collect()),
            "empty-columns" => {
                tables(vec![table("t", 0, (0..n).map(|i| column(format!("c{i}"), ColumnData::Bool(vec![]))).collect())])
            }
            "bools" => tables(vec![table("t", n as u32, vec![column("b", ColumnData::Bool(vec![true; n]))])]),
            "duplicate-tables" => tables(vec![table("t", 0, vec![]), table("t", 0, vec![])]),
            "duplicate-columns" => {
                let c = || column("x", ColumnData::F64(vec![1.0]));
                tables(vec![table("t", 1, vec![c(), c()])])
            }
            "empty-name" => tables(vec![table("", 0, vec![])]),
            "long-name" => tables(vec![table("t".repeat(n), 0, vec![])]),
            "control-name" => tables(vec![table(
                "t\u{1b}[2J\u{7}",
                1,
                vec![column(
                    "x\r",
                    ColumnData::String(kiln::plugin::types::Strings {
                        offsets: vec![0, 4],
                        bytes: b"\x1b[31".to_vec(),
                    }),
                )],
            )]),
            "duplicate-metrics" => {
                let m = || Metric { name: "m".into(), value: 1.0, unit: String::new() };
                Output { tables: vec![], metrics: vec![m(), m()] }
            }
            "log-lines" => {
                for _ in 0..n {
                    log::write(log::Level::Info, "x");
                }
                tables(vec![])
            }
            "sleep" => {
                // An hour's sleep passes at once on the run's virtual clock; then it hangs, and
                // only the deadline ends it.
                std::thread::sleep(std::time::Duration::from_secs(3600));
                spin()
            }
            "scan-repeated-column" => {
                let columns = vec!["value".to_string(); n];
                let scan = data::Scan::new("readings", &columns);
                let mut rows = 0_u64;
                while let Some(batch) = scan.next().map_err(|e| PluginError::Failed(format!("{e:?}")))? {
                    rows += u64::from(batch.rows);
                }
                Output {
                    tables: vec![],
                    metrics: vec![Metric { name: "rows".into(), value: rows as f64, unit: String::new() }],
                }
            }
            other => return Err(PluginError::InvalidParams(format!("unknown attack `{other}`"))),
        })
    }
}

/// Never returns: a loop the epoch deadline interrupts.
fn spin() -> ! {
    loop {
        std::hint::black_box(());
    }
}

export!(Raw);
