//! Equipment telemetry: machines of manufacturing enterprises and one row per machine per day
//! with the day's dominant state, planned and run minutes and part counts (for OEE).

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder, TimestampNanosecondBuilder};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::Error;
use crate::calendar::{CST_OFFSET_S, weekday};
use crate::enterprises::{Enterprise, SizeClass};
use crate::rng::{Rng, Stream, round_to};

/// Time zone of the `ts` column.
pub(crate) const TIME_ZONE: &str = "+08:00";
/// Probability that a machine breaks down on a given day (it then stays down 1–3 days).
const BREAKDOWN_RATE: f64 = 0.012;
/// Probability of a day with few orders, when the machine mostly idles.
const IDLE_RATE: f64 = 0.02;

/// The `equipment_telemetry` schema.
pub(crate) fn schema() -> SchemaRef {
    let f64_col = |name: &str| Field::new(name, DataType::Float64, false);
    let i64_col = |name: &str| Field::new(name, DataType::Int64, false);
    Arc::new(Schema::new(vec![
        Field::new("machine_id", DataType::Utf8, false),
        Field::new("enterprise_id", DataType::Utf8, false),
        Field::new("ts", DataType::Timestamp(TimeUnit::Nanosecond, Some(TIME_ZONE.into())), false),
        Field::new("state", DataType::Utf8, false),
        f64_col("planned_min"),
        f64_col("run_min"),
        f64_col("ideal_cycle_s"),
        i64_col("total_count"),
        i64_col("good_count"),
    ]))
}

/// Column builders for the `equipment_telemetry` table.
#[derive(Default)]
pub(crate) struct TelemetryColumns {
    machine_id: StringBuilder,
    enterprise_id: StringBuilder,
    ts: TimestampNanosecondBuilder,
    state: StringBuilder,
    planned_min: Float64Builder,
    run_min: Float64Builder,
    ideal_cycle_s: Float64Builder,
    total_count: Int64Builder,
    good_count: Int64Builder,
}

impl TelemetryColumns {
    /// The finished `equipment_telemetry` batch.
    pub(crate) fn finish(mut self) -> Result<RecordBatch, Error> {
        Ok(RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(self.machine_id.finish()),
                Arc::new(self.enterprise_id.finish()),
                Arc::new(self.ts.finish().with_timezone(TIME_ZONE)),
                Arc::new(self.state.finish()),
                Arc::new(self.planned_min.finish()),
                Arc::new(self.run_min.finish()),
                Arc::new(self.ideal_cycle_s.finish()),
                Arc::new(self.total_count.finish()),
                Arc::new(self.good_count.finish()),
            ],
        )?)
    }
}

/// A machine's fixed characteristics.
struct Machine {
    id: String,
    ideal_cycle_s: f64,
    /// Planned minutes on a working day.
    shift_min: f64,
    /// Whether the machine works Sundays too (continuous production).
    seven_days: bool,
    availability: f64,
    performance: f64,
    quality: f64,
}

impl Machine {
    fn draw(rng: &mut Rng, e: &Enterprise, number: u64) -> Self {
        let ind = e.industry;
        let u = rng.unit();
        let (shift_min, seven_days) = match (ind.heavy, e.size) {
            (true, _) => (1440.0, true),
            (false, SizeClass::Micro) => (if u < 0.7 { 480.0 } else { 960.0 }, false),
            (false, SizeClass::Large) if u < 0.3 => (1440.0, true),
            (false, _) => (if u < 0.15 { 480.0 } else { 960.0 }, false),
        };
        Self {
            id: format!("{}-M{number:02}", e.id),
            ideal_cycle_s: round_to(rng.log_uniform(ind.cycle_s.0, ind.cycle_s.1), 1),
            shift_min,
            seven_days,
            availability: rng.range(0.72, 0.95),
            performance: rng.range(0.72, 0.95),
            quality: rng.range(0.95, 0.995),
        }
    }
}

/// Whether enterprise `e` reports telemetry, and if so appends one row per machine per day of
/// `days` (days since 1970-01-01, local dates) to `cols`.
pub(crate) fn generate(seed: u64, e: &Enterprise, days: &[i64], cols: &mut TelemetryColumns) {
    if !e.industry.is_manufacturing() {
        return;
    }
    let mut rng = Rng::new(seed, Stream::Telemetry, e.index);
    let connected = match e.size {
        SizeClass::Large => 0.6,
        SizeClass::Medium => 0.4,
        SizeClass::Small => 0.25,
        SizeClass::Micro => 0.15,
    };
    if !rng.chance(connected) {
        return;
    }
    let machines = rng.int_between(2, 6) as u64;
    for number in 1..=machines {
        let m = Machine::draw(&mut rng, e, number);
        let mut down_left = 0u32;
        for &day in days {
            // Fixed draws per day keep each day independent of how earlier days went.
            let [breakdown, duration, idle, idle_share, da, dp, dq] = std::array::from_fn(|_| rng.unit());
            let planned = if m.seven_days || weekday(day) != 6 { m.shift_min } else { 0.0 };
            if down_left == 0 && planned > 0.0 && breakdown < BREAKDOWN_RATE {
                down_left = 1 + (duration * 3.0) as u32;
            }
            let (state, run) = if down_left > 0 {
                down_left -= 1;
                ("down", 0.0)
            } else if planned == 0.0 {
                ("idle", 0.0)
            } else if idle < IDLE_RATE {
                ("idle", planned * (0.05 + 0.35 * idle_share))
            } else {
                let a = (m.availability + 0.12 * (da - 0.5)).clamp(0.5, 0.99);
                ("running", planned * a)
            };
            let run = round_to(run, 1).min(planned);
            let performance = (m.performance + 0.08 * (dp - 0.5)).clamp(0.5, 0.99);
            let quality = (m.quality + 0.02 * (dq - 0.5)).clamp(0.9, 1.0);
            let total = (run * 60.0 / m.ideal_cycle_s * performance).floor();
            let good = (total * quality).round().min(total);

            cols.machine_id.append_value(&m.id);
            cols.enterprise_id.append_value(&e.id);
            cols.ts.append_value((day * 86_400 - CST_OFFSET_S) * 1_000_000_000);
            cols.state.append_value(state);
            cols.planned_min.append_value(planned);
            cols.run_min.append_value(run);
            cols.ideal_cycle_s.append_value(m.ideal_cycle_s);
            cols.total_count.append_value(total as i64);
            cols.good_count.append_value(good as i64);
        }
    }
}
