//! Monthly indicators: each enterprise's latent profile and its month-by-month series of
//! output, revenue, profit, energy, electricity, water and employees, with anomalies applied.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::Error;
use crate::anomalies::{Anomaly, Indicator};
use crate::calendar::MonthInfo;
use crate::enterprises::Enterprise;
use crate::rng::{Rng, Stream, exp, round_to};

/// tce per kWh of electricity (equivalent-value coefficient: 1.229 tce per 10⁴ kWh).
const TCE_PER_KWH: f64 = 1.229e-4;
/// Share of rows whose `water_m3` is missing (reporting gaps).
pub(crate) const WATER_GAP_RATE: f64 = 0.005;

/// An enterprise's latent economics, fixed over the period.
#[derive(Debug, Clone)]
struct Profile {
    /// Output value of an average month at the start of the period, 10k CNY.
    base: f64,
    /// Trend growth per year (continuous rate).
    growth: f64,
    /// How strongly the enterprise follows its division's seasonal profile.
    season_amp: f64,
    /// Standard deviation of month-to-month noise (relative).
    noise: f64,
    /// tce per 10k CNY output.
    energy_intensity: f64,
    /// kWh of electricity per tce of energy.
    kwh_per_tce: f64,
    /// m³ of water per 10k CNY output.
    water_intensity: f64,
    /// Revenue per unit of output value.
    sales_ratio: f64,
    /// Profit margin on revenue.
    margin: f64,
    /// Headcount growth per year (continuous rate).
    employee_growth: f64,
}

impl Profile {
    fn draw(rng: &mut Rng, e: &Enterprise) -> Self {
        let ind = e.industry;
        let annual = e.employees * ind.productivity * e.size.productivity() * exp(0.3 * rng.normal());
        let growth = ind.trend + 0.01 * rng.normal().clamp(-2.0, 2.0);
        let share = (ind.electricity_share * exp(0.1 * rng.normal())).min(0.98);
        Self {
            base: annual / 12.0,
            growth,
            season_amp: rng.range(0.5, 1.0),
            noise: rng.range(0.04, 0.055),
            energy_intensity: ind.energy_intensity * exp(0.25 * rng.normal()),
            kwh_per_tce: share / TCE_PER_KWH,
            water_intensity: ind.water_intensity * exp(0.3 * rng.normal()),
            sales_ratio: rng.range(0.9, 1.0),
            margin: ind.margin + 0.04 * rng.normal().clamp(-2.5, 2.5),
            employee_growth: 0.5 * growth + 0.01 * rng.normal(),
        }
    }
}

/// The `monthly_indicators` schema; only `water_m3` is nullable.
pub(crate) fn schema() -> SchemaRef {
    let f64_col = |name: &str| Field::new(name, DataType::Float64, false);
    Arc::new(Schema::new(vec![
        Field::new("enterprise_id", DataType::Utf8, false),
        Field::new("month", DataType::Utf8, false),
        f64_col("output_value"),
        f64_col("revenue"),
        f64_col("profit"),
        f64_col("energy_tce"),
        f64_col("electricity_kwh"),
        Field::new("water_m3", DataType::Float64, true),
        Field::new("employees", DataType::Int64, false),
    ]))
}

/// Column builders for the `monthly_indicators` table.
pub(crate) struct MonthlyColumns {
    enterprise_id: StringBuilder,
    month: StringBuilder,
    output_value: Float64Builder,
    revenue: Float64Builder,
    profit: Float64Builder,
    energy_tce: Float64Builder,
    electricity_kwh: Float64Builder,
    water_m3: Float64Builder,
    employees: Int64Builder,
}

impl MonthlyColumns {
    /// Empty builders sized for `rows` rows.
    pub(crate) fn with_capacity(rows: usize) -> Self {
        Self {
            enterprise_id: StringBuilder::with_capacity(rows, rows * 6),
            month: StringBuilder::with_capacity(rows, rows * 7),
            output_value: Float64Builder::with_capacity(rows),
            revenue: Float64Builder::with_capacity(rows),
            profit: Float64Builder::with_capacity(rows),
            energy_tce: Float64Builder::with_capacity(rows),
            electricity_kwh: Float64Builder::with_capacity(rows),
            water_m3: Float64Builder::with_capacity(rows),
            employees: Int64Builder::with_capacity(rows),
        }
    }

    /// The finished `monthly_indicators` batch.
    pub(crate) fn finish(mut self) -> Result<RecordBatch, Error> {
        Ok(RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(self.enterprise_id.finish()),
                Arc::new(self.month.finish()),
                Arc::new(self.output_value.finish()),
                Arc::new(self.revenue.finish()),
                Arc::new(self.profit.finish()),
                Arc::new(self.energy_tce.finish()),
                Arc::new(self.electricity_kwh.finish()),
                Arc::new(self.water_m3.finish()),
                Arc::new(self.employees.finish()),
            ],
        )?)
    }
}

/// Appends enterprise `e`'s rows for every month of `months`, multiplying the indicators named
/// in `anomalies` (sorted by month, at most one per month) by their factors.
pub(crate) fn generate(
    seed: u64,
    e: &Enterprise,
    months: &[MonthInfo],
    anomalies: &[Anomaly],
    cols: &mut MonthlyColumns,
) {
    let mut rng = Rng::new(seed, Stream::Monthly, e.index);
    let p = Profile::draw(&mut rng, e);
    let mut pending = anomalies.iter().peekable();
    let mut year_noise = [[0.0; 12]; 3];
    for (t, info) in months.iter().enumerate() {
        let (year, month) = (t / 12, t % 12);
        if month == 0 {
            // Drawn whole at each January, so a shorter period is a prefix of a longer one.
            year_noise = std::array::from_fn(|_| rng.stratified_year());
        }
        let [output_noise, energy_noise, electricity_noise] = year_noise.map(|y| y[month]);
        // A fixed number of draws per month keeps each month's values independent of the rest.
        let draws: [f64; 4] = std::array::from_fn(|_| rng.noise());
        let water_gap = rng.chance(WATER_GAP_RATE);

        // Growth steps up each January (year-over-year growth); seasonality and noise move
        // the months within a year.
        let level = p.base * exp(p.growth * year as f64);
        let season = 1.0 + p.season_amp * (info.season(e.industry.seasonality) - 1.0);
        let mut output = level * season * (1.0 + p.noise * output_noise);
        let revenue = output * p.sales_ratio * (1.0 + 0.02 * draws[0]);
        let profit = revenue * (p.margin + 0.015 * draws[1]);
        let mut energy = output * p.energy_intensity * info.heating * (1.0 + 0.01 * energy_noise);
        let mut electricity = energy * p.kwh_per_tce * (1.0 + 0.005 * electricity_noise);
        let water = output * p.water_intensity * (1.0 + 0.04 * draws[2]);
        let years = t as f64 / 12.0;
        let employees = e.employees * exp(p.employee_growth * years) * (1.0 + 0.01 * draws[3]);

        if let Some(a) = pending.next_if(|a| a.month == t) {
            match a.indicator {
                Indicator::OutputValue => output *= a.factor,
                Indicator::EnergyTce => energy *= a.factor,
                Indicator::ElectricityKwh => electricity *= a.factor,
            }
        }

        cols.enterprise_id.append_value(&e.id);
        cols.month.append_value(&info.label);
        cols.output_value.append_value(round_to(output, 2));
        cols.revenue.append_value(round_to(revenue, 2));
        cols.profit.append_value(round_to(profit, 2));
        cols.energy_tce.append_value(round_to(energy, 3));
        cols.electricity_kwh.append_value(round_to(electricity, 0));
        cols.water_m3.append_option((!water_gap).then(|| round_to(water, 1)));
        cols.employees.append_value((employees.round() as i64).max(1));
    }
}
