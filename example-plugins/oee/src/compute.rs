//! The arithmetic of OEE, as plain functions over sums: no I/O, no strings.

/// Sums of telemetry rows: of one machine, one enterprise, or the whole fleet.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Σ planned_min: time the machine was scheduled to produce.
    pub planned_min: f64,
    /// Σ run_min: time it actually ran.
    pub run_min: f64,
    /// Σ ideal_cycle_s × total_count: seconds the counted output takes at the ideal rate.
    pub ideal_s: f64,
    /// Σ total_count: units produced.
    pub total_count: i64,
    /// Σ good_count: units produced right the first time.
    pub good_count: i64,
}

impl Totals {
    /// Adds one telemetry row.
    pub fn add_row(&mut self, planned_min: f64, run_min: f64, ideal_cycle_s: f64, total_count: i64, good_count: i64) {
        self.planned_min += planned_min;
        self.run_min += run_min;
        self.ideal_s += ideal_cycle_s * total_count as f64;
        self.total_count = self.total_count.saturating_add(total_count);
        self.good_count = self.good_count.saturating_add(good_count);
    }

    /// Adds another set of sums, pooling them.
    pub fn merge(&mut self, other: &Totals) {
        self.planned_min += other.planned_min;
        self.run_min += other.run_min;
        self.ideal_s += other.ideal_s;
        self.total_count = self.total_count.saturating_add(other.total_count);
        self.good_count = self.good_count.saturating_add(other.good_count);
    }
}

/// Overall equipment effectiveness and its three factors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effectiveness {
    /// Σrun_min / Σplanned_min; 0 without planned time.
    pub availability: f64,
    /// Σ(ideal_cycle_s × total_count) / 60 / Σrun_min, capped at 1; 0 without run time.
    pub performance: f64,
    /// Σgood_count / Σtotal_count; 0 without output.
    pub quality: f64,
    /// availability × performance × quality.
    pub oee: f64,
}

/// OEE of pooled sums.
pub fn oee(t: &Totals) -> Effectiveness {
    let availability = if t.planned_min > 0.0 { t.run_min / t.planned_min } else { 0.0 };
    let performance = if t.run_min > 0.0 { (t.ideal_s / 60.0 / t.run_min).min(1.0) } else { 0.0 };
    let quality = if t.total_count > 0 { t.good_count as f64 / t.total_count as f64 } else { 0.0 };
    Effectiveness { availability, performance, quality, oee: availability * performance * quality }
}

/// Pools machine sums by group: `group_of[i]` is machine `i`'s group, below `groups`.
/// Returns each group's sums and how many machines it has.
pub fn roll_up(machines: &[Totals], group_of: &[u32], groups: usize) -> (Vec<Totals>, Vec<i64>) {
    let mut totals = vec![Totals::default(); groups];
    let mut counts = vec![0_i64; groups];
    for (machine, &group) in machines.iter().zip(group_of) {
        totals[group as usize].merge(machine);
        counts[group as usize] += 1;
    }
    (totals, counts)
}

/// Pools all sums into one.
pub fn pooled(all: &[Totals]) -> Totals {
    all.iter().fold(Totals::default(), |mut sum, t| {
        sum.merge(t);
        sum
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oee_is_the_product_of_availability_performance_and_quality() {
        let mut t = Totals::default();
        // 800 run minutes of 1000 planned; 1200 units at 30 s = 600 ideal minutes; 1080 good.
        t.add_row(1000.0, 800.0, 30.0, 1200, 1080);
        let o = oee(&t);
        assert_eq!((o.availability, o.performance, o.quality), (0.8, 0.75, 0.9));
        assert!((o.oee - 0.54).abs() < 1e-15);
    }

    #[test]
    fn empty_sums_give_zero_rather_than_nan() {
        assert_eq!(
            oee(&Totals::default()),
            Effectiveness { availability: 0.0, performance: 0.0, quality: 0.0, oee: 0.0 }
        );
    }

    #[test]
    fn performance_is_capped_at_one() {
        let mut t = Totals::default();
        t.add_row(60.0, 60.0, 60.0, 120, 120);
        assert_eq!(oee(&t).performance, 1.0);
    }

    #[test]
    fn roll_up_pools_sums_per_group() {
        let t = |planned_min, run_min| Totals { planned_min, run_min, ..Totals::default() };
        let (totals, counts) = roll_up(&[t(10.0, 5.0), t(20.0, 20.0), t(30.0, 3.0)], &[1, 0, 1], 2);
        assert_eq!(counts, [1, 2]);
        assert_eq!((totals[1].planned_min, totals[1].run_min), (40.0, 8.0));
        assert_eq!(pooled(&totals).planned_min, 60.0);
    }
}
