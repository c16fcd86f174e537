//! Bland over HTTP, against a local mock server and the emulator: the index
//! window, the raw key, the days, and list-then-detail.

use std::sync::Arc;

use calllogs_bland::Bland;
use calllogs_core::{CallQuery, Error, ProviderStreams, Settings};
use chrono::{Duration, TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "fixture-bland-key";

fn settings(server: &MockServer) -> Settings {
    let mut s = calllogs_core::testing::mock_settings(&server.uri(), &[("BLAND_API_KEY", KEY)]);
    s.http.rate_limit = Some(1000.0);
    s
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 28, 10, 0, 0).unwrap()
}

/// 25 calls a minute apart from `t0`, served by index window, oldest first.
struct List;

impl Respond for List {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = calllogs_core::testing::query_params(&req.url);
        let from: usize = p["from"].parse().unwrap();
        let to: usize = p["to"].parse().unwrap();
        let limit: usize = p["limit"].parse().unwrap();
        let end = to.min(from + limit).min(25);
        let calls: Vec<Value> = (from..end)
            .map(|i| {
                json!({"call_id": format!("call-{i:03}"), "created_at": (t0() + Duration::minutes(i as i64)).to_rfc3339(),
                       "call_length": 1.0, "to": "5555550142", "from": "+15555550100", "completed": true,
                       "queue_status": "complete", "answered_by": "human"})
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"count": 25, "calls": calls}))
    }
}

async fn list_server() -> MockServer {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/v1/calls"))
        .and(header("authorization", KEY))
        .respond_with(List)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn index_windows_the_days_and_every_detail() {
    let server = list_server().await;
    Mock::given(method("GET"))
        .and(path("/v1/calls/call-004"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": "error", "message": "Call not found"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/calls/call-\d+$"))
        .and(header("authorization", KEY))
        .respond_with(|req: &Request| {
            let id = req.url.path().rsplit('/').next().unwrap().to_string();
            let i: i64 = id.trim_start_matches("call-").parse().unwrap();
            ResponseTemplate::new(200).set_body_json(json!({
                "call_id": id, "created_at": (t0() + Duration::minutes(i)).to_rfc3339(), "call_length": 1.0,
                "to": "5555550142", "from": "+15555550100", "completed": true, "inbound": false,
                "status": "completed", "call_ended_by": "ASSISTANT", "price": 0.09,
                "transcripts": [{"text": "Hello.", "user": "assistant"}]
            }))
        })
        .mount(&server)
        .await;
    let p = Arc::new(Bland::from_settings(&settings(&server)).unwrap());
    let mut q = CallQuery::new()
        .since(t0())
        .until(t0() + Duration::hours(1));
    q.page_size = Some(10);
    let pages: Vec<_> = p.pages(q).try_collect().await.unwrap();
    let calls: Vec<_> = pages.iter().flat_map(|p| &p.items).collect();
    assert_eq!(calls.len(), 24);
    assert_eq!(pages.iter().map(|p| p.gone).sum::<u64>(), 1);
    assert!(
        calls
            .iter()
            .all(|c| c.cost.as_ref().is_some_and(|x| x.amount == "0.09") && c.transcript.is_some())
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3 + 25, "ceil(25 / 10) pages and 25 details");
    let lists: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == "/v1/calls")
        .map(|r| calllogs_core::testing::query_params(&r.url))
        .collect();
    let mut windows: Vec<(String, String)> = lists
        .iter()
        .map(|p| (p["from"].clone(), p["to"].clone()))
        .collect();
    windows.sort_by_key(|(f, _)| f.parse::<u32>().unwrap());
    assert_eq!(
        windows,
        [
            ("0".into(), "10".into()),
            ("10".into(), "20".into()),
            ("20".into(), "30".into())
        ]
    );
    assert!(lists.iter().all(|p| p["ascending"] == "true"
        && p["start_date"] == "2026-04-28"
        && p["end_date"] == "2026-04-28"));
}

#[tokio::test]
async fn the_date_filter_can_be_turned_off_and_the_list_alone_kept() {
    let server = list_server().await;
    let p =
        Arc::new(Bland::from_settings(&settings(&server).option("date_filter", "false")).unwrap());
    let q = CallQuery::new()
        .since(t0())
        .until(t0() + Duration::minutes(10))
        .detail(false);
    let calls: Vec<_> = p.calls(q).try_collect().await.unwrap();
    assert_eq!(calls.len(), 10, "the engine keeps the window");
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| !r.url.query().unwrap().contains("start_date"))
    );
    assert!(
        requests.iter().all(|r| r.url.path() == "/v1/calls"),
        "no detail requests"
    );
    let bad = Bland::from_settings(&settings(&server).option("date_filter", "maybe")).unwrap_err();
    assert!(bad.to_string().contains("date_filter"), "{bad}");
}

#[tokio::test]
async fn a_401_names_the_key_and_never_shows_it() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"status": "error", "message": "Invalid API key"})),
        )
        .mount(&server)
        .await;
    let p = Arc::new(Bland::from_settings(&settings(&server)).unwrap());
    let err = p
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("BLAND_API_KEY"));
    assert!(!format!("{err:?}").contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_gives_every_call_once_in_full() {
    let config = calllogs_emulator::Config {
        calls: 300,
        ..Default::default()
    };
    let emu = calllogs_emulator::start(calllogs_bland::emulator::api(&config), config)
        .await
        .unwrap();
    let mut s = emu.settings();
    s.http.rate_limit = Some(5000.0);
    let p = Arc::new(Bland::from_settings(&s).unwrap());
    let q = CallQuery::new()
        .since(Utc::now() - Duration::days(120))
        .until(Utc::now());
    let calls: Vec<_> = p.calls(q).try_collect().await.unwrap();
    assert_eq!(calls.len(), emu.calls().len());
    assert!(
        calls
            .iter()
            .all(|c| c.direction != calllogs_core::Direction::Unknown),
        "details give the direction"
    );
    // One window: one page (300 < 1,000) and a detail per call.
    assert_eq!(emu.requests(), 1 + 300);
}
