//! Alerts over synthetic stores, each built to hold one finding (or none),
//! on both backends (SQLite, and a throwaway PostgreSQL cluster): the
//! findings must be exactly the one planted, and the same on both.
//!
//! Each store holds 400 calls on the recent day (yesterday) and on each of
//! the four same weekdays before it, a week apart: outbound calls from our
//! line to US numbers, 70 % answered, two minutes each, priced per minute.

use calllogs::{Call, Cost, Direction, Hangup, Status};
use calllogs_report::alerts::{AlertQuery, Alerts, Severity, alerts};
use calllogs_store::store::Store;
use chrono::{DateTime, Duration, NaiveTime, Utc};

/// One store per backend: SQLite in memory, and a new PostgreSQL database
/// (absent only outside CI on a machine without PostgreSQL).
async fn stores(name: &str) -> Vec<Store> {
    let mut stores = vec![Store::in_memory().unwrap()];
    if let Some(pg) = calllogs_pgtest::shared() {
        stores.push(Store::open(&pg.database(name)).await.unwrap());
    }
    stores
}

/// What one call of a day looks like.
#[derive(Clone)]
struct Shape {
    answered: bool,
    duration: i64,
    /// Price per minute; `None`: not priced.
    rate: Option<f64>,
    to: &'static str,
    status: Status,
    /// A plivo hangup code.
    code: &'static str,
    /// The agent's id, if any.
    agent: Option<&'static str>,
}

const US: &str = "+12015550123";

fn normal(i: usize) -> Shape {
    let answered = i % 10 < 7;
    Shape {
        answered,
        duration: if answered { 120 } else { 20 },
        rate: Some(0.01),
        to: US,
        status: if answered {
            Status::Completed
        } else {
            Status::NoAnswer
        },
        code: if answered { "4000" } else { "3000" },
        agent: None,
    }
}

/// Midnight UTC, `days` days before today.
fn day(days: i64) -> DateTime<Utc> {
    (Utc::now().date_naive() - Duration::days(days))
        .and_time(NaiveTime::MIN)
        .and_utc()
}

fn call(id: String, at: DateTime<Utc>, s: &Shape) -> Call {
    let mut c = Call::new("plivo", &id);
    c.direction = Direction::Outbound;
    c.from = Some("+12025550100".into());
    c.to = Some(s.to.into());
    c.started_at = Some(at);
    c.answered_at = s.answered.then_some(at);
    c.duration_s = Some(s.duration);
    c.billed_duration_s = Some(s.duration);
    c.status = s.status;
    c.hangup = Hangup::resolve(Some(s.code), None);
    if let Some(a) = s.agent {
        c.agents = vec![serde_json::from_value(serde_json::json!({"id": a})).unwrap()];
    }
    // An unanswered call costs nothing; an answered one its minutes.
    c.cost = s.rate.map(|r| {
        let minutes = if s.answered {
            (s.duration as f64 / 60.0).ceil()
        } else {
            0.0
        };
        Cost::new(format!("{:.5}", r * minutes), "USD")
    });
    c
}

/// The days of the store: yesterday (recent), and 8, 15, 22 and 29 days
/// ago (the four same weekdays before), 400 calls each, shaped by
/// `recent` on the recent day and by [`normal`] on the others; plus
/// `extra` calls (day back, shape).
async fn build(
    store: &mut Store,
    recent: &dyn Fn(usize) -> Shape,
    baseline: &dyn Fn(usize) -> Shape,
    extra: &[(i64, Shape)],
) {
    for back in [1, 8, 15, 22, 29] {
        let calls: Vec<Call> = (0..400)
            .map(|i| {
                let shape = if back == 1 { recent(i) } else { baseline(i) };
                call(
                    format!("d{back}-{i}"),
                    day(back) + Duration::seconds(200 * i as i64),
                    &shape,
                )
            })
            .collect();
        store.upsert("main", &calls).await.unwrap();
    }
    let calls: Vec<Call> = extra
        .iter()
        .enumerate()
        .map(|(i, (back, s))| call(format!("x{i}"), day(*back) + Duration::hours(3), s))
        .collect();
    store.upsert("main", &calls).await.unwrap();
}

async fn run(store: &Store) -> Alerts {
    alerts(store, &AlertQuery::new(Utc::now())).await.unwrap()
}

/// Builds each backend's store and checks that its findings are exactly
/// one of `kind` (or none), the same on every backend; the finding back.
async fn only(
    name: &str,
    recent: &dyn Fn(usize) -> Shape,
    extra: &[(i64, Shape)],
    kind: Option<&str>,
) -> Option<calllogs_report::alerts::Finding> {
    only_with(name, recent, &normal, extra, kind).await
}

/// As [`only`], with the baseline days shaped by `baseline`.
async fn only_with(
    name: &str,
    recent: &dyn Fn(usize) -> Shape,
    baseline: &dyn Fn(usize) -> Shape,
    extra: &[(i64, Shape)],
    kind: Option<&str>,
) -> Option<calllogs_report::alerts::Finding> {
    let mut seen: Vec<Vec<String>> = Vec::new();
    let mut one = None;
    for mut store in stores(name).await {
        let backend = store.backend();
        build(&mut store, recent, baseline, extra).await;
        let a = run(&store).await;
        let kinds: Vec<&str> = a.findings.iter().map(|f| f.kind).collect();
        let lines: Vec<String> = a.findings.iter().map(|f| f.line()).collect();
        match kind {
            None => assert!(a.findings.is_empty(), "{backend}: {lines:#?}"),
            Some(k) => assert_eq!(kinds, [k], "{backend}: {lines:#?}"),
        }
        seen.push(lines);
        one = a.findings.into_iter().next();
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "the backends differ: {seen:#?}"
    );
    one
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_week_has_no_findings() {
    only("alerts_quiet", &normal, &[], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asr_drop_on_400_calls_is_one_finding_with_both_baselines() {
    let recent = |i: usize| {
        let mut s = normal(i);
        if i % 10 >= 4 && i % 10 < 7 {
            // 40 % answered instead of 70 %.
            s = normal(9);
        }
        s
    };
    let f = only("alerts_asr", &recent, &[], Some("asr_drop"))
        .await
        .unwrap();
    let c = f.figure.unwrap();
    assert!((c.now - 0.40).abs() < 1e-9, "{}", c.now);
    assert_eq!(c.week_ago, Some(0.70));
    assert_eq!(c.median, Some(0.70));
    assert_eq!(c.calls, 400);
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("ASR fell to 40.0%"), "{}", f.message);
    assert_eq!(f.examples.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_few_calls_move_no_rate() {
    // The same drop on 40 calls: under the minimum sample, no finding.
    let recent = |i: usize| if i < 40 { normal(9) } else { normal(i) };
    // 40 unanswered of 400 is a 9-point drop: under the threshold too.
    only("alerts_small", &recent, &[], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_first_seen_yesterday_is_a_critical_finding() {
    let de = Shape {
        to: "+4930123456",
        ..normal(0)
    };
    let f = only("alerts_country", &normal, &[(1, de)], Some("new_country"))
        .await
        .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.country.as_deref(), Some("DE"));
    assert_eq!(f.calls, 1);
    assert_eq!(f.examples, ["x0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_country_called_within_the_30_days_is_not_new() {
    let de = Shape {
        to: "+4930123456",
        ..normal(0)
    };
    only("alerts_known", &normal, &[(1, de.clone()), (12, de)], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_to_premium_rate_numbers_are_critical() {
    let premium = Shape {
        to: "+19002345678",
        ..normal(0)
    };
    let f = only(
        "alerts_premium",
        &normal,
        &[(1, premium.clone()), (1, premium)],
        Some("premium_rate"),
    )
    .await
    .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.calls, 2);
    assert_eq!(f.examples, ["x0", "x1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_error_spike_is_its_categorys_share() {
    let recent = |i: usize| {
        // Calls that did not answer before now fail at the carrier: the
        // answered share stays.
        if (7..10).contains(&(i % 20)) {
            Shape {
                answered: false,
                duration: 0,
                status: Status::Failed,
                code: "3090",
                ..normal(i)
            }
        } else {
            normal(i)
        }
    };
    // 15 % carrier errors.
    let f = only("alerts_carrier", &recent, &[], Some("category_rise"))
        .await
        .unwrap();
    assert_eq!(f.category.as_deref(), Some("carrier_error"));
    assert_eq!(f.calls, 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_calls_acd_cost_and_volume_each_move_their_own_finding() {
    // A seventh of the answered calls last 3 s (the average falls 14 %).
    let short = |i: usize| {
        let s = normal(i);
        if s.answered && i.is_multiple_of(10) {
            Shape { duration: 3, ..s }
        } else {
            s
        }
    };
    only("alerts_short", &short, &[], Some("short_calls")).await;
    // Calls half as long, at the same rate.
    let acd = |i: usize| {
        let s = normal(i);
        if s.answered {
            Shape { duration: 60, ..s }
        } else {
            s
        }
    };
    only("alerts_acd", &acd, &[], Some("acd_drop")).await;
    // The same minutes at twice the rate.
    let cost = |i: usize| Shape {
        rate: Some(0.02),
        ..normal(i)
    };
    let f = only("alerts_cost", &cost, &[], Some("cost_per_minute"))
        .await
        .unwrap();
    assert!(f.message.contains("0.0200 USD/min"), "{}", f.message);
    // Twice the calls.
    let more: Vec<(i64, Shape)> = (0..400).map(|i| (1, normal(i))).collect();
    let f = only("alerts_volume", &normal, &more, Some("volume"))
        .await
        .unwrap();
    assert_eq!(f.severity, Severity::Info);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_stuck_in_progress_and_answered_calls_never_priced_are_named() {
    let stuck = Shape {
        status: Status::InProgress,
        answered: false,
        ..normal(0)
    };
    let f = only(
        "alerts_stuck",
        &normal,
        &[(3, stuck.clone()), (4, stuck)],
        Some("stuck_in_progress"),
    )
    .await
    .unwrap();
    assert_eq!(f.calls, 2);
    assert_eq!(f.examples, ["x1", "x0"]);
    let unpriced = Shape {
        rate: None,
        ..normal(0)
    };
    let f = only(
        "alerts_unpriced",
        &normal,
        &[(2, unpriced.clone()), (3, unpriced.clone()), (5, unpriced)],
        Some("unpriced"),
    )
    .await
    .unwrap();
    assert_eq!(f.calls, 3);
    assert_eq!(f.examples.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_whose_provider_never_prices_calls_has_no_unpriced_finding() {
    // The same quiet weeks, but no call of the account ever has a cost
    // (a provider whose API gives none): not a late price.
    let never = |i: usize| Shape {
        rate: None,
        ..normal(i)
    };
    only_with("alerts_never_priced", &never, &never, &[], None).await;
}

/// A quarter of the calls by agent `asst-2`, the rest by `asst-1`.
fn two_agents(i: usize) -> Shape {
    Shape {
        agent: Some(if i.is_multiple_of(4) {
            "asst-2"
        } else {
            "asst-1"
        }),
        ..normal(i)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_agents_asr_drop_is_its_own_finding() {
    // asst-2 (100 of the 400 calls, 80 % of them answered) answers 50 %:
    // the account's ASR moves 7.5 points, under the threshold; the agent's 30.
    let recent = |i: usize| {
        let mut s = two_agents(i);
        if i.is_multiple_of(4) && (i / 4) % 10 >= 4 && (i / 4) % 10 < 7 {
            s = Shape {
                agent: s.agent,
                ..normal(9)
            };
        }
        s
    };
    let f = only_with("alerts_agent", &recent, &two_agents, &[], Some("asr_drop"))
        .await
        .unwrap();
    assert_eq!(f.agent.as_deref(), Some("asst-2"));
    assert_eq!(f.country, None);
    let c = f.figure.unwrap();
    assert!((c.now - 0.50).abs() < 1e-9, "{}", c.now);
    assert_eq!((c.week_ago, c.median), (Some(0.8), Some(0.8)));
    assert_eq!(c.calls, 100);
    assert!(
        f.message.contains("ASR of agent asst-2 fell to 50.0%"),
        "{}",
        f.message
    );
    assert_eq!(f.examples.len(), 3);
    // The examples are asst-2's calls.
    assert!(
        f.examples
            .iter()
            .all(|id| id.split('-').nth(1).unwrap().parse::<usize>().unwrap() % 4 == 0),
        "{:?}",
        f.examples
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_steady_agents_make_a_quiet_week() {
    only_with("alerts_agents_quiet", &two_agents, &two_agents, &[], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_across_a_providers_accounts_is_found_where_each_is_too_small() {
    // Two Plivo accounts of 200 calls a day, each under a `min_calls` of
    // 300: neither is judged alone; together (400) their ASR fell 70 -> 40.
    let mut seen = Vec::new();
    for mut store in stores("alerts_provider").await {
        let backend = store.backend();
        for account in ["eu", "us"] {
            for back in [1, 8, 15, 22, 29] {
                let calls: Vec<Call> = (0..200)
                    .map(|i| {
                        let mut s = normal(i);
                        if back == 1 && i % 10 >= 4 && i % 10 < 7 {
                            s = normal(9);
                        }
                        call(
                            format!("{account}-d{back}-{i}"),
                            day(back) + Duration::seconds(400 * i as i64),
                            &s,
                        )
                    })
                    .collect();
                store.upsert(account, &calls).await.unwrap();
            }
        }
        let mut q = AlertQuery::new(Utc::now());
        q.rules.min_calls = 300;
        let a = alerts(&store, &q).await.unwrap();
        let lines: Vec<String> = a.findings.iter().map(|f| f.line()).collect();
        assert_eq!(a.findings.len(), 1, "{backend}: {lines:#?}");
        let f = &a.findings[0];
        assert_eq!((f.kind, f.account.as_str()), ("asr_drop", "*"), "{backend}");
        assert_eq!(f.figure.as_ref().unwrap().calls, 400);
        assert!(
            f.message.contains("ASR across all accounts fell to 40.0%"),
            "{}",
            f.message
        );
        assert_eq!(
            f.examples.len(),
            3,
            "{backend}: examples from either account"
        );
        seen.push(lines);
        // One account alone has no provider scope beyond it.
        let mut one = AlertQuery::new(Utc::now());
        one.rules.min_calls = 300;
        one.account = Some("eu".into());
        assert!(
            alerts(&store, &one).await.unwrap().findings.is_empty(),
            "{backend}"
        );
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
}
