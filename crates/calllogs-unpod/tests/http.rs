//! Unpod over HTTP, against a local mock server.

use std::collections::HashMap;

use calllogs_core::{CallQuery, Direction, Error, ProviderStreams, Status};
use calllogs_unpod::Unpod;
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ORG: &str = "fixture-org";
const TOKEN: &str = "fixture-unpod-token";

fn unpod(server: &MockServer) -> std::sync::Arc<Unpod> {
    std::sync::Arc::new(
        Unpod::from_settings(&calllogs_core::testing::mock_settings(
            &format!("{}/api/v2/platform", server.uri()),
            &[("UNPOD_ORG_HANDLE", ORG), ("UNPOD_API_TOKEN", TOKEN)],
        ))
        .unwrap(),
    )
}

fn params(req: &Request) -> HashMap<String, String> {
    calllogs_core::testing::query_params(&req.url)
}

/// Serves `total` calls; `next` links alternate absolute and relative, or point elsewhere.
struct Pages {
    total: usize,
    base: String,
    evil_next: bool,
}

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = params(req);
        let size: usize = p["page_size"].parse().unwrap();
        let page: usize = p["page"].parse().unwrap();
        let start = (page - 1) * size;
        let data: Vec<_> = (start..(start + size).min(self.total))
            .map(|i| json!({"id": format!("up-{i:04}"), "call_type": "inbound", "call_status": "completed",
                            "start_time": "2026-05-01T10:00:00Z", "call_duration": "0:01:00", "end_reason": "caller_hangup"}))
            .collect();
        let query = format!(
            "page={}&page_size={size}&start_date={}",
            page + 1,
            p["start_date"]
        );
        let next = (start + size < self.total).then(|| {
            if self.evil_next {
                format!("https://elsewhere.invalid/api/v2/platform/call-logs/?{query}")
            } else if page % 2 == 1 {
                format!("{}/api/v2/platform/call-logs/?{query}", self.base)
            } else {
                format!("/api/v2/platform/call-logs/?{query}")
            }
        });
        ResponseTemplate::new(200).set_body_json(json!({"count": self.total, "next": next, "status_code": 200, "message": "ok", "data": data}))
    }
}

async fn server(total: usize, evil_next: bool) -> MockServer {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/platform/call-logs/"))
        .and(header("Org-Handle", ORG))
        .and(header("Authorization", format!("Token {TOKEN}").as_str()))
        .respond_with(Pages {
            total,
            base: server.uri(),
            evil_next,
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn follows_absolute_and_relative_next_links_with_both_headers() {
    let server = server(250, false).await;
    let calls: Vec<_> = unpod(&server)
        .calls(CallQuery::new().page_size(100))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 250);
    assert_eq!(
        calls
            .iter()
            .map(|c| &c.id)
            .collect::<std::collections::HashSet<_>>()
            .len(),
        250
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        reqs.iter()
            .map(|r| params(r)["page"].clone())
            .collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
}

#[tokio::test]
async fn sends_both_dates_and_the_filters() {
    let server = server(0, false).await;
    let q = CallQuery::new()
        .direction(Direction::Outbound)
        .status(Status::Failed);
    unpod(&server)
        .calls(q)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    let p = params(&reqs[0]);
    assert_eq!(
        (
            p["call_type"].as_str(),
            p["call_status"].as_str(),
            p["page_size"].as_str()
        ),
        ("outbound", "failed", "100")
    );
    let start = calllogs_core::parse::timestamp(&p["start_date"]).unwrap();
    let end = calllogs_core::parse::timestamp(&p["end_date"]).unwrap();
    let days = (end - start).num_seconds() as f64 / 86_400.0;
    assert!(
        (days - 7.0).abs() < 0.001,
        "the default window is 7 days: {days}"
    );
}

#[tokio::test]
async fn long_ranges_go_window_by_window() {
    let server = server(2, false).await;
    let until = chrono::Utc::now() - chrono::Duration::hours(1);
    let since = until - chrono::Duration::days(70);
    let calls: Vec<_> = unpod(&server)
        .calls(CallQuery::new().since(since).until(until))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 6, "two calls in each of three windows");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let server = server(50, true).await;
    // Pages of 20 so the 50 calls need a next link.
    let results: Vec<_> =
        futures::StreamExt::collect::<Vec<_>>(unpod(&server).calls(CallQuery::new().page_size(20)))
            .await;
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(err, Error::Paging { .. }), "{err:?}");
    assert!(err.to_string().contains("elsewhere.invalid"), "{err}");
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        20,
        "the first page is kept"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_error_envelope_inside_a_200_is_an_error() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"count": 0, "status_code": 401, "message": "Invalid token", "data": []}),
        ))
        .mount(&server)
        .await;
    let err = unpod(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
    assert!(err.to_string().contains("UNPOD_API_TOKEN"));
}

#[tokio::test]
async fn a_403_names_the_org_handle() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"status_code": 403, "message": "Forbidden - Invalid organization handle"}),
        ))
        .mount(&server)
        .await;
    let err = unpod(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("UNPOD_ORG_HANDLE") && text.contains("Invalid organization handle"),
        "{text}"
    );
    assert!(!format!("{text} {err:?}").contains(TOKEN));
}
