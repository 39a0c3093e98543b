//! A plugin of about 1 MiB (code plus an embedded table), for measuring component load times.

use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};

static NOISE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/noise.bin"));

struct Big;

impl Plugin for Big {
    type Params = ();

    fn info() -> PluginInfo {
        PluginInfo::new("big", "0.1.0").description("Sums an embedded 1 MiB table.").metric("sum", "The bytes' sum.")
    }

    fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
        let sum: u64 = NOISE.iter().map(|b| u64::from(*b)).sum();
        Ok(Output::new().metric("sum", sum as f64, ""))
    }
}

kiln_sdk::export!(Big);
