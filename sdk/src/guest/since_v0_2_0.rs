//! The glue for contract `kiln:plugin@0.2.0`, the one the SDK targets.
//!
//! Input string columns arrive as dictionary batches (the values each batch adds, and codes)
//! or plain; the SDK's [`crate::Scan`] holds each column's dictionary. Output dictionary
//! columns cross as they are (`base` 0, the whole dictionary), and `describe()` carries each
//! output's kind and, for a table, its columns.

/// Generated bindings for `kiln:plugin@0.2.0`. Plumbing for the `export!` macro, not API.
#[allow(missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit/since_v0.2.0",
        world: "plugin",
        pub_export_macro: true,
        export_macro_name: "__export_plugin_world",
        default_bindings_module: "::kiln_sdk::__private::bindings",
        runtime_path: "::kiln_sdk::__private::wit_bindgen::rt",
    });
}

use crate::context::{Backend, BatchSource};
use crate::{
    Batch, Column, ColumnData, Context, Dict, Error, Grant, Level, Output, OutputKind, Plugin, PluginInfo, Strings,
    Value, ValueType,
};
use bindings::exports::kiln::plugin::guest as wit_guest;
use bindings::kiln::plugin::{data as wit_data, log as wit_log, types as wit};

/// The export implementation the macro instantiates for a plugin type.
pub fn describe<P: Plugin>() -> wit_guest::PluginInfo {
    info_to_wit(P::info())
}

/// Runs plugin `P` under the Wasm host.
pub fn run<P: Plugin>(params: Vec<wit_guest::Param>) -> Result<wit_guest::Output, wit_guest::PluginError> {
    let given = params.into_iter().map(|p| (p.name, value_from_wit(p.value))).collect();
    let result = crate::params::parse::<P::Params>(&P::info(), given)
        .and_then(|params| P::run(&mut Context::new(&mut WitBackend), params));
    match result {
        Ok(output) => Ok(output_to_wit(output)),
        Err(Error::InvalidParams(m)) => Err(wit_guest::PluginError::InvalidParams(m)),
        Err(Error::InvalidData(m)) => Err(wit_guest::PluginError::InvalidData(m)),
        Err(Error::Failed(m)) => Err(wit_guest::PluginError::Failed(m)),
    }
}

struct WitBackend;

impl Backend for WitBackend {
    fn grants(&mut self) -> Vec<Grant> {
        wit_data::grants()
            .into_iter()
            .map(|g| Grant {
                dataset: g.dataset,
                columns: g.columns.into_iter().map(|c| (c.name, type_from_wit(c.type_))).collect(),
            })
            .collect()
    }

    fn open(&mut self, dataset: &str, columns: &[String]) -> Result<Box<dyn BatchSource + '_>, Error> {
        Ok(Box::new(WitScan(wit_data::Scan::new(dataset, columns))))
    }

    fn log(&mut self, level: Level, message: &str) {
        let level = match level {
            Level::Trace => wit_log::Level::Trace,
            Level::Debug => wit_log::Level::Debug,
            Level::Info => wit_log::Level::Info,
            Level::Warn => wit_log::Level::Warn,
            Level::Error => wit_log::Level::Error,
        };
        wit_log::write(level, message);
    }
}

struct WitScan(wit_data::Scan);

impl BatchSource for WitScan {
    fn next_batch(&mut self) -> Result<Option<Batch>, Error> {
        match self.0.next() {
            Ok(Some(batch)) => batch_from_wit(batch).map(Some),
            Ok(None) => Ok(None),
            Err(wit_data::DataError::Io(m)) => Err(Error::msg(format!("reading data: {m}"))),
            Err(wit_data::DataError::Invalid(m)) => Err(Error::invalid_data(m)),
        }
    }
}

fn batch_from_wit(batch: wit::Batch) -> Result<Batch, Error> {
    let columns = batch
        .columns
        .into_iter()
        .map(|c| {
            let data = match c.data {
                wit::ColumnData::F64(v) => ColumnData::F64(v),
                wit::ColumnData::S64(v) => ColumnData::S64(v),
                wit::ColumnData::String(v) => ColumnData::String(
                    Strings::from_parts(v.offsets, v.bytes)
                        .map_err(|e| Error::invalid_data(format!("column `{}`: {e}", c.name)))?,
                ),
                wit::ColumnData::Bool(v) => ColumnData::Bool(v),
                wit::ColumnData::Timestamp(v) => ColumnData::Timestamp(v),
                wit::ColumnData::Dict(d) => ColumnData::Dict(Dict::delta(
                    d.base,
                    Strings::from_parts(d.values.offsets, d.values.bytes)
                        .map_err(|e| Error::invalid_data(format!("column `{}`: {e}", c.name)))?,
                    d.codes,
                )),
            };
            Ok(Column { name: c.name, validity: c.validity, data })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Batch::from_columns(columns)
}

fn batch_to_wit(batch: Batch) -> wit::Batch {
    let rows = batch.num_rows() as u32;
    let columns = batch
        .into_columns()
        .into_iter()
        .map(|c| wit::Column {
            name: c.name,
            validity: c.validity,
            data: match c.data {
                ColumnData::F64(v) => wit::ColumnData::F64(v),
                ColumnData::S64(v) => wit::ColumnData::S64(v),
                ColumnData::String(v) => {
                    let (offsets, bytes) = v.into_parts();
                    wit::ColumnData::String(wit::Strings { offsets, bytes })
                }
                ColumnData::Bool(v) => wit::ColumnData::Bool(v),
                ColumnData::Timestamp(v) => wit::ColumnData::Timestamp(v),
                ColumnData::Dict(v) => {
                    let (values, codes) = v.into_parts();
                    let (offsets, bytes) = values.into_strings().into_parts();
                    wit::ColumnData::Dict(wit::Dict { base: 0, values: wit::Strings { offsets, bytes }, codes })
                }
            },
        })
        .collect();
    wit::Batch { rows, columns }
}

shared_conversions!();

fn info_to_wit(info: PluginInfo) -> wit_guest::PluginInfo {
    wit_guest::PluginInfo {
        name: info.name,
        version: info.version,
        description: info.description,
        params: info
            .params
            .into_iter()
            .map(|p| wit_guest::ParamSpec {
                name: p.name,
                type_: type_to_wit(p.ty),
                default: p.default.map(value_to_wit),
                doc: p.doc,
            })
            .collect(),
        datasets: info
            .datasets
            .into_iter()
            .map(|d| wit_guest::DatasetSpec { name: d.name, columns: d.columns, doc: d.doc })
            .collect(),
        outputs: info
            .outputs
            .into_iter()
            .map(|o| wit_guest::OutputSpec { name: o.name, doc: o.doc, kind: kind_to_wit(o.kind) })
            .collect(),
    }
}

fn kind_to_wit(kind: OutputKind) -> wit_guest::OutputKind {
    match kind {
        OutputKind::Table(columns) => wit_guest::OutputKind::Table(
            columns
                .into_iter()
                .map(|c| wit_guest::ColumnSpec {
                    name: c.name,
                    type_: type_to_wit(c.ty),
                    nullable: c.nullable,
                    doc: c.doc,
                })
                .collect(),
        ),
        OutputKind::Metric => wit_guest::OutputKind::Metric,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dictionary, col};

    fn strings(values: &[&str]) -> wit::Strings {
        let (offsets, bytes) = values.iter().collect::<Strings>().into_parts();
        wit::Strings { offsets, bytes }
    }

    #[test]
    fn a_dict_batch_arrives_as_the_values_it_adds() {
        let batch = wit::Batch {
            rows: 2,
            columns: vec![wit::Column {
                name: "id".into(),
                data: wit::ColumnData::Dict(wit::Dict { base: 3, values: strings(&["x"]), codes: vec![3, 0] }),
                validity: None,
            }],
        };
        let batch = batch_from_wit(batch).unwrap();
        let ColumnData::Dict(dict) = &batch.columns()[0].data else { panic!("not a dict: {batch:?}") };
        assert_eq!((dict.base, dict.codes()), (3, &[3, 0][..]));
        assert_eq!(**dict.values(), ["x"]);
    }

    #[test]
    fn malformed_dict_values_are_invalid_data() {
        let values = wit::Strings { offsets: vec![0, 9], bytes: b"x".to_vec() };
        let batch = wit::Batch {
            rows: 1,
            columns: vec![wit::Column {
                name: "id".into(),
                data: wit::ColumnData::Dict(wit::Dict { base: 0, values, codes: vec![0] }),
                validity: None,
            }],
        };
        assert!(matches!(batch_from_wit(batch), Err(Error::InvalidData(_))));
    }

    #[test]
    fn output_dicts_cross_whole_and_schemas_are_declared() {
        let table = Batch::new().with_dict("id", ["a", "b"].into_iter().collect::<Dictionary>(), vec![1, 1, 0]);
        let wit = batch_to_wit(table);
        let wit::ColumnData::Dict(dict) = &wit.columns[0].data else { panic!("not a dict") };
        assert_eq!((dict.base, &dict.codes[..], &dict.values.bytes[..]), (0, &[1, 1, 0][..], &b"ab"[..]));

        let info =
            PluginInfo::new("p", "0.1.0").table("t", "", &[col("id", ValueType::String).nullable()]).metric("m", "");
        let outputs = info_to_wit(info).outputs;
        let wit_guest::OutputKind::Table(columns) = &outputs[0].kind else { panic!("not a table") };
        assert_eq!((columns[0].name.as_str(), columns[0].nullable), ("id", true));
        assert!(matches!(outputs[1].kind, wit_guest::OutputKind::Metric));
    }
}
