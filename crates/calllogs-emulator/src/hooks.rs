//! Posting end-of-call webhooks to a listener, signed as the provider signs
//! them, with loss, duplicates and reordering on purpose: what a provider's
//! delivery does on a bad day (Vapi does not retry, Telnyx may deliver
//! twice and out of order).

use calllogs_core::webhook::{SigningKey, WebhookInfo};
use chrono::Utc;

use crate::Hook;

/// Faults of a delivery run.
#[derive(Debug, Clone, Copy, Default)]
pub struct HookFaults {
    /// Share of events (0..=1) never sent.
    pub loss: f64,
    /// Share of sent events (0..=1) sent a second time.
    pub duplicates: f64,
    /// Share of events (0..=1) moved later in the order.
    pub reorder: f64,
    /// Seed of the draws.
    pub seed: u64,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct HookRun {
    /// Calls whose event was acknowledged (2xx), in call order.
    pub acked: Vec<String>,
    /// Calls whose event was dropped on purpose.
    pub lost: Vec<String>,
    /// Calls whose event was sent twice.
    pub duplicated: Vec<String>,
    /// Calls whose event was refused or failed, with the status (0: no answer).
    pub failed: Vec<(String, u16)>,
}

/// Posts `events` (call id, event) to `url`, each signed with `key` by
/// `info` just before it is sent, `concurrency` at a time, with `faults`.
pub async fn deliver(
    events: Vec<(String, Hook)>,
    url: &str,
    info: &WebhookInfo,
    key: SigningKey<'_>,
    faults: HookFaults,
    concurrency: usize,
) -> HookRun {
    use futures::StreamExt as _;
    let mut rng = fastrand::Rng::with_seed(faults.seed ^ 0x4E0C_5EED);
    let mut run = HookRun::default();
    let mut plan: Vec<(String, Hook)> = Vec::with_capacity(events.len());
    for (id, hook) in events {
        if rng.f64() < faults.loss {
            run.lost.push(id);
            continue;
        }
        if rng.f64() < faults.duplicates {
            run.duplicated.push(id.clone());
            plan.push((id.clone(), hook.clone()));
        }
        plan.push((id, hook));
    }
    // Reordering: an event swapped with one up to 20 places later.
    for i in 0..plan.len() {
        if rng.f64() < faults.reorder {
            let j = (i + 1 + rng.usize(0..20)).min(plan.len() - 1);
            plan.swap(i, j);
        }
    }
    let client = reqwest::Client::new();
    let results: Vec<(String, u16)> = futures::stream::iter(plan)
        .map(|(id, hook)| {
            let client = client.clone();
            async move {
                let mut req = client
                    .post(url)
                    .header("content-type", hook.content_type)
                    .header(
                        "user-agent",
                        format!("calllogs-emulator/{}", env!("CARGO_PKG_VERSION")),
                    );
                for (k, v) in (info.sign)(url, &hook.body, Utc::now(), key) {
                    req = req.header(k, v);
                }
                let status = match req.body(hook.body).send().await {
                    Ok(r) => r.status().as_u16(),
                    Err(_) => 0,
                };
                (id, status)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut acked = std::collections::BTreeSet::new();
    for (id, status) in results {
        if (200..300).contains(&status) {
            acked.insert(id);
        } else {
            run.failed.push((id, status));
        }
    }
    run.acked = acked.into_iter().collect();
    run
}
