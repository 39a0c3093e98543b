//! The robust z-score, as plain functions over slices: no I/O, no strings.

/// Scales the MAD to estimate the standard deviation of normally distributed data
/// (0.6745 ≈ Φ⁻¹(0.75)), as in Iglewicz and Hoaglin's modified z-score.
pub const MAD_SCALE: f64 = 0.6745;

/// One non-null value of one indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The enterprise's index.
    pub enterprise: u32,
    /// The month as `year × 12 + (month − 1)`.
    pub month: u32,
    /// The indicator's value.
    pub value: f64,
}

/// A point whose robust z-score exceeds the threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finding {
    /// The point.
    pub point: Point,
    /// The median of its enterprise's series.
    pub median: f64,
    /// The median absolute deviation of that series.
    pub mad: f64,
    /// `MAD_SCALE × (value − median) / mad`.
    pub robust_z: f64,
}

/// The robust z-score of `value` in a series with this median and MAD.
pub fn robust_z(value: f64, median: f64, mad: f64) -> f64 {
    MAD_SCALE * (value - median) / mad
}

/// Finds the points of one series whose |robust z| exceeds `threshold`, appending them to
/// `found` in series order. A series whose MAD is 0 flags nothing. `scratch` is reused
/// working space.
pub fn flag_series(series: &[Point], threshold: f64, scratch: &mut Vec<f64>, found: &mut Vec<Finding>) {
    scratch.clear();
    scratch.extend(series.iter().map(|p| p.value));
    let Some(center) = kiln_sdk::stats::median(scratch) else { return };
    for (deviation, p) in scratch.iter_mut().zip(series) {
        *deviation = (p.value - center).abs();
    }
    let Some(mad) = kiln_sdk::stats::median(scratch) else { return };
    if mad == 0.0 {
        return;
    }
    for &point in series {
        let z = robust_z(point.value, center, mad);
        if z.abs() > threshold {
            found.push(Finding { point, median: center, mad, robust_z: z });
        }
    }
}

/// Flags anomalies in every enterprise's series of one indicator; `enterprises` bounds the
/// enterprise indices. Returns the number of series (enterprises with at least one point).
pub fn flag_indicator(points: &[Point], enterprises: usize, threshold: f64, found: &mut Vec<Finding>) -> usize {
    let grouped = kiln_sdk::stats::sort_by_index(points, enterprises, |p| p.enterprise as usize);
    let mut scratch = Vec::new();
    let mut series = 0;
    for one in grouped.chunk_by(|a, b| a.enterprise == b.enterprise) {
        flag_series(one, threshold, &mut scratch, found);
        series += 1;
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[f64]) -> Vec<Point> {
        values.iter().enumerate().map(|(m, &value)| Point { enterprise: 0, month: m as u32, value }).collect()
    }

    #[test]
    fn flags_a_spike_using_the_median_and_mad() {
        // Median 10; deviations 0 1 1 0 40 0 2 → MAD 1; z(50) = 0.6745 × 40 = 26.98.
        let mut found = Vec::new();
        flag_series(&series(&[10.0, 11.0, 9.0, 10.0, 50.0, 10.0, 12.0]), 3.5, &mut Vec::new(), &mut found);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].point.month, found[0].median, found[0].mad), (4, 10.0, 1.0));
        assert_eq!(found[0].robust_z, 0.6745 * 40.0);
    }

    #[test]
    fn a_zero_mad_flags_nothing() {
        let mut found = Vec::new();
        flag_series(&series(&[5.0, 5.0, 5.0, 5.0, 100.0]), 3.5, &mut Vec::new(), &mut found);
        assert!(found.is_empty());
    }

    #[test]
    fn counts_one_series_per_enterprise() {
        let p = |enterprise, month, value| Point { enterprise, month, value };
        let points = [p(1, 0, 1.0), p(0, 1, 1.0), p(1, 1, 2.0), p(0, 0, 3.0), p(3, 0, 1.0)];
        assert_eq!(flag_indicator(&points, 4, 3.5, &mut Vec::new()), 3);
    }
}
