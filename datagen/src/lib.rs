//! # kiln-datagen: deterministic synthetic industrial data for Xi'an
//!
//! Generates a realistic, fully synthetic data set of Xi'an's industry — enterprises placed in
//! real districts and industrial parks with GB/T 4754-2017 industry codes, their monthly
//! production and energy indicators, and daily equipment telemetry — as Arrow
//! [`RecordBatch`]es ([`generate_tables`]) or snappy-compressed Parquet files ([`write_parquet`]).
//! `kiln data generate` and the tests use it; plugins are developed and demoed against it.
//!
//! ```
//! let opts = kiln_datagen::Options { seed: 7, enterprises: 20, months: 12 };
//! let tables = kiln_datagen::generate_tables(&opts)?;
//! assert_eq!(tables.monthly_indicators.num_rows(), 20 * 12);
//! # Ok::<(), kiln_datagen::Error>(())
//! ```
//!
//! ## Determinism
//!
//! The same [`Options`] give byte-identical tables, and with the same crate versions
//! byte-identical files, on every platform: the crate
//! uses its own xoshiro256++ generator and portable `exp`/`ln`, no libm transcendental
//! functions and no external RNG crate. Each enterprise draws from its own streams keyed by
//! (seed, purpose, enterprise index), so the data set is *prefix-stable*: enterprise `E00017`
//! and its first 24 months are the same whether 200 or 2000 enterprises, 24 or 36 months are
//! asked for. (Telemetry covers the last 90 days and so moves with `months`.)
//!
//! ## Tables
//!
//! No column is null except `monthly_indicators.water_m3`. Money is in 10k CNY (万元).
//!
//! ### `enterprises` — one row per enterprise
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `enterprise_id` | Utf8 | `"E00001"`, `"E00002"`, … (zero-padded 5 digits, in row order) |
//! | `name` | Utf8 | Chinese company name, unique, e.g. `西安秦川精密机械有限公司` |
//! | `district` | Utf8 | one of Xi'an's 13 districts/counties, e.g. `雁塔区` |
//! | `district_en` | Utf8 | its English name, e.g. `Yanta District`, `Lantian County` |
//! | `district_id` | Utf8 | `xincheng beilin lianhu baqiao weiyang yanta yanliang lintong changan gaoling huyi lantian zhouzhi` |
//! | `park` | Utf8 | industrial park / development zone, or `园区外` |
//! | `park_en` | Utf8 | its English name, e.g. `Xi'an High-tech Industries Development Zone`, or `Outside industrial parks` |
//! | `park_id` | Utf8 | see the park table below, or `none` |
//! | `industry_code` | Utf8 | GB/T 4754-2017 division: C13 C26 C27 C30 C31 C33 C34 C35 C36 C37 C38 C39 C40 D44 I65 |
//! | `industry_name` | Utf8 | the division's official Chinese name, e.g. `汽车制造业` |
//! | `industry_name_en` | Utf8 | its English name as the NBS translates it, e.g. `Manufacture of Automobiles` |
//! | `size_class` | Utf8 | `large` (≥1000 staff) / `medium` (300–999) / `small` (20–299) / `micro` (<20); ~50 % micro, ~40 % small |
//! | `founded_year` | Int64 | 1950–2022 |
//! | `opted_in` | Boolean | opted in to regional statistics (~85 % true) |
//!
//! Parks and the districts they appear in (`park_id`: `park` — districts):
//! `high-tech-zone`: 西安高新技术产业开发区 — yanta, changan;
//! `economic-development-zone`: 西安经济技术开发区 — weiyang, gaoling;
//! `chanba`: 西安浐灞生态区 — baqiao; `intl-trade-logistics-park`: 西安国际港务区 — baqiao;
//! `aerospace-base`: 西安航天基地 — changan; `aviation-base`: 西安航空基地 — yanliang;
//! `qujiang`: 曲江新区 — yanta; `xixian`: 西咸新区 — weiyang, changan, huyi;
//! `none`: 园区外 — any district. Parks specialise (aviation base → C37, high-tech zone →
//! C39/I65, economic development zone → C36/C34, outer counties → C13/C30 …).
//!
//! ### `monthly_indicators` — one row per enterprise per month, ordered by enterprise, month
//!
//! | column | type | unit / meaning |
//! |---|---|---|
//! | `enterprise_id` | Utf8 | |
//! | `month` | Utf8 | `"YYYY-MM"`, contiguous from `2023-01` for [`Options::months`] months |
//! | `output_value` | Float64 | industrial output value, 10k CNY (2 decimals) |
//! | `revenue` | Float64 | operating revenue, 10k CNY (2 decimals) |
//! | `profit` | Float64 | total profit, 10k CNY (2 decimals), may be negative |
//! | `energy_tce` | Float64 | comprehensive energy use, tonnes of coal equivalent (3 decimals) |
//! | `electricity_kwh` | Float64 | electricity use, kWh (whole numbers) |
//! | `water_m3` | Float64, nullable | water use, m³ (1 decimal); null in ~0.5 % of rows (reporting gaps) |
//! | `employees` | Int64 | headcount at month end |
//!
//! Model, per enterprise: `output = base · e^(growth · year) · season(month) · (1 + sd · noise)`.
//! `base` comes from headcount × the division's output per employee × size class (× a
//! log-normal spread). `growth` is year-over-year: the level steps up each January, by a
//! division trend (C39, I65 +6 %/yr; C36, C37 +5 %; C38 +4 %; C26 flat; C31 −1.5 %; C30 −3 %)
//! ± up to 2 pp per enterprise. `season` is moderate: a Spring Festival dip of up to ~4.5 % in
//! January or February depending on the festival's date (production lost from 7 days before
//! to 15 days after it), quarter-end pushes of +1 %, a December push of +2 %; power and heat
//! supply (D44) instead peaks ±4 % in winter and summer. Each enterprise follows it with an
//! amplitude of 0.5–1.0. `noise` is bounded reporting noise with `sd` 4–5.5 % per enterprise,
//! stratified over each calendar year (the twelve months of a year cover the range evenly),
//! which keeps a per-enterprise median/MAD stable even for 24-month series.
//! Revenue = output × 0.9–1.0 (± 2 %); profit = revenue × (division margin, sd 4 pp across
//! enterprises, ± 1.5 pp per month), so some months are negative. `energy_tce = output ×
//! intensity`
//! (tce per 10k CNY: D44 ≈ 3, C31 ≈ 1.6, C30 ≈ 1.3, C26 ≈ 0.9, C13/C33 ≈ 0.15, C36 ≈ 0.06,
//! C39/C38 ≈ 0.05, I65 ≈ 0.02; × a per-enterprise spread) × a heating uplift of up to 2 % in
//! winter, ± 1 % noise; `electricity_kwh = energy_tce × electricity share / 1.229e-4` (tce per
//! kWh, equivalent value; share from 3 % for D44 to 95 % for I65), ± 0.5 % noise.
//! `water_m3 = output × water intensity` ± 4 %; `employees` drifts smoothly with growth.
//!
//! ### `injected_anomalies` — ground truth for anomaly detectors
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `enterprise_id` | Utf8 | |
//! | `month` | Utf8 | `"YYYY-MM"` |
//! | `indicator` | Utf8 | `output_value`, `energy_tce` or `electricity_kwh` |
//! | `factor` | Float64 | what the clean value was multiplied by (2 decimals) |
//!
//! Rules: each enterprise-month independently carries an anomaly with probability 1 %, so at
//! most one per enterprise-month; the indicator is one of the three above with equal odds;
//! half are spikes with factor uniform in [3, 6], half drops with factor in [0.10, 0.25].
//! Only that indicator of that row is multiplied (before rounding); the other columns keep
//! their clean values. The base series is smooth enough that a robust z-score per enterprise
//! and indicator (`|0.6745·(x − median)/MAD| > 3.5`) finds nearly all anomalies with few false
//! alarms (the crate's tests check recall ≥ 90 % and precision ≥ 80 %).
//!
//! ### `equipment_telemetry` — one row per machine per day
//!
//! Manufacturing (C*) enterprises report telemetry with probability 60 / 40 / 25 / 15 % for
//! large / medium / small / micro, each for 2–6 machines, over the last 90 days of the period
//! (the whole period if shorter). Rows are ordered by enterprise, machine, day.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `machine_id` | Utf8 | `"E00012-M03"`: enterprise id, `-M`, 2-digit machine number |
//! | `enterprise_id` | Utf8 | |
//! | `ts` | Timestamp(Nanosecond, `"+08:00"`) | start of the day: local midnight in China Standard Time |
//! | `state` | Utf8 | dominant state of the day: `running`, `idle` or `down` |
//! | `planned_min` | Float64 | planned production minutes: 480/960/1440 for 1/2/3 shifts, 0 on rest days |
//! | `run_min` | Float64 | minutes actually running, ≤ `planned_min` |
//! | `ideal_cycle_s` | Float64 | ideal seconds per part, constant per machine |
//! | `total_count` | Int64 | parts made |
//! | `good_count` | Int64 | good parts, ≤ `total_count` |
//!
//! Timestamp convention: `ts` holds the UTC instant of 00:00 local time (UTC+08:00) of the
//! reported day, i.e. `(days_since_epoch(date) · 86400 − 8 · 3600) · 10⁹`; read with its time
//! zone it shows `YYYY-MM-DD 00:00:00 +08:00`. One- and two-shift machines rest on Sundays
//! (`idle`, planned 0); three-shift (continuous process, heavy industry) machines work daily.
//! A breakdown starts on ~1.2 % of working days and lasts 1–3 days (running through rest
//! days), giving ~2 % `down` days with run and counts 0; ~2 % of days are low-order `idle`
//! days (run < half the plan). On ordinary days availability (0.72–0.95), performance
//! (0.72–0.95) and quality (0.95–0.995) vary around per-machine levels, so
//! `OEE = good_count · ideal_cycle_s / (planned_min · 60)` is about 0.54–0.82 (5th–95th
//! percentile, median 0.67) on running days. `total_count = ⌊run_min · 60 / ideal_cycle_s ·
//! performance⌋`.
//!
//! ## Files and progress
//!
//! [`write_parquet`] writes `enterprises.parquet`, `monthly_indicators.parquet`,
//! `equipment_telemetry.parquet` and `injected_anomalies.parquet` (snappy-compressed; row
//! groups of up to 1 Mi rows, so one per file at the default size).
//! It writes all four to hidden temporary files in the directory first and renames them into
//! place only when all are complete. Progress goes through two stages: `"generate"` (done and
//! total count enterprises) and `"write"` (done and total count rows over all four files).

mod anomalies;
mod calendar;
mod enterprises;
mod geography;
mod industries;
mod monthly;
mod rng;
mod telemetry;
mod write;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;

/// Progress stage name while tables are generated.
const GENERATE_STAGE: &str = "generate";
/// Largest number of enterprises: ids have five digits.
const MAX_ENTERPRISES: usize = 99_999;
/// Largest number of months (a century).
const MAX_MONTHS: u32 = 1200;

/// What to generate: the seed, how many enterprises, how many months from 2023-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Seed of all random draws; the same options always give the same data.
    pub seed: u64,
    /// Number of enterprises (at most 99,999).
    pub enterprises: usize,
    /// Number of months, starting at 2023-01 (1 to 1200).
    pub months: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self { seed: 42, enterprises: 2000, months: 36 }
    }
}

/// The four generated tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Tables {
    /// One row per enterprise.
    pub enterprises: RecordBatch,
    /// One row per enterprise per month.
    pub monthly_indicators: RecordBatch,
    /// One row per machine per day over the last 90 days.
    pub equipment_telemetry: RecordBatch,
    /// Ground truth: every anomaly injected into `monthly_indicators`.
    pub injected_anomalies: RecordBatch,
}

/// What [`write_parquet`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// One entry per file, in the order written.
    pub datasets: Vec<DatasetSummary>,
}

/// One written Parquet file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSummary {
    /// Table name, e.g. `"monthly_indicators"`.
    pub name: String,
    /// Path of the file.
    pub path: PathBuf,
    /// Rows in the file.
    pub rows: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// Why generating or writing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The options are out of range.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// Building an Arrow batch failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Encoding Parquet failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A file system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Options {
    fn validate(&self) -> Result<(), Error> {
        if self.enterprises > MAX_ENTERPRISES {
            return Err(Error::InvalidOptions(format!(
                "{} enterprises requested, at most {MAX_ENTERPRISES} are supported",
                self.enterprises
            )));
        }
        if !(1..=MAX_MONTHS).contains(&self.months) {
            return Err(Error::InvalidOptions(format!(
                "{} months requested, must be between 1 and {MAX_MONTHS}",
                self.months
            )));
        }
        Ok(())
    }
}

/// Generates the four tables in memory.
pub fn generate_tables(opts: &Options) -> Result<Tables, Error> {
    generate(opts, &mut |_, _, _| {})
}

/// Writes DIR/enterprises.parquet, DIR/monthly_indicators.parquet,
/// DIR/equipment_telemetry.parquet and DIR/injected_anomalies.parquet (creating DIR), calling
/// `progress(done, total, stage)` per enterprise (stage `"generate"`) and per chunk of rows
/// written (stage `"write"`). Files appear only once all four were written completely.
pub fn write_parquet(dir: &Path, opts: &Options, progress: &mut dyn FnMut(u64, u64, &str)) -> Result<Summary, Error> {
    let tables = generate(opts, progress)?;
    write::write_tables(dir, &tables, progress)
}

fn generate(opts: &Options, progress: &mut dyn FnMut(u64, u64, &str)) -> Result<Tables, Error> {
    opts.validate()?;
    let cal = calendar::Calendar::new(opts.months);
    let n = opts.enterprises;
    let total = n as u64;
    let mut names = HashSet::with_capacity(n);
    let mut enterprise_cols = enterprises::EnterpriseColumns::with_capacity(n);
    let mut monthly_cols = monthly::MonthlyColumns::with_capacity(n * cal.months.len());
    let mut telemetry_cols = telemetry::TelemetryColumns::default();
    let mut anomaly_cols = anomalies::AnomalyColumns::default();
    progress(0, total, GENERATE_STAGE);
    for index in 0..total {
        let e = enterprises::draw(opts.seed, index, &mut names);
        let injected = anomalies::draw(opts.seed, index, cal.months.len());
        monthly::generate(opts.seed, &e, &cal.months, &injected, &mut monthly_cols);
        for a in &injected {
            anomaly_cols.push(&e.id, &cal.months[a.month].label, a);
        }
        telemetry::generate(opts.seed, &e, &cal.days, &mut telemetry_cols);
        enterprise_cols.push(&e);
        progress(index + 1, total, GENERATE_STAGE);
    }
    Ok(Tables {
        enterprises: enterprise_cols.finish()?,
        monthly_indicators: monthly_cols.finish()?,
        equipment_telemetry: telemetry_cols.finish()?,
        injected_anomalies: anomaly_cols.finish()?,
    })
}
