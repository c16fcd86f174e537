//! Retell over HTTP, against a local mock server and the emulator: the JSON
//! body on the wire, the cursor, the bearer key, and list-then-detail.

use std::sync::Arc;

use calllogs_core::{CallQuery, Direction, Error, ProviderStreams};
use calllogs_retell::Retell;
use chrono::{Duration, TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "fixture-retell-key";

fn retell(server: &MockServer) -> Arc<Retell> {
    Arc::new(
        Retell::from_settings(&calllogs_core::testing::mock_settings(
            &server.uri(),
            &[("RETELL_API_KEY", KEY)],
        ))
        .unwrap(),
    )
}

fn item(i: usize) -> Value {
    json!({"call_id": format!("call_{i:03}"), "call_type": "phone_call", "call_status": "ended",
           "direction": "outbound", "from_number": "+15555550100", "to_number": "+15555550101",
           "start_timestamp": 1777370400000i64 + i as i64 * 1000, "disconnection_reason": "user_hangup"})
}

/// 25 calls, `limit` a page, the cursor the offset behind a prefix.
struct List;

impl Respond for List {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let limit = body["limit"].as_u64().unwrap() as usize;
        let start = body["pagination_key"]
            .as_str()
            .map_or(0, |k| k.trim_start_matches("key-").parse().unwrap());
        let end = (start + limit).min(25);
        ResponseTemplate::new(200).set_body_json(json!({
            "items": (start..end).map(item).collect::<Vec<_>>(),
            "has_more": end < 25,
            "pagination_key": (end < 25).then(|| format!("key-{end}")),
        }))
    }
}

#[tokio::test]
async fn the_body_carries_typed_filters_ascending_and_the_cursor() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("POST"))
        .and(path("/v3/list-calls"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(List)
        .mount(&server)
        .await;
    let since = Utc.with_ymd_and_hms(2026, 4, 28, 0, 0, 0).unwrap();
    let q = CallQuery::new()
        .since(since)
        .until(since + Duration::hours(12))
        .direction(Direction::Outbound)
        .agent("agent_7");
    let mut q = q;
    q.page_size = Some(10);
    let calls: Vec<_> = retell(&server).calls(q).try_collect().await.unwrap();
    assert_eq!(calls.len(), 25);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    let first: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(first["sort_order"], "ascending");
    assert_eq!(first["limit"], 10);
    assert!(first.get("pagination_key").is_none());
    let lo = since.timestamp_millis();
    assert_eq!(
        first["filter_criteria"]["start_timestamp"],
        json!({"type": "range", "op": "bt", "value": [lo, lo + 12 * 3_600_000 - 1]})
    );
    assert_eq!(
        first["filter_criteria"]["direction"]["value"],
        json!(["outbound"])
    );
    assert_eq!(
        first["filter_criteria"]["agent"],
        json!([{"agent_id": "agent_7"}])
    );
    let second: Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(second["pagination_key"], "key-10");
}

#[tokio::test]
async fn details_fill_each_call_and_a_deleted_one_is_skipped() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("POST"))
        .and(path("/v3/list-calls"))
        .respond_with(List)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/get-call/call_003"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": "error", "message": "Call not found"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(|req: &Request| {
            let id = req.url.path().rsplit('/').next().unwrap().to_string();
            let i: usize = id.trim_start_matches("call_").parse().unwrap();
            let mut full = item(i);
            full["transcript_object"] = json!([{"role": "user", "content": "Hello.", "words": []}]);
            ResponseTemplate::new(200).set_body_json(full)
        })
        .mount(&server)
        .await;
    let since = Utc.with_ymd_and_hms(2026, 4, 28, 0, 0, 0).unwrap();
    let mut q = CallQuery::new()
        .since(since)
        .until(since + Duration::hours(1))
        .detail(true);
    q.page_size = Some(10);
    let pages: Vec<_> = retell(&server).pages(q).try_collect().await.unwrap();
    let calls: Vec<_> = pages.iter().flat_map(|p| &p.items).collect();
    assert_eq!(calls.len(), 24);
    assert_eq!(pages.iter().map(|p| p.gone).sum::<u64>(), 1);
    assert!(
        calls
            .iter()
            .all(|c| c.transcript.as_ref().is_some_and(|t| t.len() == 1))
    );
    // ceil(25 / 10) pages and 25 details.
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 25);
}

#[tokio::test]
async fn a_401_names_the_key_and_never_shows_it() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"status": "error", "message": "Unauthorized"})),
        )
        .mount(&server)
        .await;
    let err = retell(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("RETELL_API_KEY"));
    assert!(!format!("{err:?}").contains(KEY));
}

#[tokio::test]
async fn a_missing_key_is_a_usage_error_before_any_request() {
    let server = calllogs_core::testing::mock_server().await;
    let p = Arc::new(
        Retell::from_settings(&calllogs_core::testing::mock_settings(&server.uri(), &[])).unwrap(),
    );
    let err = p
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("RETELL_API_KEY"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_serves_every_call_once_with_and_without_details() {
    let config = calllogs_emulator::Config {
        calls: 300,
        ..Default::default()
    };
    let emu = calllogs_emulator::start(calllogs_retell::emulator::api(&config), config)
        .await
        .unwrap();
    // Fast: the default 10 requests/s is for Retell's servers.
    let mut settings = emu.settings();
    settings.http.rate_limit = Some(2000.0);
    let p = Arc::new(Retell::from_settings(&settings).unwrap());
    let everything = CallQuery::new().since(Utc::now() - Duration::days(60));
    let listed: Vec<_> = p.calls(everything.clone()).try_collect().await.unwrap();
    assert_eq!(listed.len(), 300);
    assert!(
        listed.iter().all(|c| c.transcript.is_none()),
        "the list has no transcript"
    );
    let before = emu.requests();
    let full: Vec<_> = p
        .calls(everything.detail(true))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(full.len(), 300);
    let answered: Vec<_> = full.iter().filter(|c| c.answered_at.is_some()).collect();
    assert!(!answered.is_empty());
    assert!(
        answered.iter().all(|c| c.transcript.is_some()),
        "every answered call has its turns"
    );
    // The list's requests again, and one detail per call.
    assert_eq!(emu.requests() - before, before + 300);
}
