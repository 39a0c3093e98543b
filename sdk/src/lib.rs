//! Write Kiln plugins in Rust.
//!
//! A plugin is a type implementing [`Plugin`] plus one [`export!`] line. Build it for
//! `wasm32-wasip2` (`kiln plugin build`) and the result is a sandboxed component the Kiln host
//! runs against an enterprise's granted data. [`testing::TestRun`] runs the same code natively,
//! so its logic is unit tested without Wasm.
//!
//! ```
//! use kiln_sdk::{col, Batch, Context, Error, Output, Plugin, PluginInfo, ValueType};
//! use serde::Deserialize;
//!
//! /// Total electricity per enterprise, keeping only those above a threshold.
//! pub struct Electricity;
//!
//! #[derive(Deserialize)]
//! pub struct Params {
//!     min_kwh: f64,
//! }
//!
//! impl Plugin for Electricity {
//!     type Params = Params;
//!
//!     fn info() -> PluginInfo {
//!         PluginInfo::new("electricity", "0.1.0")
//!             .description("Total electricity use per enterprise.")
//!             .param("min_kwh", 0.0, "Leave out enterprises using less than this.")
//!             .dataset("monthly_indicators", &["enterprise_id", "electricity_kwh"], "Monthly reports.")
//!             .table(
//!                 "by_enterprise",
//!                 "Enterprise and total kWh, by enterprise_id.",
//!                 &[col("enterprise_id", ValueType::String), col("kwh", ValueType::F64)],
//!             )
//!             .metric("enterprises", "Enterprises kept.")
//!     }
//!
//!     fn run(ctx: &mut Context, params: Params) -> Result<Output, Error> {
//!         // Per-enterprise totals indexed by the scan's dictionary code: no string hashing.
//!         let mut totals: Vec<f64> = Vec::new();
//!         let mut scan = ctx.scan("monthly_indicators", &["enterprise_id", "electricity_kwh"])?;
//!         for batch in &mut scan {
//!             let batch = batch?;
//!             let ids = batch.dict("enterprise_id")?;
//!             totals.resize(ids.values().len(), 0.0);
//!             for (&id, kwh) in ids.codes().iter().zip(batch.f64("electricity_kwh")?) {
//!                 totals[id as usize] += kwh;
//!             }
//!         }
//!         let ids = scan.dictionary("enterprise_id").unwrap_or_default();
//!         drop(scan); // it borrows `ctx`
//!         let mut kept: Vec<u32> = (0..totals.len() as u32).filter(|&e| totals[e as usize] >= params.min_kwh).collect();
//!         kept.sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
//!         ctx.info(format!("{} enterprises kept", kept.len()));
//!         let kwh = kept.iter().map(|&e| totals[e as usize]).collect();
//!         Ok(Output::new()
//!             .metric("enterprises", kept.len() as f64, "")
//!             .table("by_enterprise", Batch::new().with_dict("enterprise_id", ids, kept).with_f64("kwh", kwh)))
//!     }
//! }
//!
//! // In a plugin crate (crate-type = ["cdylib"]), this line makes the component's exports:
//! // kiln_sdk::export!(Electricity);
//!
//! // And its logic is tested natively:
//! let output = kiln_sdk::testing::TestRun::new()
//!     .dataset(
//!         "monthly_indicators",
//!         Batch::new()
//!             .with_str("enterprise_id", vec!["E2", "E1", "E1"])
//!             .with_f64("electricity_kwh", vec![1.0, 10.0, 5.0]),
//!     )
//!     .param("min_kwh", 2.0)
//!     .run::<Electricity>()
//!     .unwrap();
//! let table = output.get_table("by_enterprise").unwrap();
//! assert_eq!(table.str("enterprise_id").unwrap(), &["E1"]);
//! assert_eq!(table.f64("kwh").unwrap(), &[15.0]);
//! ```
//!
//! # Dictionary columns
//!
//! The host sends string columns dictionary-encoded: each distinct value once per scan and a
//! `u32` code per row. [`Batch::dict`] gives a column's codes and the scan's dictionary so far
//! ([`Dict::values`]); a code means the same string in every batch of the scan, so per-id or
//! per-category state lives in a `Vec` indexed by code, sized by the dictionary's length, and
//! [`Scan::dictionary`] gives the whole dictionary once the scan is done; [`PerCode`] works
//! something out (a join key's index, a parsed date) once per distinct value. A column that comes
//! plain (a host past its per-column dictionary bound, or [`testing::TestRun::dictionary_bound`])
//! is encoded by the SDK into the same dictionary on the first `dict()` call, so `dict()` always
//! works and codes never change within a scan. [`Batch::str`] reads either form as strings
//! ([`StrColumn`], no copies). A scan's earlier batch keeps the dictionary it was given: keeping
//! batches alive across `next()` makes the scan copy the dictionary when it grows.
//!
//! Output tables may hold dictionary columns too ([`Batch::with_dict`]): an output repeating
//! ids row after row then carries each id once, and the host expands it to strings.
//!
//! # Output schemas
//!
//! [`PluginInfo::table`] declares an output table's columns, in order, with their types and
//! whether they may hold nulls ([`col`], [`ColumnSpec::nullable`]); [`PluginInfo::metric`]
//! declares a metric. The host refuses a run whose output holds an undeclared table or metric, a
//! table whose columns differ in name, order or type, or a null in a column not declared
//! nullable; a declared output may be left out. [`testing::TestRun`] applies the same check
//! ([`PluginInfo::check_output`]), so a mismatch fails a native test first.
//!
//! # Contract versions
//!
//! The SDK builds plugins against contract `kiln:plugin@0.2.0` ([`WIT_VERSION`]). Its
//! `contract-v0_1_0` feature builds the same API against the frozen 0.1.0 contract instead
//! (input strings arrive plain, dictionary output columns are expanded to strings, output
//! schemas are dropped from `describe()`): it exists so Kiln's own tests can build guests as
//! plugins published before 0.2.0 were built, and prove they keep running.
#![deny(missing_docs)]

extern crate self as kiln_sdk;

mod batch;
mod column;
mod context;
mod dict;
mod error;
mod info;
pub mod month;
pub mod native;
mod output;
mod params;
mod scan;
mod scan_dictionary;
mod schema;
pub mod stats;
mod str_column;
mod strings;
pub mod testing;

mod guest;

pub use batch::Batch;
pub use column::{Column, ColumnData, Timestamp};
pub use context::{Context, Grant, Level};
pub use dict::{Dict, Dictionary, PerCode};
pub use error::Error;
pub use info::{ColumnSpec, DatasetSpec, OutputKind, OutputSpec, ParamSpec, PluginInfo, ValueType, col};
pub use output::{Metric, Output, Table};
pub use params::Value;
pub use scan::Scan;
pub use str_column::{Iter as StrColumnIter, StrColumn};
pub use strings::{Iter as StringsIter, Strings};

/// The WIT contract version this SDK builds plugins against: `0.2.0`, or the frozen `0.1.0`
/// with the `contract-v0_1_0` feature (kept so Kiln's tests can build plugins as they were
/// built before 0.2.0; a plugin has no reason to use it).
#[cfg(not(feature = "contract-v0_1_0"))]
pub const WIT_VERSION: &str = "0.2.0";
/// The WIT contract version this SDK builds plugins against: `0.2.0`, or the frozen `0.1.0`
/// with the `contract-v0_1_0` feature (kept so Kiln's tests can build plugins as they were
/// built before 0.2.0; a plugin has no reason to use it).
#[cfg(feature = "contract-v0_1_0")]
pub const WIT_VERSION: &str = "0.1.0";

/// A Kiln plugin: its self-description and its computation.
pub trait Plugin {
    /// The run's parameters, deserialized with serde from the values the caller gave, with
    /// the defaults from [`Plugin::info`] filled in. Use `()` for a plugin without parameters.
    type Params: serde::de::DeserializeOwned;

    /// What `describe()` returns: name, version, parameters, datasets, outputs.
    fn info() -> PluginInfo;

    /// Computes the output from the granted data.
    fn run(ctx: &mut Context, params: Self::Params) -> Result<Output, Error>;
}

/// Makes `$plugin` (a type implementing [`Plugin`]) the component's `kiln:plugin/guest` export.
///
/// Expands to nothing on native targets, so a plugin crate also links as an ordinary library
/// (for native benchmarks and reference tests) beside other plugins.
#[macro_export]
macro_rules! export {
    ($plugin:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct KilnGuest;

            impl $crate::__private::Guest for KilnGuest {
                fn describe() -> $crate::__private::WitPluginInfo {
                    $crate::__private::describe::<$plugin>()
                }

                fn run(
                    params: ::std::vec::Vec<$crate::__private::WitParam>,
                ) -> ::std::result::Result<$crate::__private::WitOutput, $crate::__private::WitPluginError> {
                    $crate::__private::run::<$plugin>(params)
                }
            }

    $crate::__private::bindings::__export_plugin_world!(KilnGuest with_types_in $crate::__private::bindings);
        };
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::guest::current::bindings;
    pub use crate::guest::current::bindings::exports::kiln::plugin::guest::{
        Guest, Output as WitOutput, Param as WitParam, PluginError as WitPluginError, PluginInfo as WitPluginInfo,
    };
    pub use crate::guest::current::{describe, run};
    pub use wit_bindgen;
}
