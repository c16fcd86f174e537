//! Findings that need no baseline: a country new to an account, calls to
//! premium-rate numbers, calls stuck `in_progress`, answered calls never
//! priced.

use calllogs_store::store::ExampleQuery;
use chrono::Duration;

use super::tally::{Account, Part, Period, STANDING_DAYS, Tally, midnight};
use super::{AlertQuery, Finding, Severity};

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A finding about a whole account, with the calls it stands for.
fn finding(
    (provider, account): &Account,
    severity: Severity,
    kind: &'static str,
    calls: i64,
    message: String,
    example: ExampleQuery,
) -> (Finding, ExampleQuery) {
    let mut f = Finding::new(severity, kind, (provider, account), calls, message);
    f.country = example.country.clone();
    (
        f,
        ExampleQuery {
            provider: provider.clone(),
            account: account.clone(),
            limit: 3,
            ..example
        },
    )
}

/// The findings.
pub(crate) fn findings(t: &Tally, p: &Period, q: &AlertQuery) -> Vec<(Finding, ExampleQuery)> {
    let mut out = Vec::new();
    let period = p.words();
    let in_period = ExampleQuery {
        since: Some(midnight(p.since)),
        until: Some(midnight(p.until)),
        ..ExampleQuery::default()
    };
    for (account, countries) in &t.recent_countries {
        let rules = q.rules_for(&account.1);
        let known = t.known_countries.get(account);
        for (country, &calls) in countries {
            if known.is_some_and(|k| k.contains(country)) || calls < rules.new_country_calls {
                continue;
            }
            let message = format!(
                "{calls} call{} with {country} on {period}, a country with no calls in the {} days before",
                plural(calls),
                rules.new_country_days
            );
            let example = ExampleQuery {
                country: Some(country.clone()),
                ..in_period.clone()
            };
            out.push(finding(
                account,
                Severity::Critical,
                "new_country",
                calls,
                message,
                example,
            ));
        }
    }
    for ((provider, account, part), by_offset) in &t.series {
        let Some(now) = by_offset.get(&0).filter(|s| s.premium > 0) else {
            continue;
        };
        if *part != Part::All {
            continue;
        }
        let message = format!(
            "{} call{} to premium-rate numbers on {period}",
            now.premium,
            plural(now.premium)
        );
        let example = ExampleQuery {
            premium: true,
            ..in_period.clone()
        };
        let who = (provider.clone(), account.clone());
        out.push(finding(
            &who,
            Severity::Critical,
            "premium_rate",
            now.premium,
            message,
            example,
        ));
    }
    let since = midnight(p.until - Duration::days(STANDING_DAYS));
    for (account, &calls) in &t.stuck {
        let rules = q.rules_for(&account.1);
        let message = format!(
            "{calls} call{} still in_progress more than {} hours after their day ended",
            plural(calls),
            rules.stuck_hours
        );
        let example = ExampleQuery {
            since: Some(since),
            until: Some(q.now - Duration::hours(rules.stuck_hours)),
            status: Some("in_progress".into()),
            ..ExampleQuery::default()
        };
        out.push(finding(
            account,
            Severity::Warning,
            "stuck_in_progress",
            calls,
            message,
            example,
        ));
    }
    for (account, &calls) in &t.unpriced {
        if !t.priced.contains_key(account) {
            // Nothing of this account was ever priced: not a late price.
            continue;
        }
        let rules = q.rules_for(&account.1);
        let message = format!(
            "{calls} answered call{} without a cost more than {} hours after their day ended (last {STANDING_DAYS} days)",
            plural(calls),
            rules.pricing_delay_hours
        );
        let example = ExampleQuery {
            since: Some(since),
            until: Some(q.now - Duration::hours(rules.pricing_delay_hours)),
            unpriced: true,
            ..ExampleQuery::default()
        };
        out.push(finding(
            account,
            Severity::Warning,
            "unpriced",
            calls,
            message,
            example,
        ));
    }
    out
}
