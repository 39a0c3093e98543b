//! The reporting period: months from 2023-01, their seasonal factors (Spring Festival, year-end
//! push, heating season) and the days covered by equipment telemetry.

use crate::industries::Seasonality;

/// First year of the period; months start at January of this year.
pub(crate) const START_YEAR: i32 = 2023;
/// Days of equipment telemetry at the end of the period.
pub(crate) const TELEMETRY_DAYS: i64 = 90;
/// Offset of China Standard Time from UTC, seconds.
pub(crate) const CST_OFFSET_S: i64 = 8 * 3600;

/// Month-of-year factors for production (before the Spring Festival dip): a year-end push in
/// December, a slight National Day lull in October, quarter-end pushes in March/June/September.
const PRODUCTION_SEASON: [f64; 12] = [1.00, 1.00, 1.01, 1.00, 1.00, 1.01, 0.99, 0.99, 1.01, 0.995, 1.005, 1.02];
/// Month-of-year factors for power and heat supply: winter heating, summer air-conditioning.
const UTILITY_SEASON: [f64; 12] = [1.04, 1.03, 1.0, 0.97, 0.96, 0.99, 1.02, 1.02, 0.98, 0.97, 0.99, 1.03];
/// Extra energy for space heating (Xi'an's heating season runs 15 Nov – 15 Mar).
const HEATING: [f64; 12] = [1.02, 1.02, 1.01, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.01, 1.02];

/// Share of production lost on each day of the Spring Festival window.
const FESTIVAL_LOSS: f64 = 0.06;
/// The window runs from this many days before the festival…
const FESTIVAL_BEFORE: i64 = 7;
/// …to this many days after it (exclusive), roughly until the Lantern Festival.
const FESTIVAL_AFTER: i64 = 15;

/// One month of the period with its seasonal factors.
#[derive(Debug, Clone)]
pub(crate) struct MonthInfo {
    /// "YYYY-MM".
    pub label: String,
    /// Production factor, including the Spring Festival dip.
    pub production: f64,
    /// Power and heat supply factor.
    pub utility: f64,
    /// Extra energy for heating.
    pub heating: f64,
}

impl MonthInfo {
    /// The month's output factor for a division with `seasonality`.
    pub(crate) fn season(&self, seasonality: Seasonality) -> f64 {
        match seasonality {
            Seasonality::Production => self.production,
            Seasonality::Utility => self.utility,
        }
    }
}

/// The months of the period and the telemetry days at its end.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    /// Months in order, starting at 2023-01.
    pub months: Vec<MonthInfo>,
    /// Telemetry days as days since 1970-01-01 (local calendar dates), in order.
    pub days: Vec<i64>,
}

impl Calendar {
    /// The calendar for `months` months from 2023-01.
    pub(crate) fn new(months: u32) -> Self {
        let mut infos = Vec::with_capacity(months as usize);
        for i in 0..months {
            let (year, month) = year_month(i);
            let festival = 1.0 - FESTIVAL_LOSS * festival_days(year, month) / days_in_month(year, month);
            infos.push(MonthInfo {
                label: format!("{year:04}-{month:02}"),
                production: PRODUCTION_SEASON[month as usize - 1] * festival,
                utility: UTILITY_SEASON[month as usize - 1],
                heating: HEATING[month as usize - 1],
            });
        }
        let (end_year, end_month) = year_month(months);
        let end = days_from_civil(end_year, end_month, 1);
        let start = days_from_civil(START_YEAR, 1, 1);
        let first = (end - TELEMETRY_DAYS).max(start);
        Self { months: infos, days: (first..end).collect() }
    }
}

/// Year and month (1–12) of the month `index` months after 2023-01.
pub(crate) fn year_month(index: u32) -> (i32, u32) {
    (START_YEAR + (index / 12) as i32, index % 12 + 1)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Day of week of a day number, 0 = Monday … 6 = Sunday.
pub(crate) fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

fn days_in_month(year: i32, month: u32) -> f64 {
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    (days_from_civil(ny, nm, 1) - days_from_civil(year, month, 1)) as f64
}

/// Gregorian date (month, day) of the Spring Festival (农历正月初一); 5 Feb outside 2020–2040.
fn spring_festival(year: i32) -> (u32, u32) {
    const DATES: [(u32, u32); 21] = [
        (1, 25), // 2020
        (2, 12),
        (2, 1),
        (1, 22),
        (2, 10),
        (1, 29), // 2025
        (2, 17),
        (2, 6),
        (1, 26),
        (2, 13),
        (2, 3), // 2030
        (1, 23),
        (2, 11),
        (1, 31),
        (2, 19),
        (2, 8), // 2035
        (1, 28),
        (2, 15),
        (2, 4),
        (1, 24),
        (2, 12), // 2040
    ];
    usize::try_from(year - 2020).ok().and_then(|i| DATES.get(i).copied()).unwrap_or((2, 5))
}

/// Number of days of `year`-`month` inside that year's Spring Festival window.
fn festival_days(year: i32, month: u32) -> f64 {
    let (fm, fd) = spring_festival(year);
    let festival = days_from_civil(year, fm, fd);
    let (lo, hi) = (festival - FESTIVAL_BEFORE, festival + FESTIVAL_AFTER);
    let start = days_from_civil(year, month, 1);
    let end = start + days_in_month(year, month) as i64;
    (hi.min(end) - lo.max(start)).max(0) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2023, 1, 1), 19_358);
        assert_eq!(weekday(days_from_civil(2023, 1, 1)), 6, "2023-01-01 was a Sunday");
        assert_eq!(days_in_month(2024, 2), 29.0);
    }

    #[test]
    fn months_run_from_january_2023_and_roll_over_years() {
        let cal = Calendar::new(26);
        assert_eq!(cal.months[0].label, "2023-01");
        assert_eq!(cal.months[11].label, "2023-12");
        assert_eq!(cal.months[25].label, "2025-02");
    }

    #[test]
    fn telemetry_covers_the_last_ninety_days_or_the_whole_short_period() {
        let cal = Calendar::new(36);
        assert_eq!(cal.days.len(), 90);
        assert_eq!(cal.days.last().copied(), Some(days_from_civil(2025, 12, 31)));
        assert_eq!(Calendar::new(1).days.len(), 31);
    }

    #[test]
    fn the_spring_festival_dips_january_or_february_moderately() {
        let cal = Calendar::new(36);
        // 2023: festival on 22 Jan, so January takes the dip; 2024: 10 Feb, February does.
        assert!(cal.months[0].production < 0.975 && cal.months[1].production > 0.98);
        assert!(cal.months[13].production < 0.96 && cal.months[12].production > 0.99);
        for m in &cal.months {
            assert!((0.94..=1.03).contains(&m.production), "{} {}", m.label, m.production);
        }
    }
}
