//! Host bindings for each released version of the plugin contract (`wit/since_v*`).
//!
//! Only `0.1.0` exists. A later version gets its own module here, and [`crate::Plugin`] picks
//! the one a component exports, so plugins built against older contracts keep running.

/// `kiln:plugin@0.1.0`.
pub mod v0_1_0 {
    #[allow(missing_docs)]
    mod generated {
        wasmtime::component::bindgen!({
            path: "../wit/since_v0.1.0",
            world: "plugin",
            imports: { default: trappable },
            exports: { default: async },
            with: { "kiln:plugin/data.scan": crate::state::ScanState },
            additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        });
    }

    pub use generated::exports::kiln::plugin::guest::{
        DatasetSpec, Metric, Output, OutputSpec, Param, ParamSpec, PluginError, PluginInfo, Table,
    };
    pub use generated::kiln::plugin::data::{ColumnInfo, DataError, Grant};
    pub use generated::kiln::plugin::log::Level;
    pub use generated::kiln::plugin::types::{Batch, Column, ColumnData, Strings, Value, ValueType};
    pub(crate) use generated::kiln::plugin::{data, log, types};
    pub(crate) use generated::{Plugin, PluginPre};

    /// The export every 0.1.x plugin provides.
    pub const GUEST_EXPORT: &str = "kiln:plugin/guest@0.1.0";
    /// The contract's version.
    pub const VERSION: &str = "0.1.0";
}
