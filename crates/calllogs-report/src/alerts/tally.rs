//! The rollup rows of the days alerts look at, summed: per scope (an
//! account, an account and a country, an account and an agent) for the
//! recent period and each
//! baseline; the countries of the period and of the days before; what is
//! stuck or unpriced.

use std::collections::BTreeMap;

use calllogs_store::store::DayRow;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use super::AlertQuery;

/// How many same periods back the median is taken over.
pub(crate) const WEEKS: i64 = 4;

/// The days a finding older than the period may look back over (stuck
/// calls, unpriced calls).
pub(crate) const STANDING_DAYS: i64 = 30;

/// The recent period and where its baselines lie.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Period {
    /// First day.
    pub(crate) since: NaiveDate,
    /// The day after the last.
    pub(crate) until: NaiveDate,
    /// Days in it.
    len: i64,
    /// Days between a baseline and the next: whole weeks, never overlapping.
    step: i64,
}

impl Period {
    /// The period of `q` (by default the day before `q.now`).
    pub(crate) fn of(q: &AlertQuery) -> Period {
        let since = q.since.unwrap_or(q.now.date_naive() - Duration::days(1));
        let until = q
            .until
            .unwrap_or(since + Duration::days(1))
            .max(since + Duration::days(1));
        let len = (until - since).num_days();
        Period {
            since,
            until,
            len,
            step: 7 * ((len + 6) / 7),
        }
    }

    /// The first day any finding reads.
    pub(crate) fn first(&self, new_country_days: i64) -> NaiveDate {
        (self.since - Duration::days(self.step * WEEKS))
            .min(self.since - Duration::days(new_country_days.max(1)))
            .min(self.until - Duration::days(STANDING_DAYS))
    }

    /// 0 for a day of the period, k for a day of the k-th baseline
    /// (`[since - k·step, since - k·step + len)`), `None` for the others.
    fn offset(&self, d: NaiveDate) -> Option<i64> {
        if d >= self.since {
            return (d < self.until).then_some(0);
        }
        let k = ((self.since - d).num_days() + self.step - 1) / self.step;
        let start = self.since - Duration::days(k * self.step);
        (k <= WEEKS && (d - start).num_days() < self.len).then_some(k)
    }

    /// The period in words: one day, or its first and last.
    pub(crate) fn words(&self) -> String {
        if self.len == 1 {
            self.since.to_string()
        } else {
            format!("{} to {}", self.since, self.until - Duration::days(1))
        }
    }
}

/// Midnight UTC of `d`.
pub(crate) fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// A scope's sums over some days.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sums {
    pub(crate) calls: i64,
    pub(crate) answered: i64,
    /// Sum and count of the answered calls' durations.
    pub(crate) dur: (i64, i64),
    /// Cost per currency.
    pub(crate) cost: BTreeMap<String, f64>,
    pub(crate) short: i64,
    pub(crate) premium: i64,
    pub(crate) by_category: BTreeMap<String, i64>,
}

impl Sums {
    fn add(&mut self, r: &DayRow) {
        self.calls += r.calls;
        self.answered += r.answered;
        self.dur.0 += r.duration.0;
        self.dur.1 += r.duration.1;
        if r.priced > 0 && !r.currency.is_empty() {
            *self.cost.entry(r.currency.clone()).or_default() +=
                r.cost.parse::<f64>().unwrap_or(0.0);
        }
        self.short += r.short;
        self.premium += r.premium;
        if !r.category.is_empty() {
            *self.by_category.entry(r.category.clone()).or_default() += r.calls;
        }
    }

    /// The currency most of the cost is in.
    pub(crate) fn main_currency(&self) -> Option<&str> {
        self.cost
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(c, _)| c.as_str())
    }
}

/// (provider, account).
pub(crate) type Account = (String, String);

/// Which of an account's calls a scope sums.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Part {
    /// All of them.
    All,
    /// Those with the other party in this country (`""`: no number).
    Country(String),
    /// Those this agent took part in (`provider/id`; `""`: no agent).
    Agent(String),
}

impl Part {
    /// Whether it is the calls with no country or no agent: never judged
    /// on their own.
    pub(crate) fn is_rest(&self) -> bool {
        matches!(self, Part::Country(k) | Part::Agent(k) if k.is_empty())
    }
}

/// (provider, account, which calls).
pub(crate) type Scope = (String, String, Part);

/// The account of a provider's own scope: all its accounts together (a
/// carrier's trouble shows across them, on more calls than any one has).
pub(crate) const ALL_ACCOUNTS: &str = "*";

/// Everything the findings are made from.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Sums per scope, per offset (0: the period, k: the k-th baseline).
    pub(crate) series: BTreeMap<Scope, BTreeMap<i64, Sums>>,
    /// Calls per country in the period, per account.
    pub(crate) recent_countries: BTreeMap<Account, BTreeMap<String, i64>>,
    /// Countries with calls in the `new_country_days` before the period.
    pub(crate) known_countries: BTreeMap<Account, Vec<String>>,
    /// Calls still `in_progress` `stuck_hours` after their day ended.
    pub(crate) stuck: BTreeMap<Account, i64>,
    /// Answered calls without a cost `pricing_delay_hours` after their day.
    pub(crate) unpriced: BTreeMap<Account, i64>,
    /// Calls with a cost in the days read, per account: an account with
    /// none has a provider that does not price calls (or not through its
    /// API), and its calls are not "unpriced".
    pub(crate) priced: BTreeMap<Account, i64>,
}

impl Tally {
    /// Sums `rows` (those of [`Period::first`] to the period's end).
    pub(crate) fn of(rows: &[DayRow], p: &Period, q: &AlertQuery) -> Tally {
        let mut t = Tally::default();
        let mut accounts_of: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
        for r in rows {
            let Ok(d) = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d") else {
                continue;
            };
            let account: Account = (r.provider.clone(), r.account.clone());
            let rules = q.rules_for(&r.account);
            let part = match (&r.country, &r.agent) {
                (Some(c), _) => Part::Country(c.clone()),
                (None, Some(a)) => Part::Agent(a.clone()),
                (None, None) => Part::All,
            };
            match &part {
                Part::All => {
                    accounts_of
                        .entry(&r.provider)
                        .or_default()
                        .insert(&r.account);
                    if r.priced > 0 {
                        *t.priced.entry(account.clone()).or_default() += r.priced;
                    }
                    let ended = midnight(d + Duration::days(1));
                    let recent = d >= p.until - Duration::days(STANDING_DAYS);
                    if r.status == "in_progress"
                        && recent
                        && ended + Duration::hours(rules.stuck_hours) <= q.now
                    {
                        *t.stuck.entry(account.clone()).or_default() += r.calls;
                    }
                    if r.unpriced > 0
                        && recent
                        && ended + Duration::hours(rules.pricing_delay_hours) <= q.now
                    {
                        *t.unpriced.entry(account.clone()).or_default() += r.unpriced;
                    }
                }
                Part::Country(c) if !c.is_empty() => {
                    if d >= p.since {
                        *t.recent_countries
                            .entry(account.clone())
                            .or_default()
                            .entry(c.clone())
                            .or_default() += r.calls;
                    } else if d >= p.since - Duration::days(rules.new_country_days) {
                        let known = t.known_countries.entry(account.clone()).or_default();
                        if !known.contains(c) {
                            known.push(c.clone());
                        }
                    }
                }
                Part::Country(_) | Part::Agent(_) => {}
            }
            if let Some(k) = p.offset(d) {
                let mut add = |scope: Scope| {
                    t.series
                        .entry(scope)
                        .or_default()
                        .entry(k)
                        .or_default()
                        .add(r)
                };
                if part == Part::All {
                    add((r.provider.clone(), ALL_ACCOUNTS.into(), Part::All));
                }
                add((r.provider.clone(), r.account.clone(), part));
            }
        }
        // A provider with one account has no scope of its own beyond it.
        t.series.retain(|(provider, account, _), _| {
            account != ALL_ACCOUNTS
                || accounts_of
                    .get(provider.as_str())
                    .is_some_and(|a| a.len() >= 2)
        });
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn baselines_are_the_same_weekdays_before_and_never_overlap_the_period() {
        let mut q = AlertQuery::new(midnight(date("2026-12-04")));
        let p = Period::of(&q);
        assert_eq!((p.since, p.until), (date("2026-12-03"), date("2026-12-04")));
        assert_eq!(p.offset(date("2026-12-03")), Some(0));
        assert_eq!(p.offset(date("2026-11-26")), Some(1));
        assert_eq!(p.offset(date("2026-11-05")), Some(4));
        assert_eq!(p.offset(date("2026-10-29")), None, "a fifth week");
        assert_eq!(p.offset(date("2026-11-27")), None, "not the same weekday");
        assert_eq!(p.offset(date("2026-12-04")), None, "after the period");
        // Ten days: baselines two weeks apart.
        q.since = Some(date("2026-11-20"));
        q.until = Some(date("2026-11-30"));
        let p = Period::of(&q);
        assert_eq!(p.offset(date("2026-11-06")), Some(1));
        assert_eq!(p.offset(date("2026-11-15")), Some(1));
        assert_eq!(p.offset(date("2026-11-16")), None);
        assert_eq!(p.words(), "2026-11-20 to 2026-11-29");
    }
}
