//! NectarDesk over HTTP, against a local mock server.

use std::collections::HashMap;

use calllogs_core::{CallQuery, Direction, Error, ProviderStreams, Settings};
use calllogs_nectardesk::{CallType, Nectardesk, NectardeskFilters};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "fixture-nectardesk-token";

fn desk(server: &MockServer) -> std::sync::Arc<Nectardesk> {
    std::sync::Arc::new(
        Nectardesk::from_settings(&calllogs_core::testing::mock_settings(
            &format!("{}/api/v1", server.uri()),
            &[("NECTARDESK_ACCESS_TOKEN", TOKEN)],
        ))
        .unwrap(),
    )
}

fn params(req: &Request) -> HashMap<String, String> {
    calllogs_core::testing::query_params(&req.url)
}

/// Serves `total` calls by page, with relative `next` links.
struct Pages {
    total: usize,
}

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = params(req);
        let limit: usize = p["limit"].parse().unwrap();
        let page: usize = p["page"].parse().unwrap();
        let start = (page - 1) * limit;
        let calls: Vec<_> = (start..(start + limit).min(self.total))
            .map(|i| json!({"id": 10_000 + i, "is_inbound": true, "is_answered": true, "type": "answered", "started_at": 1778140800,
                            "duration": 10, "talk_time": 8, "contact": {"number_country_code": "1", "national_number": "5555550100"}}))
            .collect();
        let next =
            (start + limit < self.total).then(|| format!("/api/v1/calls/?page={}", page + 1));
        ResponseTemplate::new(200).set_body_json(json!({"calls": calls, "meta": {"page": page, "limit": limit, "total": self.total, "next": next}}))
    }
}

#[tokio::test]
async fn the_default_page_is_the_largest_allowed() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/calls/"))
        .respond_with(Pages { total: 2500 })
        .mount(&server)
        .await;
    let calls: Vec<_> = desk(&server)
        .calls(CallQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 2500);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 3, "ceil(2500 / 1000) requests");
    assert!(reqs.iter().all(|r| params(r)["limit"] == "1000"));
}

#[tokio::test]
async fn pages_by_next_over_three_pages_with_the_header() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/calls/"))
        .and(header("Access-Token", TOKEN))
        .respond_with(Pages { total: 250 })
        .mount(&server)
        .await;
    // A page size below the default (the largest, 1000) makes three pages.
    let calls: Vec<_> = desk(&server)
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
    let pages: Vec<_> = reqs
        .iter()
        .map(|r| (params(r)["page"].clone(), params(r)["limit"].clone()))
        .collect();
    assert_eq!(
        pages,
        [
            ("1".into(), "100".into()),
            ("2".into(), "100".into()),
            ("3".into(), "100".into())
        ]
    );
}

#[tokio::test]
async fn every_filter_on_the_wire_lists_joined_with_commas() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/calls/"))
        .respond_with(Pages { total: 0 })
        .mount(&server)
        .await;
    let since = chrono::Utc::now() - chrono::Duration::days(2);
    let until = chrono::Utc::now() - chrono::Duration::days(1);
    let q = CallQuery::new()
        .since(since)
        .until(until)
        .page_size(5000)
        .extension(NectardeskFilters {
            number_ids: vec![1, 2, 3],
            ring_group_id: Some(4),
            ivr_id: Some(5),
            list_id: Some(6),
            agent_id: Some(7),
            call_type: Some(CallType::InboundAnsweredWithinSla),
            disposition_ids: vec![8, 9],
            survey_ids: vec![10, 11],
        });
    desk(&server)
        .calls(q)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    let p = params(&reqs[0]);
    let iso =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let want: HashMap<String, String> = [
        ("page", "1".to_string()),
        ("limit", "1000".into()),
        ("dateFrom", iso(since)),
        ("dateTo", iso(until)),
        ("numberIds", "1,2,3".into()),
        ("ringGroupId", "4".into()),
        ("ivrId", "5".into()),
        ("listId", "6".into()),
        ("agentId", "7".into()),
        ("callType", "inbound_answered_within_sla".into()),
        ("dispositionIds", "8,9".into()),
        ("surveyIds", "10,11".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(p, want);
}

#[tokio::test]
async fn direction_becomes_a_call_type() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .respond_with(Pages { total: 3 })
        .mount(&server)
        .await;
    let calls: Vec<_> = desk(&server)
        .calls(CallQuery::new().direction(Direction::Inbound))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 3);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(params(&reqs[0])["callType"], "all_inbound");
}

#[tokio::test]
async fn one_call_by_id() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/calls/7001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"calls": {"id": 7001, "is_inbound": true, "started_at": 1778140800}}),
        ))
        .mount(&server)
        .await;
    let c = desk(&server).call("7001").await.unwrap();
    assert_eq!((c.id.as_str(), c.direction), ("7001", Direction::Inbound));
    assert!(desk(&server).call("../etc").await.is_err());
}

#[tokio::test]
async fn a_401_names_the_token() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthenticated."})),
        )
        .mount(&server)
        .await;
    let err = desk(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
    assert!(
        err.to_string().contains("NECTARDESK_ACCESS_TOKEN") && !format!("{err:?}").contains(TOKEN)
    );
}

#[tokio::test]
async fn no_base_url_is_a_clear_usage_error() {
    let d = std::sync::Arc::new(
        Nectardesk::from_settings(
            &Settings::new()
                .without_env()
                .credential("NECTARDESK_ACCESS_TOKEN", TOKEN),
        )
        .unwrap(),
    );
    let err = d
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.is_usage() && err.to_string().contains("base URL"),
        "{err}"
    );
}
