//! Schedules: recurring runs of an enablement, by a cron expression read in a time zone
//! ([`timetable`]), fired by every `kiln serve` process and yet exactly once per tick
//! ([`fire`]).
//!
//! A scheduled run is submitted exactly as a tenant's admin would submit a queued one
//! ([`crate::submission`]): the same checks, the same quotas, the same `run.submit` audit
//! entry, with `schedule:<id>` as its `created_by` and actor. A tick whose run is refused
//! (the tenant's quota is used up, the enablement was disabled or suspended, a granted
//! dataset is gone) is recorded as refused, with the problem's slug and detail, and audited;
//! the schedule then goes on with its next tick, neither retrying nor losing the tick.

pub mod fire;
pub mod timetable;

pub use fire::{Fired, SchedulerConfig, fire_due};
pub use timetable::{DEFAULT_ZONE, Timetable, TimetableError};
