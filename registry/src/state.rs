//! What every handler shares.

use std::sync::Arc;

use std::path::PathBuf;
use std::time::Duration;

use kiln_host::{Host, Limits};

use crate::blobs::Blobs;
use crate::datasets::bounds::IngestLimits;
use crate::metrics::Metrics;
use crate::monitoring::RollupCache;
use crate::runner::Runner;
use crate::store::Store;

/// Limits the service enforces on input.
#[derive(Debug, Clone)]
pub struct ServiceLimits {
    /// The largest component accepted, in bytes, unless it embeds an interpreter.
    pub max_component_bytes: usize,
    /// The largest component that embeds an interpreter (Python's CPython, JavaScript's
    /// StarlingMonkey), in bytes: its standard library comes with it, some 18 MB for Python.
    pub max_interpreter_component_bytes: usize,
    /// The largest request body, in bytes (a component travels base64-encoded in JSON).
    pub max_body_bytes: usize,
    /// The largest dataset upload, in bytes.
    pub max_dataset_bytes: u64,
    /// What an upload may decode to (columns, record, page and batch sizes), checked before decoding.
    pub ingest: IngestLimits,
    /// The operator's caps on run limits: an enablement may ask for less, never more.
    pub run_cap: Limits,
    /// The longest a synchronous run may take; longer work is queued.
    pub sync_timeout: Duration,
}

impl Default for ServiceLimits {
    fn default() -> Self {
        ServiceLimits {
            max_component_bytes: 16 << 20,
            max_interpreter_component_bytes: 40 << 20,
            max_body_bytes: 56 << 20,
            max_dataset_bytes: 256 << 20,
            ingest: IngestLimits::default(),
            run_cap: Limits { timeout: Duration::from_secs(300), ..Limits::default() },
            sync_timeout: Duration::from_secs(10),
        }
    }
}

impl ServiceLimits {
    /// The largest component of `language` accepted, in bytes.
    pub fn component_limit(&self, language: kiln_host::Language) -> usize {
        if language.embeds_interpreter() { self.max_interpreter_component_bytes } else { self.max_component_bytes }
    }

    /// The largest component of any language: what is read back from the blob store.
    pub fn largest_component(&self) -> usize {
        self.max_component_bytes.max(self.max_interpreter_component_bytes)
    }

    /// The most bytes read back for each kind of blob: what these limits let in.
    pub fn blob_caps(&self) -> crate::runner::BlobCaps {
        crate::runner::BlobCaps {
            component: self.largest_component() as u64,
            dataset: self.ingest.max_output_bytes,
            output: crate::results::max_document_bytes(self.run_cap.output_bytes),
        }
    }
}

/// The shared state: database, blobs, the plugin host used to validate uploads, metrics.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Component bytes.
    pub blobs: Blobs,
    /// Validates components exactly as runs will load them.
    pub host: Arc<Host>,
    /// Executes synchronous runs (queued ones go to workers).
    pub runner: Arc<Runner>,
    /// Scratch space for uploads being checked.
    pub work_dir: PathBuf,
    /// Holds this process's claim on the scratch space (see [`crate::scratch`]).
    pub scratch: Arc<crate::scratch::Scratch>,
    /// Computed regional rollups.
    pub rollups: Arc<RollupCache>,
    /// Input limits.
    pub limits: ServiceLimits,
    /// Request counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Each tenant's and maker's share of this process's instance slots.
    pub shares: Arc<Shares>,
    /// Whether clients reach this process over HTTPS (its own TLS, or a proxy's): the console's
    /// session cookie is then `Secure` and responses carry `Strict-Transport-Security`.
    /// (`kiln demo` and plain `kiln serve` speak HTTP on loopback, where a `Secure` cookie
    /// would never be sent back.)
    pub https: bool,
}

/// The fair shares of this process's host: slots held by synchronous runs per tenant,
/// publishes per maker.
#[derive(Debug)]
pub struct Shares {
    /// Slots held by synchronous runs in progress, per tenant.
    pub sync_runs: crate::admission::Shares,
    /// Publishes (each loads the component and calls its `describe()`), per maker.
    pub publishes: crate::admission::Shares,
}

impl Shares {
    /// A quarter of the host's run slots per tenant; per maker, one publish at a time for
    /// every four load slots (each compiles its component, which takes every core).
    pub fn for_host(host: &Host) -> Self {
        let (runs, loads) = host.slots();
        Shares {
            sync_runs: crate::admission::Shares::new("run slots for synchronous runs", runs / 4),
            publishes: crate::admission::Shares::new("publishes", loads / 4),
        }
    }
}
