//! Schedules and their ticks. A schedule row says when its enablement runs next
//! (`next_fire_at`); a tick row records what one firing did, and its primary key
//! `(schedule, tick)` is what lets exactly one server fire a tick, however many race for it.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AnyPool, Row};

use super::{StoreError, WriteTx, stored_enum};

/// What a schedule does with ticks that passed while no server fired them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatchUp {
    /// Run none of them: go on with the next future tick (the default).
    #[default]
    Skip,
    /// Run once for all of them, then go on.
    Once,
}

impl CatchUp {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CatchUp::Skip => "skip",
            CatchUp::Once => "once",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "skip" => Some(CatchUp::Skip),
            "once" => Some(CatchUp::Once),
            _ => None,
        }
    }
}

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRow {
    /// Its id.
    pub id: String,
    /// The tenant.
    pub tenant: String,
    /// The enablement it runs.
    pub enablement: String,
    /// The cron expression.
    pub cron: String,
    /// The IANA zone it is read in.
    pub zone: String,
    /// What it does with missed ticks.
    pub catch_up: CatchUp,
    /// Paused schedules do not fire.
    pub paused: bool,
    /// The next tick to fire, unix ms; `None` while paused (or when no tick is left).
    pub next_fire_at: Option<i64>,
    /// The last tick a firing covered, unix ms.
    pub last_tick_at: Option<i64>,
    /// Who created it.
    pub created_by: String,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last changed (paused, resumed, fired), unix ms.
    pub updated_at: i64,
}

fn schedule(row: &sqlx::any::AnyRow) -> Result<ScheduleRow, StoreError> {
    let catch_up: String = row.try_get("catch_up")?;
    Ok(ScheduleRow {
        id: row.try_get("id")?,
        tenant: row.try_get("tenant")?,
        enablement: row.try_get("enablement")?,
        cron: row.try_get("cron")?,
        zone: row.try_get("zone")?,
        catch_up: stored_enum("schedule catch-up", &catch_up, CatchUp::parse)?,
        paused: row.try_get::<i64, _>("paused")? != 0,
        next_fire_at: row.try_get("next_fire_at")?,
        last_tick_at: row.try_get("last_tick_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Stores a new schedule.
pub async fn insert(tx: &mut WriteTx, s: &ScheduleRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO schedules (id, tenant, enablement, cron, zone, catch_up, paused, next_fire_at, last_tick_at, \
         created_by, created_at, updated_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL)",
    )
    .bind(&s.id)
    .bind(&s.tenant)
    .bind(&s.enablement)
    .bind(&s.cron)
    .bind(&s.zone)
    .bind(s.catch_up.as_str())
    .bind(i64::from(s.paused))
    .bind(s.next_fire_at)
    .bind(s.last_tick_at)
    .bind(&s.created_by)
    .bind(s.created_at)
    .bind(s.updated_at)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// One of a tenant's live schedules (another tenant's, or a deleted one, is "not found"),
/// on the pool or inside a write (`&mut tx.tx`).
pub async fn get(conn: &mut AnyConnection, tenant: &str, id: &str) -> Result<ScheduleRow, StoreError> {
    let row = sqlx::query("SELECT * FROM schedules WHERE id = $1 AND tenant = $2 AND deleted_at IS NULL")
        .bind(id)
        .bind(tenant)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(schedule).transpose()?.ok_or_else(|| StoreError::NotFound(format!("schedule {id}")))
}

/// A tenant's live schedules, oldest first.
pub async fn list(pool: &AnyPool, tenant: &str) -> Result<Vec<ScheduleRow>, StoreError> {
    let rows = sqlx::query("SELECT * FROM schedules WHERE tenant = $1 AND deleted_at IS NULL ORDER BY created_at, id")
        .bind(tenant)
        .fetch_all(pool)
        .await?;
    rows.iter().map(schedule).collect()
}

/// How many live schedules a tenant has, inside a write.
pub async fn count(conn: &mut AnyConnection, tenant: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM schedules WHERE tenant = $1 AND deleted_at IS NULL")
        .bind(tenant)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Pauses (`next: None`) or resumes (`next`: its next tick) a schedule.
pub async fn set_paused(
    tx: &mut WriteTx,
    tenant: &str,
    id: &str,
    paused: bool,
    next: Option<i64>,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE schedules SET paused = $1, next_fire_at = $2, updated_at = $3 \
         WHERE id = $4 AND tenant = $5 AND deleted_at IS NULL",
    )
    .bind(i64::from(paused))
    .bind(next)
    .bind(at)
    .bind(id)
    .bind(tenant)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Deletes a schedule: it never fires again and leaves the lists; its ticks stay as history.
pub async fn delete(tx: &mut WriteTx, tenant: &str, id: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE schedules SET deleted_at = $1, next_fire_at = NULL, updated_at = $1 \
         WHERE id = $2 AND tenant = $3 AND deleted_at IS NULL",
    )
    .bind(at)
    .bind(id)
    .bind(tenant)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Ids of schedules due at `now`, most overdue first, at most `limit`.
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM schedules WHERE paused = 0 AND deleted_at IS NULL AND next_fire_at IS NOT NULL \
         AND next_fire_at <= $1 ORDER BY next_fire_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?)
}

/// A schedule by id alone, inside the write that fires it: read after the write's lock is
/// held, so it shows what every firing before this one left.
pub async fn get_for_firing(tx: &mut WriteTx, id: &str) -> Result<Option<ScheduleRow>, StoreError> {
    let row = sqlx::query("SELECT * FROM schedules WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(&mut *tx.tx)
        .await?;
    row.as_ref().map(schedule).transpose()
}

/// Moves a schedule on after a firing that covered ticks through `last_tick`.
pub async fn advance(tx: &mut WriteTx, id: &str, next: Option<i64>, last_tick: i64, at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE schedules SET next_fire_at = $1, last_tick_at = $2, updated_at = $3 WHERE id = $4")
        .bind(next)
        .bind(last_tick)
        .bind(at)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
    Ok(())
}

/// What a firing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A run was queued.
    Queued,
    /// The run was refused (quota, enablement not active, data gone): `problem` says why.
    /// Not retried: the schedule goes on with its next tick.
    Refused,
    /// Missed ticks passed over by the `skip` catch-up policy; no run.
    Skipped,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Queued => "queued",
            Outcome::Refused => "refused",
            Outcome::Skipped => "skipped",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(Outcome::Queued),
            "refused" => Some(Outcome::Refused),
            "skipped" => Some(Outcome::Skipped),
            _ => None,
        }
    }
}

/// One firing of a schedule: the ticks it covered and what came of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TickRecord {
    /// The schedule.
    pub schedule: String,
    /// The first tick it covers, unix ms: with the schedule, the key that makes it unique.
    pub tick: i64,
    /// The last tick it covers, unix ms (`tick`, unless ticks were missed).
    pub last_tick: i64,
    /// How many ticks it covers (more than 1 after downtime; counted up to 10,000).
    pub ticks: i64,
    /// What it did.
    pub outcome: Outcome,
    /// The run it queued.
    pub run: Option<String>,
    /// For a refusal, the problem's slug (`quota-exceeded`, `not-runnable`, ...).
    pub problem: Option<String>,
    /// For a refusal, its detail; for a skip, what was skipped.
    pub reason: Option<String>,
    /// When it fired, unix ms.
    pub fired_at: i64,
}

fn tick(row: &sqlx::any::AnyRow) -> Result<TickRecord, StoreError> {
    let outcome: String = row.try_get("outcome")?;
    Ok(TickRecord {
        schedule: row.try_get("schedule")?,
        tick: row.try_get("tick")?,
        last_tick: row.try_get("last_tick")?,
        ticks: row.try_get("ticks")?,
        outcome: stored_enum("tick outcome", &outcome, Outcome::parse)?,
        run: row.try_get("run")?,
        problem: row.try_get("problem")?,
        reason: row.try_get("reason")?,
        fired_at: row.try_get("fired_at")?,
    })
}

/// Claims tick `t.tick` of its schedule by inserting its row: `false` if another firing holds
/// it already (the row exists), which then must do nothing.
pub async fn claim_tick(tx: &mut WriteTx, tenant: &str, t: &TickRecord) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO schedule_ticks (schedule, tick, tenant, last_tick, ticks, outcome, run, problem, reason, fired_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (schedule, tick) DO NOTHING",
    )
    .bind(&t.schedule)
    .bind(t.tick)
    .bind(tenant)
    .bind(t.last_tick)
    .bind(t.ticks)
    .bind(t.outcome.as_str())
    .bind(&t.run)
    .bind(&t.problem)
    .bind(&t.reason)
    .bind(t.fired_at)
    .execute(&mut *tx.tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records what a claimed tick came to.
pub async fn settle_tick(tx: &mut WriteTx, t: &TickRecord) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE schedule_ticks SET outcome = $1, run = $2, problem = $3, reason = $4 WHERE schedule = $5 AND tick = $6",
    )
    .bind(t.outcome.as_str())
    .bind(&t.run)
    .bind(&t.problem)
    .bind(&t.reason)
    .bind(&t.schedule)
    .bind(t.tick)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// A schedule's firings, newest first, with the total count.
pub async fn ticks(
    pool: &AnyPool,
    tenant: &str,
    schedule: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<TickRecord>, i64), StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM schedule_ticks WHERE tenant = $1 AND schedule = $2 ORDER BY tick DESC LIMIT $3 OFFSET $4",
    )
    .bind(tenant)
    .bind(schedule)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM schedule_ticks WHERE tenant = $1 AND schedule = $2")
        .bind(tenant)
        .bind(schedule)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    Ok((rows.iter().map(tick).collect::<Result<_, _>>()?, total))
}
