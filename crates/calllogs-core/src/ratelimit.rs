//! A client-side rate limiter that backs off when the provider says 429.
//!
//! A token bucket (one second of burst) whose rate halves on every 429 and
//! creeps back up (+10% per 20 successes) to the configured rate: what
//! TCP calls AIMD. Written here rather than taken from `governor` because
//! a governor quota is fixed once built, and adapting is the point.
//!
//! A provider that publishes a budget per minute (Aircall) gets a bucket
//! that holds the whole minute ([`RateLimiter::per_minute`]); one that
//! says in headers how much of its budget is left gets paused until the
//! reset it names once nothing is left ([`RateLimiter::pause_until`]).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limiter; share one per provider client.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    max_rate: f64,
    rate: f64,
    /// Tokens the bucket holds at most (the burst), in seconds of `rate`.
    burst_secs: f64,
    /// No request goes before this instant (the provider said its budget
    /// is spent until then).
    paused_until: Option<Instant>,
    tokens: f64,
    last: Instant,
    successes: u32,
    /// When the rate was last halved: the 429s of requests already in
    /// flight then are one signal, not many.
    last_decrease: Option<Instant>,
}

impl RateLimiter {
    /// A limiter of `rate` requests per second (at least 0.1).
    pub fn new(rate: f64) -> Self {
        Self::with_burst_secs(rate, 1.0)
    }

    /// A limiter of `budget` requests a minute, all of which may go at
    /// once: a provider's per-minute budget, as published.
    pub fn per_minute(budget: u32) -> Self {
        Self::with_burst_secs(f64::from(budget.max(1)) / 60.0, 60.0)
    }

    fn with_burst_secs(rate: f64, burst_secs: f64) -> Self {
        let rate = if rate.is_finite() { rate.max(0.1) } else { 1.0 };
        RateLimiter {
            state: Mutex::new(State {
                max_rate: rate,
                rate,
                burst_secs,
                paused_until: None,
                tokens: (rate * burst_secs).max(1.0),
                last: Instant::now(),
                successes: 0,
                last_decrease: None,
            }),
        }
    }

    /// The rate now, requests per second.
    pub fn rate(&self) -> f64 {
        self.state.lock().map(|s| s.rate).unwrap_or(0.0)
    }

    /// How long to wait before the next request may go, taking its token
    /// when it is zero. Pure bookkeeping, for [`RateLimiter::acquire`] and tests.
    pub fn try_take(&self, now: Instant) -> Duration {
        let Ok(mut s) = self.state.lock() else {
            return Duration::ZERO;
        };
        if let Some(until) = s.paused_until {
            if now < until {
                return until - now;
            }
            s.paused_until = None;
        }
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * s.rate).min((s.rate * s.burst_secs).max(1.0));
        s.last = now;
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - s.tokens) / s.rate)
        }
    }

    /// Waits for a token.
    pub async fn acquire(&self) {
        loop {
            let wait = self.try_take(Instant::now());
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// The provider said its budget is spent until `until` (a rate-limit
    /// header's reset): no request goes before then.
    pub fn pause_until(&self, until: Instant) {
        if let Ok(mut s) = self.state.lock() {
            s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
            s.tokens = s.tokens.min(0.0);
        }
    }

    /// The provider answered 429: halve the rate (down to 0.1/s, at most
    /// once a second) and drop the burst.
    pub fn throttled(&self) {
        self.throttled_at(Instant::now());
    }

    /// [`RateLimiter::throttled`] at a given instant.
    pub fn throttled_at(&self, now: Instant) {
        if let Ok(mut s) = self.state.lock() {
            if s.last_decrease
                .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1))
            {
                return;
            }
            s.last_decrease = Some(now);
            s.rate = (s.rate / 2.0).max(0.1);
            s.tokens = s.tokens.min(0.0);
            s.successes = 0;
            tracing::debug!(rate = s.rate, "rate limited by the provider; slowing down");
        }
    }

    /// A request went through: after 20 in a row, raise the rate by 10%,
    /// up to the configured one.
    pub fn succeeded(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.successes += 1;
            if s.successes >= 20 && s.rate < s.max_rate {
                s.rate = (s.rate * 1.1).min(s.max_rate);
                s.successes = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_at_the_rate_after_a_burst() {
        let l = RateLimiter::new(10.0);
        let t0 = Instant::now();
        for _ in 0..10 {
            assert_eq!(l.try_take(t0), Duration::ZERO, "one second of burst");
        }
        let wait = l.try_take(t0);
        assert!(
            wait > Duration::from_millis(90) && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        assert_eq!(l.try_take(t0 + Duration::from_millis(100)), Duration::ZERO);
    }

    #[test]
    fn a_minute_budget_goes_at_once_then_paces_and_a_pause_holds() {
        let l = RateLimiter::per_minute(60);
        let t0 = Instant::now();
        for _ in 0..60 {
            assert_eq!(
                l.try_take(t0),
                Duration::ZERO,
                "the minute's budget at once"
            );
        }
        let wait = l.try_take(t0);
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        let l = RateLimiter::new(100.0);
        l.pause_until(t0 + Duration::from_secs(3));
        assert_eq!(
            l.try_take(t0 + Duration::from_secs(1)),
            Duration::from_secs(2)
        );
        assert_eq!(
            l.try_take(t0 + Duration::from_secs(3)),
            Duration::ZERO,
            "after the reset"
        );
    }

    #[test]
    fn a_429_halves_the_rate_and_successes_bring_it_back() {
        let l = RateLimiter::new(40.0);
        let t0 = Instant::now();
        l.throttled_at(t0);
        assert_eq!(l.rate(), 20.0);
        l.throttled_at(t0 + Duration::from_millis(10));
        assert_eq!(
            l.rate(),
            20.0,
            "429s of requests in flight together count once"
        );
        l.throttled_at(t0 + Duration::from_secs(2));
        assert_eq!(l.rate(), 10.0);
        for _ in 0..20 * 20 {
            l.succeeded();
        }
        assert_eq!(l.rate(), 40.0, "back to the configured rate, not above");
        let slow = RateLimiter::new(0.0);
        assert!(slow.rate() >= 0.1);
    }
}
