//! The one wasmtime engine per process and everything shared across runs: the linker, the
//! compile cache and the epoch ticker that enforces deadlines.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::cache::CompileCache;
use crate::capacity::{
    CORE_INSTANCES_PER_SLOT, Capacity, MAX_SLOTS_PER_COMPONENT, MEMORIES_PER_SLOT, RunSlot, TABLES_PER_SLOT,
};
use crate::limits::Limits;
use crate::state::RunState;

/// How often the epoch advances: the granularity of deadlines and of yielding to other runs.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Settings fixed for the life of a [`Host`].
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Where compiled components are cached; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
    /// The size of the instance pool, in slots (see [`crate::capacity`]): a Rust plugin's
    /// instance takes one, a Python plugin's two. A quarter of them (at least one) is
    /// kept for loads (`describe()`), the rest for runs, so neither can starve the other.
    pub max_instances: u32,
    /// The operator's cap: no run gets looser limits than these.
    pub cap: Limits,
    /// The largest component accepted, in bytes.
    pub max_component_bytes: usize,
    /// Rows per batch handed to a scan.
    pub batch_rows: usize,
    /// The wasm stack size, in bytes.
    pub max_wasm_stack: usize,
    /// The deadline of the `describe()` call made at load (never above the cap's timeout).
    pub describe_timeout: Duration,
    /// Meter CPU with fuel, enforcing [`Limits::fuel`]. Metering instruments every basic
    /// block; without it CPU is bounded by the deadline alone (see `docs/benchmarks.md`).
    pub fuel: bool,
    /// The most components compiled at once (each compile already uses every core).
    pub max_compiles: usize,
    /// Write `/tmp/perf-PID.map`, naming each compiled guest function for `perf report`
    /// (profiling only: the file grows with every component compiled).
    pub perf_map: bool,
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
            describe_timeout: Duration::from_secs(5),
            fuel: true,
            max_compiles: 1,
            perf_map: false,
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
    /// Slots for runs and for loads: together exactly the pool's size, so a store is only ever
    /// made with its component's slots in hand and the pool itself never runs out.
    pub(crate) run_slots: Capacity,
    pub(crate) load_slots: Capacity,
    /// Compiles in progress (see [`Host::compile`]).
    pub(crate) compile_slots: std::sync::Arc<tokio::sync::Semaphore>,
}

/// How the pool's instances are split between runs and loads.
fn split_instances(max_instances: u32) -> (u32, u32) {
    let total = max_instances.max(2);
    let loads = (total / 4).max(1);
    (total - loads, loads)
}

impl Host {
    /// Builds the engine (component model, async, pooling allocator, epoch interruption, fuel)
    /// and starts its epoch ticker.
    pub fn new(config: HostConfig) -> Result<Self, EngineError> {
        let err = |e: wasmtime::Error| EngineError(format!("{e:#}"));
        let (runs, loads) = split_instances(config.max_instances);
        let slots = runs + loads;
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(slots)
            .total_core_instances(slots * CORE_INSTANCES_PER_SLOT)
            .max_core_instances_per_component(MAX_SLOTS_PER_COMPONENT * CORE_INSTANCES_PER_SLOT)
            .total_memories(slots * MEMORIES_PER_SLOT)
            .max_memories_per_component(MAX_SLOTS_PER_COMPONENT * MEMORIES_PER_SLOT)
            .max_memory_size(config.cap.memory_bytes as usize)
            .total_tables(slots * TABLES_PER_SLOT)
            .max_tables_per_component(MAX_SLOTS_PER_COMPONENT * TABLES_PER_SLOT)
            .table_elements(config.cap.table_elements as usize)
            .total_stacks(slots);
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .epoch_interruption(true)
            .consume_fuel(config.fuel)
            .max_wasm_stack(config.max_wasm_stack)
            // Relaxed SIMD may round differently on different CPUs; a run must replay anywhere.
            .relaxed_simd_deterministic(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        if config.perf_map {
            wasm.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&wasm).map_err(err)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(err)?;
        crate::determinism::add_virtual_clocks(&mut linker, RunState::clocks).map_err(err)?;
        crate::wit::add_to_linker(&mut linker).map_err(err)?;

        let cache = match &config.cache_dir {
            Some(dir) => Some(
                CompileCache::new(dir, &engine)
                    .map_err(|e| EngineError(format!("cache dir {}: {e}", dir.display())))?,
            ),
            None => None,
        };
        start_epoch_ticker(&engine);
        Ok(Host {
            engine,
            linker: Arc::new(linker),
            cache,
            run_slots: Capacity::new("run", runs),
            load_slots: Capacity::new("load", loads),
            compile_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(config.max_compiles.max(1))),
            config,
        })
    }

    /// How many slots this host has for runs and for loads.
    pub fn slots(&self) -> (usize, usize) {
        (self.run_slots.size() as usize, self.load_slots.size() as usize)
    }

    /// The most slots one component may weigh here: what fits both shares and the pool's
    /// per-component maximum.
    pub fn max_component_slots(&self) -> u32 {
        MAX_SLOTS_PER_COMPONENT.min(self.run_slots.size()).min(self.load_slots.size())
    }

    /// `slots` run slots (a plugin's [`crate::Plugin::slots`]) now, or
    /// [`crate::RunError::Busy`] when too few are free: for callers that should answer "retry
    /// later" rather than wait (a synchronous run in a request).
    pub fn try_run_slot(&self, slots: u32) -> Result<RunSlot, crate::RunError> {
        self.run_slots.try_take(slots).map_err(crate::RunError::Busy)
    }

    /// The fingerprint of this host's engine: compiled code is usable by engines with the same.
    pub fn fingerprint(&self) -> String {
        crate::cache::fingerprint(&self.engine)
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
