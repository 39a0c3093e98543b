//! A plugin whose `describe()` declares 100,000 parameters and a 16 MiB description: the host
//! must refuse it at load rather than store it for every version.

use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};

struct Bomb;

impl Plugin for Bomb {
    type Params = ();

    fn info() -> PluginInfo {
        let mut info = PluginInfo::new("describe-bomb", "0.1.0").description("d".repeat(16 << 20));
        for i in 0..100_000 {
            info = info.param(format!("p{i}"), 0.0, "");
        }
        info
    }

    fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
        Ok(Output::new())
    }
}

kiln_sdk::export!(Bomb);
