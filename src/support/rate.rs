//! Per-second counters kept for a fixed window: rates and sparklines without unbounded history.

use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct RateMeter {
    /// (second since epoch, count), oldest first, at most `keep` seconds.
    buckets: VecDeque<(i64, u64)>,
    keep: usize,
    pub total: u64,
    /// The second of the first record, so early rates divide by the time actually seen.
    first_sec: Option<i64>,
}

impl RateMeter {
    pub fn new(keep_secs: usize) -> RateMeter {
        RateMeter {
            buckets: VecDeque::with_capacity(keep_secs + 1),
            keep: keep_secs.max(2),
            total: 0,
            first_sec: None,
        }
    }

    pub fn add(&mut self, now_ms: i64, n: u64) {
        let sec = now_ms.div_euclid(1000);
        self.first_sec.get_or_insert(sec);
        self.total += n;
        match self.buckets.back_mut() {
            Some((s, c)) if *s == sec => *c += n,
            Some((s, _)) if *s > sec => {
                // A clock step backwards: count it in the newest bucket rather than reorder.
                if let Some(b) = self.buckets.back_mut() {
                    b.1 += n;
                }
            }
            _ => self.buckets.push_back((sec, n)),
        }
        self.prune(sec);
    }

    fn prune(&mut self, now_sec: i64) {
        while let Some((s, _)) = self.buckets.front() {
            if *s <= now_sec - self.keep as i64 || self.buckets.len() > self.keep {
                self.buckets.pop_front();
            } else {
                break;
            }
        }
    }

    /// Mean per second over the last `secs` complete seconds.
    pub fn rate(&self, now_ms: i64, secs: i64) -> f64 {
        let now_sec = now_ms.div_euclid(1000);
        let from = now_sec - secs;
        let n: u64 = self
            .buckets
            .iter()
            .filter(|(s, _)| *s >= from && *s < now_sec)
            .map(|(_, c)| c)
            .sum();
        // Just after start the window is not full yet: divide by the complete seconds seen.
        let seen = self
            .first_sec
            .map_or(secs, |f| (now_sec - f).clamp(1, secs.max(1)));
        n as f64 / seen as f64
    }

    /// Seconds since the first record counted (0 before any).
    pub fn seen_secs(&self, now_ms: i64) -> i64 {
        self.first_sec
            .map_or(0, |f| (now_ms.div_euclid(1000) - f).max(0))
    }

    /// Counts per second for the last `secs` seconds, oldest first, zeros filled in.
    pub fn series(&self, now_ms: i64, secs: usize) -> Vec<u64> {
        let now_sec = now_ms.div_euclid(1000);
        let mut out = vec![0u64; secs];
        for (s, c) in &self.buckets {
            let age = now_sec - s;
            if age >= 0 && (age as usize) < secs {
                out[secs - 1 - age as usize] += c;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_counts_complete_seconds_only() {
        let mut m = RateMeter::new(60);
        for s in 0..10 {
            m.add(s * 1000 + 500, 10);
        }
        // At t=10.2s the last 5 complete seconds are 5..9: 50 records.
        assert_eq!(m.rate(10_200, 5), 10.0);
        assert_eq!(m.total, 100);
    }

    #[test]
    fn early_rate_divides_by_the_time_seen() {
        let mut m = RateMeter::new(60);
        m.add(100_500, 10);
        m.add(101_500, 10);
        // Two complete seconds seen out of a 30 s window: 10/s, not 20/30.
        assert_eq!(m.rate(102_100, 30), 10.0);
    }

    #[test]
    fn old_buckets_are_dropped() {
        let mut m = RateMeter::new(5);
        for s in 0..100 {
            m.add(s * 1000, 1);
        }
        assert!(m.buckets.len() <= 5);
        assert_eq!(m.series(99_000, 3), vec![1, 1, 1]);
        assert_eq!(m.series(99_000, 10)[..4], [0, 0, 0, 0]);
    }
}
