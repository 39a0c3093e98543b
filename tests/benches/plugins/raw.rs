//! The same components run through wasmtime alone, with no Kiln: the floor Kiln is measured
//! against (`Kiln ÷ raw` in the bench's table).
//!
//! Each run is what any embedder must do at the least: a `Store` over the host's own engine
//! (so the engine and pooling settings are Kiln's exactly) holding an empty WASI context and a
//! resource table, fuel set as shipped, instantiation from an `InstancePre`, one call, drop.
//! There is no limiter, log, epoch callback, timeout, slot or output check. The `data` import
//! is a minimal `bindgen!` implementation whose scan hands out one `f64` column of an in-memory
//! vector in the host's batch size: the same batches `MemorySource` gives Kiln's runs.
//!
//! Each contract version the guests may be built against gets one module from `raw_contract!`
//! (the contract's types this code touches are the same in both); [`Raw::load`] picks the one
//! the component exports, so the bench follows the guests' version with nothing to switch.

use std::sync::Arc;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The in-memory column a raw scan reads: `value` of the `numbers` dataset.
#[derive(Clone)]
pub struct Numbers {
    /// The values, shared by every run.
    pub values: Arc<Vec<f64>>,
    /// Rows per batch, the host's `batch_rows`.
    pub batch_rows: usize,
}

/// One raw run's store state: what an embedder needs for a component that links WASI.
pub struct RawState {
    wasi: WasiCtx,
    table: ResourceTable,
    numbers: Option<Numbers>,
}

impl WasiView for RawState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// A raw scan's position in [`Numbers`].
pub struct RawScan {
    at: usize,
}

/// Fuel as [`kiln_host::Limits::default`] ships it, so metered code runs the same.
fn fuel() -> u64 {
    kiln_host::Limits::default().fuel
}

/// Generates the raw host for one contract version's WIT folder.
macro_rules! raw_contract {
    ($module:ident, $version:literal, $path:tt) => {
        pub mod $module {
            use super::*;

            #[allow(missing_docs, dead_code)]
            mod generated {
                wasmtime::component::bindgen!({
                    path: $path,
                    world: "plugin",
                    imports: { default: trappable },
                    exports: { default: async },
                    with: { "kiln:plugin/data.scan": crate::raw::RawScan },
                });
            }
            use generated::exports::kiln::plugin::guest::{Output, Param, PluginError};
            use generated::kiln::plugin::{data, log, types};
            use wasmtime::component::{HasSelf, Resource};

            /// The export this version's guests provide.
            pub const GUEST_EXPORT: &str = concat!("kiln:plugin/guest@", $version);

            /// A component ready to instantiate through wasmtime alone.
            pub struct Pre(generated::PluginPre<RawState>);

            impl Pre {
                /// Links `component` to this version's raw host (WASI plus the minimal `data` and `log`).
                pub fn new(engine: &Engine, component: &Component) -> wasmtime::Result<Self> {
                    let mut linker = Linker::new(engine);
                    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
                    generated::Plugin::add_to_linker::<RawState, HasSelf<RawState>>(&mut linker, |s| s)?;
                    Ok(Pre(generated::PluginPre::new(linker.instantiate_pre(component)?)?))
                }

                /// One run with string parameters; returns the output's first metric, if any.
                pub async fn run(
                    &self,
                    engine: &Engine,
                    numbers: Option<Numbers>,
                    params: &[(String, String)],
                ) -> wasmtime::Result<Option<f64>> {
                    let state = RawState { wasi: WasiCtx::builder().build(), table: ResourceTable::new(), numbers };
                    let mut store = Store::new(engine, state);
                    store.set_fuel(fuel())?;
                    // Far enough that the ticker never interrupts; a raw embedder need not yield.
                    store.set_epoch_deadline(1 << 40);
                    let params: Vec<Param> = params
                        .iter()
                        .map(|(name, value)| Param { name: name.clone(), value: types::Value::String(value.clone()) })
                        .collect();
                    let instance = self.0.instantiate_async(&mut store).await?;
                    let output: Result<Output, PluginError> =
                        instance.kiln_plugin_guest().call_run(&mut store, &params).await?;
                    match output {
                        Ok(output) => Ok(output.metrics.first().map(|m| m.value)),
                        Err(e) => Err(wasmtime::format_err!("the guest refused: {e:?}")),
                    }
                }
            }

            impl types::Host for RawState {}

            impl data::Host for RawState {
                fn grants(&mut self) -> wasmtime::Result<Vec<data::Grant>> {
                    Ok(Vec::new())
                }
            }

            impl data::HostScan for RawState {
                fn new(&mut self, dataset: String, columns: Vec<String>) -> wasmtime::Result<Resource<RawScan>> {
                    if dataset != "numbers" || columns != ["value"] {
                        wasmtime::bail!("the raw host only serves `numbers.value`, not {dataset} {columns:?}");
                    }
                    Ok(self.table.push(RawScan { at: 0 })?)
                }

                fn next(
                    &mut self,
                    scan: Resource<RawScan>,
                ) -> wasmtime::Result<Result<Option<types::Batch>, data::DataError>> {
                    let Some(numbers) = &self.numbers else { wasmtime::bail!("this run has no data") };
                    let scan = self.table.get_mut(&scan)?;
                    let end = (scan.at + numbers.batch_rows).min(numbers.values.len());
                    if scan.at == end {
                        return Ok(Ok(None));
                    }
                    let values = numbers.values[scan.at..end].to_vec();
                    scan.at = end;
                    Ok(Ok(Some(types::Batch {
                        rows: values.len() as u32,
                        columns: vec![types::Column {
                            name: "value".into(),
                            data: types::ColumnData::F64(values),
                            validity: None,
                        }],
                    })))
                }

                fn drop(&mut self, scan: Resource<RawScan>) -> wasmtime::Result<()> {
                    self.table.delete(scan)?;
                    Ok(())
                }
            }

            impl log::Host for RawState {
                fn write(&mut self, _: log::Level, _: String) -> wasmtime::Result<()> {
                    Ok(())
                }
            }
        }
    };
}

raw_contract!(v0_1_0, "0.1.0", "../wit/since_v0.1.0");
raw_contract!(v0_2_0, "0.2.0", "../wit/since_v0.2.0");

/// A component prepared for raw runs under whichever contract version it exports.
pub enum Raw {
    /// Built against `kiln:plugin@0.1.0`.
    V0_1_0(v0_1_0::Pre),
    /// Built against `kiln:plugin@0.2.0`.
    V0_2_0(v0_2_0::Pre),
}

impl Raw {
    /// Compiles `bytes` on `engine` and links it to the raw host of the version it exports.
    pub fn load(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self> {
        let component = Component::new(engine, bytes)?;
        let exports: Vec<String> =
            component.component_type().exports(engine).map(|(name, _)| name.to_string()).collect();
        if exports.iter().any(|e| e == v0_2_0::GUEST_EXPORT) {
            Ok(Raw::V0_2_0(v0_2_0::Pre::new(engine, &component)?))
        } else if exports.iter().any(|e| e == v0_1_0::GUEST_EXPORT) {
            Ok(Raw::V0_1_0(v0_1_0::Pre::new(engine, &component)?))
        } else {
            wasmtime::bail!("exports {exports:?} hold no kiln:plugin guest this bench knows")
        }
    }

    /// The contract version the component was linked as.
    pub fn version(&self) -> &'static str {
        match self {
            Raw::V0_1_0(_) => "0.1.0",
            Raw::V0_2_0(_) => "0.2.0",
        }
    }

    /// One run: fresh store, instantiate, `run(params)`, drop. Returns the first metric.
    pub async fn run(
        &self,
        engine: &Engine,
        numbers: Option<Numbers>,
        params: &[(String, String)],
    ) -> wasmtime::Result<Option<f64>> {
        match self {
            Raw::V0_1_0(pre) => pre.run(engine, numbers, params).await,
            Raw::V0_2_0(pre) => pre.run(engine, numbers, params).await,
        }
    }
}
