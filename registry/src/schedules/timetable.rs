//! A schedule's timetable: a five-field cron expression read in an IANA time zone, and the
//! ticks it makes, as unix milliseconds. "On the 2nd of each month at 08:00" is `0 8 2 * *` in
//! `Asia/Shanghai`; the zone decides what 08:00 is, including across daylight-saving changes.

use std::str::FromStr as _;

use chrono::{DateTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// The zone a schedule reads its expression in when none is given.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

/// The longest expression accepted, in bytes.
pub const MAX_CRON_BYTES: usize = 128;

/// Why a timetable cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimetableError {
    /// The expression does not parse, or never matches a real time.
    #[error("`{cron}` is not a usable cron expression: {why}")]
    Cron {
        /// The expression given.
        cron: String,
        /// What is wrong with it.
        why: String,
    },
    /// The zone is not an IANA time zone name.
    #[error("`{0}` is not an IANA time zone (such as Asia/Shanghai or UTC)")]
    Zone(String),
}

/// A parsed expression and its zone.
#[derive(Debug, Clone)]
pub struct Timetable {
    cron: Cron,
    zone: Tz,
}

impl Timetable {
    /// Parses `cron` (minute, hour, day of month, month, day of week; no seconds or years,
    /// so a schedule fires at most once a minute) in `zone`. An expression that never matches
    /// a real time, such as the 30th of February, is refused here rather than never firing.
    pub fn parse(cron: &str, zone: &str) -> Result<Self, TimetableError> {
        let refuse = |why: String| TimetableError::Cron { cron: cron.to_string(), why };
        if cron.len() > MAX_CRON_BYTES {
            return Err(refuse(format!("longer than {MAX_CRON_BYTES} bytes")));
        }
        let zone = Tz::from_str(zone).map_err(|_| TimetableError::Zone(zone.to_string()))?;
        let parser = CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build();
        let parsed = parser.parse(cron).map_err(|e| refuse(e.to_string()))?;
        let table = Timetable { cron: parsed, zone };
        if table.next_after(0).is_none() {
            return Err(refuse("it matches no date".into()));
        }
        Ok(table)
    }

    /// The zone's canonical name, as stored.
    pub fn zone_name(&self) -> &'static str {
        self.zone.name()
    }

    /// The expression in words (English), such as `At 08:00 on day 2 of the month`.
    pub fn describe(&self) -> String {
        self.cron.describe()
    }

    fn at(&self, ms: i64) -> Option<DateTime<Tz>> {
        Utc.timestamp_millis_opt(ms).single().map(|t| t.with_timezone(&self.zone))
    }

    /// The first tick strictly after `ms`; `None` if there is none (out of the calendar's range).
    pub fn next_after(&self, ms: i64) -> Option<i64> {
        let from = self.at(ms)?;
        self.cron.find_next_occurrence(&from, false).ok().map(|t| t.timestamp_millis())
    }

    /// Up to `n` ticks from `ms` on, `ms` itself included if it is one.
    pub fn upcoming(&self, ms: i64, n: usize) -> Vec<i64> {
        let Some(from) = self.at(ms) else { return Vec::new() };
        let Ok(first) = self.cron.find_next_occurrence(&from, true) else { return Vec::new() };
        let mut ticks = vec![first.timestamp_millis()];
        while ticks.len() < n {
            match ticks.last().and_then(|&last| self.next_after(last)) {
                Some(next) => ticks.push(next),
                None => break,
            }
        }
        ticks
    }

    /// The ticks from `first` (a tick) through `through`, counted up to `cap`, and the last
    /// of them: what a schedule due since `first` owes at `through`.
    pub fn due(&self, first: i64, through: i64, cap: usize) -> (usize, i64) {
        let (mut count, mut last) = (1, first);
        while count < cap {
            match self.next_after(last) {
                Some(next) if next <= through => {
                    count += 1;
                    last = next;
                }
                _ => return (count, last),
            }
        }
        // Past the cap only the last tick matters: the one just before `through`.
        let last = self.at(through).and_then(|t| self.cron.find_previous_occurrence(&t, true).ok());
        (count, last.map_or(first, |t| t.timestamp_millis()).max(first))
    }

    /// `ms` as RFC 3339 in the schedule's zone, such as `2025-02-02T08:00:00+08:00`.
    pub fn local(&self, ms: i64) -> String {
        self.at(ms).map_or_else(|| ms.to_string(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix ms of a wall-clock time in Shanghai (UTC+8, no daylight saving).
    fn shanghai(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
    }

    #[test]
    fn the_second_of_each_month_at_eight_fires_at_eight_in_shanghai() {
        let table = Timetable::parse("0 8 2 * *", DEFAULT_ZONE).expect("parses");
        let ticks = table.upcoming(shanghai(2025, 1, 15, 0, 0), 3);
        assert_eq!(ticks, [shanghai(2025, 2, 2, 8, 0), shanghai(2025, 3, 2, 8, 0), shanghai(2025, 4, 2, 8, 0)]);
        assert_eq!(table.local(ticks[0]), "2025-02-02T08:00:00+08:00");
        // 08:00 in Shanghai is midnight UTC.
        assert_eq!(ticks[0] % 86_400_000, 0);
    }

    #[test]
    fn the_zone_decides_the_instant() {
        let utc = Timetable::parse("0 8 * * *", "UTC").expect("parses");
        let sh = Timetable::parse("0 8 * * *", "Asia/Shanghai").expect("parses");
        let from = shanghai(2025, 1, 1, 0, 0);
        assert_eq!(utc.next_after(from).unwrap_or(0) - sh.next_after(from).unwrap_or(0), 8 * 3_600_000);
    }

    #[test]
    fn bad_expressions_and_zones_are_refused() {
        for bad in ["", "* * *", "61 * * * *", "0 8 2 * * *", "0 0 8 2 * * 2025", "0 8 30 2 *", "x y z a b"] {
            assert!(matches!(Timetable::parse(bad, DEFAULT_ZONE), Err(TimetableError::Cron { .. })), "{bad:?}");
        }
        assert_eq!(
            Timetable::parse("0 8 * * *", "Mars/Olympus").unwrap_err(),
            TimetableError::Zone("Mars/Olympus".into())
        );
        assert!(Timetable::parse(&"1,".repeat(100), DEFAULT_ZONE).is_err());
    }

    #[test]
    fn due_counts_the_missed_ticks_and_names_the_last() {
        let hourly = Timetable::parse("0 * * * *", DEFAULT_ZONE).expect("parses");
        let first = shanghai(2025, 1, 1, 8, 0);
        assert_eq!(hourly.due(first, first + 30 * 60_000, 100), (1, first));
        assert_eq!(hourly.due(first, shanghai(2025, 1, 1, 12, 30), 100), (5, shanghai(2025, 1, 1, 12, 0)));
        // Past the cap, the count stops but the last tick is still the latest one.
        assert_eq!(hourly.due(first, shanghai(2025, 1, 3, 12, 30), 10), (10, shanghai(2025, 1, 3, 12, 0)));
    }
}
