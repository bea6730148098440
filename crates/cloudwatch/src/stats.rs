//! Statistics over data points: the statistic set every point carries and,
//! where the raw values are known, percentiles.

/// A stored data point, or several folded together.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Epoch seconds.
    pub ts: i64,
    pub unit: String,
    pub count: f64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    /// `(value, count)` pairs; `None` once a statistic set without raw
    /// values is folded in (percentiles are unavailable then).
    pub samples: Option<Vec<(f64, f64)>>,
}

impl Point {
    /// One value seen `count` times.
    pub fn value(ts: i64, unit: &str, value: f64, count: f64) -> Self {
        Self {
            ts,
            unit: unit.to_string(),
            count,
            sum: value * count,
            min: value,
            max: value,
            samples: Some(vec![(value, count)]),
        }
    }

    pub fn fold(&mut self, other: &Point) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        match (&mut self.samples, &other.samples) {
            (Some(mine), Some(theirs)) => mine.extend_from_slice(theirs),
            _ => self.samples = None,
        }
    }

    /// A statistic by its name in `Statistics` or `Stat` (`Sum`, `p99`).
    pub fn statistic(&self, name: &str) -> Option<f64> {
        match name {
            "SampleCount" => Some(self.count),
            "Sum" => Some(self.sum),
            "Minimum" => Some(self.min),
            "Maximum" => Some(self.max),
            "Average" => (self.count > 0.0).then(|| self.sum / self.count),
            other => self.percentile(percentile_of(other)?),
        }
    }

    /// The nearest-rank percentile of the raw values (`p` in 0–100).
    pub fn percentile(&self, p: f64) -> Option<f64> {
        let samples = self.samples.as_ref()?;
        let mut sorted: Vec<(f64, f64)> =
            samples.iter().copied().filter(|(_, c)| *c > 0.0).collect();
        if sorted.is_empty() || sorted.iter().any(|(v, _)| *v < 0.0) {
            return None;
        }
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = sorted.iter().map(|(_, c)| c).sum();
        let rank = (p / 100.0 * total).ceil().max(1.0);
        let mut seen = 0.0;
        for (value, count) in &sorted {
            seen += count;
            if seen >= rank {
                return Some(*value);
            }
        }
        sorted.last().map(|(v, _)| *v)
    }
}

/// `p99`, `p99.9`, `p0` … `p100` → the percentile; anything else `None`.
pub fn percentile_of(stat: &str) -> Option<f64> {
    let digits = stat.strip_prefix('p')?;
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 3 || !plain(whole) || !plain(fraction) {
        return None;
    }
    if digits.contains('.') && fraction.is_empty() {
        return None;
    }
    let p: f64 = digits.parse().ok()?;
    (0.0..=100.0).contains(&p).then_some(p)
}

pub const STATISTICS: [&str; 5] = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut point = Point::value(0, "None", 1.0, 1.0);
        for v in 2..=100 {
            point.fold(&Point::value(0, "None", f64::from(v), 1.0));
        }
        assert_eq!(point.statistic("p50"), Some(50.0));
        assert_eq!(point.statistic("p99"), Some(99.0));
        assert_eq!(point.statistic("p99.5"), Some(100.0));
        assert_eq!(point.statistic("p0"), Some(1.0));
        assert_eq!(point.statistic("Average"), Some(50.5));
        assert_eq!(point.statistic("SampleCount"), Some(100.0));
    }

    #[test]
    fn percentile_names() {
        assert_eq!(percentile_of("p99"), Some(99.0));
        assert_eq!(percentile_of("p99.99"), Some(99.99));
        assert_eq!(percentile_of("p100"), Some(100.0));
        assert_eq!(percentile_of("p101"), None);
        assert_eq!(percentile_of("p"), None);
        assert_eq!(percentile_of("p9."), None);
        assert_eq!(percentile_of("P99"), None);
        assert_eq!(percentile_of("tm99"), None);
    }

    #[test]
    fn a_statistic_set_has_no_percentiles() {
        let mut point = Point::value(0, "None", 1.0, 1.0);
        point.fold(&Point {
            samples: None,
            ..Point::value(0, "None", 5.0, 3.0)
        });
        assert_eq!(point.statistic("p50"), None);
        assert_eq!(point.statistic("Sum"), Some(16.0));
    }
}
