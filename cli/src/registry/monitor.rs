//! `kiln monitor ...`: operators' regional rollups.

use std::process::ExitCode;

use clap::Subcommand;
use kiln_registry::monitoring::rollup::{Cell, Suppression};
use kiln_registry::places::Name;
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
        /// Language of the place and industry names: zh or en.
        #[arg(long, value_enum, default_value = "zh")]
        lang: Lang,
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
        MonitorCommand::Rollup { level, month, district, park, lang, remote } => {
            let query = RollupQuery { month, level: Some(level), district, park, industry: None };
            let rollup: Rollup = remote.client()?.get_query(&["v1", "monitoring", "rollup"], &query)?;
            emit(remote.json, &rollup, |rollup| print!("{}", rollup_text(rollup, lang)))
        }
    }
}

/// The language names are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Chinese: 雁塔区.
    Zh,
    /// English: Yanta District.
    En,
}

/// Columns a character takes in a terminal: CJK and full-width forms take two.
fn char_width(c: char) -> usize {
    let wide = matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
    if wide { 2 } else { 1 }
}

/// `text` cut or padded to `width` terminal columns.
fn fit(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str(&" ".repeat(width - used));
    out
}

/// A cell's name: its place and industry names in `lang` (the ids where the registry sent no
/// names), joined by ` / `; `region` for the top cell.
pub fn cell_name(c: &Cell, lang: Lang) -> String {
    let pick = |id: &Option<String>, name: &Option<Name>| {
        let id = id.as_deref()?;
        Some(name.as_ref().map_or(id, |n| if lang == Lang::Zh { &n.zh } else { &n.en }).to_string())
    };
    let parts: Vec<String> = [
        pick(&c.district, &c.district_name),
        pick(&c.park, &c.park_name),
        pick(&c.industry, &c.industry_name),
        c.enterprise.as_ref().map(|id| c.enterprise_name.clone().unwrap_or_else(|| id.clone())),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { "region".to_string() } else { parts.join(" / ") }
}

/// A rollup answer as an aligned table, cells named in `lang`; suppressed cells show why
/// instead of values.
pub fn rollup_text(rollup: &Rollup, lang: Lang) -> String {
    const NAME_WIDTH: usize = 40;
    let mut out = format!(
        "{} rollup, {} (cells of fewer than {} enterprises suppressed)\n",
        rollup.level.as_str(),
        rollup.month,
        rollup.k
    );
    out.push_str(&format!(
        "{} {:>5} {:>14} {:>12} {:>10} {:>9} {:>8}\n",
        fit("cell", NAME_WIDTH),
        "firms",
        "output 10k¥",
        "energy tce",
        "tce/10k¥",
        "staff",
        "yoy"
    ));
    for c in &rollup.cells {
        let key = fit(&cell_name(c, lang), NAME_WIDTH);
        let firms = c.enterprises;
        match (&c.indicators, c.suppressed) {
            (Some(i), _) => {
                let growth = i.growth.map_or("-".into(), |g| format!("{:+.1}%", g * 100.0));
                out.push_str(&format!(
                    "{key} {firms:>5} {:>14.1} {:>12.1} {:>10.4} {:>9.0} {growth:>8}\n",
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
                out.push_str(&format!("{key} {firms:>5}   suppressed ({why})\n"))
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn cells_are_named_in_the_chosen_language_and_aligned_by_terminal_width() {
        let cell = |district: &str, name: Option<(&str, &str)>, suppressed: bool| {
            json!({"level": "district", "district": district, "park": null, "industry": null, "enterprise": null,
                   "district_name": name.map(|(zh, en)| json!({"zh": zh, "en": en})), "park_name": null,
                   "industry_name": null, "enterprise_name": null, "enterprises": if suppressed { 2 } else { 9 },
                   "indicators": if suppressed { Value::Null } else { json!({"output_value": 10.0, "energy_tce": 1.0,
                       "energy_intensity": 0.1, "electricity_kwh": 1.0, "employees": 5.0, "growth": null}) },
                   "suppressed": if suppressed { json!("primary") } else { Value::Null }})
        };
        let rollup: Rollup = serde_json::from_value(json!({"level": "district", "month": "2024-12", "k": 3, "cells": [
            cell("yanta", Some(("雁塔区", "Yanta District")), false), cell("d9", None, true),
        ]}))
        .unwrap();
        let zh = rollup_text(&rollup, Lang::Zh);
        let en = rollup_text(&rollup, Lang::En);
        assert!(zh.contains("雁塔区") && !zh.contains("yanta"), "{zh}");
        assert!(en.contains("Yanta District"), "{en}");
        assert!(en.contains("d9") && en.contains("suppressed (primary)"), "an unnamed cell shows its id: {en}");
        let widths: Vec<usize> = zh.lines().skip(1).map(|l| l.chars().map(char_width).sum::<usize>()).collect();
        assert_eq!(widths[0], widths[1], "the columns line up under CJK names: {zh}");
    }
}
