//! `kiln worker`: execute queued runs from the registry's database until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use kiln_registry::ServeConfig;
use kiln_registry::worker::WorkerConfig;

/// Arguments of `kiln worker`.
#[derive(Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    storage: crate::serve::StorageArgs,
    /// Runs executed at once.
    #[arg(long, default_value_t = 2)]
    concurrency: usize,
    /// How long a claimed run stays this worker's without renewal, e.g. `30s`.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    lease: Duration,
    /// How long runs in hand may go on after SIGTERM or Ctrl-C, e.g. `30s`; those still running
    /// then are handed back to the queue for another worker.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    grace: Duration,
    /// This worker's name in leases (default: a random one).
    #[arg(long)]
    id: Option<String>,
}

/// Works the queue until a shutdown signal, then finishes the runs in hand.
pub fn run(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let config = ServeConfig {
        data_dir: args.storage.data_dir,
        db: args.storage.db,
        blobs: args.storage.blobs,
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        scheduler: Default::default(),
        tls: None,
        behind_https_proxy: false,
    };
    let mut worker = WorkerConfig {
        concurrency: args.concurrency.max(1),
        lease: args.lease,
        grace: args.grace,
        ..WorkerConfig::default()
    };
    if let Some(id) = args.id {
        worker.id = id;
    }
    eprintln!("kiln worker {} working the queue ({} at a time); Ctrl-C stops it", worker.id, worker.concurrency);
    let stats = crate::runtime()?.block_on(kiln_registry::work(&config, worker, crate::serve::shutdown_signal()))?;
    eprintln!(
        "kiln worker stopped: {} claimed, {} recorded, {} superseded, {} handed back",
        stats.claimed, stats.recorded, stats.superseded, stats.handed_back
    );
    Ok(ExitCode::SUCCESS)
}
