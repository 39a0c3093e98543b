//! A plugin whose `describe()` sleeps an hour (at once, on its virtual clock) and then hangs:
//! loading it must still end at the describe deadline, and free its instance.

use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};

struct Sleeper;

impl Plugin for Sleeper {
    type Params = ();

    fn info() -> PluginInfo {
        std::thread::sleep(std::time::Duration::from_secs(3600));
        loop {
            std::hint::black_box(());
        }
    }

    fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
        Ok(Output::new())
    }
}

kiln_sdk::export!(Sleeper);
