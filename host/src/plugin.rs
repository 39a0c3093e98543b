//! Loading a component: validation, compilation (through the cache), and `describe()`.

use std::time::Duration;

use wasmtime::Store;

use wasmtime::component::Component;

use crate::cache::{CacheOutcome, sha256_hex};
use crate::capacity::RunSlot;
use crate::engine::Host;
use crate::error::{LoadError, RunError, one_line};
use crate::inspect::{Inspection, Language, Shape};
use crate::limits::Limits;
use crate::model::PluginInfo;
use crate::state::RunState;
use crate::validate::Interfaces;
use crate::wit::PluginPre;

/// A validated, compiled plugin, ready to run many times. Instantiation reuses its
/// `InstancePre`, so a run pays only for a fresh store and instance.
pub struct Plugin {
    pub(crate) pre: PluginPre,
    info: PluginInfo,
    sha256: String,
    size: usize,
    inspection: Inspection,
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
        &self.inspection.interfaces
    }

    /// The plugin contract version the component targets (one of [`crate::SUPPORTED_VERSIONS`]),
    /// read from its export.
    pub fn wit_version(&self) -> &'static str {
        self.inspection.wit_version()
    }

    /// What one instance of the component takes from the instance pool.
    pub fn shape(&self) -> Shape {
        self.inspection.shape
    }

    /// The slots a run of this plugin holds (see [`crate::capacity`]).
    pub fn slots(&self) -> u32 {
        self.inspection.shape.slots()
    }

    /// The language the component was written in.
    pub fn language(&self) -> Language {
        self.inspection.language
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
    /// Reads `bytes` without compiling them (see [`crate::inspect`]) and checks that one
    /// instance fits this host: its shape within [`Host::max_component_slots`], its memories'
    /// and tables' initial sizes within the cap. Everything that can refuse a component
    /// before it runs, in milliseconds.
    pub fn inspect(&self, bytes: &[u8]) -> Result<Inspection, LoadError> {
        if bytes.len() > self.config.max_component_bytes {
            return Err(LoadError::TooLarge { size: bytes.len(), limit: self.config.max_component_bytes });
        }
        // Sized first: an oversized component is refused for its size whatever it declares.
        let read = crate::inspect::read(bytes)?;
        let shape = &read.shape;
        let max = self.max_component_slots();
        if shape.slots() > max {
            return Err(LoadError::ExceedsLimits(format!(
                "one instance takes {} core instances, {} memories and {} tables: {} slots of this host's pool, \
                 where a component may take {max}",
                shape.core_instances,
                shape.memories,
                shape.tables,
                shape.slots()
            )));
        }
        let cap = &self.config.cap;
        if shape.max_initial_memory_bytes > cap.memory_bytes {
            return Err(LoadError::ExceedsLimits(format!(
                "a memory starts at {} bytes, over the {}-byte memory cap",
                shape.max_initial_memory_bytes, cap.memory_bytes
            )));
        }
        if shape.max_initial_table_elements > cap.table_elements {
            return Err(LoadError::ExceedsLimits(format!(
                "a table starts with {} elements, over the cap of {}",
                shape.max_initial_table_elements, cap.table_elements
            )));
        }
        read.checked()
    }

    /// Inspects, compiles (through the compile cache, when there is one) and calls
    /// `describe()`, waiting for load slots if too few are free (each is held at most for the
    /// describe deadline).
    ///
    /// Refuses anything but a component that exports the plugin world and imports nothing
    /// beyond the contract and the WASI 0.2 interfaces the host links, before compiling it.
    pub async fn load(&self, bytes: &[u8]) -> Result<Plugin, LoadError> {
        let (inspection, component, cache) = self.prepare(bytes).await?;
        let slot = self.load_slots.take(inspection.shape.slots()).await;
        self.load_in_slot(slot, bytes, inspection, component, cache).await
    }

    /// [`Host::load`], but refused with [`LoadError::Busy`] at once when too few load slots
    /// are free: for callers that answer "retry later" (a publish request).
    pub async fn try_load(&self, bytes: &[u8]) -> Result<Plugin, LoadError> {
        let (inspection, component, cache) = self.prepare(bytes).await?;
        let slot = self.load_slots.try_take(inspection.shape.slots()).map_err(LoadError::Busy)?;
        self.load_in_slot(slot, bytes, inspection, component, cache).await
    }

    /// Loads a component from native code [`Host::compile`] made of it earlier, waiting for
    /// load slots: no compiling. `compiled` is run as it is, so the caller passes the very
    /// bytes it checked against the hash recorded when they were made.
    pub async fn load_compiled(&self, bytes: &[u8], compiled: &[u8]) -> Result<Plugin, LoadError> {
        let inspection = self.inspect(bytes)?;
        let component = self.deserialize(compiled)?;
        let slot = self.load_slots.take(inspection.shape.slots()).await;
        self.load_in_slot(slot, bytes, inspection, component, CacheOutcome::Hit).await
    }

    /// [`Host::load_compiled`], but refused with [`LoadError::Busy`] at once when too few load
    /// slots are free.
    pub async fn try_load_compiled(&self, bytes: &[u8], compiled: &[u8]) -> Result<Plugin, LoadError> {
        let inspection = self.inspect(bytes)?;
        let slot = self.load_slots.try_take(inspection.shape.slots()).map_err(LoadError::Busy)?;
        let component = self.deserialize(compiled)?;
        self.load_in_slot(slot, bytes, inspection, component, CacheOutcome::Hit).await
    }

    async fn prepare(&self, bytes: &[u8]) -> Result<(Inspection, Component, CacheOutcome), LoadError> {
        let inspection = self.inspect(bytes)?;
        let (component, cache) = match &self.cache {
            Some(cache) => cache.load(self, bytes, &sha256_hex(bytes)).await?,
            None => {
                let compiled = self.compile(bytes).await?;
                (self.deserialize(&compiled)?, CacheOutcome::Compiled)
            }
        };
        Ok((inspection, component, cache))
    }

    async fn load_in_slot(
        &self,
        slot: RunSlot,
        bytes: &[u8],
        inspection: Inspection,
        component: Component,
        cache: CacheOutcome,
    ) -> Result<Plugin, LoadError> {
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Invalid(format!("imports do not match the host: {}", one_line(&e))))?;
        let pre = PluginPre::new(inspection.version, instance_pre).map_err(|e| LoadError::WrongWorld(one_line(&e)))?;
        let info = self.describe(&pre).await;
        drop(slot);
        let info = info?;
        crate::describe::check(&info).map_err(LoadError::Describe)?;
        Ok(Plugin { pre, info, sha256: sha256_hex(bytes), size: bytes.len(), inspection, cache })
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
                Err(LoadError::Describe(crate::fault::classify(e, &state, &log, &limits).to_string()))
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
