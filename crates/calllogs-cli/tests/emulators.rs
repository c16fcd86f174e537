//! Every provider's client against its emulator over real loopback HTTP:
//! every call exactly once, normalized as generated, under faults too.

use std::collections::HashMap;
use std::time::Duration;

use calllogs::emulator::{Config, Running, SynthCall, providers, start};
use calllogs::{
    Call, CallQuery, Direction, HttpConfig, ProviderStreams, RetryPolicy, Settings, Status,
    registry,
};
use chrono::Utc;
use futures::TryStreamExt;

fn fast_retries(settings: Settings, attempts: u32) -> Settings {
    // The emulator's settings (no polite rate limit on loopback), faster retries.
    let mut http = settings.http.clone();
    http.retry = RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    };
    settings.http(http)
}

async fn fetch(emu: &Running, q: CallQuery, attempts: u32) -> calllogs::Result<Vec<Call>> {
    let provider =
        registry::build(emu.provider(), &fast_retries(emu.settings(), attempts)).unwrap();
    provider.calls(q).try_collect().await
}

fn everything() -> CallQuery {
    CallQuery::new()
        .since(Utc::now() - chrono::Duration::days(31))
        .page_size(50)
}

/// Asserts `got` is exactly `want` (each once) with the normalized fields as generated.
fn assert_same(provider: &str, got: &[Call], want: &[SynthCall]) {
    let by_id: HashMap<&str, &SynthCall> = want.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut seen = HashMap::new();
    for c in got {
        *seen.entry(c.id.as_str()).or_insert(0) += 1;
        let s = by_id
            .get(c.id.as_str())
            .unwrap_or_else(|| panic!("{provider}: unexpected call {}", c.id));
        let ctx = format!("{provider} {}", c.id);
        assert_eq!(c.provider, provider, "{ctx}");
        assert_eq!(c.direction, s.direction, "{ctx} direction");
        assert_eq!(c.from.as_deref(), Some(s.from.as_str()), "{ctx} from");
        assert_eq!(c.to.as_deref(), Some(s.to.as_str()), "{ctx} to");
        assert_eq!(c.status, s.status, "{ctx} status");
        assert_eq!(c.hangup.as_ref().map(|h| h.cause), s.cause, "{ctx} cause");
        // Vonage writes a leg's times and duration once it is completed only.
        if provider == "vonage" && s.status != Status::Completed {
            assert_eq!(
                (c.started_at, c.ended_at, c.duration_s),
                (None, None, None),
                "{ctx} untimed"
            );
            continue;
        }
        assert_eq!(c.started_at, Some(s.started_at), "{ctx} started_at");
        if s.status != Status::InProgress {
            assert_eq!(c.ended_at, s.ended_at, "{ctx} ended_at");
            // Twilio counts only answered calls' time: an unanswered one is 0.
            let duration = match provider {
                "twilio" if s.status != Status::Completed => Some(0),
                _ => s.duration_s,
            };
            assert_eq!(c.duration_s, duration, "{ctx} duration");
        }
        match provider {
            "plivo" => {
                assert_eq!(
                    c.cost.as_ref().map(|x| x.amount.clone()),
                    Some(s.cost()),
                    "{ctx} cost"
                );
                assert_eq!(c.answered_at, s.answered_at, "{ctx} answered_at");
            }
            "superu" => {
                let amount: f64 = c.cost.as_ref().unwrap().amount.parse().unwrap();
                assert!(
                    (amount - s.cost().parse::<f64>().unwrap()).abs() < 1e-9,
                    "{ctx} cost"
                );
            }
            "nectardesk" if s.status != Status::InProgress => {
                assert_eq!(c.answered_at, s.answered_at, "{ctx} answered_at");
                assert_eq!(
                    c.talk_time_s.unwrap_or(0),
                    s.talk_s.unwrap_or(0),
                    "{ctx} talk"
                );
            }
            _ => {}
        }
    }
    let dupes: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "{provider}: duplicates {dupes:?}");
    assert_eq!(
        seen.len(),
        want.len(),
        "{provider}: {} of {} calls",
        seen.len(),
        want.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_fetch_returns_every_call_exactly_once() {
    for p in providers() {
        let emu = start(
            p,
            Config {
                calls: 1000,
                seed: 11,
                ..Config::default()
            },
        )
        .await
        .unwrap();
        let got = fetch(&emu, everything(), 2)
            .await
            .unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_same(p, &got, &emu.calls());
        // Every status the provider can express is there (Aircall's
        // contact-center calls are answered, missed, abandoned or going:
        // it has no busy or failed).
        let statuses: std::collections::HashSet<_> = emu.calls().iter().map(|c| c.status).collect();
        let least = if p == "aircall" { 4 } else { 5 };
        assert!(statuses.len() >= least, "{p}: {statuses:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_serving_fewer_than_asked_still_gives_every_call_once() {
    // `--max-page`: the client asks for 50 a page, the server serves 9. A
    // short page is not the last page, for any provider.
    for p in providers() {
        let emu = start(
            p,
            Config {
                calls: 600,
                seed: 12,
                max_page: Some(9),
                ..Config::default()
            },
        )
        .await
        .unwrap();
        let got = fetch(&emu, everything(), 2)
            .await
            .unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_same(p, &got, &emu.calls());
        // The cap was served: at least one request per 9 calls.
        assert!(
            emu.requests() >= 600 / 9,
            "{p}: {} requests for 600 calls at 9 a page",
            emu.requests()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_and_a_rate_limit_still_exactly_once() {
    for p in providers() {
        let config = Config {
            calls: 1000,
            seed: 12,
            fault_rate: 0.2,
            rate_limit: Some(40.0),
            ..Config::default()
        };
        let emu = start(p, config).await.unwrap();
        // A client asking twice the server's rate (not the unthrottled
        // loopback default: halving from 100,000/s once a second would take
        // longer than the retries last), so 429s come and are survived.
        let mut settings = fast_retries(emu.settings(), 8);
        settings.http.rate_limit = Some(80.0);
        let provider = registry::build(emu.provider(), &settings).unwrap();
        let got: Vec<Call> = provider
            .calls(everything())
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_same(p, &got, &emu.calls());
        assert!(emu.faults() > 0, "{p}: faults were served");
        if p == "plivo" {
            assert!(
                emu.rate_limited() > 0,
                "plivo's 50+ pages go past 40 requests/s"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_asked_for_is_what_comes_back() {
    for p in providers() {
        let emu = start(
            p,
            Config {
                calls: 600,
                seed: 13,
                ..Config::default()
            },
        )
        .await
        .unwrap();
        let all = emu.calls();
        let since = Utc::now() - chrono::Duration::days(12);
        let until = Utc::now() - chrono::Duration::days(5);
        // Plivo filters on the end time, the others on the start.
        let at = |c: &SynthCall| {
            if p == "plivo" {
                c.ended_at
            } else {
                Some(c.started_at)
            }
        };
        let in_window = |c: &SynthCall| at(c).is_some_and(|t| t >= since && t < until);

        let window = CallQuery::new().since(since).until(until);
        let want: Vec<_> = all.iter().filter(|c| in_window(c)).cloned().collect();
        assert!(!want.is_empty());
        assert_same(p, &fetch(&emu, window.clone(), 2).await.unwrap(), &want);

        let inbound = window.clone().direction(Direction::Inbound);
        let want: Vec<_> = all
            .iter()
            .filter(|c| in_window(c) && c.direction == Direction::Inbound)
            .cloned()
            .collect();
        assert_same(p, &fetch(&emu, inbound, 2).await.unwrap(), &want);

        let status = if p == "plivo" {
            Status::Busy
        } else {
            Status::Completed
        };
        let by_status = window.clone().status(status);
        let want: Vec<_> = all
            .iter()
            .filter(|c| in_window(c) && c.status == status)
            .cloned()
            .collect();
        assert!(!want.is_empty(), "{p}");
        assert_same(p, &fetch(&emu, by_status, 2).await.unwrap(), &want);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_are_a_clear_error_naming_the_credential() {
    for p in providers() {
        let emu = start(
            p,
            Config {
                calls: 10,
                ..Config::default()
            },
        )
        .await
        .unwrap();
        let mut settings = Settings::new().without_env().base_url(emu.base_url());
        for (name, value) in emu.credentials() {
            settings = settings.credential(name, format!("{value}-wrong"));
        }
        let provider = registry::build(p, &settings).unwrap();
        let err = provider
            .calls(everything())
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(matches!(err, calllogs::Error::Auth { .. }), "{p}: {err:?}");
        let named = emu
            .credentials()
            .iter()
            .any(|(name, _)| err.to_string().contains(name));
        assert!(named, "{p}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plivo_offsets_do_not_drift_while_calls_arrive() {
    // Every answered request adds a call ending now: without a pinned upper
    // bound, each would push the older calls one offset down.
    let emu = start(
        "plivo",
        Config {
            calls: 300,
            seed: 14,
            grow_per_request: 3,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let before = emu.calls();
    let got = fetch(&emu, everything(), 2).await.unwrap();
    assert_same("plivo", &got, &before);
    assert!(
        emu.calls().len() > before.len(),
        "calls did arrive while paging"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_arguments_give_the_same_calls() {
    let a = start(
        "unpod",
        Config {
            calls: 50,
            seed: 5,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let b = start(
        "unpod",
        Config {
            calls: 50,
            seed: 5,
            now: None,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let strip = |calls: Vec<SynthCall>| {
        calls
            .into_iter()
            .map(|c| (c.id, c.status, c.cause, c.duration_s, c.from))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(a.calls()), strip(b.calls()));
    assert_eq!(a.credentials(), b.credentials());
    let c = start(
        "unpod",
        Config {
            calls: 50,
            seed: 6,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    assert_ne!(strip(a.calls()), strip(c.calls()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpod_windows_in_parallel_still_exactly_once() {
    let emu = start(
        "unpod",
        Config {
            calls: 600,
            seed: 15,
            days: 70,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let mut http = HttpConfig::default();
    http.concurrency = Some(4);
    http.rate_limit = Some(1000.0);
    let provider = registry::build("unpod", &emu.settings().http(http)).unwrap();
    assert_eq!(provider.concurrency(), 4);
    let q = CallQuery::new()
        .since(Utc::now() - chrono::Duration::days(71))
        .page_size(50);
    let got: Vec<Call> = provider.calls(q).try_collect().await.unwrap();
    assert_same("unpod", &got, &emu.calls());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_records_are_as_twilio_writes_them() {
    let emu = start(
        "twilio",
        Config {
            calls: 600,
            seed: 19,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let got = fetch(&emu, everything(), 2).await.unwrap();
    let mut legs = 0;
    for c in &got {
        let raw = c.raw.to_value();
        let status = raw["status"].as_str().unwrap();
        // A `<Dial>` leg has the call that dialed it.
        if raw["direction"] == "outbound-dial" {
            legs += 1;
            assert!(raw["parent_call_sid"].is_string(), "{raw}");
            assert_eq!(c.parent_id.as_deref(), raw["parent_call_sid"].as_str());
        }
        match status {
            "in-progress" => assert!(raw["duration"].is_null(), "{raw}"),
            "completed" => {}
            _ => assert_eq!(raw["duration"], "0", "never answered: {raw}"),
        }
        if !raw["answered_by"].is_null() {
            assert_eq!(status, "completed", "machine detection answers: {raw}");
        }
    }
    assert!(legs > 10, "{legs} dial legs");
    // ParentCallSid lists exactly the legs of that parent.
    let parent = got.iter().find_map(|c| c.parent_id.clone()).unwrap();
    let mut q = everything();
    (registry::info("twilio").unwrap().apply_filters)(
        &mut q,
        &[("ParentCallSid".to_string(), parent.clone())],
    )
    .unwrap();
    let children = fetch(&emu, q, 2).await.unwrap();
    assert!(!children.is_empty());
    assert!(
        children
            .iter()
            .all(|c| c.parent_id.as_deref() == Some(parent.as_str()))
    );
    assert_eq!(
        children.len(),
        got.iter()
            .filter(|c| c.parent_id.as_deref() == Some(parent.as_str()))
            .count()
    );
}
