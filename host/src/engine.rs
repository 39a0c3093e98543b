//! The one wasmtime engine per process and everything shared across runs: the linker, the
//! compile cache and the epoch ticker that enforces deadlines.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::v0_1_0;
use crate::cache::CompileCache;
use crate::limits::Limits;
use crate::state::RunState;

/// How often the epoch advances: the granularity of deadlines and of yielding to other runs.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Settings fixed for the life of a [`Host`].
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Where compiled components are cached; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
    /// The most runs (instances) alive at once; sizes the pooling allocator.
    pub max_instances: u32,
    /// The operator's cap: no run gets looser limits than these.
    pub cap: Limits,
    /// The largest component accepted, in bytes.
    pub max_component_bytes: usize,
    /// Rows per batch handed to a scan.
    pub batch_rows: usize,
    /// The wasm stack size, in bytes.
    pub max_wasm_stack: usize,
    /// Meter CPU with fuel, enforcing [`Limits::fuel`]. Metering instruments every basic
    /// block; without it CPU is bounded by the deadline alone (see `docs/benchmarks.md`).
    pub fuel: bool,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            cache_dir: None,
            max_instances: 64,
            cap: Limits::default(),
            max_component_bytes: 32 << 20,
            batch_rows: 64 * 1024,
            max_wasm_stack: 512 << 10,
            fuel: true,
        }
    }
}

/// Could not build the engine.
#[derive(Debug, thiserror::Error)]
#[error("starting the wasm engine: {0}")]
pub struct EngineError(String);

/// The plugin host: one engine, one linker, one cache. Cheap to share behind an `Arc`; every
/// run gets its own store.
pub struct Host {
    pub(crate) engine: Engine,
    pub(crate) linker: Arc<Linker<RunState>>,
    pub(crate) cache: Option<CompileCache>,
    pub(crate) config: HostConfig,
}

impl Host {
    /// Builds the engine (component model, async, pooling allocator, epoch interruption, fuel)
    /// and starts its epoch ticker.
    pub fn new(config: HostConfig) -> Result<Self, EngineError> {
        let err = |e: wasmtime::Error| EngineError(format!("{e:#}"));
        let instances = config.max_instances.max(1);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(instances)
            .total_core_instances(instances * 8)
            .max_core_instances_per_component(16)
            .total_memories(instances * 2)
            .max_memories_per_component(4)
            .max_memory_size(config.cap.memory_bytes as usize)
            .total_tables(instances * 4)
            .max_tables_per_component(8)
            .table_elements(config.cap.table_elements as usize)
            .total_stacks(instances);
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .epoch_interruption(true)
            .consume_fuel(config.fuel)
            .max_wasm_stack(config.max_wasm_stack)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&wasm).map_err(err)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(err)?;
        v0_1_0::Plugin::add_to_linker::<RunState, HasSelf<RunState>>(&mut linker, |s| s).map_err(err)?;

        let cache = match &config.cache_dir {
            Some(dir) => Some(
                CompileCache::new(dir, &engine)
                    .map_err(|e| EngineError(format!("cache dir {}: {e}", dir.display())))?,
            ),
            None => None,
        };
        start_epoch_ticker(&engine);
        Ok(Host { engine, linker: Arc::new(linker), cache, config })
    }

    /// The settings this host was built with.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// The underlying engine, for benchmarks and diagnostics.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Advances the engine's epoch every tick until the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new().name("kiln-epoch".into()).spawn(move || {
        loop {
            std::thread::sleep(EPOCH_TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => return,
            }
        }
    });
    if let Err(e) = spawned {
        // Without a ticker deadlines never fire; runs still end by fuel. Say so loudly.
        tracing::error!(error = %e, "could not start the epoch ticker; timeouts are disabled");
    }
}
