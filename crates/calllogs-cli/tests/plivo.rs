//! `calllogs normalize|fetch|explain --provider plivo`, run as a user runs them.

use std::process::{Command, Output};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn calllogs(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_calllogs"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("PLIVO_AUTH_ID")
        .env_remove("PLIVO_AUTH_TOKEN")
        .output()
        .unwrap()
}

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fixture(name: &str) -> String {
    format!("{}/../../fixtures/plivo/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn normalize_prints_ndjson_for_each_page() {
    let o = calllogs(&[
        "normalize",
        "--provider",
        "plivo",
        &fixture("page-1-first.json"),
        &fixture("page-3-last.json"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let calls = lines(&o);
    assert_eq!(calls.len(), 7);
    assert!(
        calls
            .iter()
            .all(|c| c["provider"] == "plivo" && c["raw"].is_object())
    );
    let no_raw = calllogs(&[
        "normalize",
        "--provider",
        "plivo",
        "--no-raw",
        &fixture("page-3-last.json"),
    ]);
    assert!(lines(&no_raw).iter().all(|c| c.get("raw").is_none()));
}

#[test]
fn normalize_of_a_bad_body_is_bad_input() {
    let dir = std::env::temp_dir().join(format!("calllogs-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "<html>502</html>").unwrap();
    let o = calllogs(&["normalize", "--provider", "plivo", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn explain_shows_the_mapping() {
    let o = calllogs(&["explain", "--provider", "plivo", "8011"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cause"], "invalid_answer_xml");
    assert_eq!(v["category"], "xml_error");
    assert_eq!(v["provider_code"], "8011");
    assert_eq!(v["ended"], true);
    // A provider's numeric codes are its own: 8011 means nothing to Vapi.
    let o = calllogs(&["explain", "--provider", "vapi", "8011"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cause"], "other");
    // A status that is not an end is said to be one, not `other`.
    let o = calllogs(&["explain", "--provider", "twilio", "ringing"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ended"], false, "{v}");
    assert!(v.get("cause").is_none(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_pulls_every_page() {
    let server = MockServer::start().await;
    for (offset, n, next) in [(0, 20, true), (20, 5, false)] {
        let objects: Vec<_> = (offset..offset + n)
            .map(|i| json!({"call_uuid": format!("c-{i}"), "call_direction": "inbound", "from_number": "15555550100",
                             "end_time": "2026-03-02 10:16:00+05:30"}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/v1/Account/MAFIXTURE000000000001/Call/"))
            .and(wiremock::matchers::query_param("offset", offset.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "meta": {"total_count": 25, "limit": 20, "offset": offset, "next": next.then_some("/next")},
                "objects": objects
            })))
            .mount(&server)
            .await;
    }
    let uri = server.uri();
    let o = tokio::task::spawn_blocking(move || {
        calllogs(&[
            "fetch",
            "--provider",
            "plivo",
            "--base-url",
            &uri,
            "--auth-id",
            "MAFIXTURE000000000001",
            "--token",
            "fixture-token",
            "--since",
            "2d",
            "--direction",
            "inbound",
        ])
    })
    .await
    .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let calls = lines(&o);
    assert_eq!(calls.len(), 25);
    assert_eq!(calls[24]["id"], "c-24");
    let reqs = server.received_requests().await.unwrap();
    assert!(
        reqs.iter()
            .all(|r| r.url.query().unwrap().contains("call_direction=inbound"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_with_bad_credentials_exits_1_and_prints_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "Authentication credentials invalid."})),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let o = tokio::task::spawn_blocking(move || {
        calllogs(&[
            "fetch",
            "-p",
            "plivo",
            "--base-url",
            &uri,
            "--auth-id",
            "MAFIXTURE000000000001",
            "--token",
            "sentinel-77",
        ])
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("PLIVO_AUTH_TOKEN") && !err.contains("sentinel-77"),
        "{err}"
    );
}

#[test]
fn fetch_without_credentials_is_bad_usage() {
    let o = calllogs(&["fetch", "-p", "plivo", "--base-url", "http://127.0.0.1:9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("PLIVO_AUTH_ID"));
}

#[test]
fn a_bad_filter_is_bad_usage() {
    let o = calllogs(&["fetch", "-p", "plivo", "--filter", "colour=red"]);
    assert_eq!(o.status.code(), Some(2));
    let o = calllogs(&["fetch", "-p", "plivo", "--since", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
}
