//! `kiln monitor ...`: operators' regional rollups.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::Value;

use super::Remote;
use super::print;

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
            let v = remote.client()?.get(&["v1", "monitoring", "months"], &[])?;
            print(remote.json, &v, || {
                for m in v.as_array().into_iter().flatten() {
                    println!("{}  {} enterprises", m["month"].as_str().unwrap_or(""), m["enterprises"]);
                }
            })
        }
        MonitorCommand::Rollup { level, month, district, park, remote } => {
            let mut query = vec![("level", level)];
            query.extend(month.map(|m| ("month", m)));
            query.extend(district.map(|d| ("district", d)));
            query.extend(park.map(|p| ("park", p)));
            let v = remote.client()?.get(&["v1", "monitoring", "rollup"], &query)?;
            print(remote.json, &v, || print!("{}", rollup_text(&v)))
        }
    }
}

/// A rollup answer as an aligned table; suppressed cells show why instead of values.
pub fn rollup_text(v: &Value) -> String {
    let mut out = format!(
        "{} rollup, {} (cells of fewer than {} enterprises suppressed)\n",
        v["level"].as_str().unwrap_or(""),
        v["month"].as_str().unwrap_or(""),
        v["k"]
    );
    out.push_str(&format!(
        "{:<34} {:>5} {:>14} {:>12} {:>10} {:>9} {:>8}\n",
        "cell", "firms", "output 10k¥", "energy tce", "tce/10k¥", "staff", "yoy"
    ));
    for c in v["cells"].as_array().into_iter().flatten() {
        let key: Vec<&str> =
            ["district", "park", "industry", "enterprise"].iter().filter_map(|k| c[*k].as_str()).collect();
        let key = if key.is_empty() { "region".to_string() } else { key.join(" / ") };
        let firms = &c["enterprises"];
        match &c["indicators"] {
            Value::Object(i) => {
                let f = |k: &str| i.get(k).and_then(Value::as_f64);
                let growth = f("growth").map_or("-".into(), |g| format!("{:+.1}%", g * 100.0));
                out.push_str(&format!(
                    "{key:<34} {firms:>5} {:>14.1} {:>12.1} {:>10.4} {:>9.0} {growth:>8}\n",
                    f("output_value").unwrap_or(0.0),
                    f("energy_tce").unwrap_or(0.0),
                    f("energy_intensity").unwrap_or(0.0),
                    f("employees").unwrap_or(0.0),
                ));
            }
            _ => out
                .push_str(&format!("{key:<34} {firms:>5}   suppressed ({})\n", c["suppressed"].as_str().unwrap_or(""))),
        }
    }
    out
}
