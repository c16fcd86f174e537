//! Per-day rollups: what the report needs of every call, summed per UTC day
//! of its start, provider, account, status, hangup category and cause and
//! currency, and again per agent and per campaign. Kept in the `rollups`
//! table by the transaction that writes the calls: a call's old
//! contribution moves out and its new one in (a late price, a late
//! analysis, a webhook's merge), so the rollups always equal a
//! recomputation from the calls ([`Rollups::recompute`] is that
//! recomputation, for tests and audits).
//!
//! The report reads the rollups for the whole days of its range and the
//! calls only for the part days at its ends ([`split`]): its time no longer
//! grows with the calls stored.
//!
//! What a call contributes is decided here, once, in Rust, for both
//! backends, with the same meanings as the report's scan of the calls
//! ([`super::sql::aggregate`]): answered is an answer time or `completed`;
//! durations and talk times count for answered calls; costs are summed
//! exactly as decimals where they parse; an agent or a campaign is its id,
//! else its name.

use std::collections::{BTreeMap, HashMap};

use calllogs_core::Call;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::Value;

use super::cells::Cells;
use super::sql::{Dialect, Ty};
use super::{AggFilter, AggKey, StoreError};
use crate::decimal::Decimal;

/// The rollups' columns after the key, in statement order.
pub(crate) const SUMS: &[&str] = &[
    "calls", "answered", "dur_sum", "dur_n", "talk_sum", "talk_n", "cost", "cost_n", "short",
    "unpriced", "premium",
];

/// An answered call shorter than this (seconds) is a short call: the
/// share of them is a sign of a bad route or a robocall pattern. The
/// rollups count them at this threshold.
pub const SHORT_CALL_S: i64 = 6;

/// The rollups' key columns, in statement order (the primary key).
pub(crate) const KEY: &[&str] = &[
    "kind", "day", "provider", "account", "status", "category", "cause", "currency", "k",
];

/// Which grouping a rollup row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// Every call once.
    All = 0,
    /// Every call once per agent (a call without one: key `''`).
    Agent = 1,
    /// Every call once, by campaign (none: `''`).
    Campaign = 2,
    /// Every call once, by the other party's country (none: `''`).
    Country = 3,
    /// Never stored: our own lines are grouped over the calls.
    Line = 4,
}

/// The calls' columns a rollup reads, in [`Facts::read`] order.
pub(crate) fn facts_columns(d: Dialect) -> String {
    let json = |c: &str| match d {
        Dialect::Sqlite => c.to_string(),
        Dialect::Postgres => format!("{c}::text"),
    };
    format!(
        "provider, account, started_at, status, hangup_category, hangup_cause, cost_currency,
         CAST(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END AS BIGINT),
         duration_s, talk_time_s, cost_amount, {}, {}, id, direction, from_number, to_number",
        json("agents"),
        json("campaign")
    )
}

/// What the rollups need of one stored call.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    /// The call's provider (with [`Facts::id`], its key in an account).
    pub(crate) provider: String,
    account: String,
    day: String,
    status: String,
    category: String,
    cause: String,
    currency: String,
    answered: bool,
    duration: Option<i64>,
    talk: Option<i64>,
    cost: Option<Decimal>,
    /// Each agent's key (see [`agent_keys`]).
    agents: Vec<Option<String>>,
    /// The campaign's key.
    campaign: Option<String>,
    /// The other party's country (`''`: no E.164 number to place).
    country: String,
    /// Whether the other party's number is premium rate.
    premium: bool,
    /// The call's id (to pair a row's old facts with its new ones; only
    /// the PostgreSQL store reads both from the server).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) id: String,
}

impl Facts {
    /// Reads [`facts_columns`] from `r`, starting at column `at`.
    pub(crate) fn read(r: &impl Cells, at: usize) -> Result<Facts, StoreError> {
        let status = r.required(at + 3)?;
        let direction: String = r.required(at + 14)?;
        let (country, premium) = peer(
            &direction,
            r.text(at + 15)?.as_deref(),
            r.text(at + 16)?.as_deref(),
        );
        Ok(Facts {
            provider: r.required(at)?,
            account: r.required(at + 1)?,
            day: r
                .time(at + 2)?
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            category: r.text(at + 4)?.unwrap_or_default(),
            cause: r.text(at + 5)?.unwrap_or_default(),
            currency: r.text(at + 6)?.unwrap_or_default(),
            answered: r.int(at + 7)? == Some(1) || status == "completed",
            status,
            duration: r.int(at + 8)?,
            talk: r.int(at + 9)?,
            cost: r.text(at + 10)?.as_deref().and_then(Decimal::parse),
            agents: agent_keys(r.text(at + 11)?.as_deref()),
            campaign: r
                .text(at + 12)?
                .as_deref()
                .and_then(|c| serde_json::from_str::<Value>(c).ok())
                .and_then(|v| named(&v)),
            id: r.required(at + 13)?,
            country,
            premium,
        })
    }

    /// The facts of `call` as `account` stores it when its row takes the
    /// call's own values (a new row, or a listed call over a listed row):
    /// what [`Facts::read`] would read back, without reading it.
    pub(crate) fn of(call: &Call, account: &str) -> Facts {
        let h = call.hangup.as_ref();
        let (country, premium) = peer(
            call.direction.as_str(),
            call.from.as_deref(),
            call.to.as_deref(),
        );
        let agents = if call.agents.is_empty() {
            vec![None]
        } else {
            call.agents
                .iter()
                .map(|a| a.id.clone().or_else(|| a.name.clone()))
                .collect()
        };
        Facts {
            provider: call.provider.clone(),
            account: account.to_string(),
            day: call
                .started_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            status: call.status.as_str().to_string(),
            category: h
                .map(|h| h.category.as_str().to_string())
                .unwrap_or_default(),
            cause: h.map(|h| h.cause.as_str().to_string()).unwrap_or_default(),
            currency: call
                .cost
                .as_ref()
                .map(|c| c.currency.clone())
                .unwrap_or_default(),
            answered: call.answered_at.is_some() || call.status.as_str() == "completed",
            duration: call.duration_s,
            talk: call.talk_time_s,
            cost: call.cost.as_ref().and_then(|c| Decimal::parse(&c.amount)),
            agents,
            campaign: call
                .campaign
                .as_ref()
                .and_then(|c| c.id.clone().or_else(|| c.name.clone())),
            id: call.id.clone(),
            country,
            premium,
        }
    }
}

/// The other party's country (`''`: none) and whether its number is
/// premium rate ([`crate::peer`]).
fn peer(direction: &str, from: Option<&str>, to: Option<&str>) -> (String, bool) {
    crate::peer::of_call(direction, from, to)
        .map(|p| (p.is_premium(), p.country))
        .map_or((String::new(), false), |(premium, country)| {
            (country, premium)
        })
}

/// A rollup row's key. Absent values are `''` (a key column is never
/// NULL, so that it can be part of the primary key in both backends).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub(crate) kind: Kind,
    pub(crate) day: String,
    pub(crate) provider: String,
    pub(crate) account: String,
    pub(crate) status: String,
    pub(crate) category: String,
    pub(crate) cause: String,
    pub(crate) currency: String,
    pub(crate) k: String,
}

/// A rollup row's sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sums {
    pub(crate) calls: i64,
    pub(crate) answered: i64,
    pub(crate) dur_sum: i64,
    pub(crate) dur_n: i64,
    pub(crate) talk_sum: i64,
    pub(crate) talk_n: i64,
    pub(crate) cost: Decimal,
    pub(crate) cost_n: i64,
    /// Answered calls shorter than [`SHORT_CALL_S`].
    pub(crate) short: i64,
    /// Answered calls without a cost (yet).
    pub(crate) unpriced: i64,
    /// Calls whose other party's number is premium rate.
    pub(crate) premium: i64,
}

impl Sums {
    fn is_zero(&self) -> bool {
        *self == Sums::default()
    }

    /// The first six sums as statement values (the cost, as decimal text,
    /// and its count follow; then [`Sums::more`]).
    pub(crate) fn ints(&self) -> [i64; 6] {
        [
            self.calls,
            self.answered,
            self.dur_sum,
            self.dur_n,
            self.talk_sum,
            self.talk_n,
        ]
    }

    /// The sums after the cost's count, in [`SUMS`] order (the
    /// PostgreSQL store sends them as arrays).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn more(&self) -> [i64; 3] {
        [self.short, self.unpriced, self.premium]
    }
}

/// Rollup rows by key.
pub(crate) type Table = BTreeMap<Key, Sums>;

/// Changes to the rollups, summed per key.
#[derive(Debug, Default)]
pub(crate) struct Rollups(HashMap<Key, Sums>);

impl Rollups {
    /// Adds (`sign` 1) or takes out (`sign` -1) what `f` contributes.
    pub(crate) fn add(&mut self, f: &Facts, sign: i64) {
        let key = |kind: Kind, k: Option<String>| Key {
            kind,
            day: f.day.clone(),
            provider: f.provider.clone(),
            account: f.account.clone(),
            status: f.status.clone(),
            category: f.category.clone(),
            cause: f.cause.clone(),
            currency: f.currency.clone(),
            k: scoped(&f.provider, k.as_deref()),
        };
        self.bump(key(Kind::All, None), f, sign);
        for agent in &f.agents {
            self.bump(key(Kind::Agent, agent.clone()), f, sign);
        }
        self.bump(key(Kind::Campaign, f.campaign.clone()), f, sign);
        let country = Key {
            k: f.country.clone(),
            ..key(Kind::Country, None)
        };
        self.bump(country, f, sign);
    }

    fn bump(&mut self, key: Key, f: &Facts, sign: i64) {
        let s = self.0.entry(key).or_default();
        s.calls += sign;
        if f.answered {
            s.answered += sign;
            if let Some(d) = f.duration {
                s.dur_sum += sign * d;
                s.dur_n += sign;
            }
            if let Some(t) = f.talk {
                s.talk_sum += sign * t;
                s.talk_n += sign;
            }
            if f.duration.is_some_and(|d| d < SHORT_CALL_S) {
                s.short += sign;
            }
            if f.cost.is_none() {
                s.unpriced += sign;
            }
        }
        if f.premium {
            s.premium += sign;
        }
        if let Some(c) = f.cost {
            s.cost = if sign > 0 { s.cost + c } else { s.cost + -c };
            s.cost_n += sign;
        }
    }

    /// What one call adds to the rollups, row by row (the PostgreSQL
    /// store sends each call's rows, to add only those of the calls its
    /// statement inserts).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn of_call(f: &Facts) -> Vec<(Key, Sums)> {
        let mut r = Rollups::default();
        r.add(f, 1);
        r.changes()
    }

    /// The changes that change something, in key order (so that two
    /// writers touch rows in the same order).
    pub(crate) fn changes(self) -> Vec<(Key, Sums)> {
        let sorted: BTreeMap<Key, Sums> =
            self.0.into_iter().filter(|(_, s)| !s.is_zero()).collect();
        sorted.into_iter().collect()
    }

    /// The rollups `calls` (each call's facts) add up to: what the
    /// `rollups` table must hold.
    pub(crate) fn recompute(calls: impl IntoIterator<Item = Facts>) -> Table {
        let mut r = Rollups::default();
        for f in calls {
            r.add(&f, 1);
        }
        r.changes().into_iter().collect()
    }
}

/// An agent's or a campaign's key: its `id`, else its `name` (as the
/// report's SQL reads them: `COALESCE(x.id, x.name)`).
fn named(v: &Value) -> Option<String> {
    let scalar = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    v.get("id")
        .and_then(scalar)
        .or_else(|| v.get("name").and_then(scalar))
}

/// The rollups' key of an agent or a campaign: `provider/id` (`''`: none).
pub(crate) fn scoped(provider: &str, k: Option<&str>) -> String {
    k.map(|k| format!("{provider}/{k}")).unwrap_or_default()
}

/// Each agent's key (`None`: no id or name), or one `None` when the call
/// has no agents (as the report's left join gives one row without one).
pub(crate) fn agent_keys(agents: Option<&str>) -> Vec<Option<String>> {
    match agents.and_then(|a| serde_json::from_str::<Value>(a).ok()) {
        Some(Value::Array(list)) if !list.is_empty() => list.iter().map(named).collect(),
        _ => vec![None],
    }
}

/// The days of a report's range that the rollups answer (`since`
/// inclusive, `until` exclusive, `YYYY-MM-DD`, either open), and the part
/// days at its ends that the calls answer.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    /// The whole days, when there are any.
    pub(crate) days: Option<(Option<String>, Option<String>)>,
    /// The part days (each a filter over the calls).
    pub(crate) edges: Vec<AggFilter>,
}

/// Splits `filter`'s range into whole UTC days and the part days around.
pub(crate) fn split(filter: &AggFilter) -> Split {
    let midnight = |t: DateTime<Utc>| t.date_naive().and_time(NaiveTime::MIN).and_utc();
    let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    let first = filter.since.map(|s| {
        let m = midnight(s);
        if m == s {
            Some(m)
        } else {
            m.checked_add_signed(Duration::days(1))
        }
    });
    let end = filter.until.map(midnight);
    let whole = filter.clone();
    let (first, end) = match (first, end) {
        // A bound too near the end of time for a day after it: scan it all.
        (Some(None), _) => {
            return Split {
                days: None,
                edges: vec![whole],
            };
        }
        (Some(Some(f)), Some(e)) if f >= e => {
            return Split {
                days: None,
                edges: vec![whole],
            };
        }
        (f, e) => (f.flatten(), e),
    };
    let mut edges = Vec::new();
    if let (Some(s), Some(f)) = (filter.since, first)
        && s < f
    {
        edges.push(AggFilter {
            since: Some(s),
            until: Some(f),
            provider: filter.provider.clone(),
        });
    }
    if let (Some(u), Some(e)) = (filter.until, end)
        && e < u
    {
        edges.push(AggFilter {
            since: Some(e),
            until: Some(u),
            provider: filter.provider.clone(),
        });
    }
    Split {
        days: Some((first.map(day), end.map(day))),
        edges,
    }
}

/// The report's group expression over the rollups for `key`, and which
/// rows it reads.
fn group(d: Dialect, key: AggKey) -> (&'static str, Kind) {
    use Dialect::{Postgres, Sqlite};
    match (key, d) {
        (AggKey::None, Sqlite) => ("NULL", Kind::All),
        (AggKey::None, Postgres) => ("CAST(NULL AS text)", Kind::All),
        (AggKey::Provider, _) => ("provider || '/' || account", Kind::All),
        (AggKey::Day, _) => ("NULLIF(day, '')", Kind::All),
        (AggKey::Week, Sqlite) => ("date(NULLIF(day, ''), 'weekday 0', '-6 days')", Kind::All),
        (AggKey::Week, Postgres) => (
            "to_char(date_trunc('week', CAST(NULLIF(day, '') AS date)), 'YYYY-MM-DD')",
            Kind::All,
        ),
        (AggKey::Month, _) => ("NULLIF(substr(day, 1, 7), '')", Kind::All),
        (AggKey::Agent, _) => ("NULLIF(k, '')", Kind::Agent),
        (AggKey::Campaign, _) => ("NULLIF(k, '')", Kind::Campaign),
        (AggKey::Country, _) => ("NULLIF(k, '')", Kind::Country),
        // Never read from the rollups (`Store::aggregate` groups lines over
        // the calls): no rows of this kind exist, so none match.
        (AggKey::Line, Sqlite) => ("NULL", Kind::Line),
        (AggKey::Line, Postgres) => ("CAST(NULL AS text)", Kind::Line),
    }
}

/// The report's aggregate ([`super::AggRow`]) grouped by `key`, read from
/// the rollups. Params: first day, end day (exclusive), provider, each
/// NULL for no bound. The calls without a start count only when the range
/// is open at both ends (as the scan of the calls does).
pub(crate) fn aggregate(d: Dialect, key: AggKey) -> String {
    let (expr, kind) = group(d, key);
    let cost = match d {
        Dialect::Sqlite => "decimal_sum(CASE WHEN cost_n > 0 THEN cost END)",
        Dialect::Postgres => "CAST(SUM(CASE WHEN cost_n > 0 THEN cost END) AS text)",
    };
    let sum = |c: &str| format!("CAST(SUM({c}) AS BIGINT)");
    format!(
        "SELECT {expr} AS k, status, NULLIF(category, ''), NULLIF(cause, ''), NULLIF(currency, ''),
            {}, {}, {}, {}, {}, {}, {cost}, {}, {}
         FROM rollups
         WHERE kind = {kind} AND ({p1} IS NULL OR day >= {p1}) AND ({p2} IS NULL OR day < {p2})
           AND (day <> '' OR ({p1} IS NULL AND {p2} IS NULL))
           AND ({p3} IS NULL OR provider = {p3})
         GROUP BY 1, 2, 3, 4, 5
         HAVING SUM(calls) > 0",
        sum("calls"),
        sum("answered"),
        sum("dur_sum"),
        sum("dur_n"),
        sum("talk_sum"),
        sum("talk_n"),
        sum("short"),
        sum("unpriced"),
        kind = kind as i64,
        p1 = d.p(1, Ty::Text),
        p2 = d.p(2, Ty::Text),
        p3 = d.p(3, Ty::Text),
    )
}

/// Every stored rollup row that counts calls. No params.
pub(crate) fn stored(d: Dialect) -> String {
    let cost = match d {
        Dialect::Sqlite => "cost",
        Dialect::Postgres => "CAST(cost AS text)",
    };
    format!(
        "SELECT {}, calls, answered, dur_sum, dur_n, talk_sum, talk_n, {cost}, cost_n,
                short, unpriced, premium
         FROM rollups WHERE calls <> 0 OR cost_n <> 0",
        KEY.join(", ")
    )
}

/// A row of [`stored`].
pub(crate) fn stored_row(r: &impl Cells) -> Result<(Key, Sums), StoreError> {
    let kind = match r.int(0)? {
        Some(1) => Kind::Agent,
        Some(2) => Kind::Campaign,
        Some(3) => Kind::Country,
        _ => Kind::All,
    };
    let int = |i: usize| -> Result<i64, StoreError> { Ok(r.int(i)?.unwrap_or(0)) };
    Ok((
        Key {
            kind,
            day: r.required(1)?,
            provider: r.required(2)?,
            account: r.required(3)?,
            status: r.required(4)?,
            category: r.required(5)?,
            cause: r.required(6)?,
            currency: r.required(7)?,
            k: r.required(8)?,
        },
        Sums {
            calls: int(9)?,
            answered: int(10)?,
            dur_sum: int(11)?,
            dur_n: int(12)?,
            talk_sum: int(13)?,
            talk_n: int(14)?,
            cost: r
                .text(15)?
                .as_deref()
                .and_then(Decimal::parse)
                .unwrap_or_default(),
            cost_n: int(16)?,
            short: int(17)?,
            unpriced: int(18)?,
            premium: int(19)?,
        },
    ))
}

/// The report's rows of `kind` that `facts` add up to (what the rollups
/// would give for those calls).
pub(crate) fn agg_rows(kind: Kind, facts: Vec<Facts>) -> Vec<super::AggRow> {
    let none = |s: String| (!s.is_empty()).then_some(s);
    Rollups::recompute(facts)
        .into_iter()
        .filter(|(k, s)| k.kind == kind && s.calls != 0)
        .map(|(k, s)| super::AggRow {
            key: none(k.k),
            status: k.status,
            category: none(k.category),
            cause: none(k.cause),
            currency: none(k.currency),
            calls: s.calls,
            answered: s.answered,
            duration: (s.dur_sum, s.dur_n),
            talk: (s.talk_sum, s.talk_n),
            cost: (s.cost_n > 0).then(|| s.cost.to_string()),
            short: s.short,
            unpriced: s.unpriced,
        })
        .collect()
}

/// The facts of the calls of a report's filter. Params: since, until,
/// provider.
pub(crate) fn facts_in(d: Dialect) -> String {
    format!(
        "SELECT {} FROM calls WHERE {}",
        facts_columns(d),
        super::sql::report_filter(d)
    )
}

/// Every call's facts. No params.
pub(crate) fn all_facts(d: Dialect) -> String {
    format!("SELECT {} FROM calls", facts_columns(d))
}

/// How a change adds into a rollup row (`rollups.x + excluded.x`; the
/// cost through `add`, SQLite's `decimal_add` or PostgreSQL's `+`).
pub(crate) fn on_conflict(d: Dialect) -> String {
    let mut set: Vec<String> = SUMS
        .iter()
        .filter(|c| **c != "cost")
        .map(|c| format!("{c} = rollups.{c} + excluded.{c}"))
        .collect();
    set.push(match d {
        Dialect::Sqlite => "cost = decimal_add(rollups.cost, excluded.cost)".into(),
        Dialect::Postgres => "cost = rollups.cost + excluded.cost".into(),
    });
    format!(
        "ON CONFLICT ({}) DO UPDATE SET {}",
        KEY.join(", "),
        set.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_range_is_whole_days_from_the_rollups_and_part_days_from_the_calls() {
        let f = AggFilter {
            since: Some(at("2026-11-03T10:00:00Z")),
            until: Some(at("2026-11-06T07:30:00Z")),
            provider: None,
        };
        let s = split(&f);
        assert_eq!(
            s.days,
            Some((Some("2026-11-04".into()), Some("2026-11-06".into())))
        );
        assert_eq!(s.edges.len(), 2);
        assert_eq!(s.edges[0].until, Some(at("2026-11-04T00:00:00Z")));
        assert_eq!(s.edges[1].since, Some(at("2026-11-06T00:00:00Z")));
        // Midnight to midnight: no part day.
        let f = AggFilter {
            since: Some(at("2026-11-03T00:00:00Z")),
            until: Some(at("2026-11-05T00:00:00Z")),
            provider: None,
        };
        assert!(split(&f).edges.is_empty());
        // Within one day: all from the calls.
        let f = AggFilter {
            since: Some(at("2026-11-03T01:00:00Z")),
            until: Some(at("2026-11-03T23:00:00Z")),
            provider: None,
        };
        assert_eq!(split(&f).days, None);
        // Open: everything from the rollups.
        let s = split(&AggFilter::default());
        assert_eq!(s.days, Some((None, None)));
        assert!(s.edges.is_empty());
        let end = Utc.with_ymd_and_hms(262_000, 1, 1, 0, 0, 1).single();
        if let Some(end) = end {
            let f = AggFilter {
                since: Some(end),
                ..AggFilter::default()
            };
            assert_eq!(split(&f).edges.len(), 1);
        }
    }

    #[test]
    fn agents_are_their_ids_else_their_names_and_no_agent_is_one_row() {
        assert_eq!(
            agent_keys(Some(r#"[{"id":"a1"},{"name":"Bo"},{"id":7},{}]"#)),
            vec![Some("a1".into()), Some("Bo".into()), Some("7".into()), None]
        );
        assert_eq!(agent_keys(Some("[]")), vec![None]);
        assert_eq!(agent_keys(None), vec![None]);
        assert_eq!(agent_keys(Some(r#"{"id":"x"}"#)), vec![None]);
    }
}
