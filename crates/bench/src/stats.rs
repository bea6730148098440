//! Summaries of samples: median, p99 and the rest, by nearest rank.

use serde::Serialize;
use std::time::Duration;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p99: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// Nearest-rank percentile of sorted samples (`p` in 0..=100).
fn rank(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[index.clamp(1, sorted.len()) - 1]
}

pub fn summarize(samples: &[f64]) -> Summary {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return Summary {
            n: 0,
            p50: f64::NAN,
            p99: f64::NAN,
            mean: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
        };
    }
    Summary {
        n: sorted.len(),
        p50: rank(&sorted, 50.0),
        p99: rank(&sorted, 99.0),
        mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
        min: sorted[0],
        max: sorted[sorted.len() - 1],
    }
}

/// For figures where lower is worse (throughput): the median, and in `p99`
/// the value 99% of the samples reach (the 1st percentile).
pub fn summarize_higher_is_better(samples: &[f64]) -> Summary {
    let mut s = summarize(samples);
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    s.p99 = rank(&sorted, 1.0);
    s
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = summarize(&v);
        assert_eq!((s.p50, s.p99, s.min, s.max), (50.0, 99.0, 1.0, 100.0));
        let s = summarize(&[3.0, 1.0, 2.0]);
        assert_eq!((s.p50, s.p99), (2.0, 3.0));
        assert_eq!(summarize_higher_is_better(&v).p99, 1.0);
        assert_eq!(summarize(&[]).n, 0);
    }
}
