//! A plugin whose `describe()` blocks in a WASI pollable for an hour: loading it must still end
//! at the describe deadline, and free its instance.

use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};

struct Sleeper;

impl Plugin for Sleeper {
    type Params = ();

    fn info() -> PluginInfo {
        std::thread::sleep(std::time::Duration::from_secs(3600));
        PluginInfo::new("describe-sleep", "0.1.0")
    }

    fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
        Ok(Output::new())
    }
}

kiln_sdk::export!(Sleeper);
