//! Write Kiln plugins in Rust.
//!
//! A plugin is a type implementing [`Plugin`] plus one [`export!`] line. Build it for
//! `wasm32-wasip2` (`kiln plugin build`) and the result is a sandboxed component the Kiln host
//! runs against an enterprise's granted data. [`testing::TestRun`] runs the same code natively,
//! so its logic is unit tested without Wasm.
//!
//! ```
//! use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo, Batch};
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
//!             .output("by_enterprise", "Enterprise and total kWh.")
//!     }
//!
//!     fn run(ctx: &mut Context, params: Params) -> Result<Output, Error> {
//!         let mut totals = std::collections::BTreeMap::<String, f64>::new();
//!         for batch in ctx.scan("monthly_indicators", &["enterprise_id", "electricity_kwh"])? {
//!             let batch = batch?;
//!             for (id, kwh) in batch.str("enterprise_id")?.iter().zip(batch.f64("electricity_kwh")?) {
//!                 *totals.entry(id.to_string()).or_default() += kwh;
//!             }
//!         }
//!         totals.retain(|_, kwh| *kwh >= params.min_kwh);
//!         ctx.info(format!("{} enterprises kept", totals.len()));
//!         let (ids, kwh): (Vec<String>, Vec<f64>) = totals.into_iter().unzip();
//!         Ok(Output::new()
//!             .table("by_enterprise", Batch::new().with_str("enterprise_id", ids).with_f64("kwh", kwh)))
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
//!             .with_str("enterprise_id", vec!["E1", "E2", "E1"])
//!             .with_f64("electricity_kwh", vec![10.0, 1.0, 5.0]),
//!     )
//!     .param("min_kwh", 2.0)
//!     .run::<Electricity>()
//!     .unwrap();
//! let table = output.get_table("by_enterprise").unwrap();
//! assert_eq!(table.str("enterprise_id").unwrap(), &["E1"]);
//! assert_eq!(table.f64("kwh").unwrap(), &[15.0]);
//! ```
#![deny(missing_docs)]

extern crate self as kiln_sdk;

mod batch;
mod context;
mod error;
mod info;
pub mod month;
pub mod native;
mod output;
mod params;
pub mod stats;
mod strings;
pub mod testing;

#[doc(hidden)]
pub mod bindings;
mod guest;

pub use batch::{Batch, Column, ColumnData, Timestamp};
pub use context::{Context, Grant, Level, Scan};
pub use error::Error;
pub use info::{DatasetSpec, OutputSpec, ParamSpec, PluginInfo, ValueType};
pub use output::{Metric, Output, Table};
pub use params::Value;
pub use strings::{Iter as StringsIter, Strings};

/// The WIT contract version this SDK builds plugins against.
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
    pub use crate::bindings;
    pub use crate::bindings::exports::kiln::plugin::guest::{
        Guest, Output as WitOutput, Param as WitParam, PluginError as WitPluginError, PluginInfo as WitPluginInfo,
    };
    pub use crate::guest::{describe, run};
    pub use wit_bindgen;
}
