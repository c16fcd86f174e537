//! The cost audit: per account and UTC day, the calls, the minutes they
//! bill, what they cost, the cost per minute and the answered calls still
//! unpriced; set beside the provider's own usage totals where it publishes
//! them (a day where the two differ beyond rounding is a finding: calls
//! missing from the store, or billed calls the list never returned); and
//! the calls whose cost is far from what the same account pays for the
//! same country (a robust outlier test on the per-minute rate).
//!
//! Reads the calls of the audited days ([`Store::billed_days`], and
//! [`Store::each_priced_call`] twice, folding); the usage totals are fetched by the caller
//! (`calllogs audit` asks each account's provider) and handed in.

mod outliers;
mod usage;

use std::collections::BTreeMap;

use calllogs_core::UsageDay;
use calllogs_store::store::{AuditFilter, Store, StoreError};
use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use crate::alerts::{Finding, Rules, Severity};
use crate::money::Costs;

/// A provider's usage totals for one account, or why there are none.
#[derive(Debug, Clone, Serialize)]
pub struct AccountUsage {
    /// The provider.
    pub provider: String,
    /// The account, as the store names it.
    pub account: String,
    /// The days, or why not: the provider publishes none, or fetching
    /// them failed (the message says why, without credentials).
    pub days: Result<Vec<UsageDay>, String>,
}

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// The first day (UTC).
    pub since: NaiveDate,
    /// The day after the last: closed days only (prices arrive late).
    pub until: NaiveDate,
    /// Only this provider.
    pub provider: Option<String>,
    /// Only this account.
    pub account: Option<String>,
    /// The providers' usage totals, per account.
    pub usage: Vec<AccountUsage>,
    /// The thresholds for every account.
    pub rules: Rules,
    /// Thresholds of their own, by account name.
    pub account_rules: BTreeMap<String, Rules>,
}

impl AuditQuery {
    fn rules_for(&self, account: &str) -> &Rules {
        self.account_rules.get(account).unwrap_or(&self.rules)
    }
}

/// The provider's usage total of one day, beside the store's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageBeside {
    /// Calls the provider counted.
    pub calls: u64,
    /// Minutes it billed.
    pub minutes: u64,
    /// What it charged, decimal text.
    pub price: Option<String>,
    /// In this currency.
    pub currency: Option<String>,
}

/// One account's day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditDay {
    /// The provider.
    pub provider: String,
    /// The account.
    pub account: String,
    /// The UTC day.
    pub day: NaiveDate,
    /// Calls that ended.
    pub calls: i64,
    /// Their minutes, each rounded up.
    pub minutes: i64,
    /// Their cost per currency, exact decimal text.
    pub cost: BTreeMap<String, String>,
    /// Cost per billed minute in the day's main currency.
    pub cost_per_minute: Option<f64>,
    /// Answered calls without a cost.
    pub unpriced: i64,
    /// The provider's own total, where it publishes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageBeside>,
}

/// The audit.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// The first day.
    pub since: NaiveDate,
    /// The day after the last.
    pub until: NaiveDate,
    /// Per account and day.
    pub days: Vec<AuditDay>,
    /// The findings, most serious first.
    pub findings: Vec<Finding>,
    /// Accounts whose provider's totals could not be compared, and why.
    pub not_compared: Vec<NotCompared>,
}

/// An account whose provider's usage totals were not set beside its calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotCompared {
    /// The provider.
    pub provider: String,
    /// The account.
    pub account: String,
    /// Why: the provider publishes none, or fetching them failed.
    pub why: String,
}

/// The audit of `q` over the calls in `store`.
pub async fn audit(store: &Store, q: &AuditQuery) -> Result<Audit, StoreError> {
    let filter = AuditFilter {
        since: Some(q.since.and_time(NaiveTime::MIN).and_utc()),
        until: Some(q.until.and_time(NaiveTime::MIN).and_utc()),
        provider: q.provider.clone(),
        account: q.account.clone(),
    };
    let mut days = fold_days(store.billed_days(&filter).await?);
    let (findings_usage, not_compared) = usage::compare(&mut days, q);
    let mut findings = findings_usage;
    findings.extend(outliers::findings(store, &filter, |account| q.rules_for(account)).await?);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (&a.provider, &a.account, a.kind).cmp(&(&b.provider, &b.account, b.kind)))
            .then_with(|| (&a.day, &a.country).cmp(&(&b.day, &b.country)))
    });
    Ok(Audit {
        since: q.since,
        until: q.until,
        days: days.into_values().collect(),
        findings,
        not_compared,
    })
}

/// The key of an account's day.
type DayKey = (String, String, NaiveDate);

/// The store's rows (one per currency) folded into one per account and day.
fn fold_days(rows: Vec<calllogs_store::store::BilledDay>) -> BTreeMap<DayKey, AuditDay> {
    let mut days: BTreeMap<DayKey, (AuditDay, Costs)> = BTreeMap::new();
    for r in rows {
        let Ok(day) = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d") else {
            continue;
        };
        let (d, costs) = days
            .entry((r.provider.clone(), r.account.clone(), day))
            .or_insert_with(|| {
                (
                    AuditDay::empty(&r.provider, &r.account, day),
                    Costs::default(),
                )
            });
        d.calls += r.calls;
        d.minutes += r.minutes;
        d.unpriced += r.unpriced;
        if r.priced > 0 && !r.currency.is_empty() {
            costs.add(&r.currency, &r.cost);
        }
    }
    days.into_iter()
        .map(|(k, (mut d, costs))| {
            d.cost_per_minute = costs.per_minute(d.minutes as f64);
            d.cost = costs.texts();
            (k, d)
        })
        .collect()
}

/// A finding of the audit about one account.
fn finding(
    provider: &str,
    account: &str,
    kind: &'static str,
    calls: i64,
    message: String,
) -> Finding {
    // A warning: money that does not add up.
    Finding::new(Severity::Warning, kind, (provider, account), calls, message)
}

impl AuditDay {
    /// A day with nothing counted yet.
    fn empty(provider: &str, account: &str, day: NaiveDate) -> AuditDay {
        AuditDay {
            provider: provider.to_string(),
            account: account.to_string(),
            day,
            calls: 0,
            minutes: 0,
            cost: BTreeMap::new(),
            cost_per_minute: None,
            unpriced: 0,
            usage: None,
        }
    }
}
