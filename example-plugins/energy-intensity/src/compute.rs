//! The arithmetic of the plugin, as plain functions over slices: no I/O, no strings.
//!
//! Enterprises, industries and months arrive here as dense integers (see
//! [`Observation`]); turning them back into ids is the caller's business.

/// One enterprise-month with a defined energy intensity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// The enterprise's index; indices follow enterprise_id order.
    pub enterprise: u32,
    /// The enterprise's industry index.
    pub industry: u32,
    /// The month as `year × 12 + (month − 1)`, so consecutive months are consecutive numbers.
    pub month: u32,
    /// `energy_tce / output_value`, in tce per 10k CNY.
    pub intensity: f64,
}

/// How one observation compares with its industry's median in the same month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// The median intensity of the observation's industry and month.
    pub industry_median: f64,
    /// `intensity / industry_median`; `None` when the median is 0.
    pub ratio_to_median: Option<f64>,
    /// Whether `intensity > ratio × industry_median` (never when the median is 0).
    pub flagged: bool,
}

/// One enterprise's record over all its months.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// The enterprise's index.
    pub enterprise: u32,
    /// The mean of its defined `ratio_to_median` values; `None` if it has none.
    pub mean_ratio: Option<f64>,
    /// How many of its months were flagged.
    pub flagged_months: i64,
}

/// The median of `values`, reordering them in place; `None` when empty.
///
/// An even count gives the mean of the two middle values. Runs in linear time.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let (lower, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if values.len() % 2 == 1 {
        return Some(upper);
    }
    // After selection every value of `lower` is <= `upper`; its largest is the other middle value.
    let lower = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}

/// For each observation, the median intensity over all observations of its industry and month.
pub fn industry_medians(observations: &[Observation]) -> Vec<f64> {
    let group = |i: u32| {
        let o = &observations[i as usize];
        (o.industry, o.month)
    };
    let mut order: Vec<u32> = (0..observations.len() as u32).collect();
    order.sort_unstable_by_key(|&i| group(i));

    let mut medians = vec![f64::NAN; observations.len()];
    let mut values = Vec::new();
    for members in order.chunk_by(|&a, &b| group(a) == group(b)) {
        values.clear();
        values.extend(members.iter().map(|&i| observations[i as usize].intensity));
        if let Some(median) = median(&mut values) {
            for &i in members {
                medians[i as usize] = median;
            }
        }
    }
    medians
}

/// Compares an intensity with its industry median: flagged when `intensity > ratio × median`.
///
/// A zero median leaves the ratio undefined and the observation unflagged.
pub fn assess(intensity: f64, industry_median: f64, ratio: f64) -> Assessment {
    if industry_median == 0.0 {
        return Assessment { industry_median, ratio_to_median: None, flagged: false };
    }
    Assessment {
        industry_median,
        ratio_to_median: Some(intensity / industry_median),
        flagged: intensity > ratio * industry_median,
    }
}

/// Each enterprise's mean ratio and flagged months, in enterprise index order, for enterprises
/// with at least one observation. `assessments` pairs with `observations`; `enterprises` bounds
/// the enterprise indices.
pub fn standings(observations: &[Observation], assessments: &[Assessment], enterprises: usize) -> Vec<Standing> {
    let mut months = vec![0_u32; enterprises];
    let mut rated = vec![0_u32; enterprises];
    let mut ratio_sum = vec![0.0_f64; enterprises];
    let mut flagged = vec![0_i64; enterprises];
    for (o, a) in observations.iter().zip(assessments) {
        let e = o.enterprise as usize;
        months[e] += 1;
        if let Some(ratio) = a.ratio_to_median {
            rated[e] += 1;
            ratio_sum[e] += ratio;
        }
        flagged[e] += i64::from(a.flagged);
    }
    (0..enterprises)
        .filter(|&e| months[e] > 0)
        .map(|e| Standing {
            enterprise: e as u32,
            mean_ratio: (rated[e] > 0).then(|| ratio_sum[e] / f64::from(rated[e])),
            flagged_months: flagged[e],
        })
        .collect()
}

/// The `top` enterprises with the highest mean ratio, highest first, ties by enterprise index
/// (which follows enterprise_id). Enterprises without a mean ratio are left out.
pub fn worst(standings: &[Standing], top: usize) -> Vec<Standing> {
    let mut ranked: Vec<Standing> = standings.iter().copied().filter(|s| s.mean_ratio.is_some()).collect();
    let mean = |s: &Standing| s.mean_ratio.unwrap_or(f64::NEG_INFINITY);
    ranked.sort_unstable_by(|a, b| mean(b).total_cmp(&mean(a)).then(a.enterprise.cmp(&b.enterprise)));
    ranked.truncate(top);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_odd_count_is_the_middle_value() {
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut [2.0]), Some(2.0));
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_two_middle_values() {
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut [7.0, 7.0]), Some(7.0));
    }

    #[test]
    fn median_of_nothing_is_none() {
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn medians_are_taken_within_each_industry_and_month() {
        let o = |industry, month, intensity| Observation { enterprise: 0, industry, month, intensity };
        let observations = [o(0, 1, 1.0), o(0, 1, 3.0), o(1, 1, 10.0), o(0, 2, 8.0)];
        assert_eq!(industry_medians(&observations), vec![2.0, 2.0, 10.0, 8.0]);
    }

    #[test]
    fn a_zero_median_leaves_the_ratio_undefined_and_unflagged() {
        assert_eq!(assess(0.5, 0.0, 1.5), Assessment { industry_median: 0.0, ratio_to_median: None, flagged: false });
        assert_eq!(assess(0.5, 0.25, 1.5), Assessment { industry_median: 0.25, ratio_to_median: Some(2.0), flagged: true });
    }

    #[test]
    fn worst_ranks_by_mean_ratio_then_enterprise() {
        let s = |enterprise, mean_ratio| Standing { enterprise, mean_ratio, flagged_months: 0 };
        let standings = [s(0, Some(1.0)), s(1, Some(2.0)), s(2, None), s(3, Some(2.0)), s(4, Some(0.5))];
        let worst = worst(&standings, 3);
        assert_eq!(worst.iter().map(|s| s.enterprise).collect::<Vec<_>>(), vec![1, 3, 0]);
    }
}
