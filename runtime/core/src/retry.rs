//! The one retry policy: which failures are retried, how many times, after how long.

use std::time::Duration;

/// How failed attempts are retried: 5xx answers and transport errors (connection refused or
/// reset, timeouts) are; 4xx answers never are.
///
/// Before retry number `n` (0 for the first retry) the client waits
/// `min(2^n × delay_factor × random(1 ± randomization_factor), max_delay)`.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// How many times a failed attempt is retried (so at most `retries + 1` attempts). Default 5.
    pub retries: u32,
    /// Base delay. Default 100 ms.
    pub delay_factor: Duration,
    /// Random spread of each delay. Default 0.25, i.e. ×0.75 to ×1.25.
    pub randomization_factor: f64,
    /// Longest delay. Default 30 s.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            retries: 5,
            delay_factor: Duration::from_millis(100),
            randomization_factor: 0.25,
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryConfig {
    /// The delay before retry number `retry` (0 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let spread = self.randomization_factor * (fastrand::f64() * 2.0 - 1.0) + 1.0;
        let base = self.delay_factor.as_secs_f64() * 2f64.powi(retry.min(62) as i32);
        let secs = (base * spread).max(0.0);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// The attempts of one operation under a [`RetryConfig`]: the one place that says how many
/// failures are retried and how long to wait before the next attempt.
pub struct Attempts<'a> {
    retry: &'a RetryConfig,
    made: u32,
}

impl<'a> Attempts<'a> {
    /// The attempts of one operation under `retry`.
    pub fn new(retry: &'a RetryConfig) -> Attempts<'a> {
        Attempts { retry, made: 0 }
    }

    /// Starts an attempt.
    pub fn start(&mut self) {
        self.made += 1;
    }

    /// How many attempts were started.
    pub fn made(&self) -> u32 {
        self.made
    }

    /// Whether the attempt under way may be retried if it fails.
    pub fn may_retry(&self) -> bool {
        self.made <= self.retry.retries
    }

    /// How long to wait before the next attempt, longer after each failure (random: ask once).
    pub fn delay(&self) -> Duration {
        self.retry.delay(self.made.saturating_sub(1))
    }

    /// Tells `tracing` why the attempt failed (`error_type` as OpenTelemetry's `error.type`,
    /// `reason` for people), then waits before the next attempt, longer after each failure.
    pub async fn retry(&self, error_type: &str, reason: &str) {
        let pause = self.delay();
        crate::trace::retry(self.made, pause, error_type, reason);
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_retry_as_many_failures_as_configured() {
        let retry = RetryConfig {
            retries: 2,
            ..RetryConfig::default()
        };
        let mut attempts = Attempts::new(&retry);
        let mut may_retry = Vec::new();
        for _ in 0..3 {
            attempts.start();
            may_retry.push(attempts.may_retry());
        }
        assert_eq!(may_retry, [true, true, false]);
        assert_eq!(attempts.made(), 3);
    }

    #[test]
    fn retry_delays_follow_the_formula() {
        let r = RetryConfig::default();
        for retry in 0..12 {
            let nominal = 0.1 * 2f64.powi(retry as i32);
            for _ in 0..50 {
                let d = r.delay(retry).as_secs_f64();
                assert!(d >= (nominal * 0.75).min(30.0) - 1e-9, "{retry}: {d}");
                assert!(d <= (nominal * 1.25).min(30.0) + 1e-9, "{retry}: {d}");
            }
        }
        assert_eq!(r.delay(1000), Duration::from_secs(30));
    }
}
