//! The smallest plugin: does nothing. Measures the host's per-run overhead.

use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};

struct Noop;

impl Plugin for Noop {
    type Params = ();

    fn info() -> PluginInfo {
        PluginInfo::new("noop", "0.1.0").description("Returns an empty output.")
    }

    fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
        Ok(Output::new())
    }
}

kiln_sdk::export!(Noop);
