//! The cost audit's day table from the rollups: per account and UTC day,
//! the calls, answered minutes, cost, cost per answered minute, short,
//! unpriced and premium-rate calls. What the HTML report shows; cheap
//! (rollup rows, never calls). `calllogs audit` goes further, from the
//! calls: billed minutes, the provider's own totals, cost outliers.

use std::collections::BTreeMap;

use calllogs_store::store::{DayFilter, Store, StoreError};
use chrono::NaiveDate;
use serde::Serialize;

use crate::money::Costs;

/// One account's UTC day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostDay {
    /// The provider.
    pub provider: String,
    /// The account.
    pub account: String,
    /// The day.
    pub day: NaiveDate,
    /// Calls.
    pub calls: i64,
    /// Answered calls.
    pub answered: i64,
    /// Minutes of the answered calls.
    pub minutes: f64,
    /// Cost per currency, exact decimal text.
    pub cost: BTreeMap<String, String>,
    /// The main currency's cost per answered minute.
    pub cost_per_minute: Option<f64>,
    /// Answered calls under 6 s.
    pub short: i64,
    /// Answered calls without a cost.
    pub unpriced: i64,
    /// Calls to premium-rate numbers.
    pub premium: i64,
}

/// The days `first..end` (end excluded), newest first, per account.
pub async fn cost_days(
    store: &Store,
    first: NaiveDate,
    end: NaiveDate,
    provider: Option<String>,
) -> Result<Vec<CostDay>, StoreError> {
    let rows = store
        .days(&DayFilter {
            first: first.to_string(),
            end: end.to_string(),
            provider,
            account: None,
        })
        .await?;
    type Key = (NaiveDate, String, String);
    let mut days: BTreeMap<Key, (CostDay, i64, Costs)> = BTreeMap::new();
    // The rows of every call once (not by country, not by agent).
    for r in rows
        .into_iter()
        .filter(|r| r.country.is_none() && r.agent.is_none())
    {
        let Ok(day) = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d") else {
            continue;
        };
        let (d, seconds, costs) = days
            .entry((day, r.provider.clone(), r.account.clone()))
            .or_insert_with(|| {
                (
                    CostDay {
                        provider: r.provider.clone(),
                        account: r.account.clone(),
                        day,
                        calls: 0,
                        answered: 0,
                        minutes: 0.0,
                        cost: BTreeMap::new(),
                        cost_per_minute: None,
                        short: 0,
                        unpriced: 0,
                        premium: 0,
                    },
                    0,
                    Costs::default(),
                )
            });
        d.calls += r.calls;
        d.answered += r.answered;
        d.short += r.short;
        d.unpriced += r.unpriced;
        d.premium += r.premium;
        *seconds += r.duration.0;
        if r.priced > 0 && !r.currency.is_empty() {
            costs.add(&r.currency, &r.cost);
        }
    }
    Ok(days
        .into_values()
        .rev()
        .map(|(mut d, seconds, costs)| {
            d.minutes = seconds as f64 / 60.0;
            d.cost_per_minute = costs.per_minute(d.minutes);
            d.cost = costs.texts();
            d
        })
        .collect())
}
