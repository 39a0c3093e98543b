//! `kiln:plugin@0.2.0`, in `wit/since_v0.2.0`: dictionary-encoded string columns and typed
//! outputs.
//!
//! A scan sends every string column as a `dict` with scan-stable codes (see
//! [`crate::data::encode_dictionaries`]), and `describe()` declares each output's kind: a table
//! with its columns, or a metric.

use wasmtime::Store;
use wasmtime::component::{HasSelf, Linker, Resource};

use crate::log::LogSource;
use crate::model;
use crate::state::{RunState, ScanState};

#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/since_v0.2.0",
        world: "plugin",
        imports: { default: trappable },
        exports: { default: async },
        with: { "kiln:plugin/data.scan": crate::state::ScanState },
    });
}

use generated::exports::kiln::plugin::guest;
use generated::kiln::plugin::{data, log, types};
pub(crate) use generated::{Plugin, PluginPre};

/// The contract's version, as its interfaces name it.
pub(crate) const VERSION: &str = "0.2.0";

/// Adds this version's `data`, `log` and `types` imports.
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    Plugin::add_to_linker::<RunState, HasSelf<RunState>>(linker, |s| s)
}

/// Calls `describe()`.
pub(crate) async fn describe(plugin: &Plugin, store: &mut Store<RunState>) -> wasmtime::Result<model::PluginInfo> {
    let info = plugin.kiln_plugin_guest().call_describe(store).await?;
    Ok(model::PluginInfo {
        name: info.name,
        version: info.version,
        description: info.description,
        params: info.params.into_iter().map(param_spec_from_wit).collect(),
        datasets: info.datasets.into_iter().map(dataset_spec_from_wit).collect(),
        outputs: info.outputs.into_iter().map(output_spec_from_wit).collect(),
    })
}

/// Calls `run(params)`.
pub(crate) async fn run(
    plugin: &Plugin,
    store: &mut Store<RunState>,
    params: &[model::Param],
) -> wasmtime::Result<Result<model::Output, model::PluginError>> {
    let params: Vec<guest::Param> = params.iter().map(param_to_wit).collect();
    let result = plugin.kiln_plugin_guest().call_run(store, &params).await?;
    Ok(result.map(output_from_wit).map_err(plugin_error_from_wit))
}

fn output_spec_from_wit(o: guest::OutputSpec) -> model::OutputSpec {
    let kind = match o.kind {
        guest::OutputKind::Table(columns) => model::OutputKind::Table(
            columns
                .into_iter()
                .map(|c| model::ColumnSpec {
                    name: c.name,
                    type_: value_type_from_wit(c.type_),
                    nullable: c.nullable,
                    doc: c.doc,
                })
                .collect(),
        ),
        guest::OutputKind::Metric => model::OutputKind::Metric,
    };
    model::OutputSpec { name: o.name, doc: o.doc, kind: Some(kind) }
}

fn column_data_from_wit(data: types::ColumnData) -> model::ColumnData {
    match data {
        types::ColumnData::F64(v) => model::ColumnData::F64(v),
        types::ColumnData::S64(v) => model::ColumnData::S64(v),
        types::ColumnData::String(v) => model::ColumnData::String(strings_from_wit(v)),
        types::ColumnData::Bool(v) => model::ColumnData::Bool(v),
        types::ColumnData::Timestamp(v) => model::ColumnData::Timestamp(v),
        types::ColumnData::Dict(d) => {
            model::ColumnData::Dict(model::Dict { base: d.base, values: strings_from_wit(d.values), codes: d.codes })
        }
    }
}

fn column_data_to_wit(data: model::ColumnData) -> types::ColumnData {
    match data {
        model::ColumnData::F64(v) => types::ColumnData::F64(v),
        model::ColumnData::S64(v) => types::ColumnData::S64(v),
        model::ColumnData::String(v) => types::ColumnData::String(strings_to_wit(v)),
        model::ColumnData::Bool(v) => types::ColumnData::Bool(v),
        model::ColumnData::Timestamp(v) => types::ColumnData::Timestamp(v),
        model::ColumnData::Dict(d) => {
            types::ColumnData::Dict(types::Dict { base: d.base, values: strings_to_wit(d.values), codes: d.codes })
        }
    }
}

shared_conversions!();
host_imports!(dictionaries: true);
