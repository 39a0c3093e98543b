//! Kiln's registry service: the marketplace catalog.
//!
//! Makers publish signed components into namespaces they belong to; every upload is validated
//! exactly as the host will load it. Operators review, approve, reject and take down, and read
//! a hash-chained audit log written in the same transaction as each change. Enterprises resolve
//! semver requirements to approved versions and download them, verified against their hash.
//! Enterprise tenants upload datasets, enable approved plugins with grants, parameters and
//! limits, and run them synchronously or queued for `kiln worker`s ([`worker`]); operators see
//! k-suppressed regional rollups of opted-in tenants' monthly reports ([`monitoring`]).
//! The embedded default is a SQLite file and a local blob directory; at scale, PostgreSQL and
//! S3. Served by `kiln serve`.
#![deny(missing_docs)]

pub mod admission;
pub mod artifacts;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod bundle;
pub mod changes;
pub mod datasets;
pub mod error;
pub mod extract;
pub mod manifest;
pub mod metrics;
pub mod monitoring;
pub mod openapi;
pub mod overview;
pub mod places;
pub mod provenance;
pub mod quota;
pub mod replay;
pub mod results;
pub mod routes;
pub mod runner;
pub mod schedules;
pub mod scratch;
pub mod state;
pub mod store;
pub mod submission;
pub mod tls;
pub mod worker;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use kiln_host::{Host, HostConfig};

use crate::state::{AppState, ServiceLimits};

/// Where the service keeps its state and listens.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Data directory for the embedded defaults.
    pub data_dir: PathBuf,
    /// Database URL; default `sqlite://DATA_DIR/kiln.db`.
    pub db: Option<String>,
    /// Blob store: a directory or `s3://bucket/prefix`; default `DATA_DIR/blobs`.
    pub blobs: Option<String>,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// How `kiln serve` fires schedules.
    pub scheduler: schedules::SchedulerConfig,
    /// Serve HTTPS with this certificate and key; plain HTTP without.
    pub tls: Option<tls::TlsFiles>,
    /// TLS is terminated in front of this process (a load balancer or reverse proxy): as when it
    /// serves HTTPS itself, the console's session cookie is `Secure` and responses carry HSTS.
    pub behind_https_proxy: bool,
}

/// The embedded database URL for a data directory.
pub fn default_db_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("kiln.db").display())
}

/// Connects the database (migrating it), the blob store and a validating host.
pub async fn state(config: &ServeConfig) -> anyhow::Result<AppState> {
    let blob_url = config.blobs.clone().unwrap_or_else(|| config.data_dir.join("blobs").display().to_string());
    let blobs = blobs::Blobs::open(&blob_url).with_context(|| format!("opening the blob store {blob_url}"))?;
    state_on(config, blobs).await
}

/// [`state`] on a blob store already opened (`config.blobs` is not read).
pub async fn state_on(config: &ServeConfig, blobs: blobs::Blobs) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    // A store that does not answer is a configuration error, said at start rather than at the
    // first publish.
    blobs.ping().await.with_context(|| format!("the blob store {} is unreachable", blobs.location()))?;
    let db = config.db.clone().unwrap_or_else(|| default_db_url(&config.data_dir));
    let store = store::Store::connect(&db).await.with_context(|| format!("opening database {db}"))?;
    let limits = ServiceLimits::default();
    let host = Arc::new(Host::new(HostConfig {
        cache_dir: Some(config.data_dir.join("cache")),
        // A Rust plugin takes one slot, a Python one two (`kiln_host::capacity`).
        max_instances: 64,
        max_component_bytes: limits.largest_component(),
        cap: limits.run_cap,
        ..HostConfig::default()
    })?);
    // Before anything writes scratch files: a crashed process's are removed here.
    let (scratch, cleaned) = scratch::Scratch::open(&config.data_dir, &config.data_dir.join("cache"))
        .with_context(|| format!("opening the scratch space in {}", config.data_dir.display()))?;
    if cleaned.removed > 0 {
        tracing::info!(removed = cleaned.removed, "removed scratch files a stopped process left behind");
    }
    let caps = limits.blob_caps();
    let runner =
        Arc::new(runner::Runner::new(store.clone(), blobs.clone(), host.clone(), config.data_dir.join("cache"), caps)?);
    let shares = Arc::new(state::Shares::for_host(&host));
    Ok(AppState {
        store,
        blobs,
        host,
        runner,
        work_dir: scratch.work_dir.clone(),
        scratch: Arc::new(scratch),
        limits,
        rollups: Default::default(),
        metrics: Default::default(),
        shares,
        https: config.tls.is_some() || config.behind_https_proxy,
    })
}

/// Serves the API until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Before the database is opened: a bad certificate or key stops the start, naming the file.
    let tls = config.tls.as_ref().map(tls::server_config).transpose()?;
    let state = state(&config).await?;
    let listener =
        tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    tracing::info!(addr = %listener.local_addr()?, tls = tls.is_some(), "kiln registry listening");
    let background = Background::start(&state, &config.scheduler);
    let router = routes::router(state);
    // One `axum::serve` either way, so graceful shutdown is the same over TLS.
    let served = match tls {
        None => axum::serve(listener, router).with_graceful_shutdown(shutdown).await,
        Some(config) => {
            axum::serve(tls::TlsListener::new(listener, config)?, router).with_graceful_shutdown(shutdown).await
        }
    };
    drop(background);
    Ok(served?)
}

/// The loops a serving process runs beside its requests: recovery of runs whose holder is gone
/// ([`recover_runs`]) and the scheduler. `kiln serve` and `kiln demo` both start them here, so
/// neither runs without the other; they stop when this is dropped.
pub struct Background {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Background {
    /// Starts the loops on the current tokio runtime.
    pub fn start(state: &AppState, scheduler: &schedules::fire::SchedulerConfig) -> Self {
        let recovery = tokio::spawn(recover_forever(state.store.clone(), state.limits.sync_timeout));
        // Every server fires schedules; each tick is fired by exactly one of them.
        let schedules =
            tokio::spawn(schedules::fire::fire_forever(state.store.clone(), state.limits.clone(), scheduler.clone()));
        Background { tasks: vec![recovery, schedules] }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Ends runs whose holder is gone, as of `now`: synchronous runs whose lease ran out (the API
/// process that held them died; their caller's request died with it) fail as `lost`, and
/// queued runs out of attempts are ended as a worker would ([`store::runs::expire`]), so no
/// crashed holder keeps a tenant's run slot or CPU reservation. Returns how many it ended.
pub async fn recover_runs(store: &store::Store, now: i64) -> Result<u64, store::StoreError> {
    let sync = store::runs::expire_sync(&store.pool, now).await?;
    let queued = store::runs::expire(&store.pool, now, worker::WorkerConfig::default().max_attempts).await?;
    Ok(sync + queued)
}

/// Runs [`recover_runs`] every `every` while the server runs, so recovery does not wait for a
/// worker to happen by. A failed pass is logged and tried again at the next.
async fn recover_forever(store: store::Store, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match recover_runs(&store, store::now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(runs = n, "ended runs whose holder stopped"),
            Err(e) => tracing::warn!(error = %e, "recovering expired runs failed"),
        }
    }
}

/// Creates an operator token for `principal`: the first operator's, or a way back in when no
/// operator token is live any more (all revoked or expired). Refused while one is live.
pub async fn bootstrap(db_url: &str, principal: &str) -> anyhow::Result<routes::tokens::CreatedToken> {
    let store = store::Store::connect(db_url).await?;
    if store::tokens::live_role_exists(&store.pool, auth::Role::Operator, store::now_ms()).await? {
        anyhow::bail!("an operator already exists with a live token; ask them for a token (kiln token create)");
    }
    let request = routes::tokens::CreateToken {
        principal: principal.to_string(),
        role: auth::Role::Operator,
        tenant: None,
        scopes: vec![],
        expires_in_days: Some(0),
    };
    routes::tokens::issue(&store, "system", request, None).await.map_err(|e| anyhow::anyhow!("{e}"))
}

/// Recomputes the audit chain of the database at `db_url`.
pub async fn verify_audit(db_url: &str) -> anyhow::Result<store::audit::Verdict> {
    let store = store::Store::connect(db_url).await?;
    Ok(audit::verify(&store.pool).await?)
}

/// Works the run queue of the database and blob store in `config` until `shutdown` resolves
/// (`config.listen` is unused), then lets the runs in hand finish.
pub async fn work(
    config: &ServeConfig,
    worker: worker::WorkerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<worker::WorkerStats> {
    let state = state(config).await?;
    tracing::info!(worker = %worker.id, concurrency = worker.concurrency, "kiln worker started");
    Ok(worker::work(state.store, state.runner, worker, shutdown).await?)
}
