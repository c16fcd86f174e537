//! The HTTP layer against a local mock server.

use std::time::{Duration, Instant};

use calllogs_core::http::HttpClient;
use calllogs_core::{Error, HttpConfig, RetryPolicy, Url};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SENTINEL: &str = "SENTINEL-TOKEN-d41d8cd98f";

fn client(attempts: u32) -> HttpClient {
    let mut config = HttpConfig::default();
    config.retry = RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    };
    HttpClient::new("plivo", "PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN", config).unwrap()
}

async fn get(c: &HttpClient, server: &MockServer, p: &str) -> Result<Value, Error> {
    let url = Url::parse(&format!("{}{p}", server.uri())).unwrap();
    c.send_json(
        c.request(reqwest::Method::GET, url)
            .basic_auth("MAUSERID00000000000", Some(SENTINEL)),
    )
    .await
}

/// Mounts `first` for the first `n` requests and then `then`.
async fn sequence(server: &MockServer, first: ResponseTemplate, n: u64, then: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(first)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn waits_out_a_429_with_retry_after() {
    let server = MockServer::start().await;
    sequence(
        &server,
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "1")
            .set_body_json(json!({"error": "slow down"})),
        1,
        ResponseTemplate::new(200).set_body_json(json!({"ok": 1})),
    )
    .await;
    let started = Instant::now();
    let v = get(&client(3), &server, "/x").await.unwrap();
    assert_eq!(v, json!({"ok": 1}));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the Retry-After second was waited"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_500_then_200_succeeds() {
    let server = MockServer::start().await;
    sequence(
        &server,
        ResponseTemplate::new(500).set_body_json(json!({"error": "boom"})),
        2,
        ResponseTemplate::new(200).set_body_json(json!([1, 2])),
    )
    .await;
    assert_eq!(get(&client(4), &server, "/x").await.unwrap(), json!([1, 2]));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn retries_stop_at_the_bound_with_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"api_id": "a1", "error": "service unavailable"})),
        )
        .mount(&server)
        .await;
    let err = get(&client(3), &server, "/x").await.unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    match &err {
        Error::Provider {
            status: 503,
            attempts: 3,
            message,
            ..
        } => assert_eq!(message, "service unavailable"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.to_string(), "plivo: HTTP 503: service unavailable");
}

#[tokio::test]
async fn a_429_that_never_ends_is_a_rate_limited_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let err = get(&client(5), &server, "/x").await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), attempts: 1, .. } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert!(err.to_string().contains("3600"), "{err}");
}

#[tokio::test]
async fn an_html_502_is_a_decode_error_naming_the_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let err = get(&client(2), &server, "/x").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                status: Some(502),
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("HTTP 502") && text.contains("<html>"),
        "{text}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "a 502 is retried first"
    );
}

#[tokio::test]
async fn a_truncated_200_is_retried_then_reported_with_its_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"meta": {"total_count": 4}, "objects": [{"a": 1"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let err = get(&client(2), &server, "/x").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                status: Some(200),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // A wrong shape says where it failed.
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Meta {
        total_count: u64,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        meta: Meta,
    }
    let bad = br#"{"meta": {"total_count": "many"}}"#;
    let err = calllogs_core::http::decode_json::<Body>("plivo", Some(200), bad).unwrap_err();
    assert!(err.to_string().contains("meta.total_count"), "{err}");
    // serde's own error is kept as the source, not flattened into a string.
    let source = std::error::Error::source(&err).expect("a source");
    assert!(
        source.downcast_ref::<serde_json::Error>().is_some(),
        "{source:?}"
    );
}

#[tokio::test]
async fn connection_errors_are_retried_and_reported() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = client(3);
    let url = Url::parse(&format!("http://{addr}/x?token={SENTINEL}")).unwrap();
    let err = c
        .send_json::<Value>(c.request(reqwest::Method::GET, url))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(
        !format!("{err} {err:?}").contains(SENTINEL),
        "the URL is stripped from transport errors"
    );
}

#[tokio::test]
async fn auth_errors_name_the_credential_and_never_show_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"api_id": "x", "error": "Authentication credentials invalid"}),
            ),
        )
        .mount(&server)
        .await;
    let c = client(3);
    let err = get(&c, &server, "/x").await.unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "401 is not retried"
    );
    let shown = format!("{err} | {err:?} | {c:?}");
    assert!(shown.contains("PLIVO_AUTH_TOKEN"), "{shown}");
    assert!(!shown.contains(SENTINEL), "{shown}");
    // The basic-auth header did carry it, though.
    let req = &server.received_requests().await.unwrap()[0];
    assert!(req.headers.get("authorization").is_some());
}

#[tokio::test]
async fn no_error_shows_a_credential() {
    let server = MockServer::start().await;
    let bodies = [
        ResponseTemplate::new(400).set_body_json(json!({"error": "bad"})),
        ResponseTemplate::new(403).set_body_string(""),
        ResponseTemplate::new(500).set_body_string("<html>oops</html>"),
        ResponseTemplate::new(200).set_body_string("{not json"),
        ResponseTemplate::new(429),
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        Mock::given(path(format!("/e{i}")))
            .respond_with(body)
            .mount(&server)
            .await;
    }
    let c = client(2);
    for i in 0..5 {
        let err = get(&c, &server, &format!("/e{i}")).await.unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(SENTINEL), "{shown}");
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            assert!(!format!("{s} {s:?}").contains(SENTINEL));
            source = s.source();
        }
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![b' '; 4096], "application/json"))
        .mount(&server)
        .await;
    let mut config = HttpConfig::default();
    config.max_body_bytes = 1024;
    let c = HttpClient::new("plivo", "X", config).unwrap();
    let err = get(&c, &server, "/x").await.unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit: 1024, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused_and_carries_nothing_there() {
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    // Same machine, another host name: enough for the policy to call it another host.
    let target = elsewhere.uri().replace("127.0.0.1", "localhost");
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{target}/steal").as_str()),
        )
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": 1})))
        .mount(&elsewhere)
        .await;
    let err = get(&client(1), &api, "/x").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "nothing reached the other host"
    );
    assert!(!format!("{err} {err:?}").contains(SENTINEL));
}

/// Decodes `{"status_code": N, "message": …}` envelopes the way SuperU and
/// Unpod do: an error status inside a 200 is reported, not turned into an
/// error here.
fn envelope_decode(_status: u16, body: &[u8]) -> Result<Value, Error> {
    let v: Value = serde_json::from_slice(body).unwrap();
    match v["status_code"].as_u64() {
        Some(code) if code >= 400 => Err(Error::Envelope {
            provider: "plivo",
            status: code as u16,
            message: v["message"].as_str().unwrap_or("").to_string(),
        }),
        _ => Ok(v),
    }
}

#[tokio::test]
async fn an_envelope_503_inside_a_200_is_retried_like_a_real_503() {
    let server = MockServer::start().await;
    sequence(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"status_code": 503, "message": "busy"})),
        2,
        ResponseTemplate::new(200).set_body_json(json!({"status_code": 200, "data": [1]})),
    )
    .await;
    let stats = std::sync::Arc::new(calllogs_core::http::HttpStats::default());
    let mut config = HttpConfig::default();
    config.retry.base_delay = Duration::from_millis(5);
    config.observers.add(stats.clone());
    let c = HttpClient::new("plivo", "PLIVO_AUTH_TOKEN", config).unwrap();
    let url = Url::parse(&format!("{}/x", server.uri())).unwrap();
    let v = c
        .send(c.request(reqwest::Method::GET, url), envelope_decode)
        .await
        .unwrap();
    assert_eq!(v["data"], json!([1]));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(
        (stats.requests(), stats.retries()),
        (3, 2),
        "counted on this client's observer"
    );
}

#[tokio::test]
async fn envelope_statuses_map_like_wire_statuses_after_the_bound() {
    for (code, attempts) in [(503u16, 3usize), (401, 1), (404, 1)] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"status_code": code, "message": "from the envelope"})),
            )
            .mount(&server)
            .await;
        let c = client(3);
        let url = Url::parse(&format!("{}/x", server.uri())).unwrap();
        let err = c
            .send(c.request(reqwest::Method::GET, url), envelope_decode)
            .await
            .unwrap_err();
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            attempts,
            "{code}"
        );
        match (code, &err) {
            (401, Error::Auth { status: 401, .. }) => {}
            (
                503,
                Error::Provider {
                    status: 503,
                    attempts: 3,
                    message,
                    ..
                },
            )
            | (
                404,
                Error::Provider {
                    status: 404,
                    attempts: 1,
                    message,
                    ..
                },
            ) => {
                assert_eq!(message, "from the envelope")
            }
            _ => panic!("{code}: {err:?}"),
        }
    }
}

#[tokio::test]
async fn a_404_says_which_url_was_asked_without_its_query_or_a_credential() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": "not found"})))
        .mount(&server)
        .await;
    // As every provider registers its credentials (an account id in the path too).
    let c = client(3).redacting([&Some(SENTINEL.to_string().into())]);
    let url = Url::parse(&format!(
        "{}/v9/Account/{SENTINEL}/Call/?secret_param=abc",
        server.uri()
    ))
    .unwrap();
    let e = c
        .send_json::<Value>(
            c.request(reqwest::Method::GET, url)
                .basic_auth("MAUSERID00000000000", Some(SENTINEL)),
        )
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("HTTP 404"), "{text}");
    assert!(text.contains("/v9/Account/"), "the path is shown: {text}");
    assert!(
        text.contains(&server.address().port().to_string()),
        "the host is shown: {text}"
    );
    assert!(!text.contains("secret_param"), "no query: {text}");
    assert!(!text.contains(SENTINEL), "no credential: {text}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a 404 is not retried"
    );
}

#[tokio::test]
async fn https_to_a_plain_http_port_fails_once_and_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": 1})))
        .mount(&server)
        .await;
    let c = client(6);
    let url = Url::parse(&format!("https://{}/x", server.address())).unwrap();
    let e = c
        .send_json::<Value>(c.request(reqwest::Method::GET, url))
        .await
        .unwrap_err();
    match &e {
        Error::Transport {
            cause, attempts, ..
        } => {
            assert!(cause.contains("does not speak TLS"), "{cause}");
            assert_eq!(*attempts, 1, "a handshake failure is not retried");
        }
        other => panic!("{other}"),
    }
}
