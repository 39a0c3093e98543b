//! `kiln schedule ...`: recurring runs of an enablement — create one from a cron expression and
//! a time zone, list them with their next fire times, pause, resume, delete, and see what each
//! firing did.

use std::process::ExitCode;

use clap::Subcommand;
use kiln_registry::extract::{Page, Paged};
use kiln_registry::routes::schedules::{NewSchedule, Schedule};
use kiln_registry::store::schedules::{CatchUp, TickRecord};

use super::{Remote, emit, when};

/// Schedule commands (enterprise admins).
#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// Run an enablement on a cron expression, e.g. `--cron "0 8 2 * *"`: 08:00 on the 2nd of
    /// every month, in Asia/Shanghai unless `--zone` says otherwise.
    Create {
        /// The enablement id.
        enablement: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Five fields: minute, hour, day of month, month, day of week.
        #[arg(long)]
        cron: String,
        /// The IANA time zone the expression is read in.
        #[arg(long, default_value = kiln_registry::schedules::DEFAULT_ZONE)]
        zone: String,
        /// After downtime: `skip` the missed ticks, or run `once` for them all.
        #[arg(long, value_enum, default_value = "skip")]
        catch_up: CatchUpArg,
        /// Create it paused.
        #[arg(long)]
        paused: bool,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// List the tenant's schedules with their next fire times.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Pause a schedule.
    Pause {
        /// The schedule id.
        schedule: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Resume a paused schedule from its next tick.
    Resume {
        /// The schedule id.
        schedule: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Delete a schedule (its runs and firings stay on record).
    Delete {
        /// The schedule id.
        schedule: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// What the schedule's firings did, newest first: runs queued, refusals, skipped ticks.
    Ticks {
        /// The schedule id.
        schedule: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// `--catch-up`, as clap reads it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CatchUpArg {
    /// Run none of the missed ticks.
    Skip,
    /// Run once for all of them.
    Once,
}

impl From<CatchUpArg> for CatchUp {
    fn from(arg: CatchUpArg) -> Self {
        match arg {
            CatchUpArg::Skip => CatchUp::Skip,
            CatchUpArg::Once => CatchUp::Once,
        }
    }
}

/// How many upcoming fire times `list` prints per schedule.
const SHOWN: usize = 3;

/// Runs a schedule subcommand.
pub fn run(cmd: ScheduleCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ScheduleCommand::Create { enablement, tenant, cron, zone, catch_up, paused, remote } => {
            let body = NewSchedule {
                enablement,
                cron,
                zone: Some(zone),
                catch_up: Some(catch_up.into()),
                paused: Some(paused),
            };
            let s: Schedule = remote.client()?.post(&["v1", "tenants", &tenant, "schedules"], &body)?;
            emit(remote.json, &s, |s| {
                println!("schedule {} created", s.id);
                print_schedule(s);
            })
        }
        ScheduleCommand::List { tenant, remote } => {
            let list: Vec<Schedule> = remote.client()?.get(&["v1", "tenants", &tenant, "schedules"])?;
            emit(remote.json, &list, |list| {
                if list.is_empty() {
                    println!("no schedules");
                }
                list.iter().for_each(print_schedule);
            })
        }
        ScheduleCommand::Pause { schedule, tenant, remote } => {
            let path = ["v1", "tenants", &tenant, "schedules", &schedule, "pause"];
            let s: Schedule = remote.client()?.post_empty(&path)?;
            emit(remote.json, &s, print_schedule)
        }
        ScheduleCommand::Resume { schedule, tenant, remote } => {
            let path = ["v1", "tenants", &tenant, "schedules", &schedule, "resume"];
            let s: Schedule = remote.client()?.post_empty(&path)?;
            emit(remote.json, &s, print_schedule)
        }
        ScheduleCommand::Delete { schedule, tenant, remote } => {
            remote.client()?.delete(&["v1", "tenants", &tenant, "schedules", &schedule])?;
            emit(remote.json, &serde_json::json!({"deleted": schedule}), |_| println!("schedule {schedule} deleted"))
        }
        ScheduleCommand::Ticks { schedule, tenant, remote } => {
            let path = ["v1", "tenants", &tenant, "schedules", &schedule, "ticks"];
            let page = Page { page: None, per_page: Some(Page::MAX_PER_PAGE) };
            let ticks: Paged<TickRecord> = remote.client()?.get_query(&path, &page)?;
            emit(remote.json, &ticks, |ticks| {
                if ticks.items.is_empty() {
                    println!("schedule {schedule} has not fired yet");
                }
                ticks.items.iter().for_each(print_tick);
            })
        }
    }
}

fn print_schedule(s: &Schedule) {
    let state = if s.paused { "paused" } else { "active" };
    println!(
        "{}  enablement {}  `{}` in {} ({}), catch-up {}: {state}",
        s.id,
        s.enablement,
        crate::render::printable(&s.cron),
        s.zone,
        crate::render::printable(&s.description),
        s.catch_up.as_str()
    );
    for next in s.next_fires.iter().take(SHOWN) {
        println!("  next {}", next.local);
    }
}

fn print_tick(t: &TickRecord) {
    let what = match (&t.run, &t.problem) {
        (Some(run), _) => format!("queued run {run}"),
        (None, Some(problem)) => format!("refused ({problem})"),
        (None, None) => "skipped".to_string(),
    };
    let covered = if t.ticks > 1 { format!(" (covering {} ticks)", t.ticks) } else { String::new() };
    println!("{}{covered}: {what}", when(t.tick));
    if let Some(reason) = &t.reason {
        println!("  {}", crate::render::printable(reason));
    }
}
