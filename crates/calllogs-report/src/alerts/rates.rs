//! The figures compared with their baselines, one table: how each is
//! computed from a scope's sums, when it moved, and how the finding reads.
//! A figure moves a finding only on `min_calls` calls, and only when it
//! moved against the week before and against the median of the last
//! [`WEEKS`] alike (one odd week is not enough).

use calllogs_store::store::{ExampleQuery, SHORT_CALL_S};

use super::tally::{ALL_ACCOUNTS, Part, Period, Sums, Tally, WEEKS, midnight};
use super::{AlertQuery, Compared, Finding, Rules, Severity};

/// The hangup categories whose share rising is a finding.
const FAILURES: &[&str] = &["carrier_error", "destination_issue", "system_error"];

/// What a rate's sentence is made of.
struct Said<'a> {
    now: &'a Sums,
    /// The category or currency the figure is about.
    arg: &'a str,
    /// The figure now, shown.
    value: String,
    /// ` with DE` for a country's scope, ` of agent asst-1` for an agent's.
    whose: &'a str,
    period: &'a str,
}

/// One compared figure.
struct Rate {
    kind: &'static str,
    severity: Severity,
    /// Made per country of the other party too, not only per account.
    per_country: bool,
    /// Made per agent too.
    per_agent: bool,
    /// What the figure is taken of, one finding each: the failure
    /// categories, the main currency, or one `""`.
    args: fn(&Sums) -> Vec<String>,
    value: fn(&Sums, &str) -> Option<f64>,
    /// Whether it moved enough, from a baseline to now.
    moved: fn(&Rules, f64, f64) -> bool,
    show: fn(f64, &str) -> String,
    /// The sentence up to ", from …".
    said: fn(&Said<'_>) -> String,
    /// The calls the finding is about.
    calls: fn(&Sums, &str) -> i64,
    /// Narrows the example calls.
    example: fn(ExampleQuery, &str) -> ExampleQuery,
}

fn pct(v: f64, _: &str) -> String {
    format!("{:.1}%", v * 100.0)
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn same(q: ExampleQuery, _: &str) -> ExampleQuery {
    q
}

fn one(_: &Sums) -> Vec<String> {
    vec![String::new()]
}

const RATES: &[Rate] = &[
    Rate {
        kind: "asr_drop",
        severity: Severity::Warning,
        per_country: true,
        per_agent: true,
        args: one,
        value: |s, _| ratio(s.answered, s.calls),
        moved: |r, b, n| b - n >= r.asr_drop,
        show: pct,
        said: |s| {
            format!(
                "ASR{} fell to {} on {} ({} calls)",
                s.whose, s.value, s.period, s.now.calls
            )
        },
        calls: |s, _| s.calls - s.answered,
        example: same,
    },
    Rate {
        kind: "acd_drop",
        severity: Severity::Warning,
        per_country: false,
        per_agent: true,
        args: one,
        value: |s, _| ratio(s.dur.0, s.dur.1),
        moved: |r, b, n| b > 0.0 && (b - n) / b >= r.acd_drop,
        show: |v, _| format!("{v:.0} s"),
        said: |s| {
            format!(
                "average call duration{} fell to {} on {} ({} answered calls)",
                s.whose, s.value, s.period, s.now.answered
            )
        },
        calls: |s, _| s.answered,
        example: same,
    },
    Rate {
        kind: "category_rise",
        severity: Severity::Warning,
        per_country: false,
        per_agent: true,
        args: |_| FAILURES.iter().map(|c| c.to_string()).collect(),
        value: |s, c| ratio(*s.by_category.get(c).unwrap_or(&0), s.calls),
        moved: |r, b, n| n - b >= r.category_rise,
        show: pct,
        said: |s| {
            format!(
                "{}{} rose to {} of calls on {} ({} of {})",
                s.arg,
                s.whose,
                s.value,
                s.period,
                s.now.by_category.get(s.arg).unwrap_or(&0),
                s.now.calls
            )
        },
        calls: |s, c| *s.by_category.get(c).unwrap_or(&0),
        example: |q, c| ExampleQuery {
            category: Some(c.to_string()),
            ..q
        },
    },
    Rate {
        kind: "short_calls",
        severity: Severity::Warning,
        per_country: false,
        per_agent: true,
        args: one,
        value: |s, _| ratio(s.short, s.answered),
        moved: |r, b, n| n - b >= r.short_share_rise,
        show: pct,
        said: |s| {
            format!(
                "short calls{} (answered, under {SHORT_CALL_S} s) rose to {} of answered calls on {} ({} of {})",
                s.whose, s.value, s.period, s.now.short, s.now.answered
            )
        },
        calls: |s, _| s.short,
        example: |q, _| ExampleQuery { short: true, ..q },
    },
    Rate {
        kind: "cost_per_minute",
        severity: Severity::Warning,
        per_country: false,
        per_agent: false,
        args: |s| s.main_currency().map(str::to_string).into_iter().collect(),
        value: |s, cur| {
            let cost = *s.cost.get(cur)?;
            let minutes = s.dur.0 as f64 / 60.0;
            (minutes > 0.0 && cost > 0.0).then(|| cost / minutes)
        },
        moved: |r, b, n| b > 0.0 && (n - b) / b >= r.cost_per_minute_rise,
        show: |v, cur| format!("{v:.4} {cur}/min"),
        said: |s| {
            format!(
                "cost per answered minute rose to {} on {} ({} answered calls)",
                s.value, s.period, s.now.answered
            )
        },
        calls: |s, _| s.answered,
        example: same,
    },
    Rate {
        kind: "volume",
        severity: Severity::Info,
        per_country: false,
        per_agent: false,
        args: one,
        value: |s, _| Some(s.calls as f64),
        moved: |r, b, n| b > 0.0 && ((n - b) / b).abs() >= r.volume_change,
        show: |v, _| format!("{v:.0}"),
        said: |s| format!("{} calls on {}", s.value, s.period),
        calls: |s, _| s.calls,
        example: same,
    },
];

/// An agent's id (or name) without the provider before it, as the
/// rollups key it (`vapi/asst-1` is `asst-1`).
fn agent_name<'a>(provider: &str, key: &'a str) -> &'a str {
    key.strip_prefix(provider)
        .and_then(|k| k.strip_prefix('/'))
        .unwrap_or(key)
}

/// The median of `v` (sorted here), if any.
pub(crate) fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[m]),
        _ => Some((v[m - 1] + v[m]) / 2.0),
    }
}

/// The findings of every rate, every scope, with the example calls each
/// stands for.
pub(crate) fn findings(t: &Tally, p: &Period, q: &AlertQuery) -> Vec<(Finding, ExampleQuery)> {
    let mut out = Vec::new();
    let period = p.words();
    for ((provider, account, part), by_offset) in &t.series {
        let rules = q.rules_for(account);
        let Some(now) = by_offset.get(&0) else {
            continue;
        };
        if now.calls < rules.min_calls || part.is_rest() {
            continue;
        }
        // A country or an agent with nearly all the account's calls says
        // what the account's own figures say: only the account's finding
        // is made. Likewise a provider's accounts together when one of
        // them has nearly all their calls.
        if account == ALL_ACCOUNTS {
            let biggest = t
                .series
                .iter()
                .filter(|((p, a, part), _)| {
                    p == provider && a != ALL_ACCOUNTS && *part == Part::All
                })
                .filter_map(|(_, s)| s.get(&0))
                .map(|s| s.calls)
                .max()
                .unwrap_or(0);
            if biggest * 10 >= now.calls * 9 {
                continue;
            }
        } else if *part != Part::All {
            let all = t
                .series
                .get(&(provider.clone(), account.clone(), Part::All))
                .and_then(|s| s.get(&0))
                .map_or(0, |s| s.calls);
            if now.calls * 10 >= all * 9 {
                continue;
            }
        }
        let (country, agent) = match part {
            Part::All => (None, None),
            Part::Country(c) => (Some(c.clone()), None),
            Part::Agent(a) => (None, Some(a.clone())),
        };
        let whose = match part {
            Part::All if account == ALL_ACCOUNTS => " across all accounts".to_string(),
            Part::All => String::new(),
            Part::Country(c) => format!(" with {c}"),
            Part::Agent(a) => format!(" of agent {}", agent_name(provider, a)),
        };
        let base = |k: i64| by_offset.get(&k).filter(|s| s.calls >= rules.min_calls);
        for rate in RATES {
            let made = match part {
                Part::All => true,
                Part::Country(_) => rate.per_country,
                Part::Agent(_) => rate.per_agent,
            };
            if !made {
                continue;
            }
            for arg in (rate.args)(now) {
                let arg = arg.as_str();
                let f = |s: &Sums| (rate.value)(s, arg);
                let Some(value) = f(now) else { continue };
                let week_ago = base(1).and_then(f);
                let med = median((1..=WEEKS).filter_map(|k| base(k).and_then(f)).collect());
                let moved = |b: Option<f64>| b.is_none_or(|b| (rate.moved)(rules, b, value));
                if (week_ago.is_none() && med.is_none()) || !moved(week_ago) || !moved(med) {
                    continue;
                }
                let mut was = Vec::new();
                if let Some(w) = week_ago {
                    was.push(format!("{} a week before", (rate.show)(w, arg)));
                }
                if let Some(m) = med {
                    was.push(format!(
                        "{} the median of the last {WEEKS} weeks",
                        (rate.show)(m, arg)
                    ));
                }
                let said = Said {
                    now,
                    arg,
                    value: (rate.show)(value, arg),
                    whose: &whose,
                    period: &period,
                };
                let message = format!("{}, from {}", (rate.said)(&said), was.join(", "));
                let example = ExampleQuery {
                    provider: provider.clone(),
                    account: account.clone(),
                    since: Some(midnight(p.since)),
                    until: Some(midnight(p.until)),
                    country: country.clone(),
                    agent: agent.clone(),
                    limit: 3,
                    ..ExampleQuery::default()
                };
                out.push((
                    Finding {
                        severity: rate.severity,
                        kind: rate.kind,
                        provider: provider.clone(),
                        account: account.clone(),
                        country: country.clone(),
                        agent: agent
                            .as_deref()
                            .map(|a| agent_name(provider, a).to_string()),
                        category: (rate.kind == "category_rise").then(|| arg.to_string()),
                        day: None,
                        figure: Some(Compared {
                            now: value,
                            calls: now.calls,
                            week_ago,
                            median: med,
                        }),
                        calls: (rate.calls)(now, arg),
                        examples: Vec::new(),
                        message,
                    },
                    (rate.example)(example, arg),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        let kinds: std::collections::BTreeSet<&str> = RATES.iter().map(|r| r.kind).collect();
        assert_eq!(kinds.len(), RATES.len(), "each rate its own kind");
    }
}
