//! The arithmetic of growth rates, as plain functions over slices: no I/O, no strings.

/// One enterprise-month's output value, attributed to a group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// The enterprise's index.
    pub enterprise: u32,
    /// The group's index; indices follow the group key's order.
    pub group: u32,
    /// The month as `year × 12 + (month − 1)`, so consecutive months are consecutive numbers.
    pub month: u32,
    /// The enterprise's output value that month.
    pub value: f64,
}

/// A group's output value in one month, with its growth rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    /// The group's index.
    pub group: u32,
    /// The month, as in [`Contribution`].
    pub month: u32,
    /// Σ output value of the group's enterprises that month.
    pub output_value: f64,
    /// Percent change from the previous month; `None` without it or when it is 0.
    pub mom_pct: Option<f64>,
    /// Percent change from the same month a year before; `None` without it or when it is 0.
    pub yoy_pct: Option<f64>,
}

/// `(current − previous) / previous × 100`; `None` without a previous value or when it is 0.
pub fn pct_change(current: f64, previous: Option<f64>) -> Option<f64> {
    match previous {
        Some(previous) if previous != 0.0 => Some((current - previous) / previous * 100.0),
        _ => None,
    }
}

/// Sums contributions per group and month, and computes each sum's month-on-month and
/// year-on-year growth; the result is ordered by group, then month. `groups` and `enterprises`
/// bound the group and enterprise indices.
///
/// Each sum adds its enterprises in index order, so it does not depend on the order rows
/// arrived in.
pub fn growth(contributions: &[Contribution], groups: usize, enterprises: usize) -> Vec<Growth> {
    // Stable counting sorts, least significant key first: by group, then month, then enterprise.
    let (first, months) = month_span(contributions);
    let sorted = kiln_sdk::stats::sort_by_index(contributions, enterprises, |c| c.enterprise as usize);
    let sorted = kiln_sdk::stats::sort_by_index(&sorted, months, |c| (c.month - first) as usize);
    let sorted = kiln_sdk::stats::sort_by_index(&sorted, groups, |c| c.group as usize);

    let mut out: Vec<Growth> = sorted
        .chunk_by(|a, b| (a.group, a.month) == (b.group, b.month))
        .map(|cell| Growth {
            group: cell[0].group,
            month: cell[0].month,
            output_value: cell.iter().map(|c| c.value).sum(),
            mom_pct: None,
            yoy_pct: None,
        })
        .collect();

    for series in out.chunk_by_mut(|a, b| a.group == b.group) {
        // `year_ago` trails `i`, pointing at the first month not more than a year before it.
        let mut year_ago = 0;
        for i in 0..series.len() {
            let month = series[i].month;
            let previous =
                (i > 0 && Some(series[i - 1].month) == month.checked_sub(1)).then(|| series[i - 1].output_value);
            let target = month.checked_sub(12);
            while target.is_some_and(|t| series[year_ago].month < t) {
                year_ago += 1;
            }
            let last_year = (Some(series[year_ago].month) == target).then(|| series[year_ago].output_value);
            let current = series[i].output_value;
            series[i].mom_pct = pct_change(current, previous);
            series[i].yoy_pct = pct_change(current, last_year);
        }
    }
    out
}

/// The first month of `contributions` and the number of months from it to the last, so that
/// `month − first` is a dense index below the count. `(0, 0)` when empty.
pub fn month_span(contributions: &[Contribution]) -> (u32, usize) {
    let first = contributions.iter().map(|c| c.month).min().unwrap_or(0);
    let last = contributions.iter().map(|c| c.month).max().unwrap_or(0);
    (first, if contributions.is_empty() { 0 } else { (last - first) as usize + 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(group: u32, month: u32, value: f64) -> Contribution {
        Contribution { enterprise: 0, group, month, value }
    }

    #[test]
    fn pct_change_is_undefined_without_a_nonzero_base() {
        assert_eq!(pct_change(150.0, Some(120.0)), Some(25.0));
        assert_eq!(pct_change(150.0, Some(0.0)), None);
        assert_eq!(pct_change(150.0, None), None);
    }

    #[test]
    fn sums_each_group_month_and_compares_with_the_month_and_year_before() {
        let contributions = [c(0, 24, 100.0), c(0, 36, 100.0), c(0, 36, 50.0), c(0, 35, 120.0), c(1, 36, 7.0)];
        let rows = growth(&contributions, 2, 1);
        let summary: Vec<_> = rows.iter().map(|g| (g.group, g.month, g.output_value, g.mom_pct, g.yoy_pct)).collect();
        assert_eq!(
            summary,
            [
                (0, 24, 100.0, None, None),
                (0, 35, 120.0, None, None),
                (0, 36, 150.0, Some(25.0), Some(50.0)),
                (1, 36, 7.0, None, None),
            ]
        );
    }

    #[test]
    fn a_gap_month_is_not_the_previous_month() {
        let rows = growth(&[c(0, 10, 100.0), c(0, 12, 200.0)], 1, 1);
        assert_eq!(rows[1].mom_pct, None);
    }

    #[test]
    fn sums_add_enterprises_in_index_order_whatever_the_row_order() {
        let e = |enterprise, value| Contribution { enterprise, group: 0, month: 0, value };
        // In floating point, (1e16 + 1) + 1 differs from (1 + 1) + 1e16.
        let forward = growth(&[e(0, 1e16), e(1, 1.0), e(2, 1.0)], 1, 3);
        let backward = growth(&[e(2, 1.0), e(1, 1.0), e(0, 1e16)], 1, 3);
        assert_eq!(forward, backward);
        assert_eq!(forward[0].output_value, 1e16);
    }
}
