//! Call KPIs from the store: answer-seizure ratio (ASR), average call
//! duration (ACD), network effectiveness ratio (NER), talk time, cost, and
//! the status, hangup-category and cause breakdowns, overall and by group.
//!
//! Definitions (calls still in progress are left out of every ratio):
//! - **attempts**: calls that ended;
//! - **answered**: calls with an answer time or the status `completed`;
//! - **ASR** = answered / attempts;
//! - **ACD** = mean `duration_s` of answered calls;
//! - **NER** = (attempts − calls that failed in the network: status `failed`
//!   with a `destination_issue`, `carrier_error` or `system_error` cause) / attempts;
//! - **average talk time** = mean `talk_time_s` of answered calls, where the provider gives it;
//! - **cost**: exact decimal sums per currency;
//! - **short calls**: answered calls under 6 s (`SHORT_CALL_S`), and their
//!   share of the answered ones (a bad route, a robocall pattern);
//! - **unpriced**: answered calls without a cost (yet);
//! - **cost per answered minute** = the main currency's cost / the answered
//!   calls' minutes (the currency with the most money; one, almost always).
//!
//! Computed in SQL (grouped counts and sums) on either backend, folded here.

use std::collections::BTreeMap;

use calllogs_core::{Category, Status};
use chrono::{DateTime, Utc};
use serde::Serialize;

use calllogs_store::store::{AggFilter, AggKey, AggRow, Store, StoreError};

/// How to group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// By provider (and account).
    Provider,
    /// By UTC day of the start.
    Day,
    /// By agent (a call with several agents counts for each).
    Agent,
    /// By campaign.
    Campaign,
    /// By the other party's country (the callee's of an outbound call,
    /// the caller's of an inbound one).
    Country,
    /// By our own line (the caller of an outbound call, the callee of an
    /// inbound one): read from the calls of the range, not the rollups.
    Line,
}

/// What to report on.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// Calls started at or after.
    pub since: Option<DateTime<Utc>>,
    /// Calls started before.
    pub until: Option<DateTime<Utc>>,
    /// One provider only.
    pub provider: Option<String>,
    /// Grouping.
    pub by: GroupBy,
}

/// The KPIs of a set of calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Kpis {
    /// Calls.
    pub total: u64,
    /// Calls that ended.
    pub attempts: u64,
    /// Answered calls.
    pub answered: u64,
    /// Answer-seizure ratio, 0..1.
    pub asr: Option<f64>,
    /// Average duration of answered calls, seconds.
    pub acd_s: Option<f64>,
    /// Network effectiveness ratio, 0..1.
    pub ner: Option<f64>,
    /// Average talk time, seconds.
    pub avg_talk_s: Option<f64>,
    /// Cost per currency, exact decimal text.
    pub cost: BTreeMap<String, String>,
    /// Answered calls under the short-call threshold (6 s).
    pub short: u64,
    /// Their share of the answered calls, 0..1.
    pub short_share: Option<f64>,
    /// Answered calls without a cost.
    pub unpriced: u64,
    /// The main currency's cost per answered minute.
    pub cost_per_minute: Option<f64>,
    /// Calls per status.
    pub statuses: BTreeMap<String, u64>,
    /// Calls per hangup category.
    pub categories: BTreeMap<String, u64>,
    /// The most frequent causes, most first (at most five).
    pub top_causes: Vec<(String, u64)>,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The grouping.
    pub by: GroupBy,
    /// All calls.
    pub overall: Kpis,
    /// Per group, in key order.
    pub groups: Vec<(String, Kpis)>,
}

/// Accumulates one group's KPIs from aggregate rows.
#[derive(Default)]
struct Acc {
    total: u64,
    attempts: u64,
    answered: u64,
    answered_duration: (i64, u64),
    talk: (i64, u64),
    network_failures: u64,
    short: u64,
    unpriced: u64,
    cost: crate::money::Costs,
    statuses: BTreeMap<String, u64>,
    categories: BTreeMap<String, u64>,
    causes: BTreeMap<String, u64>,
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

impl Acc {
    fn add(&mut self, r: &AggRow) {
        let n = count(r.calls);
        // Written by the store from the enum; anything else is unknown.
        let status = Status::from_id(&r.status).unwrap_or(Status::Unknown);
        let category = r
            .category
            .as_deref()
            .and_then(|c| c.parse::<Category>().ok());
        self.total += n;
        *self
            .statuses
            .entry(status.as_str().to_string())
            .or_default() += n;
        if let Some(c) = category {
            *self.categories.entry(c.as_str().to_string()).or_default() += n;
        }
        if let Some(c) = &r.cause {
            *self.causes.entry(c.clone()).or_default() += n;
        }
        if let (Some(currency), Some(cost)) = (&r.currency, &r.cost) {
            self.cost.add(currency, cost);
        }
        if status == Status::InProgress {
            return;
        }
        self.attempts += n;
        self.answered += count(r.answered);
        self.short += count(r.short);
        self.unpriced += count(r.unpriced);
        self.answered_duration.0 += r.duration.0;
        self.answered_duration.1 += count(r.duration.1);
        self.talk.0 += r.talk.0;
        self.talk.1 += count(r.talk.1);
        let network = matches!(
            category,
            Some(Category::DestinationIssue | Category::CarrierError | Category::SystemError)
        );
        if status == Status::Failed && network {
            self.network_failures += n;
        }
    }

    fn kpis(&self) -> Kpis {
        let ratio = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
        let mean = |(sum, n): (i64, u64)| (n > 0).then(|| sum as f64 / n as f64);
        let mut causes: Vec<(String, u64)> =
            self.causes.iter().map(|(k, v)| (k.clone(), *v)).collect();
        causes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        causes.truncate(5);
        let minutes = self.answered_duration.0 as f64 / 60.0;
        Kpis {
            total: self.total,
            attempts: self.attempts,
            answered: self.answered,
            asr: ratio(self.answered, self.attempts),
            acd_s: mean(self.answered_duration),
            ner: ratio(self.attempts - self.network_failures, self.attempts),
            avg_talk_s: mean(self.talk),
            cost: self.cost.texts(),
            short: self.short,
            short_share: ratio(self.short, self.answered),
            unpriced: self.unpriced,
            cost_per_minute: self.cost.per_minute(minutes),
            statuses: self.statuses.clone(),
            categories: self.categories.clone(),
            top_causes: causes,
        }
    }
}

/// Builds the report from the store's SQL aggregates (one grouped query,
/// two by agent), never loading calls into memory.
/// SQLite and PostgreSQL give the same report for the same calls.
pub async fn report(store: &Store, q: &ReportQuery) -> Result<Report, StoreError> {
    let filter = AggFilter {
        since: q.since,
        until: q.until,
        provider: q.provider.clone(),
    };
    let (key, none) = match q.by {
        GroupBy::Provider => (AggKey::Provider, "(none)"),
        GroupBy::Day => (AggKey::Day, "(no start)"),
        GroupBy::Agent => (AggKey::Agent, "(no agent)"),
        GroupBy::Campaign => (AggKey::Campaign, "(no campaign)"),
        GroupBy::Country => (AggKey::Country, "(no number)"),
        GroupBy::Line => (AggKey::Line, "(no line)"),
    };
    // Each call is in exactly one group, except by agent (a call with two
    // agents is in both): then the overall figures need their own pass.
    let (groups, overall) = if q.by == GroupBy::Agent {
        let overall = grouped(store, AggKey::None, &filter, "all").await?;
        (
            grouped(store, key, &filter, none).await?,
            overall
                .into_iter()
                .next()
                .map(|(_, k)| k)
                .unwrap_or_default(),
        )
    } else {
        grouped_with_total(store, key, &filter, none).await?
    };
    Ok(Report {
        by: q.by,
        overall,
        groups,
    })
}

/// The calls of `filter` grouped by `key` (calls without a value under `none`).
async fn grouped(
    store: &Store,
    key: AggKey,
    filter: &AggFilter,
    none: &str,
) -> Result<Vec<(String, Kpis)>, StoreError> {
    Ok(grouped_with_total(store, key, filter, none).await?.0)
}

/// As [`grouped`], with the figures of all the calls folded from the same
/// rows: right when each call is in exactly one group (not by agent).
async fn grouped_with_total(
    store: &Store,
    key: AggKey,
    filter: &AggFilter,
    none: &str,
) -> Result<(Vec<(String, Kpis)>, Kpis), StoreError> {
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    let mut all = Acc::default();
    for row in store.aggregate(key, filter).await? {
        all.add(&row);
        let name = row.key.clone().unwrap_or_else(|| none.to_string());
        groups.entry(name).or_default().add(&row);
    }
    let groups = groups.into_iter().map(|(k, a)| (k, a.kpis())).collect();
    Ok((groups, all.kpis()))
}

/// The time buckets of a dashboard's charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// One bar a UTC day (ranges up to 62 days).
    Day,
    /// One bar an ISO week, labelled by its Monday (up to two years).
    Week,
    /// One bar a month.
    Month,
}

impl Bucket {
    /// The bucket that keeps a range of `days` to a readable number of bars
    /// (at most 62 days, 105 weeks, or one bar a month).
    pub fn for_days(days: i64) -> Bucket {
        match days {
            ..=62 => Bucket::Day,
            63..=730 => Bucket::Week,
            _ => Bucket::Month,
        }
    }

    /// `day`, `week` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }
}

/// Everything the HTML report shows, from SQL aggregates.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// What was asked for.
    pub since: Option<DateTime<Utc>>,
    /// Its upper bound.
    pub until: Option<DateTime<Utc>>,
    /// One provider only.
    pub provider: Option<String>,
    /// The first and last call start in the range.
    pub first: Option<DateTime<Utc>>,
    /// The last call start.
    pub last: Option<DateTime<Utc>>,
    /// The charts' time buckets.
    pub bucket: Bucket,
    /// All calls.
    pub overall: Kpis,
    /// Per `provider/account`.
    pub providers: Vec<(String, Kpis)>,
    /// Per time bucket, in time order (`(no start)` last, if any).
    pub buckets: Vec<(String, Kpis)>,
    /// Per agent (calls without one left out).
    pub agents: Vec<(String, Kpis)>,
    /// Per campaign (calls without one left out).
    pub campaigns: Vec<(String, Kpis)>,
    /// Per country of the other party (calls without a number left out).
    pub countries: Vec<(String, Kpis)>,
    /// The two paths reconciled, per account that receives webhooks
    /// (`None` when no webhook was ever kept): the "delivery" section.
    pub delivery: Option<calllogs_store::delivery::Reconciliation>,
    /// The alerts of the last full UTC day of the range (the page shows
    /// them first).
    pub alerts: crate::alerts::Alerts,
    /// The cost audit's days: per account, the last [`COST_DAYS`] days of
    /// the range, newest first.
    pub cost_days: Vec<crate::costs::CostDay>,
}

/// How many days the HTML report's cost-audit table covers.
pub const COST_DAYS: i64 = 14;

/// Builds the dashboard of `q` (its grouping is not used): five grouped
/// queries of the rollups (and of the calls of the part days at the ends)
/// and the range's first and last start; nothing is loaded call by call
/// but the part days' by country, whatever the number of calls.
pub async fn dashboard(store: &Store, q: &ReportQuery) -> Result<Dashboard, StoreError> {
    let mut alerts = crate::alerts::AlertQuery::new(q.until.unwrap_or_else(Utc::now));
    alerts.provider = q.provider.clone();
    dashboard_with(store, q, &alerts).await
}

/// As [`dashboard`], with the alerts of `alerts` (its thresholds, its
/// period) rather than the defaults over the range's last full day.
pub async fn dashboard_with(
    store: &Store,
    q: &ReportQuery,
    alerts: &crate::alerts::AlertQuery,
) -> Result<Dashboard, StoreError> {
    let filter = AggFilter {
        since: q.since,
        until: q.until,
        provider: q.provider.clone(),
    };
    let (first, last) = store.started_span(&filter).await?;
    let days = match (first, last) {
        (Some(a), Some(b)) => (b - a).num_days() + 1,
        _ => 1,
    };
    let bucket = Bucket::for_days(days);
    let key = match bucket {
        Bucket::Day => AggKey::Day,
        Bucket::Week => AggKey::Week,
        Bucket::Month => AggKey::Month,
    };
    // Each call is in one provider/account: the overall figures come with them.
    let (providers, overall) =
        grouped_with_total(store, AggKey::Provider, &filter, "(none)").await?;
    let mut buckets = grouped(store, key, &filter, "(no start)").await?;
    // Keys sort as text, which is time order; the calls without a start go last.
    if let Some(i) = buckets.iter().position(|(k, _)| k == "(no start)") {
        let none = buckets.remove(i);
        buckets.push(none);
    }
    // The cost table ends with the range's last day that has calls.
    let cost_days = match last {
        Some(last) => {
            let end = last.date_naive() + chrono::Duration::days(1);
            let from = end - chrono::Duration::days(COST_DAYS);
            let from = first.map_or(from, |f| from.max(f.date_naive()));
            crate::costs::cost_days(store, from, end, q.provider.clone()).await?
        }
        None => Vec::new(),
    };
    let named = |groups: Vec<(String, Kpis)>, none: &str| {
        groups.into_iter().filter(|(k, _)| k != none).collect()
    };
    Ok(Dashboard {
        since: q.since,
        until: q.until,
        provider: q.provider.clone(),
        first,
        last,
        bucket,
        overall,
        providers,
        buckets,
        agents: named(
            grouped(store, AggKey::Agent, &filter, "(no agent)").await?,
            "(no agent)",
        ),
        campaigns: named(
            grouped(store, AggKey::Campaign, &filter, "(no campaign)").await?,
            "(no campaign)",
        ),
        countries: named(
            grouped(store, AggKey::Country, &filter, "(no number)").await?,
            "(no number)",
        ),
        delivery: delivery(store, q).await?,
        alerts: crate::alerts::alerts(store, alerts).await?,
        cost_days,
    })
}

/// The delivery figures of the accounts that have received webhooks, as
/// `calllogs reconcile` gives them (a grace of two hours).
async fn delivery(
    store: &Store,
    q: &ReportQuery,
) -> Result<Option<calllogs_store::delivery::Reconciliation>, StoreError> {
    let accounts: Vec<(String, String)> = store
        .event_counts()
        .await?
        .into_iter()
        .filter(|(p, _, _)| q.provider.as_ref().is_none_or(|want| want == p))
        .map(|(p, a, _)| (p, a))
        .collect();
    if accounts.is_empty() {
        return Ok(None);
    }
    let options = calllogs_store::delivery::Options {
        since: q.since,
        grace: chrono::Duration::hours(2),
        now: Utc::now(),
        examples: 3,
    };
    Ok(Some(
        calllogs_store::delivery::reconcile(store, &accounts, &options).await?,
    ))
}

/// A cost per minute with four places (`0.0085`), `-` when none.
pub fn per_minute(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.4}"))
}

/// A percentage (`40.0%`), `-` when not defined.
pub fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// Seconds as `1m15s`, `-` when not defined.
pub fn secs(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| {
        let s = s.round() as i64;
        if s >= 60 {
            format!("{}m{:02}s", s / 60, s % 60)
        } else {
            format!("{s}s")
        }
    })
}

/// Costs per currency (`0.0265 USD, 1.20 EUR`), `-` when none.
pub fn money(cost: &BTreeMap<String, String>) -> String {
    if cost.is_empty() {
        return "-".into();
    }
    cost.iter()
        .map(|(c, a)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn counts(m: &BTreeMap<String, u64>) -> String {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Report {
    /// The report as a table for a terminal.
    pub fn to_table(&self) -> String {
        let by = match self.by {
            GroupBy::Provider => "provider/account",
            GroupBy::Day => "day",
            GroupBy::Agent => "agent",
            GroupBy::Campaign => "campaign",
            GroupBy::Country => "country",
            GroupBy::Line => "line",
        };
        let width = self
            .groups
            .iter()
            .map(|(k, _)| k.len())
            .chain([by.len(), 7])
            .max()
            .unwrap_or(7);
        let mut out = format!(
            "{by:<width$}  {:>7}  {:>8}  {:>6}  {:>7}  {:>6}  {:>7}  {:>6}  {:>8}  {:>7}  cost\n",
            "calls", "answered", "ASR", "ACD", "NER", "talk", "short", "unpriced", "per min"
        );
        let line = |name: &str, k: &Kpis| {
            format!(
                "{name:<width$}  {:>7}  {:>8}  {:>6}  {:>7}  {:>6}  {:>7}  {:>6}  {:>8}  {:>7}  {}\n",
                k.total,
                k.answered,
                pct(k.asr),
                secs(k.acd_s),
                pct(k.ner),
                secs(k.avg_talk_s),
                pct(k.short_share),
                k.unpriced,
                per_minute(k.cost_per_minute),
                money(&k.cost)
            )
        };
        for (name, k) in &self.groups {
            out.push_str(&line(name, k));
        }
        out.push_str(&line("all", &self.overall));
        out.push_str(&format!(
            "\nstatus:            {}\n",
            counts(&self.overall.statuses)
        ));
        out.push_str(&format!(
            "hangup categories: {}\n",
            counts(&self.overall.categories)
        ));
        let top: Vec<String> = self
            .overall
            .top_causes
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        out.push_str(&format!("top causes:        {}\n", top.join(", ")));
        out
    }
}
