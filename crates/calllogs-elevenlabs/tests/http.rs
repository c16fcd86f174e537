//! ElevenLabs over HTTP, against a local mock server and the emulator: the
//! query on the wire, the cursor, `xi-api-key`, and list-then-detail.

use std::sync::Arc;

use calllogs_core::{CallQuery, Error, ProviderStreams};
use calllogs_elevenlabs::Elevenlabs;
use chrono::{Duration, TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "fixture-elevenlabs-key";

fn provider(server: &MockServer) -> Arc<Elevenlabs> {
    let mut settings =
        calllogs_core::testing::mock_settings(&server.uri(), &[("ELEVENLABS_API_KEY", KEY)]);
    settings.http.rate_limit = Some(1000.0);
    Arc::new(Elevenlabs::from_settings(&settings).unwrap())
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 28, 10, 0, 0).unwrap()
}

/// 25 summaries, one a second from `t0`, `page_size` a page, newest first.
struct List;

impl Respond for List {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = calllogs_core::testing::query_params(&req.url);
        let size: usize = p["page_size"].parse().unwrap();
        let start: usize = p
            .get("cursor")
            .map_or(0, |c| c.trim_start_matches("c").parse().unwrap());
        let end = (start + size).min(25);
        let items: Vec<Value> = (start..end)
            .map(|k| {
                let i = 24 - k;
                json!({"conversation_id": format!("conv_{i:03}"), "agent_id": "agent_1", "status": "done",
                       "start_time_unix_secs": t0().timestamp() + i as i64, "call_duration_secs": 10,
                       "termination_reason": "Client disconnected: 1000", "direction": "inbound"})
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "conversations": items,
            "next_cursor": (end < 25).then(|| format!("c{end}")),
            "has_more": end < 25,
        }))
    }
}

async fn mount_details(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations/conv_007"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": {"status": "conversation_not_found", "message": "Conversation not found"}})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/convai/conversations/conv_\d+$"))
        .and(header("xi-api-key", KEY))
        .respond_with(|req: &Request| {
            let id = req.url.path().rsplit('/').next().unwrap().to_string();
            let i: i64 = id.trim_start_matches("conv_").parse().unwrap();
            ResponseTemplate::new(200).set_body_json(json!({
                "conversation_id": id, "agent_id": "agent_1", "status": "done",
                "transcript": [{"role": "user", "message": "Hello.", "time_in_call_secs": 1}],
                "metadata": {"start_time_unix_secs": t0().timestamp() + i, "call_duration_secs": 10,
                             "cost_fiat": 0.05, "cost": 100, "termination_reason": "Client disconnected: 1000",
                             "phone_call": {"type": "twilio", "direction": "inbound", "agent_number": "+15555550100",
                                            "external_number": "+15555550142", "call_sid": format!("CA{i:03}")}}
            }))
        })
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_window_agent_and_cursor_go_on_the_wire_and_each_detail_is_fetched() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .and(header("xi-api-key", KEY))
        .respond_with(List)
        .mount(&server)
        .await;
    mount_details(&server).await;
    let mut q = CallQuery::new()
        .since(t0())
        .until(t0() + Duration::hours(1))
        .agent("agent_1");
    q.page_size = Some(10);
    let pages: Vec<_> = provider(&server).pages(q).try_collect().await.unwrap();
    let calls: Vec<_> = pages.iter().flat_map(|p| &p.items).collect();
    assert_eq!(calls.len(), 24, "one conversation was deleted meanwhile");
    assert_eq!(pages.iter().map(|p| p.gone).sum::<u64>(), 1);
    assert!(
        calls
            .iter()
            .all(|c| c.cost.as_ref().is_some_and(|x| x.amount == "0.05"))
    );
    assert!(
        calls
            .iter()
            .all(|c| c.parent_id.is_some() && c.from.as_deref() == Some("+15555550142"))
    );
    let requests = server.received_requests().await.unwrap();
    // ceil(25 / 10) pages and 25 details.
    assert_eq!(requests.len(), 3 + 25);
    let lists: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == "/v1/convai/conversations")
        .map(|r| calllogs_core::testing::query_params(&r.url))
        .collect();
    assert_eq!(
        lists[0]["call_start_after_unix"],
        (t0().timestamp() - 1).to_string()
    );
    assert_eq!(
        lists[0]["call_start_before_unix"],
        (t0().timestamp() + 3601).to_string()
    );
    assert_eq!(lists[0]["agent_id"], "agent_1");
    assert_eq!(lists[0]["page_size"], "10");
    assert!(!lists[0].contains_key("cursor"));
    assert_eq!(lists[1]["cursor"], "c10");
}

#[tokio::test]
async fn no_detail_keeps_the_summaries_and_asks_for_pages_only() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .respond_with(List)
        .mount(&server)
        .await;
    let mut q = CallQuery::new()
        .since(t0())
        .until(t0() + Duration::hours(1))
        .detail(false);
    q.page_size = Some(10);
    let calls: Vec<_> = provider(&server).calls(q).try_collect().await.unwrap();
    assert_eq!(calls.len(), 25);
    assert!(calls.iter().all(|c| c.cost.is_none()));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_failing_detail_fails_the_pull_and_nothing_half_filled_comes_out() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .respond_with(List)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations/conv_020"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"detail": {"status": "error", "message": "boom"}})),
        )
        .mount(&server)
        .await;
    mount_details(&server).await;
    let mut q = CallQuery::new()
        .since(t0())
        .until(t0() + Duration::hours(1));
    q.page_size = Some(10);
    let mut pages = provider(&server).pages(q);
    // conv_020 is on the first page (newest first): the first page fails.
    let err = pages.try_next().await.unwrap_err();
    assert!(
        matches!(err, Error::Provider { status: 500, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_401_names_the_key_and_never_shows_it() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
        ))
        .mount(&server)
        .await;
    let err = provider(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("ELEVENLABS_API_KEY"));
    assert!(!format!("{err:?}").contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_gives_every_conversation_once_in_full_with_the_request_bound() {
    let config = calllogs_emulator::Config {
        calls: 400,
        ..Default::default()
    };
    let emu = calllogs_emulator::start(calllogs_elevenlabs::emulator::api(&config), config)
        .await
        .unwrap();
    let mut settings = emu.settings();
    settings.http.rate_limit = Some(5000.0);
    let p = Arc::new(Elevenlabs::from_settings(&settings).unwrap());
    // One window (the pull's request bound is for one).
    let q = CallQuery::new()
        .since(Utc::now() - Duration::days(120))
        .until(Utc::now());
    let all = emu.calls();
    let calls: Vec<_> = p.calls(q).try_collect().await.unwrap();
    assert_eq!(calls.len(), all.len());
    let mut ids: Vec<_> = calls.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "each once");
    assert!(
        calls
            .iter()
            .filter(|c| c.status == calllogs_core::Status::Completed)
            .all(|c| c.cost.is_some() && c.transcript.is_some())
    );
    let windows = 120u64; // a day a window
    let pages_bound = windows + (all.len() as u64).div_ceil(100);
    assert!(
        emu.requests() <= pages_bound + all.len() as u64,
        "{} requests",
        emu.requests()
    );
}
