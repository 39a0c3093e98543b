//! `kiln monitor ...`: operators' regional rollups.

use std::process::ExitCode;

use clap::Subcommand;
use kiln_registry::monitoring::rollup::Suppression;
use kiln_registry::routes::monitoring::{Month, Rollup, RollupQuery};

use super::{Remote, emit};

/// Monitoring commands (operators).
#[derive(Subcommand)]
pub enum MonitorCommand {
    /// Months with reports.
    Months {
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// A rollup of the standard indicators at one level of district → park → industry → enterprise.
    Rollup {
        /// region, district, park, industry or enterprise.
        #[arg(long, default_value = "district")]
        level: String,
        /// YYYY-MM (default: the newest).
        #[arg(long)]
        month: Option<String>,
        /// Only this district.
        #[arg(long)]
        district: Option<String>,
        /// Only this park.
        #[arg(long)]
        park: Option<String>,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// Runs a monitoring subcommand.
pub fn run(cmd: MonitorCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MonitorCommand::Months { remote } => {
            let months: Vec<Month> = remote.client()?.get(&["v1", "monitoring", "months"])?;
            emit(remote.json, &months, |months| {
                for m in months {
                    println!("{}  {} enterprises", m.month, m.enterprises);
                }
            })
        }
        MonitorCommand::Rollup { level, month, district, park, remote } => {
            let query = RollupQuery { month, level: Some(level), district, park, industry: None };
            let rollup: Rollup = remote.client()?.get_query(&["v1", "monitoring", "rollup"], &query)?;
            emit(remote.json, &rollup, |rollup| print!("{}", rollup_text(rollup)))
        }
    }
}

/// A rollup answer as an aligned table; suppressed cells show why instead of values.
pub fn rollup_text(rollup: &Rollup) -> String {
    let mut out = format!(
        "{} rollup, {} (cells of fewer than {} enterprises suppressed)\n",
        rollup.level.as_str(),
        rollup.month,
        rollup.k
    );
    out.push_str(&format!(
        "{:<34} {:>5} {:>14} {:>12} {:>10} {:>9} {:>8}\n",
        "cell", "firms", "output 10k¥", "energy tce", "tce/10k¥", "staff", "yoy"
    ));
    for c in &rollup.cells {
        let key: Vec<&str> =
            [&c.district, &c.park, &c.industry, &c.enterprise].into_iter().flatten().map(String::as_str).collect();
        let key = if key.is_empty() { "region".to_string() } else { key.join(" / ") };
        let firms = c.enterprises;
        match (&c.indicators, c.suppressed) {
            (Some(i), _) => {
                let growth = i.growth.map_or("-".into(), |g| format!("{:+.1}%", g * 100.0));
                out.push_str(&format!(
                    "{key:<34} {firms:>5} {:>14.1} {:>12.1} {:>10.4} {:>9.0} {growth:>8}\n",
                    i.output_value,
                    i.energy_tce,
                    i.energy_intensity.unwrap_or(0.0),
                    i.employees,
                ));
            }
            (None, why) => {
                let why = match why {
                    Some(Suppression::Primary) => "primary",
                    Some(Suppression::Secondary) => "secondary",
                    None => "",
                };
                out.push_str(&format!("{key:<34} {firms:>5}   suppressed ({why})\n"))
            }
        }
    }
    out
}
