//! What every handler shares.

use std::sync::Arc;

use kiln_host::Host;

use crate::blobs::Blobs;
use crate::metrics::Metrics;
use crate::store::Store;

/// Limits the service enforces on input.
#[derive(Debug, Clone)]
pub struct ServiceLimits {
    /// The largest component accepted, in bytes.
    pub max_component_bytes: usize,
    /// The largest request body, in bytes (a component travels base64-encoded in JSON).
    pub max_body_bytes: usize,
}

impl Default for ServiceLimits {
    fn default() -> Self {
        ServiceLimits { max_component_bytes: 16 << 20, max_body_bytes: 24 << 20 }
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
    /// Input limits.
    pub limits: ServiceLimits,
    /// Request counters for `/metrics`.
    pub metrics: Arc<Metrics>,
}
