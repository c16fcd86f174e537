//! What the cost audit reads: per account and UTC day, the calls, the
//! minutes they bill and what they cost, as a provider's usage totals
//! count them; and the priced calls whose per-minute rates the outlier
//! test compares. Both read the calls of the audited days, not the
//! rollups: billed minutes are rounded up per call, which no sum of
//! durations gives back.

use chrono::{DateTime, Utc};

use super::StoreError;
use super::cells::Cells;
use super::sql::{Dialect, Ty, cost_sum, report_filter, start_day};

/// Which calls the audit reads.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Started at or after.
    pub since: Option<DateTime<Utc>>,
    /// Started before.
    pub until: Option<DateTime<Utc>>,
    /// Only this provider.
    pub provider: Option<String>,
    /// Only this account.
    pub account: Option<String>,
}

/// One UTC day of one account's calls in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledDay {
    /// The UTC day of the starts (`YYYY-MM-DD`).
    pub day: String,
    /// The provider.
    pub provider: String,
    /// The account.
    pub account: String,
    /// The cost's currency (`""`: calls without a cost).
    pub currency: String,
    /// Calls that ended (every status but `in_progress`), as a provider's
    /// usage counts them.
    pub calls: i64,
    /// Their minutes, each call rounded up to the minute.
    pub minutes: i64,
    /// Exact sum of their costs (decimal text; `"0"` when none).
    pub cost: String,
    /// Calls with a cost.
    pub priced: i64,
    /// Answered calls without a cost.
    pub unpriced: i64,
}

/// One answered, priced call with a duration: what the outlier test
/// weighs against the account's other calls to the same country.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedCall {
    /// The provider.
    pub provider: String,
    /// The account.
    pub account: String,
    /// The call's id.
    pub id: String,
    /// The UTC day of its start.
    pub day: String,
    /// The other party's country (`""`: no number to place).
    pub country: String,
    /// The cost's currency.
    pub currency: String,
    /// Its duration, seconds (> 0).
    pub seconds: i64,
    /// Its cost, decimal text as stored.
    pub cost: String,
}

/// The report's filter (since, until, provider) and one account (param 4).
fn filter(d: Dialect) -> String {
    format!(
        "started_at IS NOT NULL AND {} AND ({p4} IS NULL OR account = {p4})",
        report_filter(d),
        p4 = d.p(4, Ty::Text),
    )
}

/// The rows of [`BilledDay`]. Params: since, until, provider, account.
pub(crate) fn billed_sql(d: Dialect) -> String {
    let answered = "(answered_at IS NOT NULL OR status = 'completed')";
    format!(
        "SELECT {day} AS day, provider, account, COALESCE(cost_currency, '') AS cur,
            COUNT(*),
            CAST(COALESCE(SUM(CASE WHEN duration_s > 0 THEN (duration_s + 59) / 60 ELSE 0 END), 0) AS BIGINT),
            {cost},
            COUNT(cost_amount),
            CAST(SUM(CASE WHEN {answered} AND cost_amount IS NULL THEN 1 ELSE 0 END) AS BIGINT)
         FROM calls
         WHERE status <> 'in_progress' AND {filter}
         GROUP BY 1, 2, 3, 4
         ORDER BY 2, 3, 1, 4",
        day = start_day(d),
        cost = cost_sum(d),
        filter = filter(d),
    )
}

/// A row of [`billed_sql`].
pub(crate) fn billed_row(r: &impl Cells) -> Result<BilledDay, StoreError> {
    let int = |i: usize| -> Result<i64, StoreError> { Ok(r.int(i)?.unwrap_or(0)) };
    Ok(BilledDay {
        day: r.required(0)?,
        provider: r.required(1)?,
        account: r.required(2)?,
        currency: r.required(3)?,
        calls: int(4)?,
        minutes: int(5)?,
        cost: r.text(6)?.unwrap_or_else(|| "0".into()),
        priced: int(7)?,
        unpriced: int(8)?,
    })
}

/// The answered, priced calls with a duration. Params: since, until,
/// provider, account.
pub(crate) fn priced_sql(d: Dialect) -> String {
    format!(
        "SELECT provider, account, id, {day}, direction, from_number, to_number,
            duration_s, cost_amount, COALESCE(cost_currency, '')
         FROM calls
         WHERE (answered_at IS NOT NULL OR status = 'completed')
           AND duration_s > 0 AND cost_amount IS NOT NULL AND {filter}",
        day = start_day(d),
        filter = filter(d),
    )
}

/// A row of [`priced_sql`], placed in its country.
pub(crate) fn priced_row(r: &impl Cells) -> Result<PricedCall, StoreError> {
    let direction: String = r.required(4)?;
    let country = crate::peer::of_call(&direction, r.text(5)?.as_deref(), r.text(6)?.as_deref())
        .map(|p| p.country)
        .unwrap_or_default();
    Ok(PricedCall {
        provider: r.required(0)?,
        account: r.required(1)?,
        id: r.required(2)?,
        day: r.required(3)?,
        country,
        currency: r.required(9)?,
        seconds: r.int(7)?.unwrap_or(0),
        cost: r.required(8)?,
    })
}
