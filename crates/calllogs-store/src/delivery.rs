//! Reconciliation of the two paths a call arrives by: the provider's list
//! (`sync`) and its end-of-call webhooks (`listen`). Per account: the
//! calls only the webhooks delivered (the list has not shown them after
//! the grace period), those only the list delivered (a webhook lost), and
//! those the two describe differently (status, duration beyond a second,
//! cost). `calllogs reconcile` prints it; the HTML report's "delivery"
//! section shows the same figures.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::decimal::Decimal;
use crate::store::{DeliveryRow, Store, StoreError};

/// What to reconcile.
#[derive(Debug, Clone)]
pub struct Options {
    /// Calls started at or after this (all when `None`).
    pub since: Option<DateTime<Utc>>,
    /// How long after a call's end (or its webhook) the other path has to
    /// deliver it before it counts as missing there.
    pub grace: Duration,
    /// Now.
    pub now: DateTime<Utc>,
    /// Example ids kept per finding.
    pub examples: usize,
}

/// Calls of one finding: how many, and a few of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Finding {
    /// How many calls.
    pub count: u64,
    /// A few ids (with what differs, for disagreements).
    pub examples: Vec<String>,
}

impl Finding {
    fn add(&mut self, example: impl FnOnce() -> String, keep: usize) {
        self.count += 1;
        if self.examples.len() < keep {
            self.examples.push(example());
        }
    }
}

/// One account's reconciliation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Account {
    /// Provider id.
    pub provider: String,
    /// Account label.
    pub account: String,
    /// Calls in the range.
    pub calls: u64,
    /// Calls both paths delivered.
    pub both: u64,
    /// Calls still within the grace period on the other path.
    pub pending: u64,
    /// Calls only the webhooks delivered (the list has not shown them).
    pub only_webhook: Finding,
    /// Calls only the list delivered (their webhook was lost).
    pub only_api: Finding,
    /// Calls the two describe differently.
    pub disagree: Finding,
}

impl Account {
    /// Calls not reconciled: only on one path past the grace, or described differently.
    pub fn unreconciled(&self) -> u64 {
        self.only_webhook.count + self.only_api.count + self.disagree.count
    }
}

/// Every account's reconciliation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reconciliation {
    /// Per account, in (provider, account) order.
    pub accounts: Vec<Account>,
}

impl Reconciliation {
    /// Calls not reconciled, over every account.
    pub fn unreconciled(&self) -> u64 {
        self.accounts.iter().map(Account::unreconciled).sum()
    }
}

/// Reconciles the calls of `accounts` (provider, account): those that
/// take webhooks. Calls of other accounts are left out (they have no
/// webhooks to miss).
pub async fn reconcile(
    store: &Store,
    accounts: &[(String, String)],
    options: &Options,
) -> Result<Reconciliation, StoreError> {
    let rows = store.delivery_rows(options.since).await?;
    Ok(from_rows(&rows, accounts, options))
}

/// [`reconcile`] over rows already read.
pub fn from_rows(
    rows: &[DeliveryRow],
    accounts: &[(String, String)],
    options: &Options,
) -> Reconciliation {
    let mut out: Vec<Account> = accounts
        .iter()
        .map(|(p, a)| Account {
            provider: p.clone(),
            account: a.clone(),
            ..Account::default()
        })
        .collect();
    out.sort_by(|x, y| (&x.provider, &x.account).cmp(&(&y.provider, &y.account)));
    out.dedup_by(|x, y| x.provider == y.provider && x.account == y.account);
    let deadline = options.now - options.grace;
    let keep = options.examples;
    for r in rows {
        let Some(acc) = out
            .iter_mut()
            .find(|a| a.provider == r.provider && a.account == r.account)
        else {
            continue;
        };
        acc.calls += 1;
        match r.seen_via.as_str() {
            "webhook" => {
                if r.first_seen_at.is_some_and(|t| t < deadline) {
                    acc.only_webhook.add(|| r.id.clone(), keep);
                } else {
                    acc.pending += 1;
                }
            }
            "api" => {
                let ended = r.status != "in_progress" && r.ended_at.is_some_and(|t| t < deadline);
                if ended {
                    acc.only_api.add(|| r.id.clone(), keep);
                } else {
                    acc.pending += 1;
                }
            }
            _ => {
                acc.both += 1;
                let differences = differences(r);
                if !differences.is_empty() {
                    acc.disagree
                        .add(|| format!("{}: {}", r.id, differences.join(", ")), keep);
                }
            }
        }
    }
    Reconciliation { accounts: out }
}

/// What the listed record and the webhooks say differently of one call.
fn differences(r: &DeliveryRow) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(h) = &r.hook_status
        && h != "unknown"
        && *h != r.status
    {
        out.push(format!("status {} (list) vs {h} (webhook)", r.status));
    }
    if let (Some(a), Some(b)) = (r.duration_s, r.hook_duration_s)
        && (a - b).abs() > 1
    {
        out.push(format!("duration {a} s vs {b} s"));
    }
    if let (Some(a), Some(b)) = (&r.cost_amount, &r.hook_cost_amount) {
        // Signs differ by provider convention (Twilio writes a charge as a
        // negative price): amounts are compared as magnitudes.
        let magnitude =
            |s: &str| Decimal::parse(s.trim().trim_start_matches('-')).map(|d| d.to_string());
        if magnitude(a) != magnitude(b) {
            out.push(format!("cost {a} vs {b}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, via: &str, status: &str, hook: Option<&str>) -> DeliveryRow {
        let long_ago = Utc::now() - Duration::days(1);
        DeliveryRow {
            provider: "twilio".into(),
            account: "a".into(),
            id: id.into(),
            seen_via: via.into(),
            status: status.into(),
            duration_s: Some(30),
            cost_amount: Some("-0.0170".into()),
            first_seen_at: Some(long_ago),
            ended_at: Some(long_ago),
            hook_status: hook.map(str::to_string),
            hook_duration_s: hook.map(|_| 31),
            hook_cost_amount: hook.map(|_| "0.017".to_string()),
        }
    }

    #[test]
    fn each_call_lands_in_one_finding() {
        let mut fresh = row("CA5", "api", "completed", None);
        fresh.ended_at = Some(Utc::now());
        let mut long = row("CA6", "api,webhook", "completed", Some("completed"));
        long.hook_duration_s = Some(40);
        let rows = vec![
            row("CA1", "api,webhook", "completed", Some("completed")),
            row("CA2", "api", "completed", None),
            row("CA3", "webhook", "busy", Some("busy")),
            row("CA4", "api,webhook", "completed", Some("failed")),
            fresh,
            long,
        ];
        let options = Options {
            since: None,
            grace: Duration::hours(2),
            now: Utc::now(),
            examples: 5,
        };
        let r = from_rows(&rows, &[("twilio".into(), "a".into())], &options);
        let a = &r.accounts[0];
        assert_eq!((a.calls, a.both, a.pending), (6, 3, 1));
        assert_eq!(a.only_api.examples, vec!["CA2"]);
        assert_eq!(a.only_webhook.examples, vec!["CA3"]);
        assert_eq!(a.disagree.count, 2);
        assert!(a.disagree.examples[0].starts_with("CA4: status completed (list) vs failed"));
        assert_eq!(a.disagree.examples[1], "CA6: duration 30 s vs 40 s");
        assert_eq!(r.unreconciled(), 4);
    }
}
