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

/// The first month of `observations` and the number of months from it to the last, so that
/// `month − first` is a dense index below the count. `(0, 0)` when empty.
pub fn month_span(observations: &[Observation]) -> (u32, usize) {
    let first = observations.iter().map(|o| o.month).min().unwrap_or(0);
    let last = observations.iter().map(|o| o.month).max().unwrap_or(0);
    (first, if observations.is_empty() { 0 } else { (last - first) as usize + 1 })
}

/// `observations` ordered by enterprise, then month (two stable counting sorts);
/// `enterprises` bounds the enterprise indices.
pub fn by_enterprise_and_month(observations: &[Observation], enterprises: usize) -> Vec<Observation> {
    let (first, months) = month_span(observations);
    let by_month = kiln_sdk::stats::sort_by_index(observations, months, |o| (o.month - first) as usize);
    kiln_sdk::stats::sort_by_index(&by_month, enterprises, |o| o.enterprise as usize)
}

/// For each observation, the median intensity over all observations of its industry and month;
/// `industries` bounds the industry indices.
pub fn industry_medians(observations: &[Observation], industries: usize) -> Vec<f64> {
    let (first, months) = month_span(observations);
    let at = |i: &u32| &observations[*i as usize];
    // Observation indices ordered by industry, then month, so each group is one run.
    let all: Vec<u32> = (0..observations.len() as u32).collect();
    let by_month = kiln_sdk::stats::sort_by_index(&all, months, |i| (at(i).month - first) as usize);
    let order = kiln_sdk::stats::sort_by_index(&by_month, industries, |i| at(i).industry as usize);

    let mut medians = vec![f64::NAN; observations.len()];
    let mut values = Vec::new();
    for members in order.chunk_by(|a, b| (at(a).industry, at(a).month) == (at(b).industry, at(b).month)) {
        values.clear();
        values.extend(members.iter().map(|i| at(i).intensity));
        if let Some(median) = kiln_sdk::stats::median(&mut values) {
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
    fn medians_are_taken_within_each_industry_and_month() {
        let o = |industry, month, intensity| Observation { enterprise: 0, industry, month, intensity };
        let observations = [o(0, 1, 1.0), o(0, 1, 3.0), o(1, 1, 10.0), o(0, 2, 8.0)];
        assert_eq!(industry_medians(&observations, 2), vec![2.0, 2.0, 10.0, 8.0]);
    }

    #[test]
    fn orders_observations_by_enterprise_then_month() {
        let o = |enterprise, month| Observation { enterprise, industry: 0, month, intensity: 1.0 };
        let ordered = by_enterprise_and_month(&[o(1, 24_290), o(0, 24_300), o(1, 24_289), o(0, 24_289)], 2);
        let keys: Vec<_> = ordered.iter().map(|o| (o.enterprise, o.month)).collect();
        assert_eq!(keys, [(0, 24_289), (0, 24_300), (1, 24_289), (1, 24_290)]);
        assert!(by_enterprise_and_month(&[], 0).is_empty());
    }

    #[test]
    fn a_zero_median_leaves_the_ratio_undefined_and_unflagged() {
        assert_eq!(assess(0.5, 0.0, 1.5), Assessment { industry_median: 0.0, ratio_to_median: None, flagged: false });
        assert_eq!(
            assess(0.5, 0.25, 1.5),
            Assessment { industry_median: 0.25, ratio_to_median: Some(2.0), flagged: true }
        );
    }

    #[test]
    fn worst_ranks_by_mean_ratio_then_enterprise() {
        let s = |enterprise, mean_ratio| Standing { enterprise, mean_ratio, flagged_months: 0 };
        let standings = [s(0, Some(1.0)), s(1, Some(2.0)), s(2, None), s(3, Some(2.0)), s(4, Some(0.5))];
        let worst = worst(&standings, 3);
        assert_eq!(worst.iter().map(|s| s.enterprise).collect::<Vec<_>>(), vec![1, 3, 0]);
    }
}
