//! Twilio over HTTP, against a local mock server and the emulator.

use std::collections::HashMap;

use calllogs_core::{CallQuery, Error, ProviderStreams, Settings};
use calllogs_twilio::{Twilio, TwilioFilters};
use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SID: &str = "AC0000000000000000000000000000beef";
const TOKEN: &str = "fixture-twilio-token";
const LIST: &str = "/2010-04-01/Accounts/AC0000000000000000000000000000beef/Calls.json";

fn twilio(server: &MockServer, extra: &[(&str, &str)]) -> std::sync::Arc<Twilio> {
    let mut creds = vec![("TWILIO_ACCOUNT_SID", SID), ("TWILIO_AUTH_TOKEN", TOKEN)];
    creds.extend_from_slice(extra);
    std::sync::Arc::new(
        Twilio::from_settings(&calllogs_core::testing::mock_settings(
            &server.uri(),
            &creds,
        ))
        .unwrap(),
    )
}

fn params(req: &Request) -> HashMap<String, String> {
    calllogs_core::testing::query_params(&req.url)
}

/// Serves `total` calls an hour apart by `PageSize`, then `next_page_uri`
/// with a `PageToken`, as Twilio does.
struct Pages {
    total: usize,
}

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = params(req);
        let size: usize = p["PageSize"].parse().unwrap();
        let start: usize = p
            .get("PageToken")
            .map_or(0, |t| t.trim_start_matches("PA").parse().unwrap());
        let t0 = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
        let calls: Vec<_> = (start..(start + size).min(self.total))
            .map(|i| {
                let at = t0 - chrono::Duration::hours(i as i64);
                json!({"sid": format!("CA{i:032}"), "status": "completed", "direction": "inbound",
                       "from": "+15555550101", "to": "+15555550102", "duration": "60",
                       "start_time": at.format("%a, %d %b %Y %H:%M:%S +0000").to_string(),
                       "price": "-0.0085", "price_unit": "USD"})
            })
            .collect();
        let next = (start + size < self.total)
            .then(|| format!("{LIST}?PageSize={size}&Page=1&PageToken=PA{}", start + size));
        ResponseTemplate::new(200).set_body_json(json!({"calls": calls, "next_page_uri": next}))
    }
}

#[tokio::test]
async fn basic_auth_and_next_page_uri_over_three_pages_trimmed_to_the_instant() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(basic_auth(SID, TOKEN))
        .respond_with(Pages { total: 60 })
        .mount(&server)
        .await;
    // From 13:30 on Nov 1 to 23:30 (exclusive): Twilio is asked by whole
    // days, the calls outside the instants are left out.
    let since = Utc.with_ymd_and_hms(2026, 11, 1, 13, 30, 0).unwrap();
    let until = Utc.with_ymd_and_hms(2026, 11, 1, 23, 30, 0).unwrap();
    let q = CallQuery::new().since(since).until(until).page_size(25);
    let calls: Vec<_> = twilio(&server, &[]).calls(q).try_collect().await.unwrap();
    let starts: Vec<_> = calls.iter().map(|c| c.started_at.unwrap()).collect();
    assert_eq!(calls.len(), 10, "{starts:?}");
    assert!(starts.iter().all(|t| *t >= since && *t < until));
    let requests = server.received_requests().await.unwrap();
    let first = params(&requests[0]);
    assert_eq!(first["StartTime>"], "2026-11-01");
    assert_eq!(first["StartTime<"], "2026-11-02");
    assert_eq!(first["PageSize"], "25");
    // Every page followed its next_page_uri (60 calls, 25 a page).
    assert_eq!(requests.len(), 3);
    assert_eq!(params(&requests[2])["PageToken"], "PA50");
}

#[tokio::test]
async fn the_filters_go_on_the_wire() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"calls": [], "next_page_uri": null})),
        )
        .mount(&server)
        .await;
    let q = CallQuery::new()
        .from_number("+15555550101")
        .to_number("+15555550102")
        .extension(TwilioFilters {
            parent_call_sid: Some("CA00000000000000000000000000000001".into()),
            status: Some("ringing".into()),
            end_from: Some("2026-11-01".into()),
            end_before: Some("2026-11-03".into()),
        });
    let calls: Vec<_> = twilio(&server, &[]).calls(q).try_collect().await.unwrap();
    assert!(calls.is_empty());
    let p = params(&server.received_requests().await.unwrap()[0]);
    assert_eq!(p["From"], "+15555550101");
    assert_eq!(p["To"], "+15555550102");
    assert_eq!(p["ParentCallSid"], "CA00000000000000000000000000000001");
    assert_eq!(p["Status"], "ringing");
    assert_eq!(p["EndTime>"], "2026-11-01");
    assert_eq!(p["EndTime<"], "2026-11-03");
    assert_eq!(p["PageSize"], "1000", "the largest page by default");
}

#[tokio::test]
async fn an_api_key_pair_logs_in_instead_of_the_token() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(basic_auth(
            "SK0000000000000000000000000000c0de",
            "key-secret",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"calls": [], "next_page_uri": null})),
        )
        .mount(&server)
        .await;
    let t = twilio(
        &server,
        &[
            ("TWILIO_API_KEY", "SK0000000000000000000000000000c0de"),
            ("TWILIO_API_SECRET", "key-secret"),
        ],
    );
    let calls: Vec<_> = t.calls(CallQuery::new()).try_collect().await.unwrap();
    assert!(calls.is_empty());
}

#[tokio::test]
async fn a_401_names_the_credentials_and_a_foreign_next_link_is_refused() {
    let server = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": 20003, "message": "Authenticate", "status": 401})),
        )
        .mount(&server)
        .await;
    let err = twilio(&server, &[])
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN"),
        "{text}"
    );
    assert!(!text.contains(TOKEN));

    let other = calllogs_core::testing::mock_server().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "calls": [{"sid": "CA1", "status": "completed"}],
            "next_page_uri": "https://elsewhere.example.invalid/2010-04-01/Accounts/x/Calls.json?PageToken=PA1"
        })))
        .mount(&other)
        .await;
    let err = twilio(&other, &[])
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refusing a next link"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_serves_every_call_once() {
    let emu = {
        let config = calllogs_emulator::Config {
            calls: 2_345,
            ..Default::default()
        };
        calllogs_emulator::start(calllogs_twilio::emulator::api(&config), config)
    }
    .await
    .unwrap();
    let t = std::sync::Arc::new(Twilio::from_settings(&emu.settings()).unwrap());
    let q = CallQuery::new().since(Utc::now() - chrono::Duration::days(31));
    let calls: Vec<_> = t.calls(q).try_collect().await.unwrap();
    let mut ids: Vec<_> = calls.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2_345);
    assert!(calls.iter().any(|c| {
        c.hangup
            .as_ref()
            .is_some_and(|h| h.cause.as_str() == "machine_detected")
    }));
    let _ = Settings::new();
}

#[test]
fn filters_are_checked_when_given() {
    let mut q = CallQuery::new();
    let pairs = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    assert!(calllogs_twilio::apply_filters(&mut q, &pairs("EndTime>=", "2026-11-01")).is_ok());
    for (k, v, said) in [
        ("EndTime<", "yesterday", "not a day"),
        ("Status", "done", "not one of"),
        ("Direction", "inbound", "no filter"),
    ] {
        let e = calllogs_twilio::apply_filters(&mut q, &pairs(k, v)).unwrap_err();
        assert!(e.contains(said), "{k}: {e}");
    }
}

const USAGE: &str =
    "/2010-04-01/Accounts/AC0000000000000000000000000000beef/Usage/Records/Daily.json";

/// One usage record of `day` counting `n` calls.
fn usage_record(day: &str, n: u32) -> serde_json::Value {
    json!({"category": "calls", "start_date": day, "end_date": day, "count": n.to_string(),
           "count_unit": "calls", "usage": (2 * n).to_string(), "usage_unit": "minutes",
           "price": "0.17000", "price_unit": "usd"})
}

/// Usage pages follow `next_page_uri` through the engine's step: two pages
/// give both days once; a link sent again is a paging error, not a loop.
#[tokio::test]
async fn usage_records_follow_their_links_and_a_repeated_link_is_an_error() {
    let server = MockServer::start().await;
    let second = format!("{USAGE}?Category=calls&PageSize=1&Page=1&PageToken=PU1");
    let page = move |req: &Request| {
        let p = params(req);
        assert_eq!(p.get("Category").map(String::as_str), Some("calls"));
        match p.get("PageToken").map(String::as_str) {
            None => {
                // The account's own calls only, as its call list has them.
                assert_eq!(p["IncludeSubaccounts"], "false");
                assert_eq!(p["StartDate"], "2026-11-19");
                assert_eq!(p["EndDate"], "2026-11-20");
                ResponseTemplate::new(200).set_body_json(json!({
                    "usage_records": [usage_record("2026-11-19", 4)],
                    "next_page_uri": second}))
            }
            _ => ResponseTemplate::new(200).set_body_json(json!({
                "usage_records": [usage_record("2026-11-20", 7)],
                "next_page_uri": null})),
        }
    };
    Mock::given(method("GET"))
        .and(path(USAGE))
        .and(basic_auth(SID, TOKEN))
        .respond_with(page)
        .mount(&server)
        .await;
    let provider: calllogs_core::DynProvider = twilio(&server, &[]);
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let days = provider.usage(day(19), day(20)).await.unwrap().unwrap();
    let counts: Vec<(String, u64, u64)> = days
        .iter()
        .map(|d| (d.day.to_string(), d.calls, d.minutes))
        .collect();
    assert_eq!(
        counts,
        [("2026-11-19".into(), 4, 8), ("2026-11-20".into(), 7, 14)]
    );
    assert_eq!(days[0].currency.as_deref(), Some("USD"));

    // A server whose link points back at itself.
    let looping = MockServer::start().await;
    let again = format!("{USAGE}?PageToken=PU0");
    Mock::given(method("GET"))
        .and(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "usage_records": [usage_record("2026-11-19", 1)],
            "next_page_uri": again})))
        .mount(&looping)
        .await;
    let provider: calllogs_core::DynProvider = twilio(&looping, &[]);
    let e = provider.usage(day(19), day(20)).await.unwrap_err();
    assert!(
        matches!(e, Error::Paging { .. }) && e.to_string().contains("twice"),
        "{e}"
    );
}
