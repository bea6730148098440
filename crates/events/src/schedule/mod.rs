//! Schedule expressions of rules: `rate(N minute|minutes|hour|hours|day|days)`
//! and AWS's six-field `cron(minutes hours day-of-month month day-of-week year)`,
//! always in UTC. [`Schedule::next_after`] answers when a schedule fires next.

mod cron;

pub use cron::Cron;

use crate::EventsError;

/// AWS's one answer for every malformed expression.
pub(crate) fn invalid() -> EventsError {
    EventsError::validation("Parameter ScheduleExpression is not valid.")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Every so many milliseconds, counted from the rule's creation.
    Rate {
        every_ms: i64,
    },
    Cron(Box<Cron>),
}

impl Schedule {
    /// Parses a `ScheduleExpression`; `None` when AWS refuses it.
    pub fn parse(expression: &str) -> Option<Self> {
        let expression = expression.trim();
        if let Some(body) = expression
            .strip_prefix("rate(")
            .and_then(|b| b.strip_suffix(')'))
        {
            return rate(body);
        }
        if let Some(body) = expression
            .strip_prefix("cron(")
            .and_then(|b| b.strip_suffix(')'))
        {
            return Cron::parse(body).map(|c| Self::Cron(Box::new(c)));
        }
        None
    }

    /// The first firing strictly after `after_ms` (epoch milliseconds).
    /// `time_scale` shortens rate periods (tests); cron keeps the clock.
    pub fn next_after(&self, after_ms: i64, time_scale: f64) -> Option<i64> {
        match self {
            Self::Rate { every_ms } => {
                let scaled = ((*every_ms as f64) / time_scale).max(1.0) as i64;
                Some(after_ms + scaled)
            }
            Self::Cron(cron) => cron.next_after(after_ms),
        }
    }
}

/// `5 minutes`: a positive whole number, the unit singular for 1 and
/// plural otherwise, as AWS requires.
fn rate(body: &str) -> Option<Schedule> {
    let mut words = body.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return None;
    };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = value.parse().ok()?;
    if value < 1 {
        return None;
    }
    let unit_ms = match (unit, value == 1) {
        ("minute", true) | ("minutes", false) => 60_000,
        ("hour", true) | ("hours", false) => 3_600_000,
        ("day", true) | ("days", false) => 86_400_000,
        _ => return None,
    };
    value
        .checked_mul(unit_ms)
        .map(|every_ms| Schedule::Rate { every_ms })
}

#[cfg(test)]
mod tests;
