//! A plugin whose output is everything a guest could observe varying between two executions:
//! the wall clock, a monotonic interval across an hour's sleep, the std hasher's random keys,
//! and a HashMap's iteration order. Executing it twice with the same seed and clock start must
//! give the same output.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kiln_sdk::{Batch, Context, Error, Output, Plugin, PluginInfo, ValueType, col};

struct Entropy;

impl Plugin for Entropy {
    type Params = ();

    fn info() -> PluginInfo {
        PluginInfo::new("entropy", "0.1.0").description("Reports its clocks and random numbers.").table(
            "observed",
            "What the guest saw.",
            &[
                col("wall_ns", ValueType::S64),
                col("slept_ns", ValueType::S64),
                col("hash", ValueType::S64),
                col("order", ValueType::String),
            ],
        )
    }

    fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| Error::msg(e.to_string()))?;
        let before = Instant::now();
        std::thread::sleep(Duration::from_secs(3600));
        let slept = before.elapsed();
        let hash = std::collections::hash_map::RandomState::new().hash_one(42_u64);
        let map: HashMap<u32, ()> = (0..16).map(|k| (k, ())).collect();
        let order: Vec<String> = map.keys().map(u32::to_string).collect();
        let observed = Batch::new()
            .with_s64("wall_ns", vec![wall.as_nanos() as i64])
            .with_s64("slept_ns", vec![slept.as_nanos() as i64])
            .with_s64("hash", vec![hash as i64])
            .with_str("order", [order.join(",")]);
        Ok(Output::new().table("observed", observed))
    }
}

kiln_sdk::export!(Entropy);
