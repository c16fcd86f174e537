//! What alerts read: the rollups of whole UTC days, per account, status and
//! hangup category, overall, by the other party's country and by agent;
//! and a few example calls behind a finding.

use chrono::{DateTime, Utc};

use super::StoreError;
use super::cells::Cells;
use super::rollup::Kind;
use super::sql::{Dialect, Ty};

/// One day of one account's calls with one status and hangup category,
/// overall or with one other party's country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    /// The UTC day (`YYYY-MM-DD`).
    pub day: String,
    /// The provider.
    pub provider: String,
    /// The account.
    pub account: String,
    /// `None` (with `agent` `None`): every call of the day; `Some(c)`: the
    /// calls with the other party in country `c` (`""`: no number to place).
    pub country: Option<String>,
    /// `Some(a)`: the calls agent `a` took part in (`provider/id`, or `""`
    /// for the calls without an agent); a call with two agents is in both.
    pub agent: Option<String>,
    /// The status.
    pub status: String,
    /// The hangup category (`""`: none).
    pub category: String,
    /// The cost's currency (`""`: no cost).
    pub currency: String,
    /// Calls.
    pub calls: i64,
    /// Answered calls.
    pub answered: i64,
    /// Sum and count of the answered calls' durations.
    pub duration: (i64, i64),
    /// Exact sum of the costs (decimal text; `"0"` when none).
    pub cost: String,
    /// Calls with a cost.
    pub priced: i64,
    /// Answered calls shorter than [`super::rollup::SHORT_CALL_S`].
    pub short: i64,
    /// Answered calls without a cost.
    pub unpriced: i64,
    /// Calls to a premium-rate number.
    pub premium: i64,
}

/// Which days and accounts [`super::Store::days`] reads.
#[derive(Debug, Clone, Default)]
pub struct DayFilter {
    /// First day (`YYYY-MM-DD`), included.
    pub first: String,
    /// Day after the last (`YYYY-MM-DD`).
    pub end: String,
    /// Only this provider.
    pub provider: Option<String>,
    /// Only this account.
    pub account: Option<String>,
}

/// The rows of [`DayRow`] for a [`DayFilter`]. Params: first, end,
/// provider, account.
pub(crate) fn days_sql(d: Dialect) -> String {
    let cost = match d {
        Dialect::Sqlite => "decimal_sum(cost)",
        Dialect::Postgres => "CAST(SUM(cost) AS text)",
    };
    let sum = |c: &str| format!("CAST(SUM({c}) AS BIGINT)");
    format!(
        "SELECT kind, day, provider, account, k, status, category, currency,
            {}, {}, {}, {}, {cost}, {}, {}, {}, {}
         FROM rollups
         WHERE kind IN ({all}, {country}, {agent}) AND day >= {p1} AND day < {p2}
           AND ({p3} IS NULL OR provider = {p3}) AND ({p4} IS NULL OR account = {p4})
         GROUP BY kind, day, provider, account, k, status, category, currency
         HAVING SUM(calls) > 0",
        sum("calls"),
        sum("answered"),
        sum("dur_sum"),
        sum("dur_n"),
        sum("cost_n"),
        sum("short"),
        sum("unpriced"),
        sum("premium"),
        all = Kind::All as i64,
        country = Kind::Country as i64,
        agent = Kind::Agent as i64,
        p1 = d.p(1, Ty::Text),
        p2 = d.p(2, Ty::Text),
        p3 = d.p(3, Ty::Text),
        p4 = d.p(4, Ty::Text),
    )
}

/// A row of [`days_sql`].
pub(crate) fn day_row(r: &impl Cells) -> Result<DayRow, StoreError> {
    let int = |i: usize| -> Result<i64, StoreError> { Ok(r.int(i)?.unwrap_or(0)) };
    let kind = r.int(0)?;
    let k: String = r.required(4)?;
    let by_country = kind == Some(Kind::Country as i64);
    let by_agent = kind == Some(Kind::Agent as i64);
    Ok(DayRow {
        day: r.required(1)?,
        provider: r.required(2)?,
        account: r.required(3)?,
        agent: by_agent.then(|| k.clone()),
        country: by_country.then_some(k),
        status: r.required(5)?,
        category: r.required(6)?,
        currency: r.required(7)?,
        calls: int(8)?,
        answered: int(9)?,
        duration: (int(10)?, int(11)?),
        cost: r.text(12)?.unwrap_or_else(|| "0".into()),
        priced: int(13)?,
        short: int(14)?,
        unpriced: int(15)?,
        premium: int(16)?,
    })
}

/// Which calls a finding stands for, to name a few.
#[derive(Debug, Clone, Default)]
pub struct ExampleQuery {
    /// The provider.
    pub provider: String,
    /// The account (`*`: every account of the provider).
    pub account: String,
    /// Started at or after.
    pub since: Option<DateTime<Utc>>,
    /// Started before.
    pub until: Option<DateTime<Utc>>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this hangup category.
    pub category: Option<String>,
    /// Only answered calls shorter than the short-call threshold.
    pub short: bool,
    /// Only answered calls without a cost.
    pub unpriced: bool,
    /// Only calls with the other party in this country.
    pub country: Option<String>,
    /// Only calls to a premium-rate number.
    pub premium: bool,
    /// Only calls this agent took part in (`provider/id`, as [`DayRow::agent`]).
    pub agent: Option<String>,
    /// How many ids at most.
    pub limit: usize,
}

/// How many candidate calls the database hands over for the country and
/// premium tests done here: enough for a few examples, bounded.
pub(crate) const EXAMPLE_SCAN: i64 = 5_000;

/// Candidate calls for an [`ExampleQuery`], oldest first. Params:
/// provider, account, since, until, status, category, short (0/1),
/// unpriced (0/1), the short threshold, the scan limit.
pub(crate) fn examples_sql(d: Dialect) -> String {
    let answered = "(answered_at IS NOT NULL OR status = 'completed')";
    format!(
        "SELECT id, direction, from_number, to_number, {agents} FROM calls
         WHERE provider = {p1} AND ({p2} = '*' OR account = {p2})
           AND ({p3} IS NULL OR started_at >= {p3}) AND ({p4} IS NULL OR started_at < {p4})
           AND ({p5} IS NULL OR status = {p5}) AND ({p6} IS NULL OR hangup_category = {p6})
           AND ({p7} = 0 OR ({answered} AND duration_s < {p9}))
           AND ({p8} = 0 OR ({answered} AND cost_amount IS NULL))
         ORDER BY started_at, {by_id}
         LIMIT {p10}",
        p1 = d.p(1, Ty::Text),
        p2 = d.p(2, Ty::Text),
        p3 = d.p(3, Ty::Time),
        p4 = d.p(4, Ty::Time),
        p5 = d.p(5, Ty::Text),
        p6 = d.p(6, Ty::Text),
        p7 = d.p(7, Ty::Int),
        p8 = d.p(8, Ty::Int),
        p9 = d.p(9, Ty::Int),
        p10 = d.p(10, Ty::Int),
        agents = match d {
            Dialect::Sqlite => "agents",
            Dialect::Postgres => "agents::text",
        },
        // Calls of one instant in one order on both backends (bytewise).
        by_id = match d {
            Dialect::Sqlite => "id",
            Dialect::Postgres => "id COLLATE \"C\"",
        },
    )
}

/// A candidate row of [`examples_sql`]: id, direction, from, to, agents.
pub(crate) type Candidate = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A row of [`examples_sql`].
pub(crate) fn candidate(r: &impl Cells) -> Result<Candidate, StoreError> {
    Ok((
        r.required(0)?,
        r.required(1)?,
        r.text(2)?,
        r.text(3)?,
        r.text(4)?,
    ))
}

/// The ids among `rows` that `q`'s country, premium and agent tests keep,
/// at most `q.limit`.
pub(crate) fn pick(q: &ExampleQuery, rows: Vec<Candidate>) -> Vec<String> {
    let mut out = Vec::new();
    for (id, direction, from, to, agents) in rows {
        if out.len() >= q.limit {
            break;
        }
        if let Some(want) = &q.agent {
            let keys = super::rollup::agent_keys(agents.as_deref());
            if !keys
                .iter()
                .any(|k| super::rollup::scoped(&q.provider, k.as_deref()) == *want)
            {
                continue;
            }
        }
        if q.country.is_some() || q.premium {
            let place = crate::peer::of_call(&direction, from.as_deref(), to.as_deref());
            let country = place.as_ref().map(|p| p.country.as_str()).unwrap_or("");
            if q.country.as_deref().is_some_and(|c| c != country) {
                continue;
            }
            if q.premium && !place.is_some_and(|p| p.is_premium()) {
                continue;
            }
        }
        out.push(id);
    }
    out
}
