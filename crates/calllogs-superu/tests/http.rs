//! SuperU over HTTP, against a local mock server.

use std::collections::HashMap;

use calllogs_core::{CallQuery, Error, ProviderStreams, Settings, Status};
use calllogs_superu::{Superu, SuperuFilters};
use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "fixture-superu-key";

fn superu(server: &MockServer) -> std::sync::Arc<Superu> {
    std::sync::Arc::new(
        Superu::from_settings(&calllogs_core::testing::mock_settings(
            &server.uri(),
            &[("SUPERU_API_KEY", KEY)],
        ))
        .unwrap(),
    )
}

fn params(req: &Request) -> HashMap<String, String> {
    calllogs_core::testing::query_params(&req.url)
}

/// Serves `total` calls by `page`/`limit`, refusing what SuperU refuses.
struct Pages {
    total: usize,
}

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = params(req);
        let limit: usize = p["limit"].parse().unwrap();
        let page: usize = p["page"].parse().unwrap();
        if page == 0 || !(1..=100).contains(&limit) {
            return ResponseTemplate::new(422).set_body_json(json!({"detail": "out of range"}));
        }
        let start = (page - 1) * limit;
        let calls: Vec<_> = (start..(start + limit).min(self.total))
            .map(|i| json!({"id": format!("sc-{i:04}"), "type": "outboundPhoneCall", "endedReason": "Customer Hangup",
                            "status": "ended", "cost": 0.01, "startedAt": "2026-04-20T06:59:42.449948+00:00"}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": {"calls": calls}}))
    }
}

#[tokio::test]
async fn post_with_key_header_and_assistant_in_the_path_over_three_pages_and_an_empty_one() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("POST"))
        .and(path("/call-logs/asst-0001"))
        .and(header("superU-Api-Key", KEY))
        .respond_with(Pages { total: 250 })
        .mount(&server)
        .await;
    let q = CallQuery::new().page_size(1000).extension(SuperuFilters {
        assistant_id: Some("asst-0001".into()),
        ..Default::default()
    });
    let calls: Vec<_> = superu(&server).calls(q).try_collect().await.unwrap();
    assert_eq!(calls.len(), 250);
    let ids: std::collections::HashSet<_> = calls.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 250, "each once");
    let reqs = server.received_requests().await.unwrap();
    let pages: Vec<_> = reqs
        .iter()
        .map(|r| (params(r)["page"].clone(), params(r)["limit"].clone()))
        .collect();
    // No total in these answers: the short third page is not taken for
    // the last, the empty fourth confirms the end.
    assert_eq!(
        pages,
        [
            ("1".into(), "100".into()),
            ("2".into(), "100".into()),
            ("3".into(), "100".into()),
            ("4".into(), "100".into())
        ]
    );
    assert!(reqs.iter().all(|r| r.body.is_empty()));
}

#[tokio::test]
async fn every_filter_reaches_the_wire_under_its_name() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("POST"))
        .and(path("/call-logs/all"))
        .respond_with(Pages { total: 0 })
        .mount(&server)
        .await;
    let q = CallQuery::new()
        .since(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
        .until(Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap())
        .status(Status::Completed)
        .campaign("demo_call")
        .search("Ava");
    let calls: Vec<_> = superu(&server).calls(q).try_collect().await.unwrap();
    assert!(calls.is_empty());
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let p = params(&reqs[0]);
    let want: HashMap<String, String> = [
        ("limit", "100"),
        ("page", "1"),
        ("after", "2026-01-01T00:00:00Z"),
        ("before", "2026-02-01T00:00:00Z"),
        ("status", "completed"),
        ("campaign_id", "demo_call"),
        ("search_query", "Ava"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(p, want);
}

#[tokio::test]
async fn a_401_names_superu_api_key() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"success": false, "message": "Invalid API key"})),
        )
        .mount(&server)
        .await;
    let err = superu(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("SUPERU_API_KEY") && text.contains("Invalid API key"),
        "{text}"
    );
    assert!(!format!("{text} {err:?}").contains(KEY));
}

#[tokio::test]
async fn a_missing_key_is_a_usage_error_before_any_request() {
    let server = calllogs_core::testing::mock_server().await;
    let s = std::sync::Arc::new(
        Superu::from_settings(&Settings::new().without_env().base_url(server.uri())).unwrap(),
    );
    let err = s
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.is_usage() && err.to_string().contains("SUPERU_API_KEY"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
