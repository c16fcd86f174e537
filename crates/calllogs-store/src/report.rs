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
//! - **cost**: exact decimal sums per currency.

use std::collections::BTreeMap;

use calllogs_core::{Category, Status};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use crate::flat::time;
use crate::store::{Store, StoreError};

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

/// Accumulates one group's KPIs.
#[derive(Default)]
struct Acc {
    total: u64,
    attempts: u64,
    answered: u64,
    answered_duration: (i64, u64),
    talk: (i64, u64),
    network_failures: u64,
    cost: BTreeMap<String, Decimal>,
    statuses: BTreeMap<String, u64>,
    categories: BTreeMap<String, u64>,
    causes: BTreeMap<String, u64>,
}

struct Row {
    status: Status,
    answered_at: Option<String>,
    duration: Option<i64>,
    talk: Option<i64>,
    cause: Option<String>,
    category: Option<Category>,
    cost: Option<(String, String)>,
}

impl Acc {
    fn add(&mut self, r: &Row) {
        self.total += 1;
        *self
            .statuses
            .entry(r.status.as_str().to_string())
            .or_default() += 1;
        if let Some(c) = r.category {
            *self.categories.entry(c.as_str().to_string()).or_default() += 1;
        }
        if let Some(c) = &r.cause {
            *self.causes.entry(c.clone()).or_default() += 1;
        }
        if let Some((amount, currency)) = &r.cost
            && let Some(d) = Decimal::parse(amount)
        {
            let sum = self.cost.entry(currency.clone()).or_default();
            *sum = *sum + d;
        }
        if r.status == Status::InProgress {
            return;
        }
        self.attempts += 1;
        if r.answered_at.is_some() || r.status == Status::Completed {
            self.answered += 1;
            if let Some(d) = r.duration {
                self.answered_duration.0 += d;
                self.answered_duration.1 += 1;
            }
            if let Some(t) = r.talk {
                self.talk.0 += t;
                self.talk.1 += 1;
            }
        }
        let network = matches!(
            r.category,
            Some(Category::DestinationIssue | Category::CarrierError | Category::SystemError)
        );
        if r.status == Status::Failed && network {
            self.network_failures += 1;
        }
    }

    fn kpis(&self) -> Kpis {
        let ratio = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
        let mean = |(sum, n): (i64, u64)| (n > 0).then(|| sum as f64 / n as f64);
        let mut causes: Vec<(String, u64)> =
            self.causes.iter().map(|(k, v)| (k.clone(), *v)).collect();
        causes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        causes.truncate(5);
        Kpis {
            total: self.total,
            attempts: self.attempts,
            answered: self.answered,
            asr: ratio(self.answered, self.attempts),
            acd_s: mean(self.answered_duration),
            ner: ratio(self.attempts - self.network_failures, self.attempts),
            avg_talk_s: mean(self.talk),
            cost: self
                .cost
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            statuses: self.statuses.clone(),
            categories: self.categories.clone(),
            top_causes: causes,
        }
    }
}

/// Builds the report, reading the calls once, row by row.
pub fn report(store: &Store, q: &ReportQuery) -> Result<Report, StoreError> {
    let mut stmt = store.connection().prepare(
        "SELECT provider, account, started_at, status, answered_at, duration_s, talk_time_s, hangup_cause,
                hangup_category, cost_amount, cost_currency, agents, campaign
         FROM calls
         WHERE (?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2) AND (?3 IS NULL OR provider = ?3)",
    )?;
    let mut overall = Acc::default();
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    let mut rows = stmt.query(params![q.since.map(time), q.until.map(time), q.provider])?;
    while let Some(r) = rows.next()? {
        let provider: String = r.get(0)?;
        let account: String = r.get(1)?;
        let started: Option<String> = r.get(2)?;
        let amount: Option<String> = r.get(9)?;
        let currency: Option<String> = r.get(10)?;
        let row = Row {
            // Written by the store from the enum; anything else is unknown.
            status: Status::from_id(&r.get::<_, String>(3)?).unwrap_or(Status::Unknown),
            answered_at: r.get(4)?,
            duration: r.get(5)?,
            talk: r.get(6)?,
            cause: r.get(7)?,
            category: r
                .get::<_, Option<String>>(8)?
                .and_then(|c| c.parse::<Category>().ok()),
            cost: amount.zip(currency),
        };
        overall.add(&row);
        let keys: Vec<String> = match q.by {
            GroupBy::Provider => vec![format!("{provider}/{account}")],
            GroupBy::Day => vec![
                started
                    .as_deref()
                    .and_then(|s| s.get(..10))
                    .unwrap_or("(no start)")
                    .to_string(),
            ],
            GroupBy::Agent => {
                let agents: Option<String> = r.get(11)?;
                let names: Vec<String> = agents
                    .and_then(|a| serde_json::from_str::<Vec<serde_json::Value>>(&a).ok())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|a| {
                        a.get("id")
                            .or_else(|| a.get("name"))
                            .and_then(calllogs_core::parse::scalar_text)
                    })
                    .map(|id| format!("{provider}/{id}"))
                    .collect();
                if names.is_empty() {
                    vec!["(no agent)".into()]
                } else {
                    names
                }
            }
            GroupBy::Campaign => {
                let campaign: Option<String> = r.get(12)?;
                let id = campaign
                    .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
                    .and_then(|c| {
                        c.get("id")
                            .or_else(|| c.get("name"))
                            .and_then(calllogs_core::parse::scalar_text)
                    });
                vec![id.map_or_else(|| "(no campaign)".into(), |id| format!("{provider}/{id}"))]
            }
        };
        for k in keys {
            groups.entry(k).or_default().add(&row);
        }
    }
    Ok(Report {
        by: q.by,
        overall: overall.kpis(),
        groups: groups.into_iter().map(|(k, a)| (k, a.kpis())).collect(),
    })
}

/// An exact decimal: `units / 10^12`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decimal(i128);

const SCALE: u32 = 12;

impl Decimal {
    /// Parses `0.01667`, `-3`, `1.25e-2`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        if s.contains(['e', 'E']) {
            let f: f64 = s
                .parse()
                .ok()
                .filter(|f: &f64| f.is_finite() && f.abs() < 1e15)?;
            return Some(Decimal((f * 10f64.powi(SCALE as i32)).round() as i128));
        }
        let (neg, body) = match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || int.len() > 15
        {
            return None;
        }
        let int: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut frac: String = frac.chars().take(SCALE as usize).collect();
        while frac.len() < SCALE as usize {
            frac.push('0');
        }
        let units = int * 10i128.pow(SCALE) + frac.parse::<i128>().ok()?;
        Some(Decimal(if neg { -units } else { units }))
    }
}

impl std::ops::Add for Decimal {
    type Output = Decimal;
    fn add(self, other: Decimal) -> Decimal {
        Decimal(self.0.saturating_add(other.0))
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let scale = 10u128.pow(SCALE);
        let frac = format!("{:012}", abs % scale);
        let frac = frac.trim_end_matches('0');
        let frac = if frac.len() < 2 {
            format!("{frac:0<2}")
        } else {
            frac.to_string()
        };
        write!(f, "{sign}{}.{frac}", abs / scale)
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn secs(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| {
        let s = s.round() as i64;
        if s >= 60 {
            format!("{}m{:02}s", s / 60, s % 60)
        } else {
            format!("{s}s")
        }
    })
}

fn money(cost: &BTreeMap<String, String>) -> String {
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
        };
        let width = self
            .groups
            .iter()
            .map(|(k, _)| k.len())
            .chain([by.len(), 7])
            .max()
            .unwrap_or(7);
        let mut out = format!(
            "{by:<width$}  {:>7}  {:>8}  {:>6}  {:>7}  {:>6}  {:>7}  cost\n",
            "calls", "answered", "ASR", "ACD", "NER", "talk"
        );
        let line = |name: &str, k: &Kpis| {
            format!(
                "{name:<width$}  {:>7}  {:>8}  {:>6}  {:>7}  {:>6}  {:>7}  {}\n",
                k.total,
                k.answered,
                pct(k.asr),
                secs(k.acd_s),
                pct(k.ner),
                secs(k.avg_talk_s),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_add_exactly() {
        let sum = ["0.01667", "0.1", "1.25e-2", "-0.00001", "3"]
            .iter()
            .map(|s| Decimal::parse(s).unwrap())
            .fold(Decimal::default(), |a, b| a + b);
        assert_eq!(sum.to_string(), "3.12916");
        let (a, b) = (
            Decimal::parse("0.1").unwrap(),
            Decimal::parse("0.2").unwrap(),
        );
        assert_eq!((a + b).to_string(), "0.30");
        for bad in ["", "abc", "1.2.3", ".", "--1", "1e400"] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
    }
}
