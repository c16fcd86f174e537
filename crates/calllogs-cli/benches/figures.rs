//! The figures of `cargo xtask bench`: each a ratio against a baseline run
//! in the same process, never a timed assertion.
//!
//! 1. normalization throughput per provider, against a plain
//!    `serde_json::from_slice::<Value>` of the same bytes;
//! 2. a 20,000-call Plivo pull from the in-process emulator with 25 ms
//!    latency and a rate limit: wall time against the rate-limit bound and
//!    against a sequential page-by-page loop over the same emulator;
//! 3. requests per pull against ceil(calls / largest page) + 1, and store
//!    bytes per call (SQLite, PostgreSQL) against the same calls as NDJSON;
//! 4. a Plivo sync of 100,000 (and, in the full run, 1,000,000 and
//!    3,000,000) calls from the emulator: calls per second and the time per
//!    100,000 calls, peak RSS (against the smaller run), and the report's
//!    time over the stored calls (read from the rollups), each larger run
//!    against the smallest;
//! 5. eight accounts synced together (`fleet::sync`) against the slowest of
//!    them synced alone;
//! 6. PostgreSQL: twelve accounts at 25 ms latency synced by one
//!    `calllogs sync --config` process against three sharing them, and
//!    upserts per second (20 calls a page, committed per page) into
//!    PostgreSQL against SQLite;
//! 8. webhooks acknowledged per second by `listen` at 50 concurrent
//!    senders, into SQLite and PostgreSQL, with p50/p99 acknowledgement
//!    latency, against the same load committed one transaction per request.
//!
//! `--quick` shortens (2)'s sequential baseline (measured on part of the
//! pull, compared per page). Results also go to `target/bench/latest.json`.

use std::time::{Duration, Instant};

use calllogs::{CallQuery, HttpConfig, ProviderStreams, RetryPolicy, registry};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

fn best_of<T>(rounds: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..rounds {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("at least one round"))
}

fn normalize_figures(quick: bool) -> Value {
    let calls = if quick { 10_000 } else { 40_000 };
    let mut out = serde_json::Map::new();
    for p in calllogs::emulator::providers() {
        let page_size = if p == "plivo" { 20 } else { 100 };
        let pages = calllogs::emulator::sample_pages(p, calls, page_size, 7).expect("an emulator");
        let bytes: usize = pages.iter().map(Vec::len).sum();
        let provider = registry::build(p, &calllogs::Settings::new().without_env()).expect("built");
        let rounds = if quick { 3 } else { 7 };
        // Interleave the two so machine noise hits both alike.
        let (mut t_value, mut t_norm) = (Duration::MAX, Duration::MAX);
        for _ in 0..rounds {
            let (t, n) = best_of(1, || {
                pages
                    .iter()
                    .map(|b| serde_json::from_slice::<Value>(b).map(|_| 1).unwrap_or(0))
                    .sum::<usize>()
            });
            assert_eq!(n, pages.len());
            t_value = t_value.min(t);
            let (t, n) = best_of(1, || {
                pages
                    .iter()
                    .map(|b| provider.decode_page(b).map(|p| p.items.len()).unwrap_or(0))
                    .sum::<usize>()
            });
            assert_eq!(n, calls, "{p}: every call normalized");
            t_norm = t_norm.min(t);
        }
        let rate = calls as f64 / t_norm.as_secs_f64();
        let ratio = t_value.as_secs_f64() / t_norm.as_secs_f64();
        println!(
            "normalize {p:<10} {rate:>10.0} calls/s ({:.1} MB/s); {ratio:.2}x the serde_json::Value parse rate of the same bytes",
            bytes as f64 / t_norm.as_secs_f64() / 1e6
        );
        out.insert(p.into(), json!({"calls_per_s": rate, "ratio_to_value_parse": ratio, "bytes": bytes, "calls": calls}));
    }
    Value::Object(out)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Figure 2: a 20,000-call Plivo pull against the emulator's rate limit.
fn pull_figures(quick: bool) -> Value {
    const CALLS: usize = 20_000;
    const SERVER_RATE: f64 = 400.0;
    let latency = Duration::from_millis(25);
    runtime().block_on(async {
        let config = calllogs::emulator::Config {
            calls: CALLS,
            seed: 3,
            latency,
            rate_limit: Some(SERVER_RATE),
            ..calllogs::emulator::Config::default()
        };
        let emu = calllogs::emulator::start("plivo", config).await.expect("emulator");
        let client = |concurrency: Option<usize>| {
            let mut http = HttpConfig::default();
            // The published limit is a setting; a client stays just under it.
            http.rate_limit = Some(SERVER_RATE * 0.95);
            http.concurrency = concurrency;
            http.retry = RetryPolicy { max_attempts: 10, ..RetryPolicy::default() };
            registry::build("plivo", &emu.settings().http(http)).expect("provider")
        };
        let q = CallQuery::new().since(chrono::Utc::now() - chrono::Duration::days(31));

        let provider = client(None);
        let before = (emu.requests(), emu.rate_limited());
        let t = Instant::now();
        let calls: Vec<_> = provider.calls(q.clone()).try_collect().await.expect("the pull");
        let wall = t.elapsed().as_secs_f64();
        assert_eq!(calls.len(), CALLS, "every call");
        let pages = (emu.requests() - before.0 - (emu.rate_limited() - before.1)) as f64;
        let throttled = emu.rate_limited() - before.1;
        let bound = pages / SERVER_RATE;

        // The same pull one page at a time (in --quick, its first quarter,
        // compared per page).
        let sequential = client(Some(1));
        let share = if quick { 4 } else { 1 };
        tokio::time::sleep(Duration::from_secs(1)).await; // let the server's bucket refill
        let t = Instant::now();
        let n = sequential
            .calls(q)
            .take(CALLS / share)
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .expect("the sequential pull");
        let seq_wall = t.elapsed().as_secs_f64() * (CALLS as f64 / n as f64);
        let concurrency = provider.concurrency();
        println!(
            "pull      plivo {CALLS} calls, {pages:.0} pages, 25 ms latency, limit {SERVER_RATE:.0} req/s: {wall:.2}s at concurrency {concurrency} = {:.2}x the rate-limit bound ({bound:.2}s); {:.1}x faster than one page at a time ({seq_wall:.1}s{}); {throttled} 429s",
            wall / bound,
            seq_wall / wall,
            if quick { ", measured on a quarter" } else { "" },
        );
        json!({"calls": CALLS, "pages": pages, "latency_ms": 25, "server_rate": SERVER_RATE, "concurrency": concurrency,
               "wall_s": wall, "bound_s": bound, "ratio_to_bound": wall / bound,
               "sequential_s": seq_wall, "speedup_vs_sequential": seq_wall / wall, "throttled": throttled})
    })
}

/// The peak resident set of a process, polled from /proc until it exits.
fn peak_rss_kib(mut child: std::process::Child) -> (u64, bool) {
    let path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&path)
            && let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => return (peak, status.success()),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => return (peak, false),
        }
    }
}

/// The release `calllogs` binary `cargo xtask bench` built.
fn calllogs_bin() -> Option<String> {
    let bin = std::env::var("CALLLOGS_BIN").unwrap_or_else(|_| {
        format!(
            "{}/../../target/release/calllogs",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    std::path::Path::new(&bin).exists().then_some(bin)
}

/// An emulator of `calls` calls over the 28 days before `now` (a pull of
/// the last 29 days is one window for every provider), no latency, no
/// faults, no rate limit.
fn one_window_emulator(
    rt: &tokio::runtime::Runtime,
    id: &str,
    calls: usize,
    seed: u64,
    now: chrono::DateTime<chrono::Utc>,
) -> calllogs::emulator::Running {
    let config = calllogs::emulator::Config {
        calls,
        seed,
        days: 28,
        now: Some(now),
        ..calllogs::emulator::Config::default()
    };
    rt.block_on(calllogs::emulator::start(id, config))
        .expect("an emulator")
}

/// Figure 3: requests per pull against the least a provider's largest page
/// allows, and bytes per call in each store against the same calls as
/// NDJSON (with `raw`, as `calllogs fetch` writes them).
fn requests_and_size_figures(quick: bool) -> Value {
    use futures::TryStreamExt as _;
    let calls = if quick { 5_000 } else { 20_000 };
    let rt = runtime();
    let dir = std::env::temp_dir().join(format!("calllogs-bench-size-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let pg = calllogs_pgtest::shared();
    let mut out = serde_json::Map::new();
    let now = chrono::Utc::now();
    for id in calllogs::emulator::providers() {
        if registry::info(id).is_err() {
            continue;
        }
        let emu = one_window_emulator(&rt, id, calls, 4, now);
        let mut http = HttpConfig::default();
        http.rate_limit = Some(1_000_000.0);
        let provider = registry::build(id, &emu.settings().http(http)).expect("built");
        // 29 days: one window, or (a provider with a longest window) as
        // many as it takes.
        let span = chrono::Duration::days(29);
        let query = CallQuery::new().since(now - span);
        let before = emu.requests();
        let fetched: Vec<calllogs::Call> = rt
            .block_on(provider.calls(query).try_collect())
            .expect("a pull");
        let requests = emu.requests() - before;
        let paging = provider.paging();
        let largest = paging.max_page_size as usize;
        // A time cursor re-reads the oldest instant of each page and ends
        // only on a page that brings nothing new: one more request. Every
        // window costs at least one request (an empty one too), and a
        // list-then-detail provider one more per call:
        // ceil(N / page) + windows + N.
        let confirm = usize::from(paging.style == calllogs::PagingStyle::TimeCursor);
        let windows = paging.max_window.map_or(1, |w| {
            (span.num_seconds() as usize).div_ceil(w.num_seconds().max(1) as usize)
        });
        let details = if paging.detail == Some(true) {
            fetched.len()
        } else {
            0
        };
        let bound = fetched.len().div_ceil(largest) + windows + confirm + details;
        let ndjson: usize = fetched
            .iter()
            .map(|c| serde_json::to_string(c).map_or(0, |s| s.len() + 1))
            .sum();
        let opts = calllogs::sync::SyncOptions {
            since: Some(now - chrono::Duration::days(29)),
            ..calllogs::sync::SyncOptions::default()
        };
        let mut stores = vec![(
            "sqlite",
            dir.join(format!("{id}.db")).to_string_lossy().into_owned(),
        )];
        if let Some(pg) = pg {
            stores.push(("postgres", pg.database(&format!("size_{id}"))));
        }
        let mut sizes = serde_json::Map::new();
        let mut line = format!(
            "size      {id:<10} {} calls: {requests} requests (bound {bound}, largest page {largest}); NDJSON {:.0} B/call",
            fetched.len(),
            ndjson as f64 / fetched.len().max(1) as f64
        );
        for (backend, db) in stores {
            let _ = std::fs::remove_file(&db);
            let bytes = rt.block_on(async {
                let mut store = calllogs::store::Store::open(&db).await.expect("a store");
                calllogs::sync::run(&mut store, provider.as_ref(), &opts, |_| {})
                    .await
                    .expect("a sync");
                store.calls_bytes().await.expect("its size")
            });
            let ratio = bytes as f64 / ndjson.max(1) as f64;
            line += &format!(
                "; {backend} {:.0} B/call = {ratio:.2}x",
                bytes as f64 / fetched.len().max(1) as f64
            );
            sizes.insert(backend.into(), json!({"bytes": bytes, "ratio": ratio}));
        }
        println!("{line}");
        out.insert(
            id.to_string(),
            json!({"calls": fetched.len(), "requests": requests, "bound": bound, "details": details,
                   "ndjson_bytes": ndjson, "stores": sizes}),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Value::Object(out)
}

/// Figure 4: a Plivo sync of many calls (the `calllogs` binary, its own
/// process) from the emulator with no latency and no rate limit: calls per
/// second, peak RSS, and `report` (terminal and HTML) over the stored calls.
fn scale_figures(quick: bool) -> Value {
    let Some(bin) = calllogs_bin() else {
        println!("scale     skipped: no calllogs binary (cargo xtask bench builds it)");
        return json!({"skipped": true});
    };
    let rt = runtime();
    let dir = std::env::temp_dir().join(format!("calllogs-bench-scale-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let sizes: &[usize] = if quick {
        &[20_000, 100_000]
    } else {
        &[100_000, 1_000_000, 3_000_000]
    };
    let mut out = serde_json::Map::new();
    let mut rss = Vec::new();
    let mut rates = Vec::new();
    for &calls in sizes {
        let now = chrono::Utc::now();
        let emu = one_window_emulator(&rt, "plivo", calls, 9, now);
        let db = dir.join(format!("scale-{calls}.db"));
        let _ = std::fs::remove_file(&db);
        let db = db.to_string_lossy().into_owned();
        let since = (now - chrono::Duration::days(29)).to_rfc3339();
        let t = Instant::now();
        let child = std::process::Command::new(&bin)
            .args(["sync", "--provider", "plivo", "--db", &db, "--base-url"])
            .arg(emu.base_url())
            .args(["--since", &since, "--quiet", "--rate-limit", "1000000"])
            .envs(emu.credentials())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("calllogs sync");
        let (kib, ok) = peak_rss_kib(child);
        let secs = t.elapsed().as_secs_f64();
        let stored = calllogs::store::SqliteStore::open(&db)
            .ok()
            .and_then(|s| s.count(None, None).ok())
            .unwrap_or(0);
        assert!(
            ok && stored == calls as u64,
            "the sync of {calls} calls stored {stored}"
        );
        let timed = |args: &[&str]| {
            let t = Instant::now();
            let o = std::process::Command::new(&bin)
                .args(args)
                .output()
                .expect("calllogs report");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            t.elapsed().as_secs_f64()
        };
        let report = timed(&["report", "--db", &db]);
        let html_file = dir.join("report.html");
        let html = timed(&[
            "report",
            "--db",
            &db,
            "--html",
            &html_file.to_string_lossy(),
        ]);
        // Alerts read the same rollups, more days of them (the baselines).
        let alerts = timed(&["alerts", "--db", &db, "--fail-on", "never"]);
        // Destinations from the rollups by country; the audit scans the
        // calls of its 30 days (billed minutes per call, two passes for
        // the outliers).
        let by_country = timed(&["report", "--db", &db, "--by", "country"]);
        let audit = timed(&["audit", "--db", &db, "--fail-on", "never"]);
        let rate = calls as f64 / secs;
        let per = secs * 100_000.0 / calls as f64;
        println!(
            "scale     plivo sync of {calls:>7} calls, no latency, no rate limit: {secs:.1}s = {rate:.0} calls/s ({per:.2}s per 100,000); peak RSS {:.1} MiB; report {report:.2}s, report --html {html:.2}s, alerts {alerts:.2}s = {:.2}x the report (goal <= 2x), report --by country {by_country:.2}s = {:.2}x, audit {audit:.2}s",
            kib as f64 / 1024.0,
            alerts / report.max(1e-9),
            by_country / report.max(1e-9)
        );
        rates.push((calls, rate, report));
        rss.push(kib);
        out.insert(
            calls.to_string(),
            json!({"seconds": secs, "calls_per_s": rate, "peak_rss_kib": kib,
                   "report_s": report, "html_s": html, "alerts_s": alerts,
                   "alerts_vs_report": alerts / report.max(1e-9),
                   "by_country_s": by_country,
                   "by_country_vs_report": by_country / report.max(1e-9),
                   "audit_s": audit}),
        );
    }
    if let [small, large, ..] = rss[..] {
        let ratio = large as f64 / small.max(1) as f64;
        println!(
            "scale     {} calls use {ratio:.2}x the peak RSS of {}",
            sizes[1], sizes[0]
        );
        out.insert("rss_ratio".into(), json!(ratio));
    }
    // Growth: each larger sync's rate, and its report's time, against the
    // smallest's (flat cost: 1.0x).
    if let Some(&(base, base_rate, base_report)) = rates.first() {
        for &(calls, rate, report) in &rates[1..] {
            println!(
                "scale     {calls} calls: sync rate {:.2}x the {base}-call rate (goal >= 0.8x); report {:.2}x its time at {base} (goal <= 1.2x)",
                rate / base_rate,
                report / base_report.max(1e-9)
            );
            out.insert(
                format!("growth_{calls}"),
                json!({"rate_ratio": rate / base_rate, "report_ratio": report / base_report.max(1e-9)}),
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Value::Object(out)
}

/// Figure 5: eight accounts (two per emulator, four emulators at 25 ms
/// latency) synced by one `fleet::sync`, against the slowest of the same
/// accounts synced alone, in the same run.
fn fleet_figures(quick: bool) -> Value {
    use calllogs::config::{Config, Source};
    // Enough calls that each account is a few seconds of round trips
    // (with every provider's largest page, a thousand calls take a handful).
    let calls = if quick { 6_000 } else { 20_000 };
    let rt = runtime();
    let dir = std::env::temp_dir().join(format!("calllogs-bench-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    let mut emulators = Vec::new();
    let mut text = String::from("first_window = \"31d\"\n");
    for id in calllogs::emulator::providers() {
        // An emulator whose provider is not compiled in has no account here.
        if registry::info(id).is_err() {
            continue;
        }
        let config = calllogs::emulator::Config {
            calls,
            latency: Duration::from_millis(25),
            ..calllogs::emulator::Config::default()
        };
        let emu = rt
            .block_on(calllogs::emulator::start(id, config))
            .expect("an emulator");
        for k in 1..=2 {
            text += &calllogs::config::account_entry(
                &format!("{id}-{k}"),
                id,
                &emu.base_url(),
                &emu.credentials(),
                &calllogs::registry::REGISTRY,
            )
            .expect("a registered provider");
        }
        emulators.push(emu);
    }
    let config = Config::parse(
        &text,
        &Source::private("bench.toml"),
        &|_| None,
        &calllogs::registry::REGISTRY,
    )
    .expect("a config");
    let all: Vec<_> = config.accounts.iter().collect();
    let run = |accounts: &[&calllogs::config::Account], db: &str| {
        let db = calllogs::store::Target::Sqlite(dir.join(db));
        let started = Instant::now();
        let opts = calllogs::fleet::FleetOptions::default();
        let run = rt
            .block_on(async {
                let store = calllogs::store::Store::open_target(&db).await?;
                calllogs::fleet::sync(accounts, &store, &opts, |_, _| {}).await
            })
            .expect("a store");
        assert!(
            run.results.iter().all(|r| r.outcome.is_ok()),
            "every account synced"
        );
        started.elapsed()
    };
    let fleet = run(&all, "fleet.db");
    let mut slowest = (Duration::ZERO, String::new());
    for a in &all {
        let alone = run(&[*a], &format!("{}.db", a.name));
        if alone > slowest.0 {
            slowest = (alone, a.name.clone());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ratio = fleet.as_secs_f64() / slowest.0.as_secs_f64();
    println!(
        "fleet     {} accounts x {calls} calls, 25 ms latency: {:.2}s together = {ratio:.2}x the slowest account alone ({}, {:.2}s)",
        all.len(),
        fleet.as_secs_f64(),
        slowest.1,
        slowest.0.as_secs_f64()
    );
    json!({"accounts": all.len(), "calls_per_account": calls, "fleet_s": fleet.as_secs_f64(),
           "slowest_alone_s": slowest.0.as_secs_f64(), "slowest": slowest.1, "ratio": ratio})
}

/// Writes the `[[accounts]]` of `accounts` (name, provider, emulator) with
/// `db` into a private config file at `path`.
fn write_config(
    path: &std::path::Path,
    db: &str,
    accounts: &[(String, &str, &calllogs::emulator::Running)],
) {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut text = format!("db = {db:?}\nfirst_window = \"31d\"\n");
    for (name, id, emu) in accounts {
        text += &calllogs::config::account_entry(
            name,
            id,
            &emu.base_url(),
            &emu.credentials(),
            &calllogs::registry::REGISTRY,
        )
        .expect("a registered provider");
    }
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .expect("a config file");
    f.write_all(text.as_bytes()).expect("written");
}

/// Figure 6: PostgreSQL as the shared store.
fn postgres_figures(quick: bool) -> Value {
    let Some(bin) = calllogs_bin() else {
        println!("postgres  skipped: no calllogs binary (cargo xtask bench builds it)");
        return json!({"skipped": "no binary"});
    };
    let Some(pg) = calllogs_pgtest::shared() else {
        println!("postgres  skipped: no PostgreSQL server binaries on this machine");
        return json!({"skipped": "no PostgreSQL"});
    };
    let rt = runtime();
    let dir = std::env::temp_dir().join(format!("calllogs-bench-pg-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);

    // (a) Twelve accounts, 25 ms latency: one process, then three. The
    // accounts are of the providers paged by a cursor (each page needs the
    // one before), so each account's sync is a chain of round trips: the
    // latency-bound work a fleet is made of. (Providers with a known total
    // fetch pages in parallel and finish several times sooner, which makes
    // a mixed fleet's figure depend on which account is claimed last.)
    let calls = if quick { 8_000 } else { 20_000 };
    let mut emulators = Vec::new();
    for id in ["superu", "unpod"] {
        if registry::info(id).is_err() {
            continue;
        }
        let config = calllogs::emulator::Config {
            calls,
            latency: Duration::from_millis(25),
            ..calllogs::emulator::Config::default()
        };
        emulators.push((
            id,
            rt.block_on(calllogs::emulator::start(id, config))
                .expect("an emulator"),
        ));
    }
    let mut accounts = Vec::new();
    for k in 0..12 {
        let (id, emu) = &emulators[k % emulators.len()];
        accounts.push((format!("{id}-{k}"), *id, emu));
    }
    let timed = |processes: usize| {
        let url = pg.database(&format!("fleet{processes}"));
        let config = dir.join(format!("fleet-{processes}.toml"));
        write_config(&config, &url, &accounts);
        let t = Instant::now();
        let children: Vec<_> = (0..processes)
            .map(|_| {
                std::process::Command::new(&bin)
                    .args(["sync", "--quiet", "--jobs", "4", "--config"])
                    .arg(&config)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("calllogs sync")
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().expect("calllogs sync");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            if std::env::var_os("CALLLOGS_BENCH_VERBOSE").is_some() {
                eprintln!("{:?}\n{}", t.elapsed(), String::from_utf8_lossy(&o.stderr));
            }
        }
        t.elapsed()
    };
    let one = timed(1);
    let three = timed(3);
    let speedup = one.as_secs_f64() / three.as_secs_f64();
    println!(
        "postgres  12 cursor-paged accounts x {calls} calls, 25 ms latency, --jobs 4 each: one process {:.2}s, three processes {:.2}s = {speedup:.2}x (target >= 2.5x)",
        one.as_secs_f64(),
        three.as_secs_f64()
    );

    // (b) Upserts per second, 20 calls a page, each page committed with its
    // checkpoint, into each backend.
    let n = if quick { 20_000 } else { 100_000 };
    let provider =
        registry::build("plivo", &calllogs::Settings::new().without_env()).expect("plivo");
    let pages: Vec<Vec<calllogs::Call>> = calllogs::emulator::sample_pages("plivo", n, 20, 3)
        .expect("pages")
        .iter()
        .map(|b| provider.decode_page(b).expect("a page").items)
        .collect();
    let upserts = |db: &str| {
        rt.block_on(async {
            let mut store = calllogs::store::Store::open(db).await.expect("a store");
            let state = calllogs::store::SyncState {
                running: true,
                since: None,
                until: None,
                updated_since: None,
                checkpoint: None,
                pages_done: 0,
                calls_seen: 0,
                synced_until: None,
                count_mismatches: Vec::new(),
            };
            let t = Instant::now();
            for page in &pages {
                store
                    .commit_page("plivo", "bench", page, &[], &state)
                    .await
                    .expect("committed");
            }
            let rate = n as f64 / t.elapsed().as_secs_f64();
            assert_eq!(store.count(None, None).await.expect("count"), n as u64);
            rate
        })
    };
    let file = dir.join("upserts.db");
    let _ = std::fs::remove_file(&file);
    let sqlite = upserts(file.to_str().unwrap_or("upserts.db"));
    let postgres = upserts(&pg.database("upserts"));
    println!(
        "postgres  upserts of {n} calls, 20 a page, committed per page: PostgreSQL {postgres:.0} calls/s, SQLite {sqlite:.0} calls/s = {:.2}x",
        postgres / sqlite
    );

    // (c) The same pages into a PostgreSQL 1 ms away (a proxy delays each
    // direction 0.5 ms), as a shared server in another rack or zone is:
    // the time a page takes beyond the near one's, in round trips.
    let one_way = Duration::from_micros(500);
    let far_db = pg.database("far");
    let port = format!(":{}/", pg.port());
    let far = far_db.replacen(
        &port,
        &format!(":{}/", delayed_proxy(pg.port(), one_way)),
        1,
    );
    let far_rate = upserts(&far);
    let pages = (n / 20) as f64;
    let extra = pages / far_rate * 20.0 - pages / postgres * 20.0;
    let trips = extra / pages / (2.0 * one_way.as_secs_f64());
    println!(
        "postgres  the same upserts 1 ms away: {far_rate:.0} calls/s, {:.2} ms a page, {trips:.2} round trips a page",
        n as f64 / far_rate / pages * 1000.0
    );
    let _ = std::fs::remove_dir_all(&dir);
    json!({"accounts": 12, "calls_per_account": calls, "one_process_s": one.as_secs_f64(),
           "three_processes_s": three.as_secs_f64(), "speedup": speedup,
           "upsert_calls": n, "postgres_calls_per_s": postgres, "sqlite_calls_per_s": sqlite,
           "postgres_vs_sqlite": postgres / sqlite, "postgres_1ms_calls_per_s": far_rate,
           "postgres_1ms_round_trips_per_page": trips})
}

/// A TCP proxy on a free loopback port to `port`, holding every chunk
/// `one_way` in each direction before passing it on (threads: the timer
/// of an async runtime rounds sleeps up to whole milliseconds).
fn delayed_proxy(port: u16, one_way: Duration) -> u16 {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    fn pipe(mut from: TcpStream, mut to: TcpStream, one_way: Duration) {
        let (tx, rx) = std::sync::mpsc::channel::<(Instant, Vec<u8>)>();
        std::thread::spawn(move || {
            for (due, chunk) in rx {
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                if to.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(std::net::Shutdown::Write);
        });
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0
                || tx
                    .send((Instant::now() + one_way, buf[..n].to_vec()))
                    .is_err()
            {
                break;
            }
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let local = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for inbound in listener.incoming().flatten() {
            let Ok(outbound) = TcpStream::connect(("127.0.0.1", port)) else {
                continue;
            };
            let _ = (inbound.set_nodelay(true), outbound.set_nodelay(true));
            let (i2, o2) = match (inbound.try_clone(), outbound.try_clone()) {
                (Ok(i), Ok(o)) => (i, o),
                _ => continue,
            };
            std::thread::spawn(move || pipe(inbound, outbound, one_way));
            std::thread::spawn(move || pipe(o2, i2, one_way));
        }
    });
    local
}

/// Figure 7: the connectors. The same one-window Plivo pull as
/// `calllogs airbyte read` and `calllogs singer` (messages to a pipe this
/// process reads and counts) against `calllogs sync` into SQLite, each in
/// its own process, in the same run.
fn connector_figures(quick: bool) -> Value {
    use std::io::BufRead as _;
    let Some(bin) = calllogs_bin() else {
        println!("connector skipped: no calllogs binary (cargo xtask bench builds it)");
        return json!({"skipped": true});
    };
    let calls = if quick { 50_000 } else { 200_000 };
    let rt = runtime();
    let dir = std::env::temp_dir().join(format!("calllogs-bench-connector-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let now = chrono::Utc::now();
    let emu = one_window_emulator(&rt, "plivo", calls, 5, now);
    let since = (now - chrono::Duration::days(29)).to_rfc3339();
    let config = dir.join("config.json");
    let _ = std::fs::write(
        &config,
        json!({"name": "bench", "provider": "plivo", "base_url": emu.base_url(), "since": since,
               "auth_id": "${PLIVO_AUTH_ID}", "token": "${PLIVO_AUTH_TOKEN}", "rate_limit": 1_000_000})
        .to_string(),
    );
    let catalog = dir.join("catalog.json");
    let _ = std::fs::write(
        &catalog,
        json!({"streams": [{"stream": {"name": "calls", "json_schema": {}, "supported_sync_modes": ["incremental"]},
                            "sync_mode": "incremental", "destination_sync_mode": "append"}]})
        .to_string(),
    );
    let (config, catalog) = (config.to_string_lossy(), catalog.to_string_lossy());
    // Seconds, peak RSS and RECORD lines of one run.
    let run = |args: &[&str]| {
        let t = Instant::now();
        let mut child = std::process::Command::new(&bin)
            .args(args)
            .envs(emu.credentials())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("calllogs");
        let out = child.stdout.take().expect("stdout");
        let counter = std::thread::spawn(move || {
            std::io::BufReader::with_capacity(1 << 20, out)
                .split(b'\n')
                .map_while(Result::ok)
                .filter(|l| l.starts_with(br#"{"type":"RECORD""#))
                .count()
        });
        let (kib, ok) = peak_rss_kib(child);
        let records = counter.join().unwrap_or(0);
        assert!(ok, "calllogs {args:?} failed");
        (t.elapsed().as_secs_f64(), kib, records)
    };
    let db = dir.join("sync.db");
    let _ = std::fs::remove_file(&db);
    let base = emu.base_url();
    let (sync_s, sync_kib, _) = run(&[
        "sync",
        "--provider",
        "plivo",
        "--db",
        &db.to_string_lossy(),
        "--base-url",
        &base,
        "--since",
        &since,
        "--quiet",
        "--rate-limit",
        "1000000",
    ]);
    let (airbyte_s, airbyte_kib, airbyte_n) = run(&[
        "airbyte",
        "read",
        "--config",
        &config,
        "--catalog",
        &catalog,
    ]);
    let (singer_s, singer_kib, singer_n) = run(&["singer", "--config", &config]);
    assert!(
        airbyte_n == calls && singer_n == calls,
        "records: airbyte {airbyte_n}, singer {singer_n}, of {calls}"
    );
    println!(
        "connector plivo, {calls} calls: sync into SQLite {sync_s:.1}s ({:.0} calls/s, {:.1} MiB); \
         airbyte read {airbyte_s:.1}s = {:.2}x the sync's rate ({:.1} MiB); singer {singer_s:.1}s = {:.2}x ({:.1} MiB)",
        calls as f64 / sync_s,
        sync_kib as f64 / 1024.0,
        sync_s / airbyte_s,
        airbyte_kib as f64 / 1024.0,
        sync_s / singer_s,
        singer_kib as f64 / 1024.0,
    );
    let _ = std::fs::remove_dir_all(&dir);
    json!({"calls": calls, "sync_s": sync_s, "airbyte_s": airbyte_s, "singer_s": singer_s,
           "airbyte_vs_sync": sync_s / airbyte_s, "singer_vs_sync": sync_s / singer_s,
           "peak_rss_kib": {"sync": sync_kib, "airbyte": airbyte_kib, "singer": singer_kib}})
}

/// One webhook run: acknowledged per second, p50 and p99 latency (ms).
fn webhook_run(
    rt: &tokio::runtime::Runtime,
    db: &str,
    n: usize,
    max_group: usize,
) -> (f64, f64, f64) {
    use calllogs::listen::{Listener, Options, Route};
    use calllogs::webhook::{Keys, SigningKey};
    rt.block_on(async {
        let emu = calllogs::emulator::start(
            "twilio",
            calllogs::emulator::Config {
                calls: n + n / 10,
                seed: 3,
                ..Default::default()
            },
        )
        .await
        .expect("an emulator");
        let token = emu
            .credentials()
            .into_iter()
            .find(|(k, _)| *k == "TWILIO_AUTH_TOKEN")
            .expect("a token")
            .1;
        let hook = registry::info("twilio")
            .expect("twilio")
            .webhook
            .expect("webhooks");
        let route = Route {
            account: "bench".into(),
            provider: "twilio",
            webhook: hook,
            keys: Keys {
                secret: Some(token.clone().into()),
                tolerance: calllogs::webhook::DEFAULT_TOLERANCE,
                ..Keys::default()
            },
            public_url: None,
        };
        let store = calllogs::store::Store::open(db).await.expect("a store");
        let options = Options {
            bind: "127.0.0.1:0".parse().expect("an address"),
            max_group,
            ..Options::default()
        };
        let listener = Listener::start(vec![route], store, options)
            .await
            .expect("a listener");
        let url = format!("{}/hooks/bench", listener.url());
        let events: Vec<_> = emu.hooks().into_iter().take(n).collect();
        let client = reqwest::Client::new();
        let started = Instant::now();
        let mut latencies: Vec<f64> = futures::stream::iter(events)
            .map(|(_, event)| {
                let (client, url, token) = (client.clone(), url.clone(), token.clone());
                async move {
                    let t = Instant::now();
                    let mut req = client.post(&url).header("content-type", event.content_type);
                    for (k, v) in (hook.sign)(
                        &url,
                        &event.body,
                        chrono::Utc::now(),
                        SigningKey::Secret(&token),
                    ) {
                        req = req.header(k, v);
                    }
                    let ok = req
                        .body(event.body)
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    assert!(ok, "a webhook was refused");
                    t.elapsed().as_secs_f64() * 1000.0
                }
            })
            .buffer_unordered(50)
            .collect()
            .await;
        let took = started.elapsed().as_secs_f64();
        listener.shutdown().await;
        latencies.sort_by(f64::total_cmp);
        let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
        (n as f64 / took, at(0.5), at(0.99))
    })
}

fn webhook_figures(quick: bool) -> Value {
    let rt = runtime();
    let n = if quick { 2_000 } else { 6_000 };
    let dir = std::env::temp_dir().join(format!("calllogs-bench-hooks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    let mut out = serde_json::Map::new();
    let mut backends = vec![(
        "sqlite",
        dir.join("a.db").display().to_string(),
        dir.join("b.db").display().to_string(),
    )];
    if let Some(pg) = calllogs_pgtest::shared() {
        backends.push((
            "postgres",
            pg.database("hooks_grouped"),
            pg.database("hooks_single"),
        ));
    }
    for (name, grouped_db, single_db) in backends {
        let (rate, p50, p99) =
            webhook_run(&rt, &grouped_db, n, calllogs::listen::commit::MAX_GROUP);
        let (single, s50, s99) = webhook_run(&rt, &single_db, n, 1);
        println!(
            "webhooks  {name:8}: {rate:.0}/s acknowledged at 50 senders (p50 {p50:.1} ms, p99 {p99:.1} ms); \
             one transaction per request {single:.0}/s (p50 {s50:.1} ms, p99 {s99:.1} ms): grouped {:.1}x",
            rate / single
        );
        out.insert(
            name.into(),
            json!({"per_second": rate, "p50_ms": p50, "p99_ms": p99,
                   "one_per_request_per_second": single, "one_per_request_p99_ms": s99,
                   "grouped_vs_one_per_request": rate / single}),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Value::Object(out)
}

/// Figure 9: a re-sync of an account where nothing changed, each sync its
/// own `calllogs sync` process, requests counted by the emulator. Vapi
/// lists by update time, so the second run asks only what changed since
/// the first began; Plivo cannot, so its second run reads its lookback
/// again (the contrast the figure is for).
fn resync_figures(quick: bool) -> Value {
    let Some(bin) = calllogs_bin() else {
        println!("resync    skipped: no calllogs binary (cargo xtask bench builds it)");
        return json!({"skipped": "no binary"});
    };
    let rt = runtime();
    let dir = std::env::temp_dir().join(format!("calllogs-bench-resync-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let calls = if quick { 5_000 } else { 20_000 };
    let mut out = serde_json::Map::new();
    for id in ["vapi", "plivo"] {
        // Every call ended two hours ago or more: nothing changes between runs.
        let now = chrono::Utc::now() - chrono::Duration::hours(2);
        let emu = one_window_emulator(&rt, id, calls, 11, now);
        let db = dir.join(format!("resync-{id}.db"));
        let sync = |since: &[&str]| {
            let t = Instant::now();
            let o = std::process::Command::new(&bin)
                .args(["sync", "--provider", id, "--db"])
                .arg(&db)
                .arg("--base-url")
                .arg(emu.base_url())
                .args(since)
                .args(["--quiet", "--rate-limit", "1000000"])
                .envs(emu.credentials())
                .output()
                .expect("calllogs sync");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            t.elapsed().as_secs_f64()
        };
        let before = emu.requests();
        let first = sync(&["--since", "29d"]);
        let first_requests = emu.requests() - before;
        let before = emu.requests();
        let again = sync(&[]);
        let requests = emu.requests() - before;
        println!(
            "resync    {id:6} {calls} calls, nothing changed: first sync {first_requests} requests ({first:.2}s), the next {requests} ({again:.2}s){}",
            if id == "vapi" {
                " (goal: 1)"
            } else {
                " (no update-time filter: the lookback again)"
            }
        );
        out.insert(
            id.into(),
            json!({"calls": calls, "first_requests": first_requests, "first_s": first,
                   "again_requests": requests, "again_s": again}),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Value::Object(out)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let started = Instant::now();
    let mut results = serde_json::Map::new();
    results.insert("quick".into(), json!(quick));
    // `--only=NAME` runs one figure (while working on it).
    let only: Option<String> =
        std::env::args().find_map(|a| a.strip_prefix("--only=").map(String::from));
    let figures: [(&str, &dyn Fn(bool) -> Value); 9] = [
        ("normalize", &normalize_figures),
        ("pull", &pull_figures),
        ("size", &requests_and_size_figures),
        ("scale", &scale_figures),
        ("fleet", &fleet_figures),
        ("postgres", &postgres_figures),
        ("connector", &connector_figures),
        ("webhooks", &webhook_figures),
        ("resync", &resync_figures),
    ];
    for (name, figure) in figures {
        if only.as_deref().is_none_or(|o| o == name) {
            results.insert(name.into(), figure(quick));
        }
    }
    results.insert("seconds".into(), json!(started.elapsed().as_secs_f64()));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    let _ = std::fs::create_dir_all(&dir);
    let written = std::fs::write(
        dir.join("latest.json"),
        serde_json::to_string_pretty(&Value::Object(results)).unwrap_or_default(),
    );
    println!(
        "bench     {:.0}s in all; results in target/bench/latest.json{}",
        started.elapsed().as_secs_f64(),
        if written.is_err() {
            " (not written)"
        } else {
            ""
        }
    );
}
