//! Sync against the emulators: every test body runs on
//! both backends (SQLite, and a throwaway PostgreSQL cluster; see
//! `calllogs-pgtest`).

use std::sync::atomic::{AtomicU32, Ordering};

use calllogs::emulator::{Config, Running, start};
use calllogs::{
    Call, CallQuery, Page, PageToken, PagingSpec, Provider, Result, async_trait, registry,
};
use calllogs_store::store::Store;
use calllogs_store::sync::{self, SyncOptions};
use chrono::{Duration, Utc};

/// One store per backend: SQLite in memory, and a new PostgreSQL database
/// (absent only outside CI on a machine without PostgreSQL).
async fn stores(name: &str) -> Vec<Store> {
    let mut stores = vec![Store::in_memory().unwrap()];
    if let Some(pg) = calllogs_pgtest::shared() {
        stores.push(Store::open(&pg.database(name)).await.unwrap());
    }
    stores
}

fn month() -> SyncOptions {
    SyncOptions {
        since: Some(Utc::now() - Duration::days(31)),
        ..SyncOptions::default()
    }
}

fn ids_of(emu: &Running) -> Vec<String> {
    let mut ids: Vec<String> = emu.calls().into_iter().map(|c| c.id).collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_cost_is_updated_by_the_next_sync() {
    for store in stores("late_cost").await {
        late_cost(store).await;
    }
}

async fn late_cost(mut store: Store) {
    let backend = store.backend();
    let emu = start(
        "plivo",
        Config {
            calls: 200,
            seed: 21,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let provider = registry::build("plivo", &emu.settings()).unwrap();
    let first = sync::run(&mut store, provider.as_ref(), &month(), |_| {})
        .await
        .unwrap();
    assert_eq!(first.upserted.new, 200, "{backend}");

    let newest = emu.calls().into_iter().max_by_key(|c| c.ended_at).unwrap();
    assert!(
        newest.ended_at.unwrap() > Utc::now() - Duration::hours(23),
        "precondition: inside the lookback"
    );
    emu.update(|calls| {
        let c = calls.iter_mut().find(|c| c.id == newest.id).unwrap();
        c.cost_units += 123;
    });
    let second = sync::run(
        &mut store,
        provider.as_ref(),
        &SyncOptions::default(),
        |_| {},
    )
    .await
    .unwrap();
    assert!(
        second.since.unwrap() > Utc::now() - Duration::hours(25),
        "the lookback, not the whole month"
    );
    assert_eq!(second.upserted.updated, 1, "{backend}: {second:?}");
    assert_eq!(
        second.upserted.unchanged,
        second.calls - 1,
        "{backend}: the others are unchanged"
    );
    let cost = store
        .get("plivo", &provider.account(), &newest.id)
        .await
        .unwrap()
        .unwrap()
        .cost_amount
        .unwrap();
    assert_eq!(
        cost,
        emu.calls()
            .iter()
            .find(|c| c.id == newest.id)
            .unwrap()
            .cost(),
        "{backend}"
    );
    assert_eq!(store.count(None, None).await.unwrap(), 200, "{backend}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_and_accounts_do_not_mix() {
    let dir = std::env::temp_dir().join(format!("calllogs-sync-mix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mix.db");
    let _ = std::fs::remove_file(&path);
    let mut backends = vec![Store::open(path.to_str().unwrap()).await.unwrap()];
    backends.extend(stores("mix").await.into_iter().skip(1));
    for store in backends {
        mix(store).await;
    }
    let _ = std::fs::remove_dir_all(dir);
}

async fn mix(mut store: Store) {
    let backend = store.backend();
    let a = start(
        "plivo",
        Config {
            calls: 120,
            seed: 1,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let b = start(
        "plivo",
        Config {
            calls: 80,
            seed: 2,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let c = start(
        "superu",
        Config {
            calls: 60,
            seed: 3,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let mut accounts = Vec::new();
    for emu in [&a, &b, &c] {
        let provider = registry::build(emu.provider(), &emu.settings()).unwrap();
        let s = sync::run(&mut store, provider.as_ref(), &month(), |_| {})
            .await
            .unwrap();
        accounts.push((emu.provider(), s.account.clone()));
        assert_eq!(
            store.ids(emu.provider(), &s.account).await.unwrap(),
            ids_of(emu),
            "{backend}"
        );
    }
    assert_ne!(
        accounts[0].1, accounts[1].1,
        "two Plivo accounts, two labels"
    );
    assert_eq!(store.count(None, None).await.unwrap(), 260, "{backend}");
    assert_eq!(store.accounts().await.unwrap().len(), 3, "{backend}");
    // The label never shows the credential.
    let auth_id = &a.credentials()[0].1;
    assert!(!accounts[0].1.contains(auth_id.as_str()));
}

/// Serves like `inner` but fails every call after `fail_after` pages.
struct Flaky {
    inner: calllogs::DynProvider,
    fail_after: u32,
    pages: AtomicU32,
}

#[async_trait]
impl Provider for Flaky {
    fn id(&self) -> &'static str {
        self.inner.id()
    }
    fn paging(&self) -> PagingSpec {
        self.inner.paging()
    }
    fn account(&self) -> String {
        self.inner.account()
    }
    async fn page(&self, q: &CallQuery, t: &PageToken) -> Result<Page<Call>> {
        if self.pages.fetch_add(1, Ordering::SeqCst) >= self.fail_after {
            return Err(calllogs::Error::Paging {
                provider: "plivo",
                message: "the network went away".into(),
            });
        }
        self.inner.page(q, t).await
    }
    fn decode_page(&self, body: &[u8]) -> Result<Page<Call>> {
        self.inner.decode_page(body)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_sync_resumes_at_its_checkpoint() {
    for store in stores("resume").await {
        resume(store).await;
    }
}

async fn resume(mut store: Store) {
    let backend = store.backend();
    let emu = start(
        "plivo",
        Config {
            calls: 300,
            seed: 22,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let real = registry::build("plivo", &emu.settings()).unwrap();
    // Plivo announces its total: in one window (under 30 days) the progress
    // knows from the first page what is coming; over two, from the last
    // window's first page.
    for (days, known_at_once) in [(20, true), (31, false)] {
        let mut heard = Vec::new();
        let mut probe = Store::in_memory().unwrap();
        let opts = SyncOptions {
            since: Some(Utc::now() - Duration::days(days)),
            ..SyncOptions::default()
        };
        let s = sync::run(&mut probe, real.as_ref(), &opts, |p| {
            heard.push((p.calls, p.expected))
        })
        .await
        .unwrap();
        assert_eq!(
            heard.last().unwrap(),
            &(s.calls, Some(s.calls)),
            "{heard:?}"
        );
        assert_eq!(
            heard.iter().all(|(_, e)| *e == Some(s.calls)),
            known_at_once,
            "{days} days: {heard:?}"
        );
    }
    let flaky = Flaky {
        inner: real.clone(),
        fail_after: 4,
        pages: AtomicU32::new(0),
    };
    assert!(
        sync::run(&mut store, &flaky, &month(), |_| {})
            .await
            .is_err()
    );
    let account = real.account();
    let state = store.state("plivo", &account).await.unwrap().unwrap();
    assert!(state.running && state.checkpoint.is_some(), "{backend}");
    assert_eq!(
        (state.pages_done, store.count(None, None).await.unwrap()),
        (4, 80),
        "{backend}"
    );

    let requests_before = emu.requests();
    let resumed = sync::run(&mut store, real.as_ref(), &SyncOptions::default(), |_| {})
        .await
        .unwrap();
    assert!(resumed.resumed, "{backend}");
    assert_eq!(resumed.calls, 220, "{backend}: only what was left");
    assert_eq!(
        emu.requests() - requests_before,
        11 + 1,
        "{backend}: no page fetched twice (11 pages + the empty last window)"
    );
    assert_eq!(
        store.ids("plivo", &account).await.unwrap(),
        ids_of(&emu),
        "{backend}"
    );
    let state = store.state("plivo", &account).await.unwrap().unwrap();
    assert!(
        !state.running && state.checkpoint.is_none() && state.synced_until.is_some(),
        "{backend}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_past_a_result_cap_is_split_and_synced_once_across_an_interruption() {
    for store in stores("result_cap").await {
        capped(store).await;
    }
}

/// Aircall lists at most 10,000 calls a query: 25,000 calls in one hour
/// of a three-day sync are split into parts, the sync is cut off inside
/// them, and the resumed sync stores every call once, within 10 % of the
/// requests an uncapped API would need.
async fn capped(mut store: Store) {
    let backend = store.backend();
    let emu = start(
        "aircall",
        Config {
            calls: 25_000,
            seed: 5,
            within: Some(std::time::Duration::from_secs(3_600)),
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let real = registry::build("aircall", &emu.settings()).unwrap();
    let opts = SyncOptions {
        since: Some(Utc::now() - Duration::days(3)),
        ..SyncOptions::default()
    };
    // Cut off after 250 pages: inside the split busy day.
    let flaky = Flaky {
        inner: real.clone(),
        fail_after: 250,
        pages: AtomicU32::new(0),
    };
    assert!(sync::run(&mut store, &flaky, &opts, |_| {}).await.is_err());
    let account = real.account();
    let state = store.state("aircall", &account).await.unwrap().unwrap();
    let checkpoint = state
        .checkpoint
        .expect("a checkpoint inside the split window");
    let part = checkpoint.windows[0];
    assert!(
        part.until.unwrap() - part.since.unwrap() < Duration::hours(1),
        "{backend}: the checkpoint names a part of the busy day: {part:?}"
    );
    let resumed = sync::run(&mut store, real.as_ref(), &SyncOptions::default(), |_| {})
        .await
        .unwrap();
    assert!(resumed.resumed, "{backend}");
    assert_eq!(
        store.ids("aircall", &account).await.unwrap(),
        ids_of(&emu),
        "{backend}: every call, once"
    );
    let bound = 25_000u64.div_ceil(50) + 3;
    let requests = emu.requests();
    assert!(
        requests >= bound && requests as f64 <= bound as f64 * 1.1,
        "{backend}: {requests} requests against a bound of {bound}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_covers_the_range_from_the_first_page_on() {
    // Plivo pulls at most 30 days a window: 80 days are three windows, and
    // the share of the range done is known long before the last one's total.
    let emu = start(
        "plivo",
        Config {
            calls: 900,
            seed: 4,
            days: 80,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let provider = registry::build("plivo", &emu.settings()).unwrap();
    let opts = SyncOptions {
        since: Some(Utc::now() - Duration::days(85)),
        ..SyncOptions::default()
    };
    let mut store = Store::in_memory().unwrap();
    let mut seen: Vec<(Option<f64>, usize, Option<u64>)> = Vec::new();
    sync::run(&mut store, provider.as_ref(), &opts, |p| {
        seen.push((p.covered, p.windows_left, p.expected))
    })
    .await
    .unwrap();
    assert!(seen.len() > 3, "{seen:?}");
    let (first, windows, expected) = seen[0];
    assert!(windows >= 3, "{seen:?}");
    assert!(
        expected.is_none(),
        "the total is unknown while windows remain"
    );
    let first = first.expect("the range covered is known from the first page");
    assert!(first > 0.0 && first < 0.5, "{first}");
    let covered: Vec<f64> = seen.iter().map(|s| s.0.unwrap()).collect();
    assert!(
        covered.windows(2).all(|w| w[1] >= w[0] - 1e-9),
        "never backwards: {covered:?}"
    );
    assert_eq!(*covered.last().unwrap(), 1.0);
    assert_eq!(seen.last().unwrap().1, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_lists_by_update_time_is_asked_only_what_changed() {
    for store in stores("by_update").await {
        by_update(store).await;
    }
}

async fn by_update(mut store: Store) {
    let backend = store.backend();
    let emu = start(
        "vapi",
        Config {
            calls: 400,
            seed: 5,
            days: 20,
            // Every call ended over an hour ago: nothing changes unless the
            // test changes it.
            now: Some(Utc::now() - Duration::hours(2)),
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let provider = registry::build("vapi", &emu.settings()).unwrap();
    let first = sync::run(&mut store, provider.as_ref(), &month(), |_| {})
        .await
        .unwrap();
    assert_eq!(first.upserted.new, 400, "{backend}");
    assert_eq!(first.updated_since, None, "a first run reads its range");

    // Nothing changed: one request, whatever the lookback would have read.
    let before = emu.requests();
    let again = sync::run(
        &mut store,
        provider.as_ref(),
        &SyncOptions::default(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(emu.requests() - before, 1, "{backend}: {again:?}");
    assert_eq!(again.since, None);
    assert!(
        again
            .updated_since
            .is_some_and(|t| t < first.until.unwrap())
    );
    assert_eq!(again.upserted.new + again.upserted.updated, 0, "{backend}");

    // A call of two weeks ago gets a late price: the next run finds it in
    // one page (and one more request that confirms the end, as a time
    // cursor must: a short page is not trusted to be the last), and stores
    // the new cost.
    let old = emu
        .calls()
        .into_iter()
        .find(|c| {
            c.ended_at
                .is_some_and(|e| e < Utc::now() - Duration::days(14))
        })
        .unwrap();
    emu.update(|calls| {
        let c = calls.iter_mut().find(|c| c.id == old.id).unwrap();
        c.cost_units += 4_321;
        c.updated_at = Some(Utc::now());
    });
    let before = emu.requests();
    let third = sync::run(
        &mut store,
        provider.as_ref(),
        &SyncOptions::default(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(emu.requests() - before, 2, "{backend}");
    assert_eq!(third.upserted.updated, 1, "{backend}: {third:?}");
    let stored = store
        .get("vapi", &third.account, &old.id)
        .await
        .unwrap()
        .unwrap();
    let want = emu.calls().into_iter().find(|c| c.id == old.id).unwrap();
    assert_eq!(
        stored
            .cost_amount
            .as_deref()
            .and_then(|c| c.parse::<f64>().ok()),
        Some(want.cost_units as f64 / 100_000.0),
        "{backend}"
    );
    assert_eq!(store.count(Some("vapi"), None).await.unwrap(), 400);
    let drift = store.verify_rollups().await.unwrap();
    assert!(drift.is_empty(), "{backend}: {}", drift.join("\n"));
}
