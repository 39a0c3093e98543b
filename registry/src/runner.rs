//! Executing one recorded run: fetch the component and the dataset versions it reads (both
//! content-addressed and checked against their hash), run it in the host under the run's
//! limits, grants, seed and clock start, store the output, and say how it ended. Shared by
//! synchronous runs in the API and by `kiln worker`.
//!
//! A replay reads its inputs from the blob store again rather than from this process's caches,
//! so what it verifies is what the store holds now, and its finish carries a verdict: the
//! output compared with the one the original recorded.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kiln_host::{
    DataSource, Determinism, DirSource, Grants, Host, Limits, Param, Plugin, PluginInfo, RunRequest, RunSlot, Value,
    ValueType,
};
use serde_json::json;

use crate::blobs::Blobs;
use crate::provenance::Pinned;
use crate::results::OutputDocument;
use crate::store::Store;
use crate::store::runs::{Finish, RunRecord, RunState, Verdict};

/// Runs recorded runs. Cheap to share: loaded plugins and fetched datasets are cached.
pub struct Runner {
    store: Store,
    blobs: Blobs,
    host: Arc<Host>,
    dataset_dir: PathBuf,
    caps: BlobCaps,
    plugins: Mutex<HashMap<String, Arc<Plugin>>>,
}

/// The most bytes a runner reads for each kind of blob: what the service lets in, so a blob
/// that grew in the store is refused before it is read.
#[derive(Debug, Clone, Copy)]
pub struct BlobCaps {
    /// A component.
    pub component: u64,
    /// A stored (ingested) dataset version.
    pub dataset: u64,
    /// An output document.
    pub output: u64,
}

impl Runner {
    /// A runner reading blobs from `blobs` within `caps` and compiled artifacts' records from
    /// `store`, caching dataset files under `cache_dir`.
    pub fn new(
        store: Store,
        blobs: Blobs,
        host: Arc<Host>,
        cache_dir: PathBuf,
        caps: BlobCaps,
    ) -> std::io::Result<Self> {
        let dataset_dir = cache_dir.join("datasets");
        std::fs::create_dir_all(&dataset_dir)?;
        Ok(Runner { store, blobs, host, dataset_dir, caps, plugins: Mutex::new(HashMap::new()) })
    }

    /// Runs `run` and says how it ended, waiting for an instance slot if all are taken. Never
    /// panics on what the plugin does: every failure is a `failed` finish with its kind.
    pub async fn execute(&self, run: &RunRecord) -> Finish {
        self.execute_in(run, None).await
    }

    /// [`Runner::execute`] in a slot already taken with [`Host::try_run_slot`] (a synchronous
    /// run, which must not wait).
    pub async fn execute_in(&self, run: &RunRecord, slot: Option<RunSlot>) -> Finish {
        let mut finish = match self.try_execute(run, slot).await {
            Ok(finish) => finish,
            Err((kind, message)) => failed(kind, message, None, None, 0),
        };
        if let (Some(_), RunState::Failed) = (&run.replay_of, finish.state) {
            let (kind, message) = (finish.error_kind.clone(), finish.error.clone());
            finish.verdict =
                Some(Verdict::Failed { kind: kind.unwrap_or_default(), message: message.unwrap_or_default() });
        }
        finish
    }

    async fn try_execute(&self, run: &RunRecord, slot: Option<RunSlot>) -> Result<Finish, (&'static str, String)> {
        let replay = run.replay_of.is_some();
        let plugin = self.plugin(&run.sha256, replay).await?;
        // A replay's own copies, removed when it ends.
        let scratch = match replay {
            true => {
                Some(tempfile::TempDir::new_in(&self.dataset_dir).map_err(|e| ("internal", format!("scratch: {e}")))?)
            }
            false => None,
        };
        let mut files = Vec::new();
        for d in &run.datasets {
            let file = match &scratch {
                Some(dir) => self.fetch_dataset(&d.sha256, &dir.path().join(format!("{}.parquet", d.sha256))).await,
                None => self.dataset_file(&d.sha256).await,
            };
            files.push(file.map_err(|(kind, e)| (kind, format!("dataset `{}` version {}: {e}", d.name, d.version)))?);
        }
        let request = pinned_request(&Pinned::of(run), plugin.info(), files)?;
        let report = match slot {
            Some(slot) => self.host.run_in_slot(slot, &plugin, request).await,
            None => self.host.run(&plugin, request).await,
        };
        let usage = serde_json::to_value(&report.usage).ok();
        let log = serde_json::to_value(&report.log).ok();
        // Wall time of the guest call: each run executes on one thread, so it is its CPU time.
        let cpu_ms = report.usage.wall_us.div_ceil(1000) as i64;
        match report.result {
            Ok(output) => {
                let document = serde_json::to_vec(&OutputDocument(&output))
                    .map_err(|e| ("internal", format!("encoding the output: {e}")))?;
                if document.len() as u64 > self.caps.output {
                    // Unreachable while the host holds outputs to `output_bytes`
                    // (results::max_document_bytes); kept so what is stored stays readable.
                    return Err(("internal", format!("the output document is over {} bytes", self.caps.output)));
                }
                let sha = kiln_host::sha256_hex(&document);
                let verdict = match (&run.replay_of, &run.expected_sha256) {
                    (Some(_), Some(expected)) if *expected == sha => Some(Verdict::Identical),
                    (Some(_), Some(expected)) => Some(self.compare(expected, &document).await),
                    _ => None,
                };
                self.blobs
                    .put(&sha, document.into())
                    .await
                    .map_err(|e| ("internal", format!("storing output: {e}")))?;
                Ok(Finish {
                    state: RunState::Succeeded,
                    error_kind: None,
                    error: None,
                    usage,
                    log,
                    output_sha256: Some(sha),
                    cpu_ms,
                    verdict,
                })
            }
            Err(e) => Ok(failed(e.kind(), e.to_string(), usage, log, cpu_ms)),
        }
    }

    /// The verdict on a replay whose output `found` is not the `expected` document.
    async fn compare(&self, expected: &str, found: &[u8]) -> Verdict {
        use crate::replay::{MAX_COMPARED_BYTES, by_hash, compare};
        if found.len() as u64 > MAX_COMPARED_BYTES {
            return Verdict::Different(by_hash(expected, &kiln_host::sha256_hex(found)));
        }
        match self.blobs.get(expected, MAX_COMPARED_BYTES).await {
            Ok(original) => match compare(&original, found) {
                Some(d) => Verdict::Different(d),
                None => Verdict::Identical,
            },
            Err(crate::blobs::BlobError::TooLarge { .. }) => {
                Verdict::Different(by_hash(expected, &kiln_host::sha256_hex(found)))
            }
            Err(e) => Verdict::Failed { kind: "integrity".into(), message: format!("the original's output: {e}") },
        }
    }

    /// The loaded component `sha256`, from this process's cache unless `verify` asks for the
    /// store's copy to be read and hash-checked first (a replay checks what the store holds).
    pub async fn plugin(&self, sha256: &str, verify: bool) -> Result<Arc<Plugin>, (&'static str, String)> {
        let cached = || self.plugins.lock().unwrap_or_else(|p| p.into_inner()).get(sha256).cloned();
        if let Some(found) = cached().filter(|_| !verify) {
            return Ok(found);
        }
        let bytes = self
            .blobs
            .get(sha256, self.caps.component)
            .await
            .map_err(|e| ("integrity", format!("the component: {e}")))?;
        if let Some(found) = cached() {
            return Ok(found);
        }
        let (plugin, _) = crate::artifacts::load(&self.store, &self.blobs, &self.host, &bytes, sha256)
            .await
            .map_err(|e| ("invalid-component", e.to_string()))?;
        let plugin = Arc::new(plugin);
        self.plugins.lock().unwrap_or_else(|p| p.into_inner()).insert(sha256.to_string(), plugin.clone());
        Ok(plugin)
    }

    /// The most bytes read for a kind of blob.
    pub fn caps(&self) -> BlobCaps {
        self.caps
    }

    /// The local copy of a dataset blob, fetched (and hash-checked) on first use.
    pub(crate) async fn dataset_file(&self, sha256: &str) -> Result<PathBuf, (&'static str, String)> {
        let path = self.dataset_dir.join(format!("{sha256}.parquet"));
        if path.exists() {
            return Ok(path);
        }
        self.fetch_dataset(sha256, &path).await
    }

    /// Fetches a dataset blob into `path`. Streamed, hashed, and renamed into place whole, so a
    /// concurrent reader never sees half a file and a large dataset never sits in memory.
    async fn fetch_dataset(&self, sha256: &str, path: &std::path::Path) -> Result<PathBuf, (&'static str, String)> {
        self.blobs.get_to_file(sha256, path, self.caps.dataset).await.map_err(|e| match e {
            crate::blobs::BlobError::Io(e) => ("internal", format!("caching dataset: {e}")),
            crate::blobs::BlobError::Store(object_store::Error::NotFound { .. }) => {
                ("integrity", format!("its blob {sha256} is not in the store"))
            }
            other => ("integrity", other.to_string()),
        })?;
        Ok(path.to_path_buf())
    }

    /// Forgets this process's cached copy of a dataset blob (after an operator's purge).
    pub fn forget_dataset(&self, sha256: &str) {
        let _ = std::fs::remove_file(self.dataset_dir.join(format!("{sha256}.parquet")));
    }
}

fn failed(
    kind: &str,
    message: String,
    usage: Option<serde_json::Value>,
    log: Option<serde_json::Value>,
    cpu_ms: i64,
) -> Finish {
    Finish {
        state: RunState::Failed,
        error_kind: Some(kind.to_string()),
        error: Some(message),
        usage,
        log,
        output_sha256: None,
        cpu_ms,
        verdict: None,
    }
}

/// Records how `run` ended ([`crate::store::runs::finish`]) with its provenance: the hash of
/// what it pinned and the output it produced. Returns whether it was recorded.
pub async fn record_finish(
    store: &Store,
    run: &RunRecord,
    f: &Finish,
    by: &str,
    at: i64,
) -> Result<bool, crate::store::StoreError> {
    let provenance = crate::provenance::hash(run, f.output_sha256.as_deref());
    crate::store::runs::finish(store, run, f, &provenance, by, at).await
}

/// The request that executes what `pinned` records, reading its datasets from `files` (one per
/// pinned dataset, in order). The worker's runs and replays and `kiln plugin run --replay` all
/// build their request here, so an offline replay executes exactly what the service would.
/// Fails with the failure's kind and message.
pub fn pinned_request(
    pinned: &Pinned,
    info: &PluginInfo,
    files: Vec<PathBuf>,
) -> Result<RunRequest, (&'static str, String)> {
    let limits: Limits = serde_json::from_value(pinned.limits.clone())
        .map_err(|e| ("invalid-request", format!("the run's limits are unreadable: {e}")))?;
    let params = params_from_json(info, &pinned.params).map_err(|e| ("params", e))?;
    if files.len() != pinned.datasets.len() {
        let message = format!("{} dataset files for {} pinned datasets", files.len(), pinned.datasets.len());
        return Err(("internal", message));
    }
    let mut grants = Grants::none();
    let mut named = Vec::new();
    for (d, file) in pinned.datasets.iter().zip(files) {
        grants = grants.columns(&d.name, d.columns.clone());
        named.push((d.name.clone(), file));
    }
    let source: Arc<dyn DataSource> = Arc::new(DirSource::from_files(named).map_err(|e| ("data", e.to_string()))?);
    // The seed is stored as SQL's signed 64 bits; the host's generators take the same bits.
    let determinism = Determinism { seed: pinned.seed as u64, clock_start_ms: pinned.clock_start };
    Ok(RunRequest { params, data: Some((source, grants)), limits, determinism })
}

/// Types JSON parameters by the plugin's describe() and fills defaults: numbers for f64 and
/// s64 (an s64 must be whole), strings, booleans, and integer nanoseconds for timestamps.
pub fn params_from_json(
    info: &PluginInfo,
    given: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<Param>, String> {
    let typed = given
        .iter()
        .map(|(name, value)| {
            let spec =
                info.params.iter().find(|p| &p.name == name).ok_or_else(|| format!("unknown parameter `{name}`"))?;
            let typed = match (spec.type_, value) {
                (ValueType::F64, serde_json::Value::Number(n)) => n.as_f64().map(Value::F64),
                (ValueType::S64, serde_json::Value::Number(n)) => n.as_i64().map(Value::S64),
                (ValueType::Timestamp, serde_json::Value::Number(n)) => n.as_i64().map(Value::Timestamp),
                (ValueType::String, serde_json::Value::String(s)) => Some(Value::String(s.clone())),
                (ValueType::Bool, serde_json::Value::Bool(b)) => Some(Value::Bool(*b)),
                _ => None,
            };
            let ty = format!("{:?}", spec.type_).to_lowercase();
            typed.map(|v| (name.clone(), v)).ok_or_else(|| format!("`{name}` must be {ty}, not {value}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    kiln_host::complete_params(info, typed).map_err(|e| e.to_string())
}

/// Parameters as JSON, for the run record.
pub fn params_to_json(params: &[Param]) -> serde_json::Map<String, serde_json::Value> {
    params
        .iter()
        .map(|p| {
            let value = match &p.value {
                Value::F64(v) => json!(v),
                Value::S64(v) | Value::Timestamp(v) => json!(v),
                Value::String(v) => json!(v),
                Value::Bool(v) => json!(v),
            };
            (p.name.clone(), value)
        })
        .collect()
}
