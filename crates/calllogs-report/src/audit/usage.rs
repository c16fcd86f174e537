//! A provider's daily usage totals beside the stored calls of each day.

use std::collections::BTreeMap;

use calllogs_store::decimal::Decimal;

use super::{AuditDay, AuditQuery, DayKey, NotCompared, UsageBeside, finding};
use crate::alerts::Finding;

/// Puts each account's usage totals beside its days (a day the provider
/// counted but the store has no call of gets a row of its own) and makes
/// a `usage_mismatch` finding of each day where they differ: calls or
/// minutes at all, the price beyond [`crate::alerts::Rules::usage_tolerance`].
/// Returns the findings and the accounts not compared, with why.
pub(super) fn compare(
    days: &mut BTreeMap<DayKey, AuditDay>,
    q: &AuditQuery,
) -> (Vec<Finding>, Vec<NotCompared>) {
    let mut findings = Vec::new();
    let mut not_compared = Vec::new();
    for u in &q.usage {
        let list = match &u.days {
            Ok(list) => list,
            Err(why) => {
                not_compared.push(NotCompared {
                    provider: u.provider.clone(),
                    account: u.account.clone(),
                    why: why.clone(),
                });
                continue;
            }
        };
        let tolerance = q.rules_for(&u.account).usage_tolerance;
        let mut by_day: BTreeMap<_, &calllogs_core::UsageDay> = BTreeMap::new();
        for d in list.iter().filter(|d| d.day >= q.since && d.day < q.until) {
            by_day.insert(d.day, d);
        }
        // Every day either side has: a day the store has and the provider
        // does not list counts as zero there.
        let stored: Vec<_> = days
            .keys()
            .filter(|(p, a, _)| *p == u.provider && *a == u.account)
            .map(|k| k.2)
            .collect();
        if stored.is_empty() && by_day.values().any(|d| d.calls > 0) {
            // Every day would "differ": more likely the account was synced
            // under another name (`sync --provider` names it by a
            // fingerprint), or not yet, than every call lost.
            not_compared.push(NotCompared {
                provider: u.provider.clone(),
                account: u.account.clone(),
                why: format!(
                    "the store holds no calls of account {:?} in the period while the provider counts {} \
                     (run `calllogs sync --config` with this file first: a sync without it names the account otherwise)",
                    u.account,
                    by_day.values().map(|d| d.calls).sum::<u64>()
                ),
            });
            continue;
        }
        let mut all: Vec<_> = by_day.keys().copied().chain(stored).collect();
        all.sort();
        all.dedup();
        for day in all {
            let usage = by_day.get(&day).copied();
            let quiet = usage.is_none_or(|u| u.calls == 0 && u.minutes == 0);
            let key = (u.provider.clone(), u.account.clone(), day);
            if quiet && !days.contains_key(&key) {
                // Nothing on either side: no row for it.
                continue;
            }
            let entry = days
                .entry(key)
                .or_insert_with(|| AuditDay::empty(&u.provider, &u.account, day));
            let beside = UsageBeside {
                calls: usage.map_or(0, |d| d.calls),
                minutes: usage.map_or(0, |d| d.minutes),
                price: usage.and_then(|d| d.price.clone()),
                currency: usage.and_then(|d| d.currency.clone()),
            };
            if let Some(f) = mismatch(entry, &beside, tolerance) {
                findings.push(f);
            }
            entry.usage = Some(beside);
        }
    }
    (findings, not_compared)
}

/// The finding of a day whose totals differ, if they do.
fn mismatch(d: &AuditDay, u: &UsageBeside, tolerance: f64) -> Option<Finding> {
    let calls = u.calls as i64 - d.calls;
    let minutes = u.minutes as i64 - d.minutes;
    let price = match (&u.price, &u.currency) {
        (Some(p), Some(c)) => {
            let theirs = Decimal::parse(p).unwrap_or_default();
            let ours = d
                .cost
                .get(c)
                .and_then(|v| Decimal::parse(v))
                .unwrap_or_default();
            Some((theirs, ours, c))
        }
        _ => None,
    };
    let price_off = price.is_some_and(|(t, o, _)| (t + -o).to_f64().abs() > tolerance);
    if calls == 0 && minutes == 0 && !price_off {
        return None;
    }
    let money = |v: Decimal, c: &str| format!("{v} {c}");
    let (theirs, ours) = match price {
        Some((t, o, c)) => (format!(", {}", money(t, c)), format!(", {}", money(o, c))),
        None => (String::new(), String::new()),
    };
    let why = match calls {
        n if n > 0 => format!(
            "{n} call{} billed that the store does not have (missing from the store, or never listed)",
            if n == 1 { "" } else { "s" }
        ),
        n if n < 0 => format!(
            "{} stored call{} the provider did not bill",
            -n,
            if n == -1 { "" } else { "s" }
        ),
        _ if minutes != 0 => format!("{minutes:+} billed minutes"),
        _ => "the prices differ".to_string(),
    };
    let unpriced = if d.unpriced > 0 {
        format!(
            "; {} answered calls still unpriced in the store",
            d.unpriced
        )
    } else {
        String::new()
    };
    let mut f = finding(
        &d.provider,
        &d.account,
        "usage_mismatch",
        calls.abs(),
        format!(
            "{}: the provider's usage counts {} calls, {} minutes{theirs}; the stored calls add up to {} calls, {} minutes{ours}: {why}{unpriced}",
            d.day, u.calls, u.minutes, d.calls, d.minutes
        ),
    );
    f.day = Some(d.day);
    Some(f)
}
