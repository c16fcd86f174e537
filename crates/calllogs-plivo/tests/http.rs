//! Plivo over HTTP, against a local mock server.

use std::collections::HashMap;

use calllogs_core::{CallQuery, Direction, Error, ProviderStreams, Settings};
use calllogs_plivo::{Cmp, Plivo, PlivoFilters};
use chrono::{Duration, TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const AUTH_ID: &str = "MAFIXTURE000000000001";
const TOKEN: &str = "fixture-token-not-real";
const CALLS: &str = "/v1/Account/MAFIXTURE000000000001/Call/";

fn plivo(server: &MockServer) -> std::sync::Arc<Plivo> {
    std::sync::Arc::new(
        Plivo::from_settings(&calllogs_core::testing::mock_settings(
            &server.uri(),
            &[("PLIVO_AUTH_ID", AUTH_ID), ("PLIVO_AUTH_TOKEN", TOKEN)],
        ))
        .unwrap(),
    )
}

fn params(req: &Request) -> HashMap<String, String> {
    calllogs_core::testing::query_params(&req.url)
}

/// Serves `total` calls by `limit`/`offset`, like Plivo.
struct Pages {
    total: usize,
}

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = params(req);
        let limit: usize = p.get("limit").and_then(|v| v.parse().ok()).unwrap_or(20);
        if limit > 20 {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"api_id": "x", "error": "limit must be <= 20"}));
        }
        let offset: usize = p.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
        let objects: Vec<_> = (offset..(offset + limit).min(self.total))
            .map(|i| {
                json!({
                    "call_uuid": format!("call-{i:04}"), "call_direction": "outbound",
                    "from_number": "15555550100", "to_number": format!("1555555{:04}", i % 10000),
                    "initiation_time": "2026-03-02 10:15:00+05:30", "answer_time": "2026-03-02 10:15:05+05:30",
                    "end_time": "2026-03-02 10:16:00+05:30", "call_duration": 60, "bill_duration": 60,
                    "call_state": "ANSWER", "hangup_cause_code": 4000, "hangup_cause_name": "Normal Hangup",
                    "hangup_source": "Caller", "total_amount": "0.00850"
                })
            })
            .collect();
        let next = (offset + limit < self.total)
            .then(|| format!("{CALLS}?limit={limit}&offset={}", offset + limit));
        ResponseTemplate::new(200).set_body_json(json!({
            "api_id": "x",
            "meta": {"limit": limit, "offset": offset, "total_count": self.total, "next": next, "previous": null},
            "objects": objects
        }))
    }
}

#[tokio::test]
async fn pages_over_three_pages_by_total_count() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(CALLS))
        .and(basic_auth(AUTH_ID, TOKEN))
        .respond_with(Pages { total: 45 })
        .mount(&server)
        .await;
    let p = plivo(&server);
    let calls: Vec<_> = p
        .calls(CallQuery::new().page_size(100))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = calls.iter().map(|c| c.id.clone()).collect();
    let want: Vec<_> = (0..45).map(|i| format!("call-{i:04}")).collect();
    assert_eq!(ids, want, "every call once, in order");
    let reqs = server.received_requests().await.unwrap();
    let seen: Vec<_> = reqs
        .iter()
        .map(|r| (params(r)["limit"].clone(), params(r)["offset"].clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("20".into(), "0".into()),
            ("20".into(), "20".into()),
            ("20".into(), "40".into())
        ]
    );
    // The window is pinned: every page asks for the same end_time range.
    let ranges: std::collections::HashSet<_> = reqs
        .iter()
        .map(|r| {
            (
                params(r)["end_time__gte"].clone(),
                params(r)["end_time__lte"].clone(),
            )
        })
        .collect();
    assert_eq!(ranges.len(), 1);
    assert_eq!(calls[0].to.as_deref(), Some("+15555550000"));
}

#[tokio::test]
async fn every_filter_reaches_the_wire() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(CALLS))
        .respond_with(Pages { total: 0 })
        .mount(&server)
        .await;
    let since = Utc::now() - Duration::days(3);
    let until = Utc::now() - Duration::days(1);
    let q = CallQuery::new()
        .since(since)
        .until(until)
        .direction(Direction::Inbound)
        .from_number("+1555555")
        .to_number("15555550100")
        .extension(PlivoFilters {
            subaccount: Some("SAFIXTURE00000000001".into()),
            parent_call_uuid: Some("c0ffee00-0000-4000-8000-0000000000a0".into()),
            bill_duration: vec![Cmp::Gte(10), Cmp::Lt(600)],
            end_time: vec![Cmp::Gt(since)],
            hangup_cause_code: Some(3010),
            hangup_source: Some("Callee".into()),
            stir_verification: Some("Verified".into()),
        });
    let calls: Vec<_> = plivo(&server).calls(q).try_collect().await.unwrap();
    assert!(calls.is_empty());
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let p = params(&reqs[0]);
    let want = [
        ("limit", "20".to_string()),
        ("offset", "0".into()),
        ("call_direction", "inbound".into()),
        ("from_number", "1555555".into()),
        ("to_number", "15555550100".into()),
        ("subaccount", "SAFIXTURE00000000001".into()),
        (
            "parent_call_uuid",
            "c0ffee00-0000-4000-8000-0000000000a0".into(),
        ),
        ("bill_duration__gte", "10".into()),
        ("bill_duration__lt", "600".into()),
        ("end_time__gt", calllogs_plivo::plivo_time(since)),
        ("end_time__gte", calllogs_plivo::plivo_time(since)),
        (
            "end_time__lte",
            calllogs_plivo::plivo_time(until - Duration::microseconds(1)),
        ),
        ("hangup_cause_code", "3010".into()),
        ("hangup_source", "Callee".into()),
        ("stir_verification", "Verified".into()),
    ];
    for (k, v) in &want {
        assert_eq!(p.get(*k), Some(v), "{k}");
    }
    assert_eq!(p.len(), want.len(), "nothing else sent: {p:?}");
}

#[tokio::test]
async fn a_45_day_range_is_two_windows() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(CALLS))
        .respond_with(Pages { total: 3 })
        .mount(&server)
        .await;
    let until = Utc
        .with_ymd_and_hms(2026, 11, 20, 0, 0, 0)
        .unwrap()
        .min(Utc::now());
    let since = until - Duration::days(45);
    let calls: Vec<_> = plivo(&server)
        .calls(CallQuery::new().since(since).until(until))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(calls.len(), 6, "three calls in each window");
    let reqs = server.received_requests().await.unwrap();
    let windows: Vec<_> = reqs
        .iter()
        .map(|r| {
            (
                params(r)["end_time__gte"].clone(),
                params(r)["end_time__lte"].clone(),
            )
        })
        .collect();
    let mid = since + Duration::days(30);
    let t = calllogs_plivo::plivo_time;
    assert_eq!(
        windows,
        [
            (t(since), t(mid - Duration::microseconds(1))),
            (t(mid), t(until - Duration::microseconds(1))),
        ]
    );
}

#[tokio::test]
async fn a_400_for_a_bad_range_shows_plivos_message() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(CALLS))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "api_id": "00000000-aaaa-4000-8000-000000000009",
            "error": "end_time range cannot exceed 30 days"
        })))
        .mount(&server)
        .await;
    let err = plivo(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Provider { status: 400, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "plivo: HTTP 400: end_time range cannot exceed 30 days"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a 400 is not retried"
    );
}

#[tokio::test]
async fn a_401_names_the_credentials_and_hides_them() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"api_id": "x", "error": "Authentication credentials invalid."}),
            ),
        )
        .mount(&server)
        .await;
    let err = plivo(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
    assert!(
        text.contains("PLIVO_AUTH_TOKEN") && text.contains("Authentication credentials invalid."),
        "{text}"
    );
    assert!(!format!("{text} {err:?}").contains(TOKEN));
}

#[tokio::test]
async fn missing_credentials_say_which() {
    let server = calllogs_core::testing::mock_server().await;
    let p = std::sync::Arc::new(
        Plivo::from_settings(&Settings::new().without_env().base_url(server.uri())).unwrap(),
    );
    let err = p
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_usage());
    assert!(err.to_string().contains("PLIVO_AUTH_ID"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn older_than_90_days_is_a_clear_error_not_an_empty_result() {
    let server = calllogs_core::testing::mock_server().await;
    let until = Utc::now() - Duration::days(100);
    let q = CallQuery::new()
        .since(until - Duration::days(5))
        .until(until);
    let err = plivo(&server)
        .calls(q)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadQuery { .. }), "{err:?}");
    assert!(err.to_string().contains("90 days"));
    assert!(server.received_requests().await.unwrap().is_empty());
}
