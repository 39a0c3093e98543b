//! Runs, which are also the job queue. A queued run is claimed by a worker with a lease; a
//! worker that stops renewing loses it and another claims the run again. Only the holder of
//! the current attempt may record the result, so a run is recorded once even when executed
//! twice.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{AnyConnection, AnyPool, Row};

use super::{Backend, Store, StoreError, WriteTx, stored_enum, stored_json};

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// Waiting for a worker.
    Queued,
    /// A worker (or the API, for a synchronous run) holds it.
    Running,
    /// Finished with output.
    Succeeded,
    /// Finished without output; `error_kind` says why.
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

impl RunState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => RunState::Queued,
            "running" => RunState::Running,
            "succeeded" => RunState::Succeeded,
            "failed" => RunState::Failed,
            "cancelled" => RunState::Cancelled,
            _ => return None,
        })
    }

    /// Whether the run is over.
    pub fn is_final(self) -> bool {
        matches!(self, RunState::Succeeded | RunState::Failed | RunState::Cancelled)
    }
}

/// The dataset version a run reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunDataset {
    /// Dataset name.
    pub name: String,
    /// Its version at submission.
    pub version: i64,
    /// sha256 of its Parquet blob.
    pub sha256: String,
    /// The columns granted.
    pub columns: Vec<String>,
}

/// A run: what ran, with what, and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunRecord {
    /// Its id.
    pub id: String,
    /// The tenant.
    pub tenant: String,
    /// The enablement it ran under.
    pub enablement: String,
    /// Plugin namespace.
    pub namespace: String,
    /// Plugin name.
    pub plugin: String,
    /// Exact plugin version.
    pub version: String,
    /// sha256 of the component.
    pub sha256: String,
    /// The dataset versions it reads.
    pub datasets: Vec<RunDataset>,
    /// The parameters it ran with.
    #[schema(value_type = Object)]
    pub params: serde_json::Map<String, Value>,
    /// The limits it ran under (`kiln_host::Limits`; `timeout` in ms).
    #[schema(value_type = Object)]
    pub limits: Value,
    /// `sync` or `queued`.
    pub mode: String,
    /// Where it is.
    pub state: RunState,
    /// How many times it was claimed.
    pub attempt: i64,
    /// The worker holding it.
    pub lease_owner: Option<String>,
    /// When the holder's lease ends, unix ms.
    pub lease_until: Option<i64>,
    /// A cancel was asked for while it ran.
    pub cancel_requested: bool,
    /// Why it failed: a run-error kind (`timeout`, `memory`, …) or `lost`.
    pub error_kind: Option<String>,
    /// The failure in words.
    pub error: Option<String>,
    /// What it consumed (`kiln_host::Usage`); null until it finishes.
    #[schema(value_type = Object, nullable)]
    pub usage: Option<Value>,
    /// Its captured log (`kiln_host::RunLog`); null until it finishes.
    #[schema(value_type = Object, nullable)]
    pub log: Option<Value>,
    /// sha256 of the stored output document.
    pub output_sha256: Option<String>,
    /// Plugin CPU time charged to the tenant, ms: reserved at admission (the run's timeout, or
    /// what was left of the day's quota), settled to what it used when it finishes.
    pub cpu_ms: i64,
    /// Who submitted it.
    pub created_by: String,
    /// Submitted, unix ms.
    pub created_at: i64,
    /// First claimed, unix ms.
    pub started_at: Option<i64>,
    /// Finished, unix ms.
    pub finished_at: Option<i64>,
    /// Seeds the guest's random sources (`kiln_host::Determinism`); below 2^53, so it survives
    /// a JSON number anywhere.
    pub seed: i64,
    /// Where the guest's virtual clocks start, unix ms: the submission time of the run (or, for
    /// a replay, of the run it replays).
    pub clock_start: i64,
    /// For a replay, the run it re-executes.
    pub replay_of: Option<String>,
    /// For a replay, the output sha256 the original recorded.
    pub expected_sha256: Option<String>,
    /// For a finished replay, what it found.
    pub verdict: Option<Verdict>,
    /// sha256 over what the run pinned and the output it produced (`kiln-provenance/1`), also
    /// in its `run.finish` audit entry; null until it finishes.
    pub provenance: Option<String>,
}

/// What a replay found, comparing its output with the original's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Verdict {
    /// The same output bytes (equal sha256).
    Identical,
    /// Another output: where it first differs.
    Different(crate::replay::Difference),
    /// No output to compare: the replay failed (`kind` is the run's `error_kind`).
    Failed {
        /// The failure's kind.
        kind: String,
        /// The failure in words.
        message: String,
    },
}

fn record(row: &sqlx::any::AnyRow) -> Result<RunRecord, StoreError> {
    let state: String = row.try_get("state")?;
    let usage: Option<String> = row.try_get("usage")?;
    let log: Option<String> = row.try_get("log")?;
    let verdict: Option<String> = row.try_get("verdict")?;
    Ok(RunRecord {
        id: row.try_get("id")?,
        tenant: row.try_get("tenant")?,
        enablement: row.try_get("enablement")?,
        namespace: row.try_get("namespace")?,
        plugin: row.try_get("plugin")?,
        version: row.try_get("version")?,
        sha256: row.try_get("sha256")?,
        datasets: stored_json("run datasets", &row.try_get::<String, _>("datasets")?)?,
        params: stored_json("run params", &row.try_get::<String, _>("params")?)?,
        limits: stored_json("run limits", &row.try_get::<String, _>("limits")?)?,
        mode: row.try_get("mode")?,
        state: stored_enum("run state", &state, RunState::parse)?,
        attempt: row.try_get("attempt")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: row.try_get("lease_until")?,
        cancel_requested: row.try_get::<i64, _>("cancel_requested")? != 0,
        error_kind: row.try_get("error_kind")?,
        error: row.try_get("error")?,
        usage: usage.map(|u| stored_json("run usage", &u)).transpose()?,
        log: log.map(|l| stored_json("run log", &l)).transpose()?,
        output_sha256: row.try_get("output_sha256")?,
        cpu_ms: row.try_get("cpu_ms")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        seed: row.try_get("seed")?,
        clock_start: row.try_get("clock_start")?,
        replay_of: row.try_get("replay_of")?,
        expected_sha256: row.try_get("expected_sha256")?,
        verdict: verdict.map(|v| stored_json("run verdict", &v)).transpose()?,
        provenance: row.try_get("provenance")?,
    })
}

/// Stores a new run (queued, or running for a synchronous one held by `r.lease_owner`) and the
/// dataset versions it reads. `r.cpu_ms` is the CPU reserved for it until [`finish`] settles it.
pub async fn insert(tx: &mut WriteTx, r: &RunRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO runs (id, tenant, enablement, namespace, plugin, version, sha256, datasets, params, limits, mode, \
         state, attempt, lease_owner, lease_until, cancel_requested, error_kind, error, usage, log, output_sha256, \
         cpu_ms, created_by, created_at, started_at, finished_at, seed, clock_start, replay_of, expected_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, NULL, NULL, NULL, NULL, NULL, \
         $16, $17, $18, $19, NULL, $20, $21, $22, $23)",
    )
    .bind(&r.id)
    .bind(&r.tenant)
    .bind(&r.enablement)
    .bind(&r.namespace)
    .bind(&r.plugin)
    .bind(&r.version)
    .bind(&r.sha256)
    .bind(serde_json::to_string(&r.datasets).unwrap_or_default())
    .bind(serde_json::to_string(&r.params).unwrap_or_default())
    .bind(r.limits.to_string())
    .bind(&r.mode)
    .bind(r.state.as_str())
    .bind(r.attempt)
    .bind(&r.lease_owner)
    .bind(r.lease_until)
    .bind(r.cpu_ms)
    .bind(&r.created_by)
    .bind(r.created_at)
    .bind(r.started_at)
    .bind(r.seed)
    .bind(r.clock_start)
    .bind(&r.replay_of)
    .bind(&r.expected_sha256)
    .execute(&mut *tx.tx)
    .await?;
    for d in &r.datasets {
        sqlx::query("INSERT INTO run_datasets (run, tenant, dataset, version) VALUES ($1, $2, $3, $4)")
            .bind(&r.id)
            .bind(&r.tenant)
            .bind(&d.name)
            .bind(d.version)
            .execute(&mut *tx.tx)
            .await?;
    }
    Ok(())
}

/// One of a tenant's runs (another tenant's is "not found").
pub async fn get<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: &str,
    id: &str,
) -> Result<RunRecord, StoreError> {
    let row = sqlx::query("SELECT * FROM runs WHERE id = $1 AND tenant = $2")
        .bind(id)
        .bind(tenant)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(record).transpose()?.ok_or_else(|| StoreError::NotFound(format!("run {id}")))
}

/// Which of a tenant's runs [`list`] returns; `None` matches any.
#[derive(Debug, Clone, Default)]
pub struct RunFilter<'a> {
    /// Only runs in this state.
    pub state: Option<RunState>,
    /// Only replays of this run.
    pub replay_of: Option<&'a str>,
}

/// A tenant's runs, newest first, filtered, with the total count.
pub async fn list(
    pool: &AnyPool,
    tenant: &str,
    filter: &RunFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<RunRecord>, i64), StoreError> {
    let state = filter.state.map(RunState::as_str);
    let rows = sqlx::query(
        "SELECT * FROM runs WHERE tenant = $1 AND ($2 IS NULL OR state = $2) AND ($3 IS NULL OR replay_of = $3) \
         ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5",
    )
    .bind(tenant)
    .bind(state)
    .bind(filter.replay_of)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query(
        "SELECT COUNT(*) AS n FROM runs WHERE tenant = $1 AND ($2 IS NULL OR state = $2) \
         AND ($3 IS NULL OR replay_of = $3)",
    )
    .bind(tenant)
    .bind(state)
    .bind(filter.replay_of)
    .fetch_one(pool)
    .await?
    .try_get("n")?;
    Ok((rows.iter().map(record).collect::<Result<_, _>>()?, total))
}

/// Runs of a tenant that are queued or running.
pub async fn active(conn: &mut AnyConnection, tenant: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM runs WHERE tenant = $1 AND state IN ('queued', 'running')")
        .bind(tenant)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// CPU milliseconds charged to a tenant since `since` (unix ms): what runs finished since then
/// used, plus what unfinished runs hold reserved (their `cpu_ms` until [`finish`] settles it).
pub async fn cpu_ms_since(conn: &mut AnyConnection, tenant: &str, since: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(cpu_ms), 0) AS BIGINT) AS n FROM runs WHERE tenant = $1 AND \
         ((finished_at IS NOT NULL AND finished_at >= $2) OR state IN ('queued', 'running'))",
    )
    .bind(tenant)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Claims the oldest claimable run for `worker` until `lease_until`: a queued one, or a running
/// one whose lease ended (its worker died) and that has attempts left. PostgreSQL skips rows
/// other workers are claiming; SQLite's single writer makes the one statement atomic.
pub async fn claim(
    store: &Store,
    worker: &str,
    now: i64,
    lease_until: i64,
    max_attempts: i64,
) -> Result<Option<RunRecord>, StoreError> {
    let lock = if store.backend() == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE runs SET state = 'running', attempt = attempt + 1, lease_owner = $1, lease_until = $2, \
         started_at = COALESCE(started_at, $3) WHERE id = (SELECT id FROM runs WHERE cancel_requested = 0 AND \
         (state = 'queued' OR (state = 'running' AND lease_until < $3 AND attempt < $4)) \
         ORDER BY created_at, id LIMIT 1 {lock}) RETURNING *"
    );
    let row = sqlx::query(&sql)
        .bind(worker)
        .bind(lease_until)
        .bind(now)
        .bind(max_attempts)
        .fetch_optional(&store.pool)
        .await?;
    row.as_ref().map(record).transpose()
}

/// Ends runs whose lease ran out and that may not be claimed again: cancelled if a cancel was
/// asked for, otherwise failed as `lost` once their attempts are used up. Returns how many.
pub async fn expire(pool: &AnyPool, now: i64, max_attempts: i64) -> Result<u64, StoreError> {
    let cancelled = sqlx::query(
        "UPDATE runs SET state = 'cancelled', finished_at = $1, lease_owner = NULL \
         WHERE state = 'running' AND lease_until < $1 AND cancel_requested = 1",
    )
    .bind(now)
    .execute(pool)
    .await?;
    let lost = sqlx::query(
        "UPDATE runs SET state = 'failed', error_kind = 'lost', finished_at = $1, lease_owner = NULL, \
         error = 'its worker stopped renewing the lease on every attempt' \
         WHERE state = 'running' AND lease_until < $1 AND attempt >= $2",
    )
    .bind(now)
    .bind(max_attempts)
    .execute(pool)
    .await?;
    Ok(cancelled.rows_affected() + lost.rows_affected())
}

/// Ends synchronous runs whose lease ran out: the API process executing one holds it for the
/// whole (capped) deadline plus a margin, so a lapsed lease means that process died, and the
/// request waiting for the result died with it. They fail as `lost` (keeping the CPU they
/// reserved, which they may have used) rather than waiting for a worker to claim them again.
pub async fn expire_sync(pool: &AnyPool, now: i64) -> Result<u64, StoreError> {
    let lost = sqlx::query(
        "UPDATE runs SET state = 'failed', error_kind = 'lost', finished_at = $1, lease_owner = NULL, \
         error = 'the API process running it stopped' \
         WHERE mode = 'sync' AND state = 'running' AND lease_until < $1",
    )
    .bind(now)
    .execute(pool)
    .await?;
    Ok(lost.rows_affected())
}

/// What a lease renewal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Still ours, extended.
    Held,
    /// Still ours, and a cancel was asked for.
    CancelRequested,
    /// No longer ours (the lease ran out and another worker claimed it, or it ended).
    Lost,
}

/// Extends the lease on attempt `attempt` of run `id`, if `worker` still holds it.
pub async fn renew(
    pool: &AnyPool,
    id: &str,
    worker: &str,
    attempt: i64,
    lease_until: i64,
) -> Result<Renewal, StoreError> {
    let row = sqlx::query(
        "UPDATE runs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND attempt = $4 AND state = 'running' \
         RETURNING cancel_requested",
    )
    .bind(lease_until)
    .bind(id)
    .bind(worker)
    .bind(attempt)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => Renewal::Lost,
        Some(row) if row.try_get::<i64, _>("cancel_requested")? != 0 => Renewal::CancelRequested,
        Some(_) => Renewal::Held,
    })
}

/// Hands attempt `attempt` of run `id` back to the queue, if `worker` still holds it: a worker
/// stopping before the run finished releases it at once instead of leaving its lease to run out.
/// The attempt is given back too, since the run did not fail. Returns whether it was handed back.
pub async fn release(pool: &AnyPool, id: &str, worker: &str, attempt: i64) -> Result<bool, StoreError> {
    let released = sqlx::query(
        "UPDATE runs SET state = 'queued', attempt = attempt - 1, lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2 AND attempt = $3 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(attempt)
    .execute(pool)
    .await?;
    Ok(released.rows_affected() == 1)
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finish {
    /// Succeeded, failed or cancelled.
    pub state: RunState,
    /// Why it failed.
    pub error_kind: Option<String>,
    /// The failure in words.
    pub error: Option<String>,
    /// What it consumed.
    pub usage: Option<Value>,
    /// Its log.
    pub log: Option<Value>,
    /// The stored output document.
    pub output_sha256: Option<String>,
    /// CPU time to charge, ms.
    pub cpu_ms: i64,
    /// For a replay, what it found.
    pub verdict: Option<Verdict>,
}

/// Records how attempt `run.attempt` of `run` ended, only if that attempt still holds the run,
/// with its `run.finish` audit entry (by `by`, carrying its `provenance` hash) in the same write;
/// returns whether it was recorded. `f.cpu_ms` replaces the reservation made at admission, so
/// the tenant is charged what the run used. A second execution of the same run finds the
/// attempt moved on (or the run finished) and records nothing.
pub async fn finish(
    store: &Store,
    run: &RunRecord,
    f: &Finish,
    provenance: &str,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let mut tx = store.write().await?;
    let done = sqlx::query(
        "UPDATE runs SET state = $1, error_kind = $2, error = $3, usage = $4, log = $5, output_sha256 = $6, \
         cpu_ms = $7, finished_at = $8, lease_owner = NULL, lease_until = NULL, verdict = $9, provenance = $10 \
         WHERE id = $11 AND attempt = $12 AND state = 'running'",
    )
    .bind(f.state.as_str())
    .bind(&f.error_kind)
    .bind(&f.error)
    .bind(f.usage.as_ref().map(Value::to_string))
    .bind(f.log.as_ref().map(Value::to_string))
    .bind(&f.output_sha256)
    .bind(f.cpu_ms)
    .bind(at)
    .bind(f.verdict.as_ref().map(|v| serde_json::to_string(v).unwrap_or_default()))
    .bind(provenance)
    .bind(&run.id)
    .bind(run.attempt)
    .execute(&mut *tx.tx)
    .await?;
    if done.rows_affected() != 1 {
        // Nothing changed; dropping the transaction rolls back the audit head's bump.
        return Ok(false);
    }
    let mut details = serde_json::json!({"state": f.state.as_str(), "provenance": provenance,
                                         "output_sha256": f.output_sha256, "component": run.sha256});
    if let (Some(d), Some(original)) = (details.as_object_mut(), &run.replay_of) {
        d.insert("replay_of".into(), original.clone().into());
        d.insert("verdict".into(), serde_json::to_value(&f.verdict).unwrap_or_default());
    }
    tx.record(by, "run.finish", &format!("{}/run:{}", run.tenant, run.id), details).await?;
    tx.commit().await?;
    Ok(true)
}

/// Asks run `id` of `tenant` to stop: a queued run is cancelled at once, a running one is
/// flagged for its worker. Returns the state it is in afterwards.
pub async fn cancel(tx: &mut WriteTx, tenant: &str, id: &str, at: i64) -> Result<Option<RunState>, StoreError> {
    sqlx::query(
        // A queued run never ran: its CPU reservation is released.
        "UPDATE runs SET state = 'cancelled', finished_at = $1, cpu_ms = 0 \
         WHERE id = $2 AND tenant = $3 AND state = 'queued'",
    )
    .bind(at)
    .bind(id)
    .bind(tenant)
    .execute(&mut *tx.tx)
    .await?;
    sqlx::query("UPDATE runs SET cancel_requested = 1 WHERE id = $1 AND tenant = $2 AND state = 'running'")
        .bind(id)
        .bind(tenant)
        .execute(&mut *tx.tx)
        .await?;
    let row = sqlx::query("SELECT state FROM runs WHERE id = $1 AND tenant = $2")
        .bind(id)
        .bind(tenant)
        .fetch_optional(&mut *tx.tx)
        .await?;
    let state = row.map(|r| r.try_get::<String, _>("state")).transpose()?;
    state.map(|s| stored_enum("run state", &s, RunState::parse)).transpose()
}
