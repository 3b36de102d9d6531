//! Percentiles over measured durations.

use std::time::Duration;

pub struct Timings(Vec<Duration>);

impl Timings {
    pub fn new(mut v: Vec<Duration>) -> Timings {
        v.sort();
        Timings(v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The nearest-rank percentile, in milliseconds (0 when empty).
    pub fn pct_ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil().max(1.0) as usize;
        ms(self.0[rank.min(self.0.len()) - 1])
    }

    pub fn p50_ms(&self) -> f64 {
        self.pct_ms(50.0)
    }

    pub fn p99_ms(&self) -> f64 {
        self.pct_ms(99.0)
    }
}

pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let t = Timings::new((1..=100).rev().map(Duration::from_millis).collect());
        assert_eq!(t.p50_ms(), 50.0);
        assert_eq!(t.p99_ms(), 99.0);
        assert_eq!(Timings::new(vec![Duration::from_millis(7)]).p99_ms(), 7.0);
        assert_eq!(Timings::new(vec![]).p50_ms(), 0.0);
    }
}
