//! `kiln worker`: claims queued runs from the database, holds a renewable lease on each while
//! it executes, and records each result exactly once. Any number of workers may share a
//! database; a worker that dies simply stops renewing, and its runs are claimed again once
//! their leases end. A worker told to stop claims nothing more, lets its runs finish for a
//! grace period, and hands back the rest at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::runner::Runner;
use crate::store::runs::{self, Finish, Renewal, RunRecord, RunState};
use crate::store::{Store, now_ms};

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Its name in leases; unique per worker process.
    pub id: String,
    /// Runs executed at once.
    pub concurrency: usize,
    /// How long a claim lasts without renewal; renewed every third of it.
    pub lease: Duration,
    /// How long to wait when the queue is empty.
    pub poll: Duration,
    /// Claims of one run before it is failed as `lost`.
    pub max_attempts: i64,
    /// How long runs in hand may go on after the worker is told to stop; those still running
    /// then are handed back to the queue.
    pub grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            id: format!("worker-{}", crate::store::new_id()),
            concurrency: 2,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(250),
            max_attempts: 3,
            grace: Duration::from_secs(30),
        }
    }
}

/// What a worker did, for its log and for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Runs claimed.
    pub claimed: u64,
    /// Results recorded.
    pub recorded: u64,
    /// Results dropped because the run was no longer this worker's.
    pub superseded: u64,
    /// Runs handed back to the queue unfinished when the worker stopped.
    pub handed_back: u64,
}

/// Works the queue until `shutdown` resolves, then lets the runs in hand finish within
/// `config.grace` and hands the others back. Dropping the returned future instead abandons
/// them mid-run, as a crash would: their leases run out.
pub async fn work(
    store: Store,
    runner: Arc<Runner>,
    config: WorkerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<WorkerStats, crate::store::StoreError> {
    let mut stats = WorkerStats::default();
    let mut running: JoinSet<bool> = JoinSet::new();
    // Which run (and attempt) each task executes, to hand back what is unfinished at the end.
    let mut in_hand: HashMap<tokio::task::Id, (String, i64)> = HashMap::new();
    // Ending runs that are out of attempts only matters once their lease has run out, so it is
    // done once per renewal interval, not before every claim.
    let mut next_expiry = tokio::time::Instant::now();
    tokio::pin!(shutdown);
    loop {
        // Checked before every claim, not only when idle: a busy queue must not keep a
        // stopping worker claiming.
        if futures::poll!(&mut shutdown).is_ready() {
            break;
        }
        while let Some(done) = running.try_join_next_with_id() {
            count(&mut stats, &mut in_hand, done);
        }
        let mut claimed = None;
        if running.len() < config.concurrency.max(1) {
            let now = now_ms();
            if tokio::time::Instant::now() >= next_expiry {
                runs::expire(&store.pool, now, config.max_attempts).await?;
                next_expiry = tokio::time::Instant::now() + config.lease / 3;
            }
            claimed = runs::claim(&store, &config.id, now, now + lease_ms(&config), config.max_attempts).await?;
        }
        match claimed {
            Some(run) => {
                stats.claimed += 1;
                tracing::info!(run = %run.id, attempt = run.attempt, plugin = %run.plugin, "claimed");
                let held = (run.id.clone(), run.attempt);
                let task = running.spawn(execute(store.clone(), runner.clone(), config.clone(), run));
                in_hand.insert(task.id(), held);
            }
            None => {
                tokio::select! {
                    _ = &mut shutdown => break,
                    Some(done) = running.join_next_with_id(), if !running.is_empty() => count(&mut stats, &mut in_hand, done),
                    _ = tokio::time::sleep(config.poll) => {}
                }
            }
        }
    }
    tracing::info!(worker = %config.id, running = running.len(), grace = ?config.grace, "stopping: no more claims");
    let drained = tokio::time::timeout(config.grace, async {
        while let Some(done) = running.join_next_with_id().await {
            count(&mut stats, &mut in_hand, done);
        }
    });
    if drained.await.is_err() {
        running.abort_all();
        while let Some(done) = running.join_next_with_id().await {
            count(&mut stats, &mut in_hand, done);
        }
    }
    // What is left in hand was aborted (or its task failed) before recording a result.
    for (id, attempt) in in_hand.into_values() {
        match runs::release(&store.pool, &id, &config.id, attempt).await {
            Ok(true) => {
                stats.handed_back += 1;
                tracing::info!(run = %id, "handed back to the queue");
            }
            Ok(false) => {}
            // Not released: its lease runs out and it is claimed again, as after a crash.
            Err(e) => tracing::warn!(run = %id, error = %e, "handing the run back failed"),
        }
    }
    Ok(stats)
}

type Done = Result<(tokio::task::Id, bool), tokio::task::JoinError>;

fn count(stats: &mut WorkerStats, in_hand: &mut HashMap<tokio::task::Id, (String, i64)>, done: Done) {
    match done {
        Ok((id, recorded)) => {
            in_hand.remove(&id);
            match recorded {
                true => stats.recorded += 1,
                false => stats.superseded += 1,
            }
        }
        Err(e) if e.is_cancelled() => {}
        Err(e) => tracing::error!(error = %e, "a run task failed"),
    }
}

fn lease_ms(config: &WorkerConfig) -> i64 {
    config.lease.as_millis() as i64
}

/// Executes one claimed run while renewing its lease; returns whether its result was recorded.
async fn execute(store: Store, runner: Arc<Runner>, config: WorkerConfig, run: RunRecord) -> bool {
    let keep_lease = async {
        loop {
            tokio::time::sleep(config.lease / 3).await;
            let until = now_ms() + lease_ms(&config);
            match runs::renew(&store.pool, &run.id, &config.id, run.attempt, until).await {
                Ok(Renewal::Held) => {}
                Ok(other) => return other,
                // A database hiccup is not a lost lease: try again at the next renewal.
                Err(e) => tracing::warn!(run = %run.id, error = %e, "renewing the lease failed"),
            }
        }
    };
    let finish = tokio::select! {
        finish = runner.execute(&run) => finish,
        renewal = keep_lease => match renewal {
            Renewal::CancelRequested => Finish {
                state: RunState::Cancelled,
                error_kind: None,
                error: Some("cancelled while running".into()),
                usage: None,
                log: None,
                output_sha256: None,
                cpu_ms: 0,
                verdict: None,
            },
            _ => {
                tracing::warn!(run = %run.id, "lease lost; abandoning the run");
                return false;
            }
        },
    };
    match crate::runner::record_finish(&store, &run, &finish, &config.id, now_ms()).await {
        Ok(true) => {
            tracing::info!(run = %run.id, state = finish.state.as_str(), "recorded");
            true
        }
        Ok(false) => {
            tracing::warn!(run = %run.id, attempt = run.attempt, "the run moved on; result dropped");
            false
        }
        Err(e) => {
            // Unrecorded: the lease runs out and the run is claimed again.
            tracing::error!(run = %run.id, error = %e, "recording the result failed");
            false
        }
    }
}
