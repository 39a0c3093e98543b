//! Injected anomalies: which enterprise-months get one indicator multiplied, by how much, and
//! the `injected_anomalies` table that records them as ground truth.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::builder::{Float64Builder, StringBuilder};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::Error;
use crate::rng::{Rng, Stream, round_to};

/// Probability that an enterprise-month carries an anomaly.
pub(crate) const RATE: f64 = 0.01;
/// Range of spike factors.
pub(crate) const SPIKE: (f64, f64) = (3.0, 6.0);
/// Range of drop factors.
pub(crate) const DROP: (f64, f64) = (0.1, 0.25);

/// A monthly indicator that can carry an anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Indicator {
    /// `output_value`.
    OutputValue,
    /// `energy_tce`.
    EnergyTce,
    /// `electricity_kwh`.
    ElectricityKwh,
}

impl Indicator {
    const ALL: [Indicator; 3] = [Self::OutputValue, Self::EnergyTce, Self::ElectricityKwh];

    /// The indicator's column name in `monthly_indicators`.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::OutputValue => "output_value",
            Self::EnergyTce => "energy_tce",
            Self::ElectricityKwh => "electricity_kwh",
        }
    }
}

/// One injected anomaly of one enterprise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Anomaly {
    /// Month index in the period (0 = 2023-01).
    pub month: usize,
    /// The multiplied indicator.
    pub indicator: Indicator,
    /// The factor the clean value was multiplied by (rounded to 2 decimals, as recorded).
    pub factor: f64,
}

/// The anomalies of enterprise `index` over `months` months: at most one per month, each month
/// independently with probability [`RATE`]; half spikes, half drops.
pub(crate) fn draw(seed: u64, index: u64, months: usize) -> Vec<Anomaly> {
    let mut rng = Rng::new(seed, Stream::Anomalies, index);
    let mut out = Vec::new();
    for month in 0..months {
        // Draw the same amount every month so a month's fate does not depend on earlier months.
        let (hit, which, spike, u) = (rng.unit(), rng.below(3), rng.chance(0.5), rng.unit());
        if hit < RATE {
            let (lo, hi) = if spike { SPIKE } else { DROP };
            out.push(Anomaly { month, indicator: Indicator::ALL[which], factor: round_to(lo + (hi - lo) * u, 2) });
        }
    }
    out
}

/// The `injected_anomalies` schema.
pub(crate) fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("enterprise_id", DataType::Utf8, false),
        Field::new("month", DataType::Utf8, false),
        Field::new("indicator", DataType::Utf8, false),
        Field::new("factor", DataType::Float64, false),
    ]))
}

/// Column builders for the `injected_anomalies` table.
#[derive(Default)]
pub(crate) struct AnomalyColumns {
    enterprise_id: StringBuilder,
    month: StringBuilder,
    indicator: StringBuilder,
    factor: Float64Builder,
}

impl AnomalyColumns {
    /// Appends one anomaly of `enterprise_id` in month `month` ("YYYY-MM").
    pub(crate) fn push(&mut self, enterprise_id: &str, month: &str, a: &Anomaly) {
        self.enterprise_id.append_value(enterprise_id);
        self.month.append_value(month);
        self.indicator.append_value(a.indicator.column());
        self.factor.append_value(a.factor);
    }

    /// The finished `injected_anomalies` batch.
    pub(crate) fn finish(mut self) -> Result<RecordBatch, Error> {
        Ok(RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(self.enterprise_id.finish()),
                Arc::new(self.month.finish()),
                Arc::new(self.indicator.finish()),
                Arc::new(self.factor.finish()),
            ],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_one_percent_of_months_get_one_anomaly_with_a_factor_in_range() {
        let mut total = 0;
        for index in 0..2000 {
            let list = draw(42, index, 36);
            for pair in list.windows(2) {
                assert!(pair[0].month < pair[1].month, "at most one per month");
            }
            for a in &list {
                let spike = (SPIKE.0..=SPIKE.1).contains(&a.factor);
                let drop = (DROP.0..=DROP.1).contains(&a.factor);
                assert!(spike || drop, "factor {}", a.factor);
            }
            total += list.len();
        }
        let rate = total as f64 / 72_000.0;
        assert!((0.008..0.012).contains(&rate), "rate {rate}");
    }
}
