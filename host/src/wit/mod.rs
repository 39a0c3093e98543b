//! The plugin contract's released versions, one module each (`since_v*`), like the folders of
//! `wit/`.
//!
//! Each module holds its version's generated bindings, adds its imports to the linker, and
//! converts between its types and the host's model ([`crate::model`]). Everything else in the
//! host works on the model only, so a new contract version is a new module here and a new arm
//! in [`PluginPre`] and [`PluginInstance`]; nothing else has to know.

use wasmtime::Store;
use wasmtime::component::{InstancePre, Linker};

use crate::model::{Output, Param, PluginError, PluginInfo};
use crate::state::RunState;

#[macro_use]
mod convert;
pub(crate) mod since_v0_1_0;
pub(crate) mod since_v0_2_0;

/// The contract versions this host runs, oldest first.
pub const SUPPORTED_VERSIONS: &[&str] = &[since_v0_1_0::VERSION, since_v0_2_0::VERSION];

/// A contract version this host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V0_1_0,
    V0_2_0,
}

impl Version {
    /// The version a `kiln:plugin` interface's `@X.Y.Z` names, if this host runs it.
    pub(crate) fn parse(version: &str) -> Option<Self> {
        match version {
            since_v0_1_0::VERSION => Some(Version::V0_1_0),
            since_v0_2_0::VERSION => Some(Version::V0_2_0),
            _ => None,
        }
    }

    /// `"0.1.0"`, `"0.2.0"`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Version::V0_1_0 => since_v0_1_0::VERSION,
            Version::V0_2_0 => since_v0_2_0::VERSION,
        }
    }
}

/// Adds every version's imports to `linker` (their interface names differ by version, so a
/// component links against exactly the one it was built for).
pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    since_v0_1_0::add_to_linker(linker)?;
    since_v0_2_0::add_to_linker(linker)
}

/// A component's pre-linked instance, typed by the contract version it exports.
pub(crate) enum PluginPre {
    V0_1_0(since_v0_1_0::PluginPre<RunState>),
    V0_2_0(since_v0_2_0::PluginPre<RunState>),
}

impl PluginPre {
    /// Checks that `pre`'s exports have the types `version`'s world gives them.
    pub(crate) fn new(version: Version, pre: InstancePre<RunState>) -> wasmtime::Result<Self> {
        Ok(match version {
            Version::V0_1_0 => PluginPre::V0_1_0(since_v0_1_0::PluginPre::new(pre)?),
            Version::V0_2_0 => PluginPre::V0_2_0(since_v0_2_0::PluginPre::new(pre)?),
        })
    }

    /// Instantiates the component in `store`.
    pub(crate) async fn instantiate(&self, store: &mut Store<RunState>) -> wasmtime::Result<PluginInstance> {
        Ok(match self {
            PluginPre::V0_1_0(pre) => PluginInstance::V0_1_0(pre.instantiate_async(store).await?),
            PluginPre::V0_2_0(pre) => PluginInstance::V0_2_0(pre.instantiate_async(store).await?),
        })
    }
}

/// A live instance of a plugin, typed by its contract version.
pub(crate) enum PluginInstance {
    V0_1_0(since_v0_1_0::Plugin),
    V0_2_0(since_v0_2_0::Plugin),
}

impl PluginInstance {
    /// Calls the guest's `describe()`.
    pub(crate) async fn describe(&self, store: &mut Store<RunState>) -> wasmtime::Result<PluginInfo> {
        match self {
            PluginInstance::V0_1_0(plugin) => since_v0_1_0::describe(plugin, store).await,
            PluginInstance::V0_2_0(plugin) => since_v0_2_0::describe(plugin, store).await,
        }
    }

    /// Calls the guest's `run()`.
    pub(crate) async fn run(
        &self,
        store: &mut Store<RunState>,
        params: &[Param],
    ) -> wasmtime::Result<Result<Output, PluginError>> {
        match self {
            PluginInstance::V0_1_0(plugin) => since_v0_1_0::run(plugin, store, params).await,
            PluginInstance::V0_2_0(plugin) => since_v0_2_0::run(plugin, store, params).await,
        }
    }
}
