//! Vapi over HTTP, against a local mock server and the emulator: a bare
//! array newest first, paged by the time cursor in core.

use std::collections::HashMap;

use calllogs_core::{CallQuery, Error, ProviderStreams};
use calllogs_vapi::{Vapi, VapiFilters};
use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "fixture-vapi-key";

fn vapi(server: &MockServer) -> std::sync::Arc<Vapi> {
    std::sync::Arc::new(
        Vapi::from_settings(&calllogs_core::testing::mock_settings(
            &server.uri(),
            &[("VAPI_API_KEY", KEY)],
        ))
        .unwrap(),
    )
}

fn params(req: &Request) -> HashMap<String, String> {
    calllogs_core::testing::query_params(&req.url)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

/// `total` calls, three to a `createdAt` instant, served as Vapi does:
/// `createdAtGe`/`createdAtLt`/`createdAtLe`, newest first, `limit`.
struct Api {
    total: usize,
}

impl Respond for Api {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = params(req);
        let time = |k: &str| p.get(k).map(|v| v.parse::<DateTime<Utc>>().unwrap());
        let (ge, lt, le) = (
            time("createdAtGe"),
            time("createdAtLt"),
            time("createdAtLe"),
        );
        let limit: usize = p["limit"].parse().unwrap();
        let mut calls: Vec<(DateTime<Utc>, usize)> = (0..self.total)
            .map(|i| (t0() + Duration::seconds((i / 3) as i64), i))
            .filter(|(at, _)| ge.is_none_or(|t| *at >= t))
            .filter(|(at, _)| lt.is_none_or(|t| *at < t))
            .filter(|(at, _)| le.is_none_or(|t| *at <= t))
            .collect();
        calls.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let body: Vec<_> = calls
            .into_iter()
            .take(limit)
            .map(|(at, i)| {
                json!({"id": format!("call-{i:04}"), "type": "outboundPhoneCall", "status": "ended",
                       "endedReason": "customer-ended-call", "cost": 0.01,
                       "createdAt": at.to_rfc3339(), "startedAt": at.to_rfc3339()})
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test]
async fn a_bearer_key_and_a_time_cursor_over_pages_whose_ends_split_an_instant() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/call"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(Api { total: 100 })
        .mount(&server)
        .await;
    let q = CallQuery::new()
        .since(t0() - Duration::hours(1))
        .until(t0() + Duration::hours(1))
        .page_size(10);
    let calls: Vec<_> = vapi(&server).calls(q).try_collect().await.unwrap();
    let mut ids: Vec<_> = calls.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 100, "each call once");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 100);
    let requests = server.received_requests().await.unwrap();
    let first = params(&requests[0]);
    assert!(first.contains_key("createdAtLt") && !first.contains_key("createdAtLe"));
    assert_eq!(first["createdAtGe"], "2026-11-02T08:00:00.000Z");
    let second = params(&requests[1]);
    assert!(second.contains_key("createdAtLe") && !second.contains_key("createdAtLt"));
    // 100 calls, 10 a page, the cursor re-reading split instants: a few more
    // requests than pages, never one per call.
    assert!(
        (11..=16).contains(&requests.len()),
        "{} requests",
        requests.len()
    );
}

#[tokio::test]
async fn the_filters_go_on_the_wire() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/call"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let q = CallQuery::new().extension(VapiFilters {
        assistant_id: Some("asst-fixture-1".into()),
        phone_number_id: Some("pn-fixture-1".into()),
    });
    let calls: Vec<_> = vapi(&server).calls(q).try_collect().await.unwrap();
    assert!(calls.is_empty());
    let p = params(&server.received_requests().await.unwrap()[0]);
    assert_eq!(p["assistantId"], "asst-fixture-1");
    assert_eq!(p["phoneNumberId"], "pn-fixture-1");
    assert_eq!(p["limit"], "1000", "the largest page by default");
}

#[tokio::test]
async fn a_401_names_the_key_and_an_envelope_instead_of_the_array_is_an_error() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/call"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"message": "Invalid Key.", "error": "Unauthorized", "statusCode": 401}),
        ))
        .mount(&server)
        .await;
    let err = vapi(&server)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    assert!(
        err.to_string().contains("VAPI_API_KEY") && err.to_string().contains("Invalid Key"),
        "{err}"
    );

    let other = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path("/call"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"calls": []})))
        .mount(&other)
        .await;
    let err = vapi(&other)
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Decode { .. }),
        "a silent 0 calls would hide it: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_serves_every_call_once_across_shared_instants() {
    let emu = {
        let config = calllogs_emulator::Config {
            calls: 3_000,
            days: 1,
            ..Default::default()
        };
        calllogs_emulator::start(calllogs_vapi::emulator::api(&config), config)
    }
    .await
    .unwrap();
    // No rate limit: a hundred small pages.
    let settings = emu.settings();
    let mut http = settings.http.clone();
    http.rate_limit = Some(10_000.0);
    let v = std::sync::Arc::new(Vapi::from_settings(&settings.http(http)).unwrap());
    // Small pages, so page ends fall inside minutes shared by several calls.
    let q = CallQuery::new()
        .since(Utc::now() - Duration::days(2))
        .page_size(25);
    let calls: Vec<_> = v.calls(q).try_collect().await.unwrap();
    let mut ids: Vec<_> = calls.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 3_000);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3_000);
    assert!(
        calls
            .iter()
            .any(|c| c.transcript.is_some() && c.analysis.is_some())
    );
}
