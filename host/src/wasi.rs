//! The run's WASI context, built the first time the guest calls into WASI.
//!
//! A `WasiCtx` costs more to build than the rest of a store (its builder seeds four random
//! number generators), and a plugin that only reads data and returns never touches it. What it
//! gives the guest is the same whenever it is built: stdout and stderr into the run's log,
//! random sources seeded from the run's seed ([`crate::determinism`]), nothing else (no
//! preopens, environment, arguments or network; the clocks are replaced in the linker).

use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

use crate::log::SharedLog;

/// A [`WasiCtx`] made on first use.
pub(crate) struct LazyWasi {
    log: SharedLog,
    seed: u64,
    ctx: Option<WasiCtx>,
}

impl LazyWasi {
    /// A context whose stdout and stderr will write into `log` and whose random sources start
    /// from `seed`.
    pub(crate) fn new(log: SharedLog, seed: u64) -> Self {
        LazyWasi { log, seed, ctx: None }
    }

    /// The context, built now if this is the guest's first WASI call.
    pub(crate) fn get(&mut self) -> &mut WasiCtx {
        let (log, seed) = (&self.log, self.seed);
        self.ctx.get_or_insert_with(|| build(log, seed))
    }

    /// Whether the guest has called into WASI in this run.
    #[cfg(test)]
    pub(crate) fn is_built(&self) -> bool {
        self.ctx.is_some()
    }
}

/// The one context a run's guest gets.
fn build(log: &SharedLog, seed: u64) -> WasiCtx {
    // No preopens, no env, no args, no network: the defaults, made explicit here.
    let mut builder = WasiCtxBuilder::new();
    builder.stdout(log.pipe(0)).stderr(log.pipe(1)).allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false);
    crate::determinism::seed_random(&mut builder, seed);
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_is_built_only_when_first_asked_for() {
        let mut wasi = LazyWasi::new(SharedLog::new(1 << 10), 7);
        assert!(!wasi.is_built());
        wasi.get();
        assert!(wasi.is_built());
    }
}
