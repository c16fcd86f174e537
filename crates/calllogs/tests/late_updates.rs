//! What providers add to a call after it ended comes in on the next sync:
//! its lookback reads recent calls again and updates them (never a second
//! call). Twilio prices a call "some time after it ends"; Vapi's analysis
//! (summary, structured data, success evaluation) arrives after the call.

use calllogs::store::Store;
use calllogs::sync::{self, SyncOptions};
use calllogs::{Settings, registry};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LIST: &str = "/2010-04-01/Accounts/AC00000000000000000000000000000a11/Calls.json";

fn page(price: Option<&str>) -> ResponseTemplate {
    let ended = chrono::Utc::now() - chrono::Duration::minutes(10);
    let rfc2822 =
        |t: chrono::DateTime<chrono::Utc>| t.format("%a, %d %b %Y %H:%M:%S +0000").to_string();
    ResponseTemplate::new(200).set_body_json(json!({
        "calls": [{
            "sid": "CA00000000000000000000000005550077", "status": "completed", "direction": "outbound-api",
            "from": "+15555550101", "to": "+15555550102", "duration": "42",
            "start_time": rfc2822(ended - chrono::Duration::seconds(42)), "end_time": rfc2822(ended),
            "price": price, "price_unit": "USD"
        }],
        "next_page_uri": null
    }))
}

#[tokio::test]
async fn the_lookback_picks_up_a_price_that_arrived_after_the_first_sync() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(page(None))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(page(Some("-0.01400")))
        .mount(&server)
        .await;
    let settings = Settings::new()
        .without_env()
        .base_url(server.uri())
        .credential("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000a11")
        .credential("TWILIO_AUTH_TOKEN", "fixture-token")
        .allow_insecure();
    let twilio = registry::build("twilio", &settings).unwrap();
    let mut store = Store::in_memory().unwrap();
    let opts = SyncOptions {
        account: Some("main".into()),
        ..SyncOptions::default()
    };
    let first = sync::run(&mut store, twilio.as_ref(), &opts, |_| {})
        .await
        .unwrap();
    assert_eq!(first.upserted.new, 1);
    let stored = store
        .get("twilio", "main", "CA00000000000000000000000005550077")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.cost_amount, None, "not priced yet");

    let second = sync::run(&mut store, twilio.as_ref(), &opts, |_| {})
        .await
        .unwrap();
    assert_eq!((second.upserted.new, second.upserted.updated), (0, 1));
    let stored = store
        .get("twilio", "main", "CA00000000000000000000000005550077")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.cost_amount.as_deref(), Some("0.01400"));
    assert_eq!(stored.cost_currency.as_deref(), Some("USD"));
    assert_eq!(store.count(None, None).await.unwrap(), 1);
}

#[tokio::test]
async fn the_lookback_picks_up_vapis_late_analysis() {
    let server = MockServer::start().await;
    let created = chrono::Utc::now() - chrono::Duration::minutes(30);
    let call = |analysis: Option<serde_json::Value>| {
        ResponseTemplate::new(200).set_body_json(json!([{
            "id": "fixture-vapi-call-1", "type": "outboundPhoneCall", "status": "ended",
            "endedReason": "assistant-ended-call", "cost": 0.05,
            "createdAt": created.to_rfc3339(), "startedAt": created.to_rfc3339(),
            "analysis": analysis
        }]))
    };
    Mock::given(method("GET"))
        .and(path("/call"))
        .respond_with(call(None))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/call"))
        .respond_with(call(Some(
            json!({"summary": "Synthetic.", "successEvaluation": "true"}),
        )))
        .mount(&server)
        .await;
    let settings = Settings::new()
        .without_env()
        .base_url(server.uri())
        .credential("VAPI_API_KEY", "fixture-key")
        .allow_insecure();
    let vapi = registry::build("vapi", &settings).unwrap();
    let mut store = Store::in_memory().unwrap();
    let opts = SyncOptions {
        account: Some("bots".into()),
        ..SyncOptions::default()
    };
    let first = sync::run(&mut store, vapi.as_ref(), &opts, |_| {})
        .await
        .unwrap();
    assert_eq!(first.upserted.new, 1);
    let before = store
        .get("vapi", "bots", "fixture-vapi-call-1")
        .await
        .unwrap()
        .unwrap();
    assert!(before.raw.unwrap().contains(r#""analysis":null"#));
    let second = sync::run(&mut store, vapi.as_ref(), &opts, |_| {})
        .await
        .unwrap();
    assert_eq!((second.upserted.new, second.upserted.updated), (0, 1));
    let after = store
        .get("vapi", "bots", "fixture-vapi-call-1")
        .await
        .unwrap()
        .unwrap();
    assert!(after.raw.unwrap().contains("successEvaluation"));
    assert_eq!(store.count(None, None).await.unwrap(), 1);
}
