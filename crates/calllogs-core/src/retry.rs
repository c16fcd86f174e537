//! The retry decision: one pure function, unit-tested without I/O.

use std::time::{Duration, SystemTime};

/// How many times to try, and how long to wait in between.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Requests at most, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The wait before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// The longest computed backoff.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a provider asking for more ends
    /// the retries with a rate-limited error that says how long it asked.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }
}

/// What happened to one request, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with this status; `retry_after` is its
    /// `Retry-After` header, already parsed.
    Status {
        /// HTTP status.
        status: u16,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The connection failed, timed out, or was reset before a full answer.
    Transport,
    /// A 2xx whose body was cut short or is not the JSON expected: a proxy or
    /// a dying server, worth one more try.
    BadBody,
    /// The TLS handshake failed (a certificate the client does not trust,
    /// or a server that does not speak TLS): the same request fails the
    /// same way, so it is not retried.
    Tls,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Do not retry.
    Stop,
    /// Wait this long, then retry.
    RetryAfter(Duration),
}

/// Decides whether attempt number `attempt` (1-based, the one that just
/// failed) is retried and after how long.
///
/// Retried: 408, 425, 429, 5xx (but 501 and 505), transport failures and bad
/// 2xx bodies, while attempts remain. The wait is the server's `Retry-After`
/// when given (a 429 asking for more than `max_retry_after` stops),
/// else exponential backoff from `base_delay` capped at `max_delay`, with
/// "equal jitter": half the delay fixed, half scaled by `jitter` (0..1).
///
/// ```
/// use std::time::Duration;
/// use calllogs_core::retry::{decide, Decision, Outcome, RetryPolicy};
/// let p = RetryPolicy::default();
/// let busy = Outcome::Status { status: 429, retry_after: Some(Duration::from_secs(3)) };
/// assert_eq!(decide(busy, 1, &p, 0.5), Decision::RetryAfter(Duration::from_secs(3)));
/// let not_found = Outcome::Status { status: 404, retry_after: None };
/// assert_eq!(decide(not_found, 1, &p, 0.5), Decision::Stop);
/// ```
pub fn decide(outcome: Outcome, attempt: u32, policy: &RetryPolicy, jitter: f64) -> Decision {
    if attempt >= policy.max_attempts || outcome == Outcome::Tls {
        return Decision::Stop;
    }
    let retry_after = match outcome {
        Outcome::Status {
            status,
            retry_after,
        } => {
            let retryable = matches!(status, 408 | 425 | 429)
                || (500..600).contains(&status) && !matches!(status, 501 | 505);
            if !retryable {
                return Decision::Stop;
            }
            retry_after
        }
        Outcome::Transport | Outcome::BadBody | Outcome::Tls => None,
    };
    if let Some(wait) = retry_after {
        return if wait > policy.max_retry_after {
            Decision::Stop
        } else {
            Decision::RetryAfter(wait)
        };
    }
    let exp = policy
        .base_delay
        .saturating_mul(1u32 << (attempt - 1).min(16));
    let capped = exp.min(policy.max_delay);
    let jitter = jitter.clamp(0.0, 1.0);
    Decision::RetryAfter(capped / 2 + capped.mul_f64(jitter / 2.0))
}

/// Parses a `Retry-After` value: delay seconds (`120`, also `1.5`) or an
/// HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`, measured from `now`; a date
/// in the past is no wait). `None` for anything else.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return ((0.0..1e9).contains(&secs)).then(|| Duration::from_secs_f64(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let at = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(u64::try_from(date.timestamp()).ok()?))?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Outcome {
        Outcome::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn a_tls_failure_is_never_retried() {
        let p = RetryPolicy::default();
        assert_eq!(decide(Outcome::Tls, 1, &p, 0.5), Decision::Stop);
        assert_ne!(decide(Outcome::Transport, 1, &p, 0.5), Decision::Stop);
    }

    #[test]
    fn retries_what_is_transient_only() {
        let p = RetryPolicy::default();
        for s in [408, 425, 429, 500, 502, 503, 504] {
            assert!(
                matches!(decide(status(s), 1, &p, 0.0), Decision::RetryAfter(_)),
                "{s}"
            );
        }
        for s in [200, 400, 401, 403, 404, 422, 501, 505] {
            assert_eq!(decide(status(s), 1, &p, 0.0), Decision::Stop, "{s}");
        }
        assert!(matches!(
            decide(Outcome::Transport, 1, &p, 0.0),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(Outcome::BadBody, 1, &p, 0.0),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn stops_at_the_bound() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        assert!(matches!(
            decide(status(503), 2, &p, 0.0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(decide(status(503), 3, &p, 0.0), Decision::Stop);
        assert_eq!(
            decide(status(503), 1, &RetryPolicy::none(), 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let p = RetryPolicy {
            max_attempts: 40,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        let wait = |attempt, j| match decide(Outcome::Transport, attempt, &p, j) {
            Decision::RetryAfter(d) => d,
            Decision::Stop => panic!("stopped"),
        };
        assert_eq!(wait(1, 0.0), Duration::from_millis(50));
        assert_eq!(wait(1, 1.0), Duration::from_millis(100));
        assert_eq!(wait(2, 1.0), Duration::from_millis(200));
        assert_eq!(wait(3, 0.0), Duration::from_millis(200));
        assert_eq!(wait(30, 1.0), Duration::from_secs(1));
        assert!(wait(2, 0.3) > wait(2, 0.2));
    }

    #[test]
    fn honours_retry_after_within_the_cap() {
        let p = RetryPolicy::default();
        let ask = |secs| Outcome::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            decide(ask(7), 1, &p, 0.9),
            Decision::RetryAfter(Duration::from_secs(7))
        );
        assert_eq!(decide(ask(7200), 1, &p, 0.9), Decision::Stop);
    }

    #[test]
    fn parses_retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 07:27:50 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }
}
