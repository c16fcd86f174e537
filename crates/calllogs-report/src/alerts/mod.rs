//! Alerts: what changed, and what costs money it should not. A recent
//! period (by default the last full UTC day) is compared, per account, per
//! account and country of the other party, per account and agent
//! (voice-AI assistants, contact-center agents), and per provider (all its
//! accounts together, account `*`), with the same period a week
//! earlier and with the median of the last four same weekdays: answer rate
//! and average duration down, a failure category's share, the short-call
//! share or the cost per minute up, the volume moved. Some findings need no
//! baseline: calls with a country the account had no calls with in the 30
//! days before, calls to premium-rate numbers (toll fraud's first sign),
//! calls still `in_progress` a day later, answered calls still unpriced
//! after the provider's pricing delay.
//!
//! Everything is read from the per-day rollups ([`Store::days`]), so the
//! time does not grow with the calls stored; a finding names a few example
//! calls ([`Store::examples`]). A minimum sample keeps noise out: no "ASR
//! fell 50 %" on two calls.

mod rates;
mod rules;
mod standing;
mod tally;

use std::collections::BTreeMap;

use calllogs_store::store::{DayFilter, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub(crate) use rates::median;
pub use rules::Rules;
use tally::{Period, Tally};

/// How serious a finding is; `--fail-on` compares with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing (the volume moved).
    Info,
    /// Something works worse or costs more than it did.
    Warning,
    /// Money may be leaving: premium-rate numbers, a new country.
    Critical,
}

impl Severity {
    /// The word (`info`, `warning`, `critical`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// What to look at.
#[derive(Debug, Clone)]
pub struct AlertQuery {
    /// The recent period's first day (default: yesterday, UTC).
    pub since: Option<NaiveDate>,
    /// The day after its last (default: the day after `since`).
    pub until: Option<NaiveDate>,
    /// Only this provider.
    pub provider: Option<String>,
    /// Only this account.
    pub account: Option<String>,
    /// The thresholds for every account.
    pub rules: Rules,
    /// Thresholds of their own, by account name.
    pub account_rules: BTreeMap<String, Rules>,
    /// Now (for what is stuck or unpriced; the default period).
    pub now: DateTime<Utc>,
}

impl AlertQuery {
    /// The last full UTC day before `now`, with the default rules.
    pub fn new(now: DateTime<Utc>) -> AlertQuery {
        AlertQuery {
            since: None,
            until: None,
            provider: None,
            account: None,
            rules: Rules::default(),
            account_rules: BTreeMap::new(),
            now,
        }
    }

    fn rules_for(&self, account: &str) -> &Rules {
        self.account_rules.get(account).unwrap_or(&self.rules)
    }
}

/// One value of a compared figure: in the recent period, a week before,
/// and the median of the last four same weekdays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    /// The figure in the recent period.
    pub now: f64,
    /// Calls it stands on.
    pub calls: i64,
    /// The same period a week earlier (`None`: too few calls).
    pub week_ago: Option<f64>,
    /// The median over the last four same periods with enough calls.
    pub median: Option<f64>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// What kind: `asr_drop`, `acd_drop`, `category_rise`, `short_calls`,
    /// `cost_per_minute`, `volume`, `new_country`, `premium_rate`,
    /// `stuck_in_progress`, `unpriced`; and of the cost audit,
    /// `usage_mismatch` and `cost_outlier`.
    pub kind: &'static str,
    /// The provider.
    pub provider: String,
    /// The account (`*`: all the provider's accounts together).
    pub account: String,
    /// The other party's country, for a finding about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The agent, for a finding about one (its id, or its name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The hangup category, for `category_rise`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The UTC day, for a finding about one (`usage_mismatch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
    /// The figure, where one was compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure: Option<Compared>,
    /// Calls the finding is about.
    pub calls: i64,
    /// A few of them.
    pub examples: Vec<String>,
    /// What moved, by how much, from what to what, in words.
    pub message: String,
}

impl Finding {
    /// A finding about a whole account, without a figure, a country, a
    /// category, a day or examples (set them after).
    pub fn new(
        severity: Severity,
        kind: &'static str,
        (provider, account): (&str, &str),
        calls: i64,
        message: String,
    ) -> Finding {
        Finding {
            severity,
            kind,
            provider: provider.to_string(),
            account: account.to_string(),
            country: None,
            agent: None,
            category: None,
            day: None,
            figure: None,
            calls,
            examples: Vec::new(),
            message,
        }
    }

    /// One line: severity, account, message, examples.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{:<8} {}/{}: {}",
            self.severity.as_str().to_uppercase(),
            self.provider,
            self.account,
            self.message
        );
        if !self.examples.is_empty() {
            s += &format!(" (e.g. {})", self.examples.join(", "));
        }
        s
    }
}

/// The findings of an alerts run, most serious first.
#[derive(Debug, Clone, Serialize)]
pub struct Alerts {
    /// The recent period's first day.
    pub since: NaiveDate,
    /// The day after its last.
    pub until: NaiveDate,
    /// The findings.
    pub findings: Vec<Finding>,
}

/// The most serious severity among `findings` (of alerts or of the
/// audit), if any.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// The alerts for `q`: the rollups of the days it needs read once, the
/// findings made from them, a few example calls looked up for each.
pub async fn alerts(store: &Store, q: &AlertQuery) -> Result<Alerts, StoreError> {
    let p = Period::of(q);
    let new_country_days = q
        .account_rules
        .values()
        .chain([&q.rules])
        .map(|r| r.new_country_days)
        .max()
        .unwrap_or(1);
    let rows = store
        .days(&DayFilter {
            first: p.first(new_country_days).to_string(),
            end: p.until.to_string(),
            provider: q.provider.clone(),
            account: q.account.clone(),
        })
        .await?;
    let t = Tally::of(&rows, &p, q);
    let mut findings = Vec::new();
    for (mut f, example) in rates::findings(&t, &p, q)
        .into_iter()
        .chain(standing::findings(&t, &p, q))
    {
        f.examples = store.examples(&example).await?;
        findings.push(f);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (&a.provider, &a.account, a.kind).cmp(&(&b.provider, &b.account, b.kind)))
            .then_with(|| (&a.country, &a.category).cmp(&(&b.country, &b.category)))
    });
    Ok(Alerts {
        since: p.since,
        until: p.until,
        findings,
    })
}
