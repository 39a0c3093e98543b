//! Loading a component: validation, compilation (through the cache), and `describe()`.

use std::time::Duration;

use wasmtime::Store;

use crate::bindings::v0_1_0::{self, PluginInfo, PluginPre};
use crate::cache::{CacheOutcome, sha256_hex};
use crate::engine::Host;
use crate::error::LoadError;
use crate::limits::Limits;
use crate::state::RunState;
use crate::validate::{self, Interfaces};

/// A validated, compiled plugin, ready to run many times. Instantiation reuses its
/// `InstancePre`, so a run pays only for a fresh store and instance.
pub struct Plugin {
    pub(crate) pre: PluginPre<RunState>,
    info: PluginInfo,
    sha256: String,
    size: usize,
    interfaces: Interfaces,
    cache: CacheOutcome,
}

impl Plugin {
    /// What the plugin's `describe()` returned at load.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// The sha256 of the component's bytes, in hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The component's size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The component's import and export names.
    pub fn interfaces(&self) -> &Interfaces {
        &self.interfaces
    }

    /// The plugin contract version the component targets.
    pub fn wit_version(&self) -> &'static str {
        v0_1_0::VERSION
    }

    /// Whether this load compiled the component or found it in the cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.cache
    }
}

/// Limits for the `describe()` call made at load: it must be quick and read no data.
fn describe_limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(5),
        fuel: 1_000_000_000,
        memory_bytes: 64 << 20,
        log_bytes: 16 << 10,
        ..Limits::default()
    }
}

impl Host {
    /// Validates and compiles `bytes`, then calls its `describe()`.
    ///
    /// Refuses anything but a component that exports the plugin world and imports nothing
    /// beyond the contract and the WASI 0.2 interfaces Rust's std links.
    pub async fn load(&self, bytes: &[u8]) -> Result<Plugin, LoadError> {
        if bytes.len() > self.config.max_component_bytes {
            return Err(LoadError::TooLarge { size: bytes.len(), limit: self.config.max_component_bytes });
        }
        validate::check_is_component(bytes)?;
        let sha256 = sha256_hex(bytes);
        let (component, cache) = match &self.cache {
            Some(cache) => cache.load(&self.engine, bytes, &sha256)?,
            None => (
                wasmtime::component::Component::new(&self.engine, bytes)
                    .map_err(|e| LoadError::Invalid(format!("{e:#}")))?,
                CacheOutcome::Compiled,
            ),
        };
        let interfaces = validate::check_interfaces(&self.engine, &component)?;
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Invalid(format!("imports do not match the host: {e:#}")))?;
        let pre = PluginPre::new(instance_pre).map_err(|e| LoadError::WrongWorld(format!("{e:#}")))?;
        let info = self.describe(&pre).await?;
        Ok(Plugin { pre, info, sha256, size: bytes.len(), interfaces, cache })
    }

    async fn describe(&self, pre: &PluginPre<RunState>) -> Result<PluginInfo, LoadError> {
        let limits = describe_limits();
        let mut store = self.store(&limits, None).map_err(|e| LoadError::Describe(format!("{e:#}")))?;
        // Instantiation checks the export's function types: a failure that is not a trap
        // in start-up code means the component exports the right name with the wrong shape.
        let plugin = pre.instantiate_async(&mut store).await.map_err(|e| match e.downcast_ref::<wasmtime::Trap>() {
            Some(_) => LoadError::Describe(format!("{e:#}")),
            None => LoadError::WrongWorld(format!("{e:#}")),
        })?;
        let info = plugin
            .kiln_plugin_guest()
            .call_describe(&mut store)
            .await
            .map_err(|e| LoadError::Describe(format!("{e:#}")))?;
        if info.name.trim().is_empty() {
            return Err(LoadError::Describe("plugin name is empty".into()));
        }
        Ok(info)
    }

    pub(crate) fn store(
        &self,
        limits: &Limits,
        access: Option<crate::state::DataAccess>,
    ) -> wasmtime::Result<Store<RunState>> {
        let mut store = Store::new(&self.engine, RunState::new(limits, access));
        store.limiter(|s| &mut s.limiter);
        if self.config.fuel {
            store.set_fuel(limits.fuel)?;
        }
        let deadline = std::time::Instant::now() + limits.timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if std::time::Instant::now() >= deadline {
                Err(crate::error::Abort::Timeout.into())
            } else {
                // Yield at every tick so a spinning guest never starves other runs.
                Ok(wasmtime::UpdateDeadline::Yield(1))
            }
        });
        Ok(store)
    }
}
