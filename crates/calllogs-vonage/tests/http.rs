//! Vonage over HTTP: the application JWT (RS256, its claims, reused until
//! shortly before it expires, then signed again), the query on the wire
//! (wiremock), Vonage's problem JSON in our error with no key or token in
//! it, and the emulator (which checks each token's signature) served
//! exactly once.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{CallQuery, ProviderStreams, Settings};
use futures::TryStreamExt;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A synthetic application: the emulator's demo id and a key generated now.
fn application() -> (String, String) {
    let api = calllogs_vonage::emulator::api(&calllogs_emulator::Config::default());
    let creds = api.credentials();
    (creds[0].1.clone(), creds[1].1.clone())
}

fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn tokens_carry_the_claims_and_are_signed_again_before_they_expire() {
    let (app, pem) = application();
    let key = calllogs_vonage::jwt::read_key(&SecretString::from(pem)).unwrap();
    let signer = calllogs_vonage::jwt::Signer::new(&app, &key).unwrap();
    let t0 = SystemTime::now();
    let a = signer.token_at(t0).unwrap();
    let header = a.expose_secret().split('.').next().unwrap().to_string();
    assert!(header.starts_with("eyJ"), "a JWT");
    let c = claims(a.expose_secret());
    assert_eq!(c["application_id"], app.as_str());
    assert_eq!(
        c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
        15 * 60
    );
    assert!(c["jti"].as_str().is_some_and(|j| j.len() == 32));
    let again = signer.token_at(t0 + Duration::from_secs(600)).unwrap();
    assert_eq!(
        again.expose_secret(),
        a.expose_secret(),
        "reused while valid"
    );
    let fresh = signer
        .token_at(t0 + Duration::from_secs(14 * 60 + 30))
        .unwrap();
    assert_ne!(
        fresh.expose_secret(),
        a.expose_secret(),
        "signed again in its last minute"
    );
    assert_ne!(claims(fresh.expose_secret())["jti"], c["jti"]);
}

#[test]
fn a_key_that_is_not_one_is_refused_without_being_shown() {
    let s = Settings::new()
        .without_env()
        .credential(calllogs_vonage::APPLICATION_ID, "app")
        .credential(
            calllogs_vonage::PRIVATE_KEY,
            "-----BEGIN PRIVATE KEY-----\\nNOTAKEYsecretish\\n-----END PRIVATE KEY-----",
        );
    let err = calllogs_vonage::Vonage::from_settings(&s)
        .unwrap_err()
        .to_string();
    assert!(err.contains("VONAGE_PRIVATE_KEY"), "{err}");
    assert!(!err.contains("NOTAKEYsecretish"), "{err}");
    let missing = Settings::new()
        .without_env()
        .credential(calllogs_vonage::APPLICATION_ID, "app")
        .credential(calllogs_vonage::PRIVATE_KEY, "/nonexistent/private.key");
    let err = calllogs_vonage::Vonage::from_settings(&missing)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("neither a PEM key nor a readable key file"),
        "{err}"
    );
}

#[tokio::test]
async fn the_query_and_the_bearer_jwt_on_the_wire() {
    let server = MockServer::start().await;
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vonage/page-1-first.json"
    ))
    .unwrap();
    let mut page: serde_json::Value = serde_json::from_str(&body).unwrap();
    page["count"] = 4.into();
    // The fixture's legs start on 2026-04-28 at 10:0x.
    Mock::given(method("GET"))
        .and(path("/v1/calls"))
        .and(query_param("date_start", "2026-04-28T00:00:00Z"))
        .and(query_param("date_end", "2026-04-29T00:00:00Z"))
        .and(query_param("order", "asc"))
        .and(query_param("record_index", "0"))
        .and(query_param("page_size", "100"))
        .and(query_param("conversation_uuid", "CON-fixture"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .expect(1)
        .mount(&server)
        .await;
    let (app, pem) = application();
    let settings = Settings::new()
        .without_env()
        .base_url(server.uri())
        .allow_insecure()
        .credential(calllogs_vonage::APPLICATION_ID, app.clone())
        .credential(calllogs_vonage::PRIVATE_KEY, pem)
        .unthrottled_on_loopback();
    let p = Arc::new(calllogs_vonage::Vonage::from_settings(&settings).unwrap());
    let since = chrono::DateTime::parse_from_rfc3339("2026-04-28T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut q = CallQuery::new()
        .since(since)
        .until(since + chrono::Duration::days(1));
    calllogs_vonage::apply_filters(
        &mut q,
        &[("conversation_uuid".into(), "CON-fixture".into())],
    )
    .unwrap();
    let legs: Vec<_> = p.calls(q).try_collect().await.unwrap();
    assert_eq!(legs.len(), 4);
    let requests: Vec<Request> = server.received_requests().await.unwrap();
    let auth = requests[0].headers["authorization"].to_str().unwrap();
    let token = auth.strip_prefix("Bearer ").unwrap();
    assert_eq!(claims(token)["application_id"], app.as_str());
}

#[tokio::test]
async fn problem_json_is_quoted_and_no_token_is() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "type": "https://developer.nexmo.com/api-errors#unauthorized",
            "title": "Invalid credentials supplied",
            "detail": "You did not provide correct credentials."
        })))
        .mount(&server)
        .await;
    let (app, pem) = application();
    let settings = Settings::new()
        .without_env()
        .base_url(server.uri())
        .allow_insecure()
        .credential(calllogs_vonage::APPLICATION_ID, app)
        .credential(calllogs_vonage::PRIVATE_KEY, pem);
    let p = Arc::new(calllogs_vonage::Vonage::from_settings(&settings).unwrap());
    let err = p
        .calls(CallQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("VONAGE_APPLICATION_ID / VONAGE_PRIVATE_KEY"),
        "{err}"
    );
    assert!(err.contains("correct credentials"), "{err}");
    assert!(
        !err.contains("eyJ") && !err.contains("PRIVATE KEY"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_checks_the_token_and_serves_every_leg_once() {
    let config = calllogs_emulator::Config {
        calls: 400,
        ..Default::default()
    };
    let emu = calllogs_emulator::start(calllogs_vonage::emulator::api(&config), config)
        .await
        .unwrap();
    let p = Arc::new(calllogs_vonage::Vonage::from_settings(&emu.settings()).unwrap());
    let q = CallQuery::new().since(chrono::Utc::now() - chrono::Duration::days(31));
    let legs: Vec<_> = p.calls(q.clone()).try_collect().await.unwrap();
    let unique: HashSet<&str> = legs.iter().map(|c| c.id.as_str()).collect();
    assert_eq!((legs.len(), unique.len()), (400, 400));
    // A key of another application is refused by the emulator.
    let (_, other) = application();
    let wrong = emu
        .settings()
        .credential(calllogs_vonage::PRIVATE_KEY, other);
    let p = Arc::new(calllogs_vonage::Vonage::from_settings(&wrong).unwrap());
    let err = p
        .calls(q)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("HTTP 401") || err.contains("credentials"),
        "{err}"
    );
}
