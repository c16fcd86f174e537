//! The per-day rollups, on both backends: random pages with random updates
//! (late prices, status changes, agents and campaigns that come and go,
//! calls sent twice in a page, webhooks merged into listed calls), the
//! store closed and opened again between rounds, and after each round the
//! rollups equal a recomputation from the calls, and the report's rows
//! read from them equal a scan of the calls for ranges cut anywhere.

use std::collections::BTreeMap;

use calllogs::{Call, Cost, Direction, Hangup, HangupCause, Raw, Status};
use calllogs_store::decimal::Decimal;
use calllogs_store::store::{AggFilter, AggKey, AggRow, Store, SyncState, WebhookEvent};
use chrono::{DateTime, Duration, TimeZone, Utc};

mod common;

/// A new SQLite file and a new PostgreSQL database for test `name`.
fn locations(name: &str) -> Vec<String> {
    common::locations("rollups", name)
}

/// xorshift64: the same pages on every run and both backends.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
        of[self.below(of.len() as u64) as usize]
    }
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
}

/// A random version of call `n`: the fields the report reads, each
/// sometimes absent.
fn random_call(rng: &mut Rng, n: u64) -> Call {
    let provider = if n.is_multiple_of(3) { "vapi" } else { "plivo" };
    let mut c = Call::new(provider, format!("call-{n:03}"));
    c.status = match rng.below(6) {
        0 => Status::Busy,
        1 => Status::Failed,
        2 => Status::NoAnswer,
        3 => Status::InProgress,
        _ => Status::Completed,
    };
    if !rng.chance(10) {
        // Starts over five days, at any second (part days at both ends).
        let start = base() + Duration::seconds(rng.below(5 * 86_400) as i64);
        c.started_at = Some(start);
        if rng.chance(50) {
            c.answered_at = Some(start + Duration::seconds(3));
        }
    }
    if rng.chance(80) {
        c.duration_s = Some(rng.below(600) as i64);
    }
    if rng.chance(50) {
        c.talk_time_s = Some(rng.below(500) as i64);
    }
    if rng.chance(70) {
        let amount = match rng.below(5) {
            0 => "abc".to_string(),
            1 => format!("-0.{:04}", rng.below(10_000)),
            _ => format!("0.{:05}", rng.below(100_000)),
        };
        let currency = rng.pick(&["USD", "USD", "EUR"]);
        c.cost = Some(Cost::new(&amount, currency));
    }
    let agents: Vec<serde_json::Value> = (0..rng.below(3))
        .map(|_| match rng.below(3) {
            0 => serde_json::json!({"name": rng.pick(&["Ada", "Bo"])}),
            1 => serde_json::json!({}),
            _ => serde_json::json!({"id": rng.pick(&["ag-1", "ag-2"]), "name": "x"}),
        })
        .collect();
    c.agents = serde_json::from_value(serde_json::Value::Array(agents)).unwrap();
    if rng.chance(40) {
        c.campaign = serde_json::from_value(
            serde_json::json!({"id": rng.pick(&["cmp-1", "cmp-2"]), "name": "spring"}),
        )
        .ok();
    }
    c.hangup = match rng.below(4) {
        0 => None,
        1 => Some(Hangup::of(HangupCause::NormalHangup)),
        2 => Some(Hangup::of(HangupCause::NoAnswer)),
        _ => Some(Hangup::of(HangupCause::DestinationOutOfService)),
    };
    // Numbers of several countries (one premium rate, one not E.164) on
    // either side: the country and premium sums follow the direction.
    c.direction = match rng.below(3) {
        0 => Direction::Inbound,
        1 => Direction::Outbound,
        _ => Direction::Unknown,
    };
    let numbers = [
        "+12015550123",
        "+4930123456",
        "+33612345678",
        "+19002345678",
        "client:bo",
    ];
    if rng.chance(85) {
        c.from = Some(rng.pick(&numbers).to_string());
    }
    if rng.chance(85) {
        c.to = Some(rng.pick(&numbers).to_string());
    }
    c.raw = Raw::from_value(&serde_json::json!({"id": c.id, "v": rng.next()}));
    c
}

fn state() -> SyncState {
    SyncState {
        running: true,
        since: None,
        until: None,
        updated_since: None,
        checkpoint: None,
        pages_done: 0,
        calls_seen: 0,
        synced_until: None,
        count_mismatches: Vec::new(),
    }
}

/// Rows of one group, summed (the rollups and the part days may give a
/// group in several rows).
type Folded = BTreeMap<
    (
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
    (i64, i64, i64, i64, i64, i64, Option<Decimal>),
>;

fn fold(rows: Vec<AggRow>) -> Folded {
    let mut out = Folded::new();
    for r in rows {
        let e = out
            .entry((r.key, r.status, r.category, r.cause, r.currency))
            .or_default();
        e.0 += r.calls;
        e.1 += r.answered;
        e.2 += r.duration.0;
        e.3 += r.duration.1;
        e.4 += r.talk.0;
        e.5 += r.talk.1;
        if let Some(d) = r.cost.as_deref().and_then(Decimal::parse) {
            e.6 = Some(e.6.unwrap_or_default() + d);
        }
    }
    out.retain(|_, v| v.0 != 0);
    out
}

const KEYS: [AggKey; 8] = [
    AggKey::None,
    AggKey::Provider,
    AggKey::Day,
    AggKey::Week,
    AggKey::Month,
    AggKey::Agent,
    AggKey::Campaign,
    AggKey::Country,
];

async fn check(store: &Store, rng: &mut Rng, round: usize) {
    let drift = store.verify_rollups().await.unwrap();
    assert!(
        drift.is_empty(),
        "round {round}: rollups drifted:\n{}",
        drift.join("\n")
    );
    // Ranges cut at random seconds, at midnight, open at either end.
    let mut filters = vec![AggFilter::default()];
    for _ in 0..3 {
        let a = base() + Duration::seconds(rng.below(6 * 86_400) as i64 - 43_200);
        let b = a + Duration::seconds(rng.below(3 * 86_400) as i64);
        filters.push(AggFilter {
            since: Some(a),
            until: Some(b),
            provider: None,
        });
        filters.push(AggFilter {
            since: Some(a),
            until: None,
            provider: Some("plivo".into()),
        });
        filters.push(AggFilter {
            since: None,
            until: Some(b),
            provider: None,
        });
    }
    filters.push(AggFilter {
        since: Some(base() + Duration::days(1)),
        until: Some(base() + Duration::days(3)),
        provider: None,
    });
    for f in &filters {
        for key in KEYS {
            let fast = fold(store.aggregate(key, f).await.unwrap());
            let scan = fold(store.aggregate_scan(key, f).await.unwrap());
            assert_eq!(fast, scan, "round {round}, {key:?}, {f:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_equal_a_recomputation_from_the_calls_after_every_round() {
    for db in locations("property") {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let mut store = Store::open(&db).await.unwrap();
        // The last listed page, to list again as a lookback does.
        let mut listed: Option<(String, Vec<Call>)> = None;
        for round in 0..24 {
            let page: Vec<Call> = (0..1 + rng.below(30))
                .map(|_| {
                    let n = rng.below(80);
                    random_call(&mut rng, n)
                })
                .collect();
            match rng.below(5) {
                4 if listed.is_some() => {
                    // The same records again (unchanged, unless another
                    // round changed them since) with calls never seen.
                    let (account, mut again) = listed.clone().unwrap_or_default();
                    let provider = again[0].provider.clone();
                    for i in 0..rng.below(8) {
                        let mut c = random_call(&mut rng, 1000 + round as u64 * 10 + i);
                        c.provider = provider.clone();
                        again.push(c);
                    }
                    store
                        .commit_page(&provider, &account, &again, &[], &state())
                        .await
                        .unwrap();
                }
                0 => {
                    store.upsert("a", &page).await.unwrap();
                }
                1 => {
                    // Webhooks: merged into the listed rows, each event new.
                    let events: Vec<WebhookEvent> = page
                        .iter()
                        .enumerate()
                        .map(|(i, c)| WebhookEvent {
                            provider: c.provider.clone(),
                            account: "a".into(),
                            key: format!("{}/{round}/{i}", c.id),
                            kind: "end".into(),
                            call_id: Some(c.id.clone()),
                            received_at: Utc::now(),
                            body: "{}".into(),
                            call: Some(c.clone()),
                        })
                        .collect();
                    store.ingest(&events).await.unwrap();
                }
                _ => {
                    let account = if rng.chance(20) { "b" } else { "a" };
                    let provider = page[0].provider.clone();
                    let page: Vec<Call> = page
                        .into_iter()
                        .filter(|c| c.provider == provider)
                        .collect();
                    store
                        .commit_page(&provider, account, &page, &[], &state())
                        .await
                        .unwrap();
                    listed = Some((account.to_string(), page));
                }
            }
            if round % 6 == 5 {
                // Closed and opened again: nothing kept outside the store.
                drop(store);
                store = Store::open(&db).await.unwrap();
            }
            check(&store, &mut rng, round).await;
        }
        assert!(store.count(None, None).await.unwrap() > 40, "{db}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_from_before_the_rollups_gets_them_built_once_from_its_calls() {
    // A SQLite file at schema 5 with calls in it, as the release before
    // the rollups left it.
    let dir = std::env::temp_dir().join(format!("calllogs-rollups-v5-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("calls.db");
    let mut rng = Rng(77);
    {
        let mut store = Store::open(path.to_str().unwrap()).await.unwrap();
        let page: Vec<Call> = (0..60).map(|n| random_call(&mut rng, n)).collect();
        store.upsert("a", &page).await.unwrap();
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE rollups; ALTER TABLE sync_state DROP COLUMN updated_since;
             PRAGMA user_version = 5;",
        )
        .unwrap();
    }
    let mut store = Store::open(path.to_str().unwrap()).await.unwrap();
    let drift = store.verify_rollups().await.unwrap();
    assert!(drift.is_empty(), "{}", drift.join("\n"));
    let all = fold(
        store
            .aggregate(AggKey::None, &AggFilter::default())
            .await
            .unwrap(),
    );
    let calls: i64 = all.values().map(|v| v.0).sum();
    assert_eq!(calls, store.count(None, None).await.unwrap() as i64);
    // The calls are found by their new keys: the same page again changes
    // nothing and adds nothing.
    let mut rng = Rng(77);
    let page: Vec<Call> = (0..60).map(|n| random_call(&mut rng, n)).collect();
    let again = store.upsert("a", &page).await.unwrap();
    assert_eq!((again.new, again.unchanged), (0, 60));
    let _ = std::fs::remove_dir_all(dir);
}
