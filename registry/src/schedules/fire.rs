//! Firing due schedules. Every `kiln serve` runs [`fire_forever`]; tests call [`fire_due`] with
//! the `now` they choose.
//!
//! Each due schedule is fired in one audited write: re-read the schedule under the write's
//! lock, claim the tick by inserting its `(schedule, tick)` row, queue the run (or record its
//! refusal), and move `next_fire_at` on past `now`. The write's lock orders concurrent
//! firings, so a second server sees the schedule already moved on; and should it act on what
//! it read before, the tick's row is already there and it does nothing. Either way one tick
//! makes at most one run.

use std::time::Duration;

use serde_json::json;

use super::Timetable;
use crate::error::ApiError;
use crate::state::ServiceLimits;
use crate::store::schedules::{self, CatchUp, Outcome, ScheduleRow, TickRecord};
use crate::store::{Store, StoreError, now_ms};
use crate::submission::{self, Requester};

/// How the scheduler loop runs.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// How often to look for due schedules (`kiln serve --schedule-every`).
    pub every: Duration,
    /// How late a tick may be fired and still count as on time: a later one was missed (the
    /// servers were down) and is handled by the schedule's catch-up policy.
    pub grace: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig { every: Duration::from_secs(5), grace: Duration::from_secs(60) }
    }
}

impl SchedulerConfig {
    /// Looks every `every`, with a grace of a minute or two looks, whichever is longer, so a
    /// tick is never counted as missed only because the loop is slow.
    pub fn every(every: Duration) -> Self {
        SchedulerConfig { every, grace: (every * 2).max(Duration::from_secs(60)) }
    }
}

/// What one [`fire_due`] pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    /// Firings that queued a run.
    pub queued: usize,
    /// Firings whose run was refused (recorded with the reason).
    pub refused: usize,
    /// Firings that only skipped missed ticks.
    pub skipped: usize,
    /// Due schedules another firing had already moved on (another server won the tick).
    pub raced: usize,
    /// Firings that failed (logged; the schedule stays due and is tried again next pass).
    pub failed: usize,
}

/// At most this many due schedules are fired per pass; the rest wait for the next.
const DUE_BATCH: i64 = 500;

/// Ticks counted per firing: past this, a firing still covers every missed tick but says
/// only "at least this many".
const COUNTED: usize = 10_000;

/// Why firing one schedule failed.
#[derive(Debug, thiserror::Error)]
enum FireError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Api(ApiError),
}

/// Fires every schedule due at `now` (unix ms): each tick once, whichever servers race for it.
/// A firing that fails is logged and counted; its schedule stays due for the next pass.
pub async fn fire_due(
    store: &Store,
    caps: &ServiceLimits,
    config: &SchedulerConfig,
    now: i64,
) -> Result<Fired, StoreError> {
    let mut fired = Fired::default();
    let grace = i64::try_from(config.grace.as_millis()).unwrap_or(i64::MAX);
    for id in schedules::due(store.pool(), now, DUE_BATCH).await? {
        match fire_one(store, caps, grace, &id, now).await {
            Ok(None) => fired.raced += 1,
            Ok(Some(Outcome::Queued)) => fired.queued += 1,
            Ok(Some(Outcome::Refused)) => fired.refused += 1,
            Ok(Some(Outcome::Skipped)) => fired.skipped += 1,
            Err(e) => {
                tracing::warn!(schedule = %id, error = %e, "firing a schedule failed; it is tried again next pass");
                fired.failed += 1;
            }
        }
    }
    Ok(fired)
}

/// Fires schedule `id` if it is still due at `now`; `None` if another firing got there first.
async fn fire_one(
    store: &Store,
    caps: &ServiceLimits,
    grace: i64,
    id: &str,
    now: i64,
) -> Result<Option<Outcome>, FireError> {
    let mut tx = store.write().await?;
    // Dropping `tx` without committing rolls it back: nothing of a lost race is kept.
    let Some(s) = schedules::get_for_firing(&mut tx, id).await? else { return Ok(None) };
    let Some(first) = s.next_fire_at.filter(|&t| !s.paused && t <= now) else { return Ok(None) };
    let table = timetable(&s)?;
    let (count, last) = table.due(first, now, COUNTED);
    let mut tick = TickRecord {
        schedule: s.id.clone(),
        tick: first,
        last_tick: last,
        ticks: i64::try_from(count).unwrap_or(i64::MAX),
        outcome: Outcome::Queued,
        run: None,
        problem: None,
        reason: None,
        fired_at: now,
    };
    if !schedules::claim_tick(&mut tx, &s.tenant, &tick).await? {
        return Ok(None);
    }
    let actor = format!("schedule:{}", s.id);
    let subject = format!("{}/schedule:{}", s.tenant, s.id);
    let missed = count.saturating_sub(1);
    let on_time = now - last <= grace;
    let fire = match s.catch_up {
        CatchUp::Once => true,
        // Skipping runs only the tick that is due now, if one is; missed ones are passed over.
        CatchUp::Skip => on_time,
    };
    let times = json!({"tick": first, "last_tick": last, "ticks": count, "catch_up": s.catch_up.as_str()});
    if fire {
        let by = Requester { name: &actor, details: json!({"schedule": s.id, "ticks": times}) };
        let queued = match submission::prepare(&mut tx.tx, caps, &s.tenant, &s.enablement, false).await {
            Ok(prepared) => submission::admit(&mut tx, prepared, &by, now).await,
            Err(e) => Err(e),
        };
        match queued {
            Ok(run) => tick.run = Some(run.id),
            // A refusal is the tick's outcome, recorded; a server-side failure is not, and
            // leaves the schedule due (on PostgreSQL the failed statement spoiled the write).
            Err(e) if e.status().is_client_error() => {
                tick.outcome = Outcome::Refused;
                tick.problem = Some(e.slug().to_string());
                tick.reason = Some(e.detail().to_string());
                let details = json!({"ticks": times, "problem": e.slug(), "detail": e.detail()});
                tx.record(&actor, "schedule.refuse", &subject, details).await?;
            }
            Err(e) => return Err(FireError::Api(e)),
        }
    } else {
        tick.outcome = Outcome::Skipped;
        tick.reason = Some(format!(
            "{count} missed tick(s) from {} to {} skipped (catch-up: skip)",
            table.local(first),
            table.local(last)
        ));
        tx.record(&actor, "schedule.skip", &subject, json!({"ticks": times})).await?;
    }
    if tick.outcome == Outcome::Queued && missed > 0 && s.catch_up == CatchUp::Skip {
        tick.reason = Some(format!("{missed} missed tick(s) before it skipped (catch-up: skip)"));
    } else if tick.outcome == Outcome::Queued && missed > 0 {
        tick.reason = Some(format!("one run for {count} ticks (catch-up: once)"));
    }
    schedules::settle_tick(&mut tx, &tick).await?;
    schedules::advance(&mut tx, &s.id, table.next_after(now), last, now).await?;
    tx.commit().await?;
    Ok(Some(tick.outcome))
}

/// A stored schedule's timetable; one that no longer parses was damaged in the database.
fn timetable(s: &ScheduleRow) -> Result<Timetable, StoreError> {
    Timetable::parse(&s.cron, &s.zone).map_err(|e| StoreError::Corrupt(format!("schedule {}: {e}", s.id)))
}

/// Runs [`fire_due`] every `config.every` while the server runs. A failed pass is logged and
/// tried again at the next.
pub async fn fire_forever(store: Store, caps: ServiceLimits, config: SchedulerConfig) {
    let mut tick = tokio::time::interval(config.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match fire_due(&store, &caps, &config, now_ms()).await {
            Ok(f) if f == Fired::default() => {}
            Ok(f) => tracing::info!(
                queued = f.queued,
                refused = f.refused,
                skipped = f.skipped,
                raced = f.raced,
                failed = f.failed,
                "fired schedules"
            ),
            Err(e) => tracing::warn!(error = %e, "looking for due schedules failed"),
        }
    }
}
