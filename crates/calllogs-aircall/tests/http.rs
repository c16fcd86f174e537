//! Aircall over HTTP: basic auth and the query on the wire (wiremock), the
//! end of paging at the total, and against the emulator: the per-minute
//! budget honoured through its headers, and a busy hour past the
//! 10,000-call cap pulled exactly once within 10 % of the request bound.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use calllogs_core::http::HttpStats;
use calllogs_core::paginate::Pager;
use calllogs_core::{CallQuery, Provider, ProviderStreams, Settings};
use futures::TryStreamExt;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(format!(
        "{}/../../fixtures/aircall/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn basic_auth_whole_seconds_ascending_pages_until_the_total() {
    let server = MockServer::start().await;
    let since = chrono::DateTime::parse_from_rfc3339("2026-04-28T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut first = fixture("page-1-first.json");
    first["meta"]["total"] = 6.into();
    let mut second = fixture("page-1-first.json");
    second["calls"] = serde_json::json!([second["calls"][0].clone(), second["calls"][1].clone()]);
    second["calls"][0]["id"] = 1000000101i64.into();
    second["calls"][1]["id"] = 1000000102i64.into();
    second["meta"]["total"] = 6.into();
    // base64("AIRCALLID:secret-token")
    let auth = "Basic QUlSQ0FMTElEOnNlY3JldC10b2tlbg==";
    for (page, body) in [("1", first), ("2", second)] {
        Mock::given(method("GET"))
            .and(path("/v1/calls"))
            .and(header("authorization", auth))
            .and(query_param("from", since.timestamp().to_string()))
            .and(query_param("to", (since.timestamp() + 86_399).to_string()))
            .and(query_param("order", "asc"))
            .and(query_param("per_page", "4"))
            .and(query_param("page", page))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let settings = Settings::new()
        .without_env()
        .base_url(server.uri())
        .allow_insecure()
        .credential(calllogs_aircall::API_ID, "AIRCALLID")
        .credential(calllogs_aircall::API_TOKEN, "secret-token")
        .unthrottled_on_loopback();
    let p = Arc::new(calllogs_aircall::Aircall::from_settings(&settings).unwrap());
    let q = CallQuery::new()
        .since(since)
        .until(since + chrono::Duration::days(1))
        .page_size(4);
    let calls: Vec<_> = p.calls(q).try_collect().await.unwrap();
    assert_eq!(calls.len(), 6, "both pages, then the total says the end");
}

#[tokio::test]
async fn a_bad_token_names_both_credentials_and_shows_neither() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"error": "Unauthorized", "troubleshoot": "Check your API id and token"}),
        ))
        .mount(&server)
        .await;
    let settings = Settings::new()
        .without_env()
        .base_url(server.uri())
        .allow_insecure()
        .credential(calllogs_aircall::API_ID, "AIRCALLID")
        .credential(calllogs_aircall::API_TOKEN, "secret-token-value");
    let p = Arc::new(calllogs_aircall::Aircall::from_settings(&settings).unwrap());
    let err = p
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("AIRCALL_API_ID / AIRCALL_API_TOKEN"), "{err}");
    assert!(
        !err.contains("secret-token-value") && !err.contains("AIRCALLID"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_waits_for_its_reset_instead_of_hitting_429s() {
    // Four requests a second-long window; the pull needs about a dozen.
    let config = calllogs_emulator::Config {
        calls: 300,
        days: 3,
        budget: Some(calllogs_emulator::Budget {
            requests: 4,
            window: Duration::from_secs(1),
        }),
        ..Default::default()
    };
    let emu = calllogs_emulator::start(calllogs_aircall::emulator::api(&config), config)
        .await
        .unwrap();
    let stats = Arc::new(HttpStats::default());
    let mut settings = emu.settings();
    settings.http.observers.add(stats.clone());
    let p = Arc::new(calllogs_aircall::Aircall::from_settings(&settings).unwrap());
    let q = CallQuery::new().since(chrono::Utc::now() - chrono::Duration::days(4));
    let calls: Vec<_> = p.calls(q).try_collect().await.unwrap();
    assert_eq!(calls.len(), 300);
    assert!(
        stats.requests() > 8,
        "the pull outlasts two budgets: {}",
        stats.requests()
    );
    assert_eq!(
        stats.retries(),
        0,
        "no request was refused: each waited for the reset the headers named"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_hour_past_the_cap_is_pulled_exactly_once_near_the_bound() {
    // 25,000 calls within one hour, in a three-day pull of one-day windows.
    let config = calllogs_emulator::Config {
        calls: 25_000,
        within: Some(Duration::from_secs(3_600)),
        ..Default::default()
    };
    let emu = calllogs_emulator::start(calllogs_aircall::emulator::api(&config), config)
        .await
        .unwrap();
    let p = Arc::new(calllogs_aircall::Aircall::from_settings(&emu.settings()).unwrap());
    let now = chrono::Utc::now();
    let q = CallQuery::new()
        .since(now - chrono::Duration::days(3))
        .until(now);
    let mut pager = Pager::new(p.clone(), q);
    let mut ids = Vec::new();
    let mut checkpoints = 0;
    while let Some(f) = pager.next_page().await.unwrap() {
        ids.extend(f.page.items.into_iter().map(|c| c.id));
        checkpoints += usize::from(f.checkpoint.is_some());
        assert!(f.mismatch.is_none(), "{:?}", f.mismatch);
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 25_000, "every call");
    assert_eq!(unique.len(), 25_000, "none twice");
    assert!(checkpoints > 500 - 10, "a checkpoint after each page");
    let bound = 25_000u64.div_ceil(50) + 3;
    let requests = emu.requests();
    assert!(
        requests >= bound && requests as f64 <= bound as f64 * 1.1,
        "{requests} requests against a bound of {bound}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_serves_every_call_once() {
    let config = calllogs_emulator::Config {
        calls: 500,
        ..Default::default()
    };
    let emu = calllogs_emulator::start(calllogs_aircall::emulator::api(&config), config)
        .await
        .unwrap();
    let p = Arc::new(calllogs_aircall::Aircall::from_settings(&emu.settings()).unwrap());
    let q = CallQuery::new().since(chrono::Utc::now() - chrono::Duration::days(31));
    let calls: Vec<_> = p.calls(q).try_collect().await.unwrap();
    let unique: HashSet<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!((calls.len(), unique.len()), (500, 500));
    assert!(p.paging().result_cap.is_some());
}
