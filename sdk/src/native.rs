//! Running a plugin natively against any data backend: for native hosts, reference runs and
//! benchmarks that compare a plugin's Wasm build with the same code compiled natively.

pub use crate::context::{Backend, BatchSource};
use crate::{Context, Error, Output, Plugin, Value};

/// Runs plugin `P` natively: parameters checked and completed from `P::info()` as under the
/// host, data read from `backend`.
pub fn run<P: Plugin>(backend: &mut dyn Backend, params: Vec<(String, Value)>) -> Result<Output, Error> {
    let params = crate::params::parse::<P::Params>(&P::info(), params)?;
    P::run(&mut Context::new(backend), params)
}
