//! Submitting a run: the checks and the write every run goes through, whoever asks for it — a
//! tenant's admin through `POST .../runs`, or a schedule's tick ([`crate::schedules`]).
//!
//! [`prepare`] reads what the run will use (the enablement, which must be active; its pinned
//! version, which must not be taken down; the newest version of each granted dataset) and its
//! limits; [`prepare_replay`] reads what a finished run pinned instead, to run it again on the
//! same inputs. [`admit`] then checks the tenant's quotas inside the write that consumes them,
//! inserts the run and appends its `run.submit` audit entry.

use std::time::Duration;

use kiln_host::Limits;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::error::{ApiError, ApiResult};
use crate::quota;
use crate::state::ServiceLimits;
use crate::store::enablements::{self, EnablementStatus};
use crate::store::runs::{self, RunDataset, RunRecord, RunState};
use crate::store::{StoreError, WriteTx, datasets, new_id, plugins};

/// A run about to be admitted: everything it will run with, read and checked.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The tenant.
    pub tenant: String,
    /// The enablement it runs under.
    pub enablement: String,
    /// The plugin version it runs: namespace, name and exact version.
    pub plugin: (String, String, String),
    /// sha256 of the pinned version's component.
    pub sha256: String,
    /// The dataset versions it will read.
    pub datasets: Vec<RunDataset>,
    /// Its parameters.
    pub params: Map<String, Value>,
    /// Its limits (for a synchronous run, the timeout already cut to the sync cap).
    pub limits: Limits,
    /// Whether it runs synchronously, in the API process.
    pub sync: bool,
    /// For a replay, what it repeats; `None` for a new run, which gets a fresh seed and its
    /// submission time as its clock start.
    pub replay: Option<Replay>,
}

/// What a replay takes from the run it repeats.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The original run.
    pub of: String,
    /// The output it recorded.
    pub expected_sha256: Option<String>,
    /// Its seed.
    pub seed: i64,
    /// Its clock start.
    pub clock_start: i64,
}

/// Reads and checks what a run of enablement `id` of `tenant` would run with, on `conn` (the
/// pool, or the write that then admits it). Refuses an enablement that is not active
/// (`not-runnable`), a taken-down version (`taken-down`), a granted dataset that is gone
/// (`invalid-grant`) and limits above the operator's cap.
pub async fn prepare(
    conn: &mut AnyConnection,
    caps: &ServiceLimits,
    tenant: &str,
    id: &str,
    sync: bool,
) -> ApiResult<Prepared> {
    let enablement = enablements::get(&mut *conn, tenant, id).await?;
    if enablement.status != EnablementStatus::Active {
        let why = enablement.status_reason.clone().unwrap_or_default();
        return Err(ApiError::not_runnable(format!("enablement {id} is {:?}: {why}", enablement.status)));
    }
    let version = runnable_version(&mut *conn, &enablement.namespace, &enablement.plugin, &enablement.version).await?;
    let mut data = Vec::new();
    for grant in &enablement.grants {
        let latest = datasets::get(&mut *conn, tenant, &grant.dataset, None).await.map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::invalid_grant(format!(
                "granted dataset `{}` no longer exists; upload it again",
                grant.dataset
            )),
            other => other.into(),
        })?;
        data.push(RunDataset {
            name: grant.dataset.clone(),
            version: latest.version,
            sha256: latest.sha256,
            columns: grant.columns.clone(),
        });
    }
    let limits = for_mode(limits_within(&enablement.limits, &caps.run_cap)?, caps, sync);
    Ok(Prepared {
        tenant: enablement.tenant.clone(),
        plugin: (enablement.namespace.clone(), enablement.plugin.clone(), enablement.version.clone()),
        enablement: enablement.id,
        sha256: version.sha256,
        datasets: data,
        params: enablement.params,
        limits,
        sync,
        replay: None,
    })
}

/// Reads what finished run `id` of `tenant` pinned, to run it again: the same component,
/// dataset versions, parameters, limits, seed and clock start, whatever its enablement says
/// now. Refuses a run without output (`not-finished`: there is nothing to re-derive), a
/// version taken down since (`taken-down`), and a dataset version an operator purged
/// (`purged`, naming each with when, by whom and why).
pub async fn prepare_replay(
    conn: &mut AnyConnection,
    caps: &ServiceLimits,
    tenant: &str,
    id: &str,
    sync: bool,
) -> ApiResult<Prepared> {
    let original = runs::get(&mut *conn, tenant, id).await?;
    if original.state != RunState::Succeeded {
        return Err(ApiError::not_finished(format!(
            "run {id} is {}: only a run that succeeded has an output to reproduce",
            original.state.as_str()
        )));
    }
    runnable_version(&mut *conn, &original.namespace, &original.plugin, &original.version).await?;
    let purged = datasets::purged(&mut *conn, tenant, &original.datasets).await?;
    if !purged.is_empty() {
        let each: Vec<String> = purged.iter().map(datasets::Purge::describe).collect();
        return Err(ApiError::purged(format!("run {id} read data that was purged: {}", each.join("; "))));
    }
    let limits: Limits = serde_json::from_value(original.limits.clone())
        .map_err(|e| ApiError::internal(format!("run {id}'s limits are unreadable: {e}")))?;
    let limits = for_mode(limits, caps, sync);
    Ok(Prepared {
        tenant: original.tenant,
        enablement: original.enablement,
        plugin: (original.namespace, original.plugin, original.version),
        sha256: original.sha256,
        datasets: original.datasets,
        params: original.params,
        limits,
        sync,
        replay: Some(Replay {
            of: original.id,
            expected_sha256: original.output_sha256,
            seed: original.seed,
            clock_start: original.clock_start,
        }),
    })
}

/// The version `ns/name@version`, refused (`taken-down`) if an operator took it down.
async fn runnable_version(
    conn: &mut AnyConnection,
    ns: &str,
    name: &str,
    version: &str,
) -> ApiResult<plugins::VersionRecord> {
    let version = plugins::get_version(&mut *conn, ns, name, version).await?;
    if version.taken_down {
        return Err(ApiError::unavailable(format!("{} was taken down", version.subject())));
    }
    Ok(version)
}

/// `limits` with a synchronous run's timeout cut to the sync cap.
fn for_mode(mut limits: Limits, caps: &ServiceLimits, sync: bool) -> Limits {
    if sync {
        limits.timeout = limits.timeout.min(caps.sync_timeout);
    }
    limits
}

/// Who asks for a run, as its record and audit entry name them.
#[derive(Debug, Clone)]
pub struct Requester<'a> {
    /// The run's `created_by` and the audit entry's actor: a principal's name, or
    /// `schedule:<id>` for a scheduled run.
    pub name: &'a str,
    /// More audit details (a schedule's id and tick), merged into the entry's.
    pub details: Value,
}

/// Admits `p` at `now` inside `tx`: checks the tenant's quotas (`quota-exceeded`), reserves
/// the run's CPU (cutting its timeout to what is left of the day's quota), inserts it —
/// queued, or running under this process's lease for a synchronous one — and appends the
/// `run.submit` audit entry (`run.replay` for a replay). The caller commits.
pub async fn admit(tx: &mut WriteTx, p: Prepared, by: &Requester<'_>, now: i64) -> ApiResult<RunRecord> {
    let Prepared {
        tenant,
        enablement,
        plugin: (namespace, plugin, version),
        sha256,
        datasets,
        params,
        mut limits,
        sync,
        replay,
    } = p;
    // Quotas are checked inside the write, which holds the audit head's lock: two submissions
    // cannot both take the last slot, nor the last CPU. The run reserves its timeout's worth of
    // CPU (cut to what is left today, and its timeout with it) until it finishes.
    let reserved = quota::admit_run(tx, &tenant, now, limits.timeout).await?;
    limits.timeout = limits.timeout.min(Duration::from_millis(reserved.unsigned_abs()));
    // Synchronous runs are held by this process under a lease covering their whole deadline; if
    // the process dies, `kiln serve`'s recovery ends them.
    let lease_owner = sync.then(|| format!("api-{}", new_id()));
    let run = RunRecord {
        id: new_id(),
        tenant: tenant.clone(),
        enablement,
        namespace,
        plugin,
        version,
        sha256,
        datasets,
        params,
        limits: serde_json::to_value(limits).map_err(|e| ApiError::internal(format!("encoding limits: {e}")))?,
        mode: if sync { "sync" } else { "queued" }.into(),
        state: if sync { RunState::Running } else { RunState::Queued },
        attempt: i64::from(sync),
        lease_owner,
        lease_until: sync.then(|| now + limits.timeout.as_millis() as i64 + 60_000),
        cancel_requested: false,
        error_kind: None,
        error: None,
        usage: None,
        log: None,
        output_sha256: None,
        cpu_ms: reserved,
        created_by: by.name.to_string(),
        created_at: now,
        started_at: sync.then_some(now),
        finished_at: None,
        seed: replay.as_ref().map_or_else(new_seed, |r| r.seed),
        clock_start: replay.as_ref().map_or(now, |r| r.clock_start),
        replay_of: replay.as_ref().map(|r| r.of.clone()),
        expected_sha256: replay.and_then(|r| r.expected_sha256),
        verdict: None,
        provenance: None,
    };
    runs::insert(tx, &run).await?;
    let mut details = json!({"enablement": run.enablement,
                             "plugin": format!("{}/{}@{}", run.namespace, run.plugin, run.version),
                             "mode": run.mode, "datasets": run.datasets, "seed": run.seed});
    if let (Some(details), Some(original)) = (details.as_object_mut(), &run.replay_of) {
        details.insert("replay_of".into(), original.clone().into());
    }
    if let (Some(details), Value::Object(more)) = (details.as_object_mut(), &by.details) {
        details.extend(more.clone());
    }
    let action = if run.replay_of.is_some() { "run.replay" } else { "run.submit" };
    tx.record(by.name, action, &format!("{tenant}/run:{}", run.id), details).await?;
    Ok(run)
}

/// A fresh seed for a new run: random, below 2^53 so that it is exact as a JSON number in any
/// client (JavaScript's included).
fn new_seed() -> i64 {
    (rand::random::<u64>() >> 11) as i64
}

/// The limits a run gets from `spec`, refusing any above `cap`.
pub fn limits_within(spec: &crate::store::enablements::LimitSpec, cap: &Limits) -> ApiResult<Limits> {
    let pick = |name: &str, asked: Option<u64>, cap: u64| match asked {
        Some(v) if v > cap => Err(ApiError::limit_too_high(format!("{name} {v} is above the cap of {cap}"))),
        Some(0) => Err(ApiError::invalid_request(format!("{name} must be above 0"))),
        Some(v) => Ok(v),
        None => Ok(cap),
    };
    let timeout_cap = cap.timeout.as_millis() as u64;
    Ok(Limits {
        timeout: std::time::Duration::from_millis(pick("timeout_ms", spec.timeout_ms, timeout_cap)?),
        fuel: pick("fuel", spec.fuel, cap.fuel)?,
        memory_bytes: pick("memory_bytes", spec.memory_bytes, cap.memory_bytes)?,
        table_elements: cap.table_elements,
        rows: pick("rows", spec.rows, cap.rows)?,
        output_bytes: pick("output_bytes", spec.output_bytes, cap.output_bytes)?,
        log_bytes: pick("log_bytes", spec.log_bytes, cap.log_bytes)?,
    })
}
