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
            let v = remote.client()?.get(&["v1", "monitoring", "months"], &[])?;
            print(remote.json, &v, || {
                for m in v.as_array().into_iter().flatten() {
                    println!("{}  {} enterprises", m["month"].as_str().unwrap_or(""), m["enterprises"]);
                }
            })
        }
        MonitorCommand::Rollup { level, month, district, park, lang, remote } => {
            let mut query = vec![("level", level)];
            query.extend(month.map(|m| ("month", m)));
            query.extend(district.map(|d| ("district", d)));
            query.extend(park.map(|p| ("park", p)));
            let v = remote.client()?.get(&["v1", "monitoring", "rollup"], &query)?;
            print(remote.json, &v, || print!("{}", rollup_text(&v, lang)))
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
pub fn cell_name(c: &Value, lang: Lang) -> String {
    let key = match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    };
    let parts: Vec<String> = [
        ("district", "district_name"),
        ("park", "park_name"),
        ("industry", "industry_name"),
        ("enterprise", "enterprise_name"),
    ]
    .iter()
    .filter_map(|(id, name)| {
        let id = c[*id].as_str()?;
        let named = c[*name][key].as_str().or_else(|| c[*name].as_str());
        Some(named.unwrap_or(id).to_string())
    })
    .collect();
    if parts.is_empty() { "region".to_string() } else { parts.join(" / ") }
}

/// A rollup answer as an aligned table, cells named in `lang`; suppressed cells show why
/// instead of values.
pub fn rollup_text(v: &Value, lang: Lang) -> String {
    const NAME_WIDTH: usize = 40;
    let mut out = format!(
        "{} rollup, {} (cells of fewer than {} enterprises suppressed)\n",
        v["level"].as_str().unwrap_or(""),
        v["month"].as_str().unwrap_or(""),
        v["k"]
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
    for c in v["cells"].as_array().into_iter().flatten() {
        let key = fit(&cell_name(c, lang), NAME_WIDTH);
        let firms = c["enterprises"].as_u64().unwrap_or(0);
        match &c["indicators"] {
            Value::Object(i) => {
                let f = |k: &str| i.get(k).and_then(Value::as_f64);
                let growth = f("growth").map_or("-".into(), |g| format!("{:+.1}%", g * 100.0));
                out.push_str(&format!(
                    "{key} {firms:>5} {:>14.1} {:>12.1} {:>10.4} {:>9.0} {growth:>8}\n",
                    f("output_value").unwrap_or(0.0),
                    f("energy_tce").unwrap_or(0.0),
                    f("energy_intensity").unwrap_or(0.0),
                    f("employees").unwrap_or(0.0),
                ));
            }
            _ => out.push_str(&format!("{key} {firms:>5}   suppressed ({})\n", c["suppressed"].as_str().unwrap_or(""))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_are_named_in_the_chosen_language_and_aligned_by_terminal_width() {
        let rollup = json!({"level": "district", "month": "2024-12", "k": 3, "cells": [
            {"district": "yanta", "district_name": {"zh": "雁塔区", "en": "Yanta District"}, "enterprises": 9,
             "indicators": {"output_value": 10.0, "energy_tce": 1.0, "energy_intensity": 0.1, "employees": 5.0}},
            {"district": "d9", "enterprises": 2, "indicators": null, "suppressed": "primary"},
        ]});
        let zh = rollup_text(&rollup, Lang::Zh);
        let en = rollup_text(&rollup, Lang::En);
        assert!(zh.contains("雁塔区") && !zh.contains("yanta"), "{zh}");
        assert!(en.contains("Yanta District"), "{en}");
        assert!(en.contains("d9") && en.contains("suppressed (primary)"), "an unnamed cell shows its id: {en}");
        let widths: Vec<usize> = zh.lines().skip(1).map(|l| l.chars().map(char_width).sum::<usize>()).collect();
        assert_eq!(widths[0], widths[1], "the columns line up under CJK names: {zh}");
    }
}
