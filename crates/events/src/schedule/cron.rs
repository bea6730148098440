//! AWS's cron: `minutes hours day-of-month month day-of-week year`, with
//! `,` `-` `*` `/` in every field, `?` in one of the two day fields, `L`
//! and `W` in day-of-month (`L`, `LW`, `15W`), `L` and `#` in day-of-week
//! (`6L`: the last Friday, `2#1`: the first Monday). Days of the week run
//! 1 (SUN) to 7 (SAT); months and days take their English abbreviations.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use std::collections::BTreeSet;

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const LAST_YEAR: i32 = 2199;

#[derive(Clone, Debug, PartialEq, Eq)]
enum DayOfMonth {
    Any,
    Days(BTreeSet<u32>),
    Last,
    LastWeekday,
    NearestWeekday(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum DayOfWeek {
    Any,
    Days(BTreeSet<u32>),
    /// The last such day of the month.
    Last(u32),
    /// The nth such day of the month.
    Nth(u32, u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    day_of_month: DayOfMonth,
    months: BTreeSet<u32>,
    day_of_week: DayOfWeek,
    years: BTreeSet<u32>,
}

impl Cron {
    pub fn parse(body: &str) -> Option<Self> {
        let fields: Vec<&str> = body.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = fields.as_slice() else {
            return None;
        };
        // Exactly one of the day fields is `?`.
        if (*dom == "?") == (*dow == "?") {
            return None;
        }
        Some(Self {
            minutes: list(minutes, 0, 59, &[])?,
            hours: list(hours, 0, 23, &[])?,
            day_of_month: day_of_month(dom)?,
            months: list(month, 1, 12, &MONTHS)?,
            day_of_week: day_of_week(dow)?,
            years: list(year, 1970, LAST_YEAR as u32, &[])?,
        })
    }

    /// The first minute strictly after `after_ms` that the expression names.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let after = DateTime::<Utc>::from_timestamp_millis(after_ms)?;
        let start = after.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let mut day = start.date_naive();
        let first_day = day;
        while day.year() <= LAST_YEAR {
            if !self.years.contains(&(day.year() as u32)) {
                day = NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)?;
                continue;
            }
            if !self.months.contains(&day.month()) {
                day = first_of_next_month(day)?;
                continue;
            }
            if self.day_matches(day) {
                let (from_hour, from_minute) = if day == first_day {
                    (start.hour(), start.minute())
                } else {
                    (0, 0)
                };
                for &hour in self.hours.range(from_hour..) {
                    let minute_floor = if hour == from_hour { from_minute } else { 0 };
                    if let Some(&minute) = self.minutes.range(minute_floor..).next() {
                        let at = day.and_hms_opt(hour, minute, 0)?.and_utc();
                        return Some(at.timestamp_millis());
                    }
                }
            }
            day = day.succ_opt()?;
        }
        None
    }

    fn day_matches(&self, day: NaiveDate) -> bool {
        let last = last_day_of_month(day);
        let dom_ok = match &self.day_of_month {
            DayOfMonth::Any => true,
            DayOfMonth::Days(days) => days.contains(&day.day()),
            DayOfMonth::Last => day.day() == last,
            DayOfMonth::LastWeekday => day.day() == nearest_weekday(day, last),
            DayOfMonth::NearestWeekday(n) => day.day() == nearest_weekday(day, (*n).min(last)),
        };
        let weekday = day.weekday().num_days_from_sunday() + 1;
        let dow_ok = match &self.day_of_week {
            DayOfWeek::Any => true,
            DayOfWeek::Days(days) => days.contains(&weekday),
            DayOfWeek::Last(d) => *d == weekday && day.day() + 7 > last,
            DayOfWeek::Nth(d, n) => *d == weekday && (day.day() - 1) / 7 + 1 == *n,
        };
        dom_ok && dow_ok
    }
}

fn first_of_next_month(day: NaiveDate) -> Option<NaiveDate> {
    if day.month() == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
    }
}

fn last_day_of_month(day: NaiveDate) -> u32 {
    first_of_next_month(day)
        .and_then(|d| d.pred_opt())
        .map(|d| d.day())
        .unwrap_or(28)
}

/// The weekday nearest to day `n` of `day`'s month, not leaving the month.
fn nearest_weekday(day: NaiveDate, n: u32) -> u32 {
    let Some(target) = day.with_day(n) else {
        return 0;
    };
    let last = last_day_of_month(day);
    match target.weekday().num_days_from_sunday() {
        6 if n == 1 => 3,
        6 => n - 1,
        0 if n == last => n - 2,
        0 => n + 1,
        _ => n,
    }
}

fn value(text: &str, min: u32, max: u32, names: &[&str]) -> Option<u32> {
    let v = if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        text.parse().ok()?
    } else {
        let upper = text.to_ascii_uppercase();
        names.iter().position(|n| *n == upper)? as u32 + min
    };
    (min..=max).contains(&v).then_some(v)
}

/// `*`, `a`, `a-b`, with `/step`, joined by commas.
fn list(field: &str, min: u32, max: u32, names: &[&str]) -> Option<BTreeSet<u32>> {
    let mut set = BTreeSet::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (item, 1),
        };
        let (from, to) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, min, max, names)?, value(b, min, max, names)?)
        } else {
            let v = value(range, min, max, names)?;
            (v, if item.contains('/') { max } else { v })
        };
        if from > to {
            return None;
        }
        set.extend((from..=to).step_by(step as usize));
    }
    (!set.is_empty()).then_some(set)
}

fn day_of_month(field: &str) -> Option<DayOfMonth> {
    match field {
        "?" => Some(DayOfMonth::Any),
        "L" => Some(DayOfMonth::Last),
        "LW" => Some(DayOfMonth::LastWeekday),
        _ => match field.strip_suffix('W') {
            Some(n) => Some(DayOfMonth::NearestWeekday(value(n, 1, 31, &[])?)),
            None => list(field, 1, 31, &[]).map(DayOfMonth::Days),
        },
    }
}

fn day_of_week(field: &str) -> Option<DayOfWeek> {
    if field == "?" {
        return Some(DayOfWeek::Any);
    }
    if field == "L" {
        return Some(DayOfWeek::Days(BTreeSet::from([7])));
    }
    if let Some(d) = field.strip_suffix('L') {
        return Some(DayOfWeek::Last(value(d, 1, 7, &DAYS)?));
    }
    if let Some((d, n)) = field.split_once('#') {
        let n: u32 = n.parse().ok().filter(|n| (1..=5).contains(n))?;
        return Some(DayOfWeek::Nth(value(d, 1, 7, &DAYS)?, n));
    }
    list(field, 1, 7, &DAYS).map(DayOfWeek::Days)
}
