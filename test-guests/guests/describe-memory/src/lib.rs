//! A plugin whose initial linear memory is over 100 MiB (a large zeroed static). Within a run's
//! memory limit, so it must load and run.

use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};

static mut SCRATCH: [u8; 100 << 20] = [0; 100 << 20];

struct Roomy;

impl Plugin for Roomy {
    type Params = ();

    fn info() -> PluginInfo {
        PluginInfo::new("describe-memory", "0.1.0").metric("size", "The scratch buffer's size.")
    }

    fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
        // SAFETY: a plugin runs on one thread; this is the only access.
        let len = unsafe { std::ptr::addr_of!(SCRATCH).as_ref().map_or(0, |s| s.len()) };
        Ok(Output::new().metric("size", len as f64, "bytes"))
    }
}

kiln_sdk::export!(Roomy);
