//! What `GET /metrics` says, in Prometheus' text format: deliveries
//! received, accepted, refused by reason, duplicates, calls stored, and
//! the latency of acknowledgements.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A refusal's labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Refused {
    /// The account.
    pub account: String,
    /// Why (`mismatch`, `stale`, `missing`, `unknown_account`, `too_large`, …).
    pub reason: String,
}

/// The listener's counters, held by the server (no process-wide registry).
pub struct Metrics {
    registry: Registry,
    /// Deliveries received on a hook route.
    pub received: Counter,
    /// Deliveries acknowledged (new or duplicate), after their commit.
    pub accepted: Counter,
    /// Deliveries refused, by account and reason.
    pub rejected: Family<Refused, Counter>,
    /// Deliveries of an event already kept.
    pub duplicates: Counter,
    /// Events that changed a call row.
    pub stored: Counter,
    /// Groups committed, and the events in them.
    pub commits: Counter,
    /// Seconds from a delivery's arrival to its acknowledgement.
    pub ack_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("calllogs_webhooks");
        let received = Counter::default();
        let accepted = Counter::default();
        let rejected = Family::<Refused, Counter>::default();
        let duplicates = Counter::default();
        let stored = Counter::default();
        let commits = Counter::default();
        let ack_seconds = Histogram::new(exponential_buckets(0.0002, 2.0, 16));
        registry.register(
            "received",
            "Deliveries received on a hook route",
            received.clone(),
        );
        registry.register(
            "accepted",
            "Deliveries acknowledged after their commit",
            accepted.clone(),
        );
        registry.register(
            "rejected",
            "Deliveries refused, by reason",
            rejected.clone(),
        );
        registry.register(
            "duplicates",
            "Deliveries of an event already kept",
            duplicates.clone(),
        );
        registry.register("stored", "Events that changed a call", stored.clone());
        registry.register("commits", "Group commits", commits.clone());
        registry.register(
            "ack_seconds",
            "Seconds from arrival to acknowledgement",
            ack_seconds.clone(),
        );
        Metrics {
            registry,
            received,
            accepted,
            rejected,
            duplicates,
            stored,
            commits,
            ack_seconds,
        }
    }
}

impl Metrics {
    /// Counts a refusal.
    pub fn refuse(&self, account: &str, reason: &str) {
        self.rejected
            .get_or_create(&Refused {
                account: account.into(),
                reason: reason.into(),
            })
            .inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
