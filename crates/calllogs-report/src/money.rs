//! Exact cost sums per currency, and the one figure per minute they give:
//! what the report's groups, its cost-audit days and the audit's days all
//! fold their rows into.

use std::collections::BTreeMap;

use calllogs_store::decimal::Decimal;

/// Exact sums of cost, per currency.
#[derive(Debug, Clone, Default)]
pub(crate) struct Costs(BTreeMap<String, Decimal>);

impl Costs {
    /// Adds `amount` (decimal text, as the store sums it) in `currency`;
    /// an amount that does not parse adds nothing.
    pub(crate) fn add(&mut self, currency: &str, amount: &str) {
        if let Some(d) = Decimal::parse(amount) {
            let sum = self.0.entry(currency.to_string()).or_default();
            *sum = *sum + d;
        }
    }

    /// The main currency's cost per minute over `minutes`: the currency
    /// with the most money (one, almost always). `None` without either.
    pub(crate) fn per_minute(&self, minutes: f64) -> Option<f64> {
        let main = self
            .0
            .values()
            .max_by(|a, b| a.to_f64().total_cmp(&b.to_f64()))?;
        (minutes > 0.0).then(|| main.to_f64() / minutes)
    }

    /// The sums as exact decimal text, per currency.
    pub(crate) fn texts(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(c, v)| (c.clone(), v.to_string()))
            .collect()
    }
}
