//! The cost audit over synthetic stores, on both backends (SQLite, and a
//! throwaway PostgreSQL cluster): per day the calls, billed minutes and
//! cost the stored calls add up to; a provider's usage totals that agree
//! give no finding, a day they differ by three calls gives exactly that
//! one, a call charged far above its destination's rate is exactly one
//! outlier; the same on both backends.
//!
//! Each store holds 100 outbound calls to US numbers on each of the five
//! days before today: 70 % answered, 30 s to 5 min, priced by the started
//! minute at 0.0085 USD; the unanswered ones priced at zero.

use calllogs::{Call, Cost, Direction, Status, UsageDay};
use calllogs_report::alerts::Rules;
use calllogs_report::audit::{AccountUsage, Audit, AuditQuery, NotCompared, audit};
use calllogs_store::store::Store;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

async fn stores(name: &str) -> Vec<Store> {
    let mut stores = vec![Store::in_memory().unwrap()];
    if let Some(pg) = calllogs_pgtest::shared() {
        stores.push(Store::open(&pg.database(name)).await.unwrap());
    }
    stores
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn midnight(back: i64) -> DateTime<Utc> {
    (today() - Duration::days(back))
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// Call `i` of the day `back` days ago, and its price in 1e-5 USD.
fn call(back: i64, i: i64) -> (Call, i64) {
    let mut c = Call::new("twilio", format!("d{back}-{i}"));
    let answered = i % 10 < 7;
    let at = midnight(back) + Duration::seconds(600 * i);
    c.direction = Direction::Outbound;
    c.from = Some("+12025550100".into());
    c.to = Some(format!("+1201555{:04}", 100 + i));
    c.started_at = Some(at);
    c.answered_at = answered.then_some(at);
    c.status = if answered {
        Status::Completed
    } else {
        Status::NoAnswer
    };
    let duration = if answered { 30 + (i * 37) % 270 } else { 0 };
    c.duration_s = Some(duration);
    let units = (duration + 59) / 60 * 850;
    c.cost = Some(Cost::new(
        format!("{}.{:05}", units / 100_000, units % 100_000),
        "USD",
    ));
    (c, units)
}

/// The store's calls, with `change` applied to each; and the usage totals
/// those calls add up to, as the provider would count them.
async fn build(store: &mut Store, change: &dyn Fn(&mut Call)) -> Vec<UsageDay> {
    let mut usage = Vec::new();
    for back in 1..=5 {
        let mut calls = Vec::new();
        let (mut minutes, mut units) = (0, 0);
        for i in 0..100 {
            let (mut c, _) = call(back, i);
            change(&mut c);
            let cost = c.cost.as_ref().unwrap().amount.clone();
            let (whole, frac) = cost.split_once('.').unwrap();
            units += whole.parse::<i64>().unwrap() * 100_000 + frac.parse::<i64>().unwrap();
            minutes += (c.duration_s.unwrap() + 59) / 60;
            calls.push(c);
        }
        store.upsert("main", &calls).await.unwrap();
        usage.push(UsageDay {
            day: today() - Duration::days(back),
            calls: 100,
            minutes: minutes as u64,
            price: Some(format!("{}.{:05}", units / 100_000, units % 100_000)),
            currency: Some("USD".into()),
            as_of: None,
        });
    }
    usage
}

fn query(usage: Result<Vec<UsageDay>, String>) -> AuditQuery {
    AuditQuery {
        since: today() - Duration::days(7),
        until: today(),
        provider: None,
        account: None,
        usage: vec![AccountUsage {
            provider: "twilio".into(),
            account: "main".into(),
            days: usage,
        }],
        rules: Rules::default(),
        account_rules: Default::default(),
    }
}

/// Each backend's audit of the store `change` shapes, with the usage
/// `usage` makes of the calls' own totals; the findings' lines must be the
/// same on every backend. The SQLite audit back.
async fn run(
    name: &str,
    change: &dyn Fn(&mut Call),
    usage: &dyn Fn(Vec<UsageDay>) -> Result<Vec<UsageDay>, String>,
) -> Audit {
    let mut seen: Vec<(Vec<String>, String)> = Vec::new();
    let mut first = None;
    for mut store in stores(name).await {
        let days = build(&mut store, change).await;
        let a = audit(&store, &query(usage(days))).await.unwrap();
        let lines = a.findings.iter().map(|f| f.line()).collect();
        seen.push((lines, serde_json::to_string(&a.days).unwrap()));
        first.get_or_insert(a);
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "the backends differ: {seen:#?}"
    );
    first.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_that_agrees_gives_no_finding_and_each_day_adds_up() {
    let a = run("audit_quiet", &|_| {}, &|d| Ok(d)).await;
    let lines: Vec<String> = a.findings.iter().map(|f| f.line()).collect();
    assert!(a.findings.is_empty(), "{lines:#?}");
    assert_eq!(a.days.len(), 5);
    for d in &a.days {
        let back = (today() - d.day).num_days();
        let (mut minutes, mut units) = (0, 0);
        for i in 0..100 {
            let (c, u) = call(back, i);
            minutes += (c.duration_s.unwrap() + 59) / 60;
            units += u;
        }
        assert_eq!((d.calls, d.minutes), (100, minutes), "{d:?}");
        let cost: f64 = d.cost["USD"].parse().unwrap();
        assert!((cost - units as f64 / 1e5).abs() < 1e-9, "{d:?}");
        let per_min = d.cost_per_minute.unwrap();
        assert!((per_min - 0.0085).abs() < 1e-9, "{per_min}");
        assert_eq!(d.unpriced, 0);
        let u = d.usage.as_ref().expect("the provider's total beside it");
        assert_eq!((u.calls, u.minutes as i64), (100, minutes));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_whose_usage_counts_three_more_calls_is_exactly_one_finding() {
    let skew = today() - Duration::days(3);
    let a = run("audit_usage", &|_| {}, &|mut days| {
        for d in &mut days {
            if d.day == skew {
                d.calls += 3;
                d.minutes += 3;
            }
        }
        Ok(days)
    })
    .await;
    let lines: Vec<String> = a.findings.iter().map(|f| f.line()).collect();
    assert_eq!(a.findings.len(), 1, "{lines:#?}");
    let f = &a.findings[0];
    assert_eq!((f.kind, f.day, f.calls), ("usage_mismatch", Some(skew), 3));
    assert!(
        f.message
            .contains("3 calls billed that the store does not have"),
        "{}",
        f.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_charged_ten_times_its_rate_is_exactly_one_outlier() {
    let overcharged = |c: &mut Call| {
        if c.id == "d2-13" {
            // Answered, 30 + 481 % 270 = 241 s: five started minutes.
            c.cost = Some(Cost::new("0.42500", "USD"));
        }
    };
    let a = run("audit_outlier", &overcharged, &|d| Ok(d)).await;
    let lines: Vec<String> = a.findings.iter().map(|f| f.line()).collect();
    assert_eq!(a.findings.len(), 1, "{lines:#?}");
    let f = &a.findings[0];
    assert_eq!(f.kind, "cost_outlier");
    assert_eq!(f.examples, ["d2-13"]);
    assert_eq!(f.country.as_deref(), Some("US"));
    assert!(f.message.contains("0.0850 USD/min"), "{}", f.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_whose_totals_cannot_be_had_says_why_and_finds_nothing() {
    let a = run("audit_none", &|_| {}, &|_| {
        Err("Plivo publishes no usage totals".into())
    })
    .await;
    assert!(a.findings.is_empty());
    assert_eq!(
        a.not_compared,
        [NotCompared {
            provider: "twilio".into(),
            account: "main".into(),
            why: "Plivo publishes no usage totals".into(),
        }]
    );
    assert!(a.days.iter().all(|d| d.usage.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_of_an_account_the_store_does_not_hold_is_not_compared_day_by_day() {
    for mut store in stores("audit_other").await {
        let usage = build(&mut store, &|_| {}).await;
        let mut q = query(Ok(usage));
        q.usage[0].account = "synced-under-another-name".into();
        let a = audit(&store, &q).await.unwrap();
        let lines: Vec<String> = a.findings.iter().map(|f| f.line()).collect();
        assert!(a.findings.is_empty(), "{lines:#?}");
        assert_eq!(a.not_compared.len(), 1);
        assert!(
            a.not_compared[0].why.contains("holds no calls of account")
                && a.not_compared[0].why.contains("counts 500"),
            "{:?}",
            a.not_compared
        );
    }
}
