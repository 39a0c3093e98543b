//! What a guest can observe besides its parameters and data, made a function of the run: its
//! random sources are seeded and its clocks are virtual, so executing the same run twice gives
//! the same bytes (the registry's replay and run bundles depend on it).
//!
//! Both WASI clocks read one virtual timeline that starts at [`Determinism::clock_start_ms`].
//! Each reading moves it on by [`CLOCK_STEP_NS`] (a guest timing an interval never sees zero), and
//! waiting on a clock's pollable moves it straight to the deadline: a guest that sleeps an hour
//! returns at once, an hour later by its clocks. Nothing here reads the host's own time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chacha20::ChaCha20Rng;
use chacha20::rand_core::{Rng as _, SeedableRng};
use serde::{Deserialize, Serialize};
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::clocks::{monotonic_clock, wall_clock};
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{WasiCtxBuilder, async_trait};

/// What a run's random sources and clocks start from. Two executions of one component with the
/// same parameters, data, limits and `Determinism` observe the same values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Determinism {
    /// Seeds `wasi:random/random`, `wasi:random/insecure` and `wasi:random/insecure-seed` (each
    /// from its own stream of ChaCha20, a generator named for its algorithm, so a seed means the
    /// same bytes in every Kiln version).
    pub seed: u64,
    /// Where the virtual wall clock starts, unix milliseconds.
    pub clock_start_ms: i64,
}

/// How far each clock reading moves virtual time on.
pub const CLOCK_STEP_NS: u64 = 1_000;

/// The run's virtual timeline: nanoseconds elapsed since it started. Shared with the clocks'
/// pollables, which move it on when waited for.
#[derive(Debug, Clone)]
pub(crate) struct VirtualTime {
    start_ns: u64,
    elapsed: Arc<AtomicU64>,
}

impl VirtualTime {
    pub(crate) fn new(d: &Determinism) -> Self {
        // Before 1970 a wall clock cannot say (WASI's datetime is unsigned): such a start reads
        // as the epoch.
        let start_ns = u64::try_from(d.clock_start_ms).unwrap_or(0).saturating_mul(1_000_000);
        VirtualTime { start_ns, elapsed: Arc::new(AtomicU64::new(0)) }
    }

    /// Reads the timeline, moving it on by one step.
    fn read(&self) -> u64 {
        self.elapsed.fetch_add(CLOCK_STEP_NS, Ordering::Relaxed).saturating_add(CLOCK_STEP_NS)
    }

    fn now(&self) -> u64 {
        self.elapsed.load(Ordering::Relaxed)
    }

    fn advance_to(&self, elapsed: u64) {
        self.elapsed.fetch_max(elapsed, Ordering::Relaxed);
    }
}

/// Seeds the context's three random sources from `seed`.
pub(crate) fn seed_random(builder: &mut WasiCtxBuilder, seed: u64) {
    let (secure, insecure, insecure_seed) = random_sources(seed);
    builder.secure_random(secure).insecure_random(insecure).insecure_random_seed(insecure_seed);
}

/// The generators behind `wasi:random/random` and `wasi:random/insecure`, and the value
/// `wasi:random/insecure-seed` returns, for `seed`.
fn random_sources(seed: u64) -> (ChaCha20Rng, ChaCha20Rng, u128) {
    // Distinct streams, so what the guest reads from one source says nothing about another.
    let stream = |n: u64| {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        rng.set_stream(n);
        rng
    };
    let mut seeds = stream(2);
    let insecure_seed = u128::from(seeds.next_u64()) << 64 | u128::from(seeds.next_u64());
    (stream(0), stream(1), insecure_seed)
}

/// Replaces the WASI clocks in `linker` (added by `wasmtime_wasi::p2::add_to_linker_async`)
/// with the virtual ones.
pub(crate) fn add_virtual_clocks<T: Send + 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> ClockView<'_>,
) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    wall_clock::add_to_linker::<T, VirtualClocks>(linker, view)?;
    monotonic_clock::add_to_linker::<T, VirtualClocks>(linker, view)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// The `HasData` marker for the virtual clocks.
pub(crate) struct VirtualClocks;

impl HasData for VirtualClocks {
    type Data<'a> = ClockView<'a>;
}

/// What the clock imports see of a run's state.
pub(crate) struct ClockView<'a> {
    pub(crate) time: &'a VirtualTime,
    pub(crate) table: &'a mut ResourceTable,
}

impl wall_clock::Host for ClockView<'_> {
    fn now(&mut self) -> wasmtime::Result<wall_clock::Datetime> {
        let ns = self.time.start_ns.saturating_add(self.time.read());
        Ok(wall_clock::Datetime { seconds: ns / 1_000_000_000, nanoseconds: (ns % 1_000_000_000) as u32 })
    }

    fn resolution(&mut self) -> wasmtime::Result<wall_clock::Datetime> {
        Ok(wall_clock::Datetime { seconds: 0, nanoseconds: CLOCK_STEP_NS as u32 })
    }
}

impl monotonic_clock::Host for ClockView<'_> {
    fn now(&mut self) -> wasmtime::Result<u64> {
        Ok(self.time.read())
    }

    fn resolution(&mut self) -> wasmtime::Result<u64> {
        Ok(CLOCK_STEP_NS)
    }

    fn subscribe_instant(&mut self, when: u64) -> wasmtime::Result<Resource<DynPollable>> {
        let deadline = self.table.push(Deadline { time: self.time.clone(), at: when })?;
        subscribe(self.table, deadline)
    }

    fn subscribe_duration(&mut self, duration: u64) -> wasmtime::Result<Resource<DynPollable>> {
        let at = self.time.now().saturating_add(duration);
        self.subscribe_instant(at)
    }
}

/// A virtual deadline: ready as soon as it is waited for, moving the timeline up to it.
struct Deadline {
    time: VirtualTime,
    at: u64,
}

#[async_trait]
impl Pollable for Deadline {
    async fn ready(&mut self) {
        self.time.advance_to(self.at);
        // Let the runtime breathe, as wasmtime-wasi's own zero-length deadline does, so a guest
        // polling in a loop cannot starve the tasks beside it (the epoch still stops it).
        tokio::task::yield_now().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reading_moves_time_on_and_waiting_jumps_to_the_deadline() {
        let time = VirtualTime::new(&Determinism { seed: 0, clock_start_ms: 1_000 });
        assert_eq!(time.start_ns, 1_000_000_000);
        assert_eq!(time.read(), CLOCK_STEP_NS);
        assert_eq!(time.read(), 2 * CLOCK_STEP_NS);
        time.advance_to(5_000_000);
        assert_eq!(time.read(), 5_000_000 + CLOCK_STEP_NS);
        time.advance_to(10); // never backwards
        assert_eq!(time.now(), 5_000_000 + CLOCK_STEP_NS);
    }

    #[test]
    fn a_start_before_1970_reads_as_the_epoch() {
        assert_eq!(VirtualTime::new(&Determinism { seed: 0, clock_start_ms: -5 }).start_ns, 0);
    }

    /// Recorded runs replay by their seed: what a seed draws is pinned to values computed once,
    /// so a change of generator, stream or seeding fails here before it alters any replay.
    #[test]
    fn a_seed_always_draws_the_same_random_bytes() {
        let (mut secure, mut insecure, insecure_seed) = random_sources(42);
        let draw = |rng: &mut ChaCha20Rng| {
            let mut bytes = [0u8; 16];
            rng.fill_bytes(&mut bytes);
            hex::encode(bytes)
        };
        let drawn = [draw(&mut secure), draw(&mut secure), draw(&mut insecure), format!("{insecure_seed:032x}")];
        let pinned = [
            "7848b5d711bc9883996317a3f9c90269",
            "d56771005d540a19184939c9e8d0db2a",
            "2e99334b0971bb08c7cc087f6b582a15",
            "3dab3fc19cd28d26fe97e0d779b64a0f",
        ];
        assert_eq!(drawn, pinned);
    }

    /// What the guest's clocks read is part of every recorded run: pinned to literal readings.
    #[test]
    fn the_virtual_clocks_read_the_same_timeline_every_run() {
        let time = VirtualTime::new(&Determinism { seed: 0, clock_start_ms: 1_764_547_200_123 });
        let mut table = ResourceTable::new();
        let mut view = ClockView { time: &time, table: &mut table };
        let wall = wall_clock::Host::now(&mut view).unwrap();
        assert_eq!((wall.seconds, wall.nanoseconds), (1_764_547_200, 123_001_000));
        assert_eq!(monotonic_clock::Host::now(&mut view).unwrap(), 2_000);
        let wall = wall_clock::Host::now(&mut view).unwrap();
        assert_eq!((wall.seconds, wall.nanoseconds), (1_764_547_200, 123_003_000));
        time.advance_to(3_600_000_000_000);
        assert_eq!(monotonic_clock::Host::now(&mut view).unwrap(), 3_600_000_001_000);
        let wall = wall_clock::Host::now(&mut view).unwrap();
        assert_eq!((wall.seconds, wall.nanoseconds), (1_764_550_800, 123_002_000));
    }
}
