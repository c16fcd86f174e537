//! Telnyx over HTTP: the bearer key, the record type, the start-time
//! range and ascending page numbers on the wire (wiremock), its JSON:API
//! error body in our error, and the emulator served exactly once.

use std::collections::HashSet;
use std::sync::Arc;

use calllogs_core::{CallQuery, Direction, ProviderStreams, Settings};
use futures::TryStreamExt;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(format!(
        "{}/../../fixtures/telnyx/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn settings(server: &MockServer) -> Settings {
    Settings::new()
        .without_env()
        .base_url(server.uri())
        .allow_insecure()
        .credential(calllogs_telnyx::API_KEY, "KEYsecret-fixture-value")
        .unthrottled_on_loopback()
}

#[tokio::test]
async fn bearer_record_type_started_at_range_and_pages_until_the_last() {
    let server = MockServer::start().await;
    let since = chrono::DateTime::parse_from_rfc3339("2026-04-28T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut first = fixture("page-1-first.json");
    first["meta"] = serde_json::json!({"page_number": 1, "total_pages": 2});
    let mut second = fixture("page-1-first.json");
    second["data"] = serde_json::json!([second["data"][0].clone(), second["data"][1].clone()]);
    second["data"][0]["call_leg_id"] = "fixture-leg-0101".into();
    second["data"][1]["call_leg_id"] = "fixture-leg-0102".into();
    second["meta"] = serde_json::json!({"page_number": 2, "total_pages": 2});
    for (page, body) in [("1", first), ("2", second)] {
        Mock::given(method("GET"))
            .and(path("/v2/detail_records"))
            .and(header("authorization", "Bearer KEYsecret-fixture-value"))
            .and(query_param("filter[record_type]", "sip-trunking"))
            .and(query_param(
                "filter[started_at][gte]",
                "2026-04-28T00:00:00.000Z",
            ))
            .and(query_param(
                "filter[started_at][lt]",
                "2026-04-29T00:00:00.000Z",
            ))
            .and(query_param("filter[direction]", "outbound"))
            .and(query_param("sort", "started_at"))
            .and(query_param("page[size]", "4"))
            .and(query_param("page[number]", page))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let s = settings(&server).option(calllogs_telnyx::RECORD_TYPE, "sip-trunking");
    let p = Arc::new(calllogs_telnyx::Telnyx::from_settings(&s).unwrap());
    let q = CallQuery::new()
        .since(since)
        .until(since + chrono::Duration::days(1))
        .direction(Direction::Outbound)
        .page_size(4);
    let calls: Vec<_> = p.calls(q).try_collect().await.unwrap();
    // The fixture's page has an inbound call: the direction filter is kept locally too.
    assert_eq!(
        calls.len(),
        4,
        "{:?}",
        calls.iter().map(|c| &c.id).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_json_api_error_is_quoted_and_the_key_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!(
            {"errors": [{"code": "10009", "title": "Authentication failed", "detail": "The API key is not valid"}]}
        )))
        .mount(&server)
        .await;
    let p = Arc::new(calllogs_telnyx::Telnyx::from_settings(&settings(&server)).unwrap());
    let err = p
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("TELNYX_API_KEY"), "{err}");
    assert!(
        err.contains("Authentication failed") || err.contains("not valid"),
        "{err}"
    );
    assert!(!err.contains("KEYsecret-fixture-value"), "{err}");
}

#[test]
fn a_record_type_that_is_not_one_is_refused() {
    let s = Settings::new()
        .without_env()
        .option(calllogs_telnyx::RECORD_TYPE, "call control; drop");
    let err = calllogs_telnyx::Telnyx::from_settings(&s)
        .unwrap_err()
        .to_string();
    assert!(err.contains("record_type"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_serves_every_call_once() {
    let config = calllogs_emulator::Config {
        calls: 400,
        ..Default::default()
    };
    let emu = calllogs_emulator::start(calllogs_telnyx::emulator::api(&config), config)
        .await
        .unwrap();
    let p = Arc::new(calllogs_telnyx::Telnyx::from_settings(&emu.settings()).unwrap());
    let q = CallQuery::new().since(chrono::Utc::now() - chrono::Duration::days(31));
    let calls: Vec<_> = p.calls(q).try_collect().await.unwrap();
    let unique: HashSet<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!((calls.len(), unique.len()), (400, 400));
    assert!(
        calls.iter().all(|c| c.parent_id.is_some()),
        "legs grouped by session"
    );
}
