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
use calllogs_store::store::{AuditFilter, PricedCall, Store, StoreError};

use super::finding;
use crate::alerts::{Finding, Rules, median};

/// The spread below which every rate counts as this far from the median
/// (a share of it): rates rounded to the provider's price step differ by a
/// little, which is not a finding.
const MIN_SPREAD: f64 = 0.02;

/// (provider, account, country, currency): the calls compared together.
type Group = (String, String, String, String);

/// A call's two rates: cost per minute of duration, cost per billed
/// (started) minute.
fn rates(c: &PricedCall) -> Option<(f64, f64)> {
    let cost = Decimal::parse(&c.cost)?.to_f64();
    (c.seconds > 0).then(|| {
        (
            cost / (c.seconds as f64 / 60.0),
            cost / ((c.seconds + 59) / 60) as f64,
        )
    })
}

fn group_of(c: PricedCall) -> Group {
    (c.provider, c.account, c.country, c.currency)
}

/// The median and the median absolute deviation (floored at
/// [`MIN_SPREAD`] of the median).
fn centre(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let m = median(values.clone().collect()).unwrap_or(0.0);
    let mad = median(values.map(|v| (v - m).abs()).collect()).unwrap_or(0.0);
    (m, mad.max(MIN_SPREAD * m.abs()))
}

/// A group's centre under both billings, and how many calls it stands on.
struct Centre {
    per_second: (f64, f64),
    per_minute: (f64, f64),
    calls: usize,
}

impl Centre {
    /// How far out `r` is, in spreads, under the nearer of the two billings.
    fn distance(&self, (s, m): (f64, f64)) -> f64 {
        let far = |v: f64, (c, d): (f64, f64)| (v - c).abs() / d.max(f64::MIN_POSITIVE);
        far(s, self.per_second).min(far(m, self.per_minute))
    }
}

/// The first pass: every call's rates per group; the centres of the
/// groups with enough calls. Holds two numbers a call, never the calls.
#[derive(Default)]
struct Pass1(BTreeMap<Group, Vec<(f64, f64)>>);

impl Pass1 {
    fn add(&mut self, c: PricedCall) {
        if let Some(r) = rates(&c) {
            self.0.entry(group_of(c)).or_default().push(r);
        }
    }

    fn centres<'r>(self, rules_for: &impl Fn(&str) -> &'r Rules) -> BTreeMap<Group, Centre> {
        self.0
            .into_iter()
            .filter(|(g, v)| v.len() as i64 >= rules_for(&g.1).outlier_min_calls)
            .map(|(g, v)| {
                let centre = Centre {
                    per_second: centre(v.iter().map(|r| r.0)),
                    per_minute: centre(v.iter().map(|r| r.1)),
                    calls: v.len(),
                };
                (g, centre)
            })
            .collect()
    }
}

/// The second pass: the calls beyond the threshold, per group, with how
/// far out each is and its billed-minute rate.
struct Pass2<'c, F> {
    centres: &'c BTreeMap<Group, Centre>,
    rules_for: F,
    far: BTreeMap<Group, Vec<(f64, String, f64)>>,
}

impl<'c, 'r, F: Fn(&str) -> &'r Rules> Pass2<'c, F> {
    fn add(&mut self, c: PricedCall) {
        let Some(r) = rates(&c) else { return };
        let id = c.id.clone();
        let group = group_of(c);
        let Some(centre) = self.centres.get(&group) else {
            return;
        };
        let d = centre.distance(r);
        if d > (self.rules_for)(&group.1).outlier_mads {
            self.far.entry(group).or_default().push((d, id, r.1));
        }
    }

    /// One finding per group with calls far out, naming the furthest.
    fn findings(self) -> Vec<Finding> {
        let mut out = Vec::new();
        for (group, mut far) in self.far {
            let (provider, account, country, currency) = group.clone();
            let centre = &self.centres[&group];
            far.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let (lo, hi) = far.iter().fold((f64::MAX, f64::MIN), |(lo, hi), f| {
                (lo.min(f.2), hi.max(f.2))
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
                    "{n} call{} to {place} cost {range} {currency}/min, far from the account's usual {:.4} {currency}/min (median of {} priced calls)",
                    if n == 1 { "" } else { "s" },
                    centre.per_minute.0,
                    centre.calls
                ),
            );
            f.country = (!country.is_empty()).then_some(country);
            f.examples = far.into_iter().take(3).map(|(_, id, _)| id).collect();
            out.push(f);
        }
        out
    }
}

/// One `cost_outlier` finding per account, country and currency with
/// enough priced calls and some far out: two passes over the calls of
/// `filter`, neither holding them.
pub(super) async fn findings<'r>(
    store: &Store,
    filter: &AuditFilter,
    rules_for: impl Fn(&str) -> &'r Rules + Send,
) -> Result<Vec<Finding>, StoreError> {
    let mut first = Pass1::default();
    store
        .each_priced_call(filter, &mut |c| first.add(c))
        .await?;
    let centres = first.centres(&rules_for);
    if centres.is_empty() {
        return Ok(Vec::new());
    }
    let mut second = Pass2 {
        centres: &centres,
        rules_for,
        far: BTreeMap::new(),
    };
    store
        .each_priced_call(filter, &mut |c| second.add(c))
        .await?;
    Ok(second.findings())
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

    /// The two passes over calls in memory.
    fn findings<'r>(calls: Vec<PricedCall>, rules_for: impl Fn(&str) -> &'r Rules) -> Vec<Finding> {
        let mut first = Pass1::default();
        calls.iter().cloned().for_each(|c| first.add(c));
        let centres = first.centres(&rules_for);
        let mut second = Pass2 {
            centres: &centres,
            rules_for,
            far: BTreeMap::new(),
        };
        calls.into_iter().for_each(|c| second.add(c));
        second.findings()
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
