//! Kiln's plugin runtime.
//!
//! [`Host`] owns one wasmtime engine (component model, async, pooling allocator, epoch
//! interruption, fuel) and an on-disk compile cache. [`Host::load`] validates a component and
//! calls its `describe()`; [`Host::run`] runs it in a fresh store against a [`DataSource`],
//! enforcing [`Limits`] and the run's [`Grants`], and reports a typed [`RunError`] when it
//! stops early. Nothing here knows about HTTP or databases.
//!
//! The types callers see ([`model`]) are the host's own. Each released version of the plugin
//! contract (`wit/since_v*`, listed in [`SUPPORTED_VERSIONS`]) has its own bindings and
//! conversions, and a component runs under the version its exports name.
//!
//! ```no_run
//! # async fn example(bytes: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use kiln_host::{Grants, Host, HostConfig, RunRequest, DirSource};
//!
//! let host = Host::new(HostConfig::default())?;
//! let plugin = host.load(&bytes).await?;
//! let params = kiln_host::params_from_text(plugin.info(), &[("threshold".into(), "3.5".into())])?;
//! let data = Arc::new(DirSource::open("xian".as_ref())?);
//! let grants = Grants::none().parse_into("monthly_indicators")?;
//! let report = host.run(&plugin, RunRequest { params, data: Some((data, grants)), ..Default::default() }).await;
//! println!("{:?} used {:?}", report.result.map(|o| o.tables.len()), report.usage);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod cache;
pub mod capacity;
pub mod data;
pub mod describe;
mod determinism;
mod engine;
mod error;
mod fault;
pub mod inspect;
mod limits;
mod log;
pub mod model;
pub mod output;
mod params;
mod plugin;
mod run;
pub mod source;
mod state;
pub mod strings;
mod validate;
mod wasi;
mod wit;

pub use cache::{CacheOutcome, CompileCache, fingerprint, sha256_hex};
pub use capacity::RunSlot;
pub use data::{DataError, DataSource, DirSource, Grants, MemorySource};
pub use determinism::{CLOCK_STEP_NS, Determinism};
pub use engine::{EPOCH_TICK, EngineError, Host, HostConfig};
pub use error::{LoadError, RunError};
pub use inspect::{Inspection, Language, Shape};
pub use limits::{Limits, Usage};
pub use log::{LINE_OVERHEAD, LogLine, LogSource, RunLog};
pub use model::{
    Batch, Column, ColumnData, ColumnSpec, DatasetSpec, Dict, Metric, Output, OutputKind, OutputSpec, Param, ParamSpec,
    PluginInfo, Strings, Table, Value, ValueType,
};
pub use output::output_size;
pub use params::{complete_params, params_from_text, parse_value};
pub use plugin::MAX_DESCRIBE_BYTES;
pub use plugin::Plugin;
pub use run::{RunReport, RunRequest};
pub use validate::Interfaces;
pub use wit::SUPPORTED_VERSIONS;
