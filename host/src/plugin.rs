//! Loading a component: validation, compilation (through the cache), and `describe()`.

use std::time::Duration;

use wasmtime::Store;

use crate::cache::{CacheOutcome, sha256_hex};
use crate::engine::Host;
use crate::error::{LoadError, RunError, one_line};
use crate::limits::Limits;
use crate::model::PluginInfo;
use crate::state::RunState;
use crate::validate::{self, Interfaces};
use crate::wit::PluginPre;

/// A validated, compiled plugin, ready to run many times. Instantiation reuses its
/// `InstancePre`, so a run pays only for a fresh store and instance.
pub struct Plugin {
    pub(crate) pre: PluginPre,
    info: PluginInfo,
    sha256: String,
    size: usize,
    interfaces: Interfaces,
    wit_version: &'static str,
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

    /// The plugin contract version the component targets (one of [`crate::SUPPORTED_VERSIONS`]),
    /// read from its export.
    pub fn wit_version(&self) -> &'static str {
        self.wit_version
    }

    /// Whether this load compiled the component or found it in the cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.cache
    }
}

/// The most `describe()` may return, in bytes as the host holds it.
pub const MAX_DESCRIBE_BYTES: u64 = 1 << 20;

/// Limits for the `describe()` call made at load: quick, reading no data, returning little,
/// with the same memory as a run may have (a plugin whose initial memory fits a run must load).
fn describe_limits(timeout: Duration, cap: &Limits) -> Limits {
    Limits {
        timeout: timeout.min(cap.timeout),
        fuel: 1_000_000_000,
        memory_bytes: cap.memory_bytes,
        output_bytes: MAX_DESCRIBE_BYTES,
        log_bytes: 16 << 10,
        ..Limits::default()
    }
}

impl Host {
    /// Validates and compiles `bytes`, then calls its `describe()`, waiting for a load slot if
    /// all are taken (each is held at most for the describe deadline).
    ///
    /// Refuses anything but a component that exports the plugin world and imports nothing
    /// beyond the contract and the WASI 0.2 interfaces Rust's std links.
    pub async fn load(&self, bytes: &[u8]) -> Result<Plugin, LoadError> {
        let slot = self.load_slots.clone().acquire_owned().await.map_err(|_| LoadError::Busy("closed".into()))?;
        let plugin = self.load_in_slot(bytes).await;
        drop(slot);
        plugin
    }

    /// [`Host::load`], but refused with [`LoadError::Busy`] at once when every load slot is
    /// taken: for callers that answer "retry later" (a publish request).
    pub async fn try_load(&self, bytes: &[u8]) -> Result<Plugin, LoadError> {
        let slot = self
            .load_slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| LoadError::Busy("every load slot is in use; retry shortly".into()))?;
        let plugin = self.load_in_slot(bytes).await;
        drop(slot);
        plugin
    }

    async fn load_in_slot(&self, bytes: &[u8]) -> Result<Plugin, LoadError> {
        if bytes.len() > self.config.max_component_bytes {
            return Err(LoadError::TooLarge { size: bytes.len(), limit: self.config.max_component_bytes });
        }
        validate::check_is_component(bytes)?;
        let sha256 = sha256_hex(bytes);
        let (component, cache) = match &self.cache {
            Some(cache) => cache.load(&self.engine, bytes, &sha256)?,
            None => (crate::cache::compile(&self.engine, bytes)?, CacheOutcome::Compiled),
        };
        let (interfaces, version) = validate::check_interfaces(&self.engine, &component)?;
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Invalid(format!("imports do not match the host: {}", one_line(&e))))?;
        let pre = PluginPre::new(version, instance_pre).map_err(|e| LoadError::WrongWorld(one_line(&e)))?;
        let info = self.describe(&pre).await?;
        crate::describe::check(&info).map_err(LoadError::Describe)?;
        Ok(Plugin { pre, info, sha256, size: bytes.len(), interfaces, wit_version: version.as_str(), cache })
    }

    /// Calls `describe()` in a fresh store under [`describe_limits`]; it ends by its deadline
    /// whatever the guest does, since the whole call is raced against it.
    async fn describe(&self, pre: &PluginPre) -> Result<PluginInfo, LoadError> {
        let limits = describe_limits(self.config.describe_timeout, &self.config.cap);
        let mut store =
            self.store(&limits, None, &crate::Determinism::default()).map_err(|e| LoadError::Describe(one_line(&e)))?;
        let called = tokio::time::timeout(limits.timeout, async {
            let plugin = pre.instantiate(&mut store).await.map_err(Instantiation)?;
            plugin.describe(&mut store).await.map_err(Call)
        })
        .await;
        let state = store.into_data();
        let log = state.log.finish();
        match called {
            Ok(Ok(info)) => Ok(info),
            Err(_elapsed) => Err(LoadError::Describe(RunError::Timeout(limits.timeout).to_string())),
            // Instantiating fails by the pool (busy), by start-up code trapping or passing a
            // limit (the plugin's fault, said as a run would say it), or else because the
            // export's function types do not match the contract.
            Ok(Err(Instantiation(e))) if e.is::<wasmtime::PoolConcurrencyLimitError>() => {
                Err(LoadError::Busy(one_line(&e)))
            }
            Ok(Err(Instantiation(e)))
                if e.downcast_ref::<wasmtime::Trap>().is_none()
                    && !state.limiter.memory_refused
                    && !state.limiter.table_refused =>
            {
                Err(LoadError::WrongWorld(one_line(&e)))
            }
            Ok(Err(Instantiation(e) | Call(e))) => {
                tracing::debug!(error = ?e, "describe() failed");
                Err(LoadError::Describe(crate::run::classify(e, &state, &log, &limits).to_string()))
            }
        }
    }

    pub(crate) fn store(
        &self,
        limits: &Limits,
        access: Option<crate::state::DataAccess>,
        determinism: &crate::Determinism,
    ) -> wasmtime::Result<Store<RunState>> {
        let mut store = Store::new(&self.engine, RunState::new(limits, access, determinism));
        store.limiter(|s| &mut s.limiter);
        // Lifting a value out of the guest (an import's arguments, the export's result) is
        // charged per element at its host size against this budget, so a guest cannot make
        // the host allocate more than the output limit in one go, however its lists alias.
        store.set_hostcall_fuel(usize::try_from(limits.output_bytes).unwrap_or(usize::MAX));
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

/// Which step of a call failed.
enum Failure {
    Instantiation(wasmtime::Error),
    Call(wasmtime::Error),
}
use Failure::{Call, Instantiation};
