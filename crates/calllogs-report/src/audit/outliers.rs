//! Calls whose cost is far from what the same account pays for the same
//! country: a robust outlier test on the per-minute rate (median and
//! median absolute deviation, which a few outliers cannot drag along as
//! they would a mean and a standard deviation).
//!
//! Providers bill by the second or by the started minute, so each call has
//! two rates: cost per minute of duration, and cost per billed (rounded up)
//! minute. Under the provider's own billing one of them is nearly constant
//! for a destination, and the other swings with the duration (a 61-second
//! call costs two minutes by the minute). A call is an outlier only when it
//! is far from the median under both: a short call is not a finding, a
//! call charged ten times the rate is.

use std::collections::BTreeMap;

use calllogs_store::decimal::Decimal;
use calllogs_store::store::PricedCall;

use super::finding;
use crate::alerts::{Finding, Rules};

/// The spread below which every rate counts as this far from the median
/// (a share of it): rates rounded to the provider's price step differ by a
/// little, which is not a finding.
const MIN_SPREAD: f64 = 0.02;

struct Rated {
    id: String,
    per_second: f64,
    per_minute: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The median and the median absolute deviation (floored at
/// [`MIN_SPREAD`] of the median).
fn centre(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let m = median(values.clone().collect());
    let mad = median(values.map(|v| (v - m).abs()).collect());
    (m, mad.max(MIN_SPREAD * m.abs()))
}

/// One `cost_outlier` finding per account, country and currency with
/// enough priced calls, naming the calls furthest out.
pub(super) fn findings<'r>(
    calls: Vec<PricedCall>,
    rules_for: impl Fn(&str) -> &'r Rules,
) -> Vec<Finding> {
    type Group = (String, String, String, String);
    let mut groups: BTreeMap<Group, Vec<Rated>> = BTreeMap::new();
    for c in calls {
        let Some(cost) = Decimal::parse(&c.cost).map(Decimal::to_f64) else {
            continue;
        };
        let rated = Rated {
            id: c.id,
            per_second: cost / (c.seconds as f64 / 60.0),
            per_minute: cost / ((c.seconds + 59) / 60) as f64,
        };
        groups
            .entry((c.provider, c.account, c.country, c.currency))
            .or_default()
            .push(rated);
    }
    let mut out = Vec::new();
    for ((provider, account, country, currency), rated) in groups {
        let rules = rules_for(&account);
        if (rated.len() as i64) < rules.outlier_min_calls {
            continue;
        }
        let (ms, ds) = centre(rated.iter().map(|r| r.per_second));
        let (mm, dm) = centre(rated.iter().map(|r| r.per_minute));
        // How far out, in spreads, under the nearer of the two billings.
        let mut far: Vec<(f64, &Rated)> = rated
            .iter()
            .map(|r| {
                let by_second = (r.per_second - ms).abs() / ds.max(f64::MIN_POSITIVE);
                let by_minute = (r.per_minute - mm).abs() / dm.max(f64::MIN_POSITIVE);
                (by_second.min(by_minute), r)
            })
            .filter(|(d, _)| *d > rules.outlier_mads)
            .collect();
        if far.is_empty() {
            continue;
        }
        far.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let (lo, hi) = far.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (_, r)| {
            (lo.min(r.per_minute), hi.max(r.per_minute))
        });
        let place = if country.is_empty() {
            "numbers with no country".to_string()
        } else {
            country.clone()
        };
        let range = if (hi - lo).abs() < 1e-9 {
            format!("{hi:.4}")
        } else {
            format!("{lo:.4} to {hi:.4}")
        };
        let n = far.len();
        let mut f = finding(
            &provider,
            &account,
            "cost_outlier",
            n as i64,
            format!(
                "{n} call{} to {place} cost {range} {currency}/min, far from the account's usual {mm:.4} {currency}/min (median of {} priced calls)",
                if n == 1 { "" } else { "s" },
                rated.len()
            ),
        );
        f.country = (!country.is_empty()).then_some(country);
        f.examples = far.iter().take(3).map(|(_, r)| r.id.clone()).collect();
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, seconds: i64, cost: &str) -> PricedCall {
        PricedCall {
            provider: "twilio".into(),
            account: "main".into(),
            id: id.into(),
            day: "2026-11-20".into(),
            country: "US".into(),
            currency: "USD".into(),
            seconds,
            cost: cost.into(),
        }
    }

    #[test]
    fn a_call_charged_ten_times_the_rate_is_out_and_short_or_rounded_calls_are_not() {
        let rules = Rules::default();
        // Billed per started minute at 0.0085: durations 5 s to 10 min.
        let mut calls: Vec<PricedCall> = (0..60)
            .map(|i| {
                let s = 5 + i * 10;
                let minutes = (s + 59) / 60;
                call(
                    &format!("CA{i}"),
                    s,
                    &format!("{:.4}", minutes as f64 * 0.0085),
                )
            })
            .collect();
        assert!(findings(calls.clone(), |_| &rules).is_empty());
        // Billed per second at 0.012/min: also quiet.
        let per_second: Vec<PricedCall> = (0..60)
            .map(|i| {
                let s = 7 + i * 13;
                call(
                    &format!("VA{i}"),
                    s,
                    &format!("{:.6}", s as f64 / 60.0 * 0.012),
                )
            })
            .collect();
        assert!(findings(per_second, |_| &rules).is_empty());
        calls.push(call("CAbad", 120, "0.1700"));
        let f = findings(calls.clone(), |_| &rules);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].kind, f[0].calls), ("cost_outlier", 1));
        assert_eq!(f[0].examples, vec!["CAbad".to_string()]);
        assert_eq!(f[0].country.as_deref(), Some("US"));
        assert!(f[0].message.contains("0.0850 USD/min"), "{}", f[0].message);
        // Too few calls to judge.
        let strict = Rules {
            outlier_min_calls: 100,
            ..Rules::default()
        };
        assert!(findings(calls, |_| &strict).is_empty());
    }
}
