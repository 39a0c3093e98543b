//! The host's typed errors: why a component was refused, why a run ended early.

use std::time::Duration;

/// Why [`crate::Host::load`] refused a component.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Larger than the host accepts.
    #[error("component is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A core Wasm module, not a component.
    #[error("a core WebAssembly module, not a component: build for wasm32-wasip2")]
    CoreModule,
    /// Not WebAssembly at all, or malformed.
    #[error("not a valid WebAssembly component: {0}")]
    Invalid(String),
    /// Imports something outside the plugin world and the WASI allow-list.
    #[error("component imports `{0}`, which plugins may not use")]
    ForbiddenImport(String),
    /// Does not export the plugin world, or exports it with the wrong types.
    #[error("component does not export a supported Kiln plugin world: {0}")]
    WrongWorld(String),
    /// Its `describe()` trapped or returned nonsense.
    #[error("component's describe() failed: {0}")]
    Describe(String),
    /// The component needs more than this host's instance pool gives one instance (memories,
    /// tables, their sizes).
    #[error("component exceeds the host's limits: {0}")]
    ExceedsLimits(String),
    /// Every instance slot for loading is taken: retry shortly. Not the component's fault.
    #[error("the host is busy: {0}")]
    Busy(String),
    /// The compile cache could not be used.
    #[error("compile cache: {0}")]
    Cache(String),
}

impl LoadError {
    /// A short stable name for the cause.
    pub fn kind(&self) -> &'static str {
        match self {
            LoadError::TooLarge { .. } => "too-large",
            LoadError::CoreModule | LoadError::Invalid(_) => "invalid",
            LoadError::ForbiddenImport(_) => "forbidden-import",
            LoadError::WrongWorld(_) => "wrong-world",
            LoadError::Describe(_) => "describe",
            LoadError::ExceedsLimits(_) => "exceeds-limits",
            LoadError::Busy(_) => "busy",
            LoadError::Cache(_) => "cache",
        }
    }
}

/// Why a run ended without output. Each limit is its own variant so callers can tell them apart.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The wall-clock deadline passed.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The CPU budget (fuel) ran out.
    #[error("CPU limit: used all {0} units of fuel")]
    Cpu(u64),
    /// Linear memory would have grown past the limit.
    #[error("memory limit: tried to grow past {0} bytes")]
    Memory(u64),
    /// A table would have grown past the limit.
    #[error("table limit: tried to grow past {0} elements")]
    Table(u64),
    /// The wasm call stack overflowed.
    #[error("stack overflow")]
    Stack,
    /// The plugin read more rows than allowed.
    #[error("row limit: read more than {0} rows")]
    Rows(u64),
    /// The output (or the data the guest passed in one host call) was larger than allowed.
    #[error("output limit: {}", match size {
        Some(size) => format!("{size} bytes of output, over {limit}"),
        None => format!("the guest passed more than {limit} bytes to the host in one go"),
    })]
    OutputSize {
        /// The output's size, when it was lifted whole; `None` when lifting stopped at the limit.
        size: Option<u64>,
        /// The limit.
        limit: u64,
    },
    /// The plugin asked for a dataset or column that was not granted.
    #[error("ungranted data: {0}")]
    Ungranted(String),
    /// The plugin returned output that is not well formed (ragged columns, bad strings).
    #[error("malformed output: {0}")]
    InvalidOutput(String),
    /// The plugin returned an error.
    #[error("plugin error: {0}")]
    Guest(String),
    /// The plugin panicked.
    #[error("plugin panicked: {0}")]
    Panic(String),
    /// The plugin trapped (or misused a host resource).
    #[error("plugin trapped: {0}")]
    Trap(String),
    /// Parameters were refused before the run started.
    #[error("invalid parameters: {0}")]
    Params(String),
    /// Every instance slot for runs is taken: retry shortly. Not the plugin's fault.
    #[error("the host is busy: {0}")]
    Busy(String),
}

impl RunError {
    /// A short stable name for the cause, for JSON output and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            RunError::Timeout(_) => "timeout",
            RunError::Cpu(_) => "cpu",
            RunError::Memory(_) => "memory",
            RunError::Table(_) => "table",
            RunError::Stack => "stack",
            RunError::Rows(_) => "rows",
            RunError::OutputSize { .. } => "output-size",
            RunError::Ungranted(_) => "ungranted",
            RunError::InvalidOutput(_) => "invalid-output",
            RunError::Guest(_) => "guest-error",
            RunError::Panic(_) => "panic",
            RunError::Trap(_) => "trap",
            RunError::Params(_) => "params",
            RunError::Busy(_) => "busy",
        }
    }
}

/// A host-side reason to stop the guest, raised from a host function or the epoch callback
/// and recognized when the call returns.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Abort {
    #[error("deadline passed")]
    Timeout,
    #[error("row limit reached")]
    Rows,
    #[error("ungranted: {0}")]
    Ungranted(String),
    #[error("{0}")]
    Misuse(String),
}

/// An error chain on one line, without its wasm backtrace: backtraces go to the log, not into
/// messages people and programs read.
pub(crate) fn one_line(e: &wasmtime::Error) -> String {
    // A backtrace rides in the chain as context (it is not an `Error`, so it is known by its text).
    let parts: Vec<String> = e
        .chain()
        .map(|cause| cause.to_string().lines().next().unwrap_or_default().trim().to_string())
        .filter(|line| !line.is_empty() && !line.starts_with("error while executing at wasm backtrace"))
        .collect();
    parts.join(": ")
}
