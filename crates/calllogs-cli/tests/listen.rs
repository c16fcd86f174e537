//! `calllogs listen` end to end, in process: each of the five providers'
//! emulators posts its calls' end events, signed as the provider signs
//! them, with loss, duplicates and reordering, to a real listener over
//! HTTP; every acknowledged event is in the store once; a sync of the same
//! account then meets the webhooks on the same rows, and reconcile names
//! exactly the calls whose event was dropped. On SQLite and PostgreSQL.

use calllogs::emulator::{Config, hooks};
use calllogs::listen::reconcile::{self, Options as RecOptions};
use calllogs::listen::{Listener, Options, Route};
use calllogs::registry::REGISTRY;
use calllogs::store::Store;
use calllogs::webhook::{KeyKind, Keys, SigningKey, WebhookInfo, crypto};
use chrono::{Duration, Utc};

/// A SQLite file and a new PostgreSQL database (absent only outside CI
/// without PostgreSQL).
fn locations(name: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("calllogs-listen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut dbs = vec![dir.join("calls.db").to_str().unwrap().to_string()];
    if let Some(pg) = calllogs_pgtest::shared() {
        dbs.push(pg.database(name));
    }
    dbs
}

/// What the account verifies with, and what the emulator signs with.
struct KeyPair {
    keys: Keys,
    secret: String,
    seed: [u8; 32],
}

impl KeyPair {
    fn for_provider(info: &WebhookInfo, settings: &calllogs::Settings) -> KeyPair {
        use calllogs::secrecy::ExposeSecret;
        let seed = [5u8; 32];
        let mut keys = Keys {
            tolerance: calllogs::webhook::DEFAULT_TOLERANCE,
            ..Keys::default()
        };
        let mut secret = "whsec-demo-0001".to_string();
        match info.key {
            KeyKind::Secret { default_credential } => {
                if let Some(c) = default_credential {
                    secret = settings
                        .get_credential(c)
                        .unwrap()
                        .expose_secret()
                        .to_string();
                }
                keys.secret = Some(secret.clone().into());
            }
            KeyKind::PublicKey => {
                keys.public_key = Some(crypto::b64(&crypto::ed25519_public(&seed)))
            }
        }
        KeyPair { keys, secret, seed }
    }

    fn signing(&self, info: &WebhookInfo) -> SigningKey<'_> {
        match info.key {
            KeyKind::Secret { .. } => SigningKey::Secret(&self.secret),
            KeyKind::PublicKey => SigningKey::Ed25519Seed(&self.seed),
        }
    }
}

const WITH_WEBHOOKS: &[&str] = &["twilio", "plivo", "vapi", "retell", "telnyx"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_duplicated_and_reordered_webhooks_are_stored_once_and_reconciled_with_the_list() {
    for db in locations("roundtrip") {
        for provider in WITH_WEBHOOKS {
            round_trip(provider, &db).await;
        }
    }
}

async fn round_trip(provider: &str, db: &str) {
    let emu = calllogs::emulator::start(
        provider,
        Config {
            calls: 80,
            seed: 11,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let info = REGISTRY.info(provider).unwrap();
    let hook = info.webhook.unwrap();
    let pair = KeyPair::for_provider(hook, &emu.settings());
    let account = format!("{provider}-a");
    let route = Route {
        account: account.clone(),
        provider: info.id,
        webhook: hook,
        keys: pair.keys.clone(),
        public_url: None,
    };
    let options = Options {
        bind: "127.0.0.1:0".parse().unwrap(),
        ..Options::default()
    };
    let listener = Listener::start(vec![route], Store::open(db).await.unwrap(), options)
        .await
        .unwrap();
    let url = format!("{}/hooks/{account}", listener.url());
    let events = emu.hooks();
    assert!(events.len() > 40, "{provider}: {} events", events.len());
    let faults = hooks::HookFaults {
        loss: 0.15,
        duplicates: 0.15,
        reorder: 0.3,
        seed: 3,
    };
    let run = hooks::deliver(events.clone(), &url, hook, pair.signing(hook), faults, 8).await;
    assert!(
        run.failed.is_empty(),
        "{provider} on {db}: refused {:?}",
        run.failed
    );
    assert!(
        !run.lost.is_empty() && !run.duplicated.is_empty(),
        "{provider}: faults drawn"
    );
    assert_eq!(run.acked.len() + run.lost.len(), events.len(), "{provider}");
    listener.shutdown().await;

    let mut store = Store::open(db).await.unwrap();
    let kept = store.event_counts().await.unwrap();
    let kept = kept
        .iter()
        .find(|(p, a, _)| p == provider && *a == account)
        .map_or(0, |k| k.2);
    assert_eq!(
        kept,
        run.acked.len() as u64,
        "{provider} on {db}: every acknowledged event kept once"
    );

    // The list brings every call; the webhooks' rows are the same rows.
    let built = calllogs::registry::build(provider, &emu.settings()).unwrap();
    let opts = calllogs::sync::SyncOptions {
        since: Some(Utc::now() - Duration::days(60)),
        account: Some(account.clone()),
        ..calllogs::sync::SyncOptions::default()
    };
    calllogs::sync::run(&mut store, built.as_ref(), &opts, |_| {})
        .await
        .unwrap();
    let all = store.ids(provider, &account).await.unwrap();
    assert_eq!(
        all.len(),
        emu.calls().len(),
        "{provider}: one row per call, whichever path came first"
    );
    for id in run.acked.iter().take(5) {
        let row = store.get(provider, &account, id).await.unwrap().unwrap();
        assert_eq!(row.seen_via, "api,webhook", "{provider} {id}");
    }

    let rec = reconcile::reconcile(
        &store,
        &[(provider.to_string(), account.clone())],
        &RecOptions {
            since: None,
            grace: Duration::zero(),
            now: Utc::now(),
            examples: 1000,
        },
    )
    .await
    .unwrap();
    let a = &rec.accounts[0];
    let mut lost = run.lost.clone();
    lost.sort();
    let mut only_api = a.only_api.examples.clone();
    only_api.sort();
    assert_eq!(
        only_api, lost,
        "{provider} on {db}: reconcile names exactly the dropped events"
    );
    assert_eq!(a.only_webhook.count, 0, "{provider}");
    assert_eq!(
        a.disagree.count, 0,
        "{provider} on {db}: {:?}",
        a.disagree.examples
    );
}

/// A Twilio emulator of `calls` calls (from `seed`), the keys its account
/// verifies and signs with, and the route of that account (`tw`).
async fn twilio_account(calls: usize, seed: u64) -> (calllogs::emulator::Running, KeyPair, Route) {
    let emu = calllogs::emulator::start(
        "twilio",
        Config {
            calls,
            seed,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let hook = REGISTRY.info("twilio").unwrap().webhook.unwrap();
    let pair = KeyPair::for_provider(hook, &emu.settings());
    let route = Route {
        account: "tw".into(),
        provider: "twilio",
        webhook: hook,
        keys: pair.keys.clone(),
        public_url: None,
    };
    (emu, pair, route)
}

/// A listener for one Twilio account over `db`, and the emulator whose
/// events it takes.
async fn twilio_listener(
    db: &str,
    calls: usize,
    limit: usize,
) -> (
    calllogs::emulator::Running,
    calllogs::listen::Running,
    KeyPair,
) {
    let (emu, pair, route) = twilio_account(calls, 29).await;
    let options = Options {
        bind: "127.0.0.1:0".parse().unwrap(),
        body_limit: limit,
        ..Options::default()
    };
    let listener = Listener::start(vec![route], Store::open(db).await.unwrap(), options)
        .await
        .unwrap();
    (emu, listener, pair)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_webhooks_from_fifty_senders_with_duplicates_are_each_stored_once() {
    for db in locations("load") {
        let (emu, listener, pair) = twilio_listener(&db, 2300, 1 << 20).await;
        let hook = REGISTRY.info("twilio").unwrap().webhook.unwrap();
        let events: Vec<_> = emu.hooks().into_iter().take(2000).collect();
        assert_eq!(events.len(), 2000);
        let url = format!("{}/hooks/tw", listener.url());
        let faults = hooks::HookFaults {
            loss: 0.0,
            duplicates: 0.1,
            reorder: 0.1,
            seed: 8,
        };
        let started = std::time::Instant::now();
        let run = hooks::deliver(events, &url, hook, pair.signing(hook), faults, 50).await;
        let took = started.elapsed();
        assert!(
            run.failed.is_empty(),
            "{db}: {:?}",
            &run.failed[..run.failed.len().min(5)]
        );
        assert_eq!(run.acked.len(), 2000);
        let sent = 2000 + run.duplicated.len();
        eprintln!(
            "{db}: {sent} webhooks acknowledged in {took:?} ({:.0}/s)",
            sent as f64 / took.as_secs_f64()
        );
        let metrics = listener.metrics().render();
        listener.shutdown().await;
        let store = Store::open(&db).await.unwrap();
        assert_eq!(
            store.count(Some("twilio"), Some("tw")).await.unwrap(),
            2000,
            "{db}: every call once"
        );
        assert_eq!(
            store.event_counts().await.unwrap()[0].2,
            2000,
            "{db}: every event once"
        );
        assert!(
            metrics.contains(&format!(
                "calllogs_webhooks_duplicates_total {}",
                run.duplicated.len()
            )),
            "{metrics}"
        );
        assert!(
            metrics.contains(&format!("calllogs_webhooks_accepted_total {sent}")),
            "{metrics}"
        );
    }
}

/// Posts `body` to `url` with `headers`; the status.
async fn post(url: &str, headers: &[(&str, String)], body: Vec<u8>) -> u16 {
    let mut req = reqwest_client().post(url).body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

fn reqwest_client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_unsigned_replayed_oversized_and_unreadable_deliveries_are_refused_and_nothing_is_stored()
 {
    let db = locations("bad").remove(0);
    let (emu, listener, pair) = twilio_listener(&db, 20, 4096).await;
    let hook = REGISTRY.info("twilio").unwrap().webhook.unwrap();
    let url = format!("{}/hooks/tw", listener.url());
    let (_, event) = emu.hooks().remove(0);
    let form = "application/x-www-form-urlencoded".to_string();
    let signed = |url: &str, body: &[u8]| -> Vec<(&'static str, String)> {
        let mut h = (hook.sign)(url, body, Utc::now(), SigningKey::Secret(&pair.secret));
        h.push(("content-type", form.clone()));
        h
    };
    let body = event.body.clone();
    // Forged: one byte of the body changed after signing.
    let mut forged = body.clone();
    forged[5] ^= 1;
    assert_eq!(post(&url, &signed(&url, &body), forged).await, 401);
    // Signed for another URL (another account's route, or a query added).
    assert_eq!(
        post(&url, &signed(&format!("{url}?x=1"), &body), body.clone()).await,
        401
    );
    // Unsigned.
    assert_eq!(
        post(&url, &[("content-type", form.clone())], body.clone()).await,
        401
    );
    // Wrong content type.
    let mut json = signed(&url, &body);
    json.retain(|(k, _)| *k != "content-type");
    json.push(("content-type", "application/json".into()));
    assert_eq!(post(&url, &json, body.clone()).await, 415);
    // Oversized.
    let big = vec![b'a'; 5000];
    assert_eq!(post(&url, &signed(&url, &big), big.clone()).await, 413);
    // A valid signature over a body that cannot be read (no CallSid).
    let junk = b"Hello=world".to_vec();
    assert_eq!(post(&url, &signed(&url, &junk), junk).await, 400);
    // Unknown account: 404 and nothing else.
    let other = format!("{}/hooks/nobody", listener.url());
    assert_eq!(
        post(&other, &signed(&other, &body), body.clone()).await,
        404
    );
    assert_eq!(
        post(&format!("{}/elsewhere", listener.url()), &[], vec![]).await,
        404
    );
    // Truncated: a body shorter than its Content-Length, then the connection closed.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(listener.addr())
            .await
            .unwrap();
        s.write_all(b"POST /hooks/tw HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\nCallSid=CA1").await.unwrap();
        s.shutdown().await.unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
            "{answer}"
        );
    }
    let store_before = Store::open(&db)
        .await
        .unwrap()
        .event_counts()
        .await
        .unwrap();
    assert!(
        store_before.is_empty(),
        "nothing refused is stored: {store_before:?}"
    );
    // The server goes on serving: the genuine event is accepted, and its
    // replay (Twilio signs no timestamp) is recognised as a duplicate.
    assert_eq!(post(&url, &signed(&url, &body), body.clone()).await, 200);
    assert_eq!(post(&url, &signed(&url, &body), body.clone()).await, 200);
    let health = reqwest_client()
        .get(format!("{}/healthz", listener.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let metrics = listener.metrics().render();
    for reason in [
        "mismatch",
        "missing",
        "content_type",
        "too_large",
        "unreadable",
        "unknown_account",
    ] {
        assert!(
            metrics.contains(&format!("reason=\"{reason}\"")),
            "{reason}: {metrics}"
        );
    }
    assert!(!metrics.contains(&pair.secret), "no secret in the metrics");
    listener.shutdown().await;
    let store = Store::open(&db).await.unwrap();
    assert_eq!(store.event_counts().await.unwrap()[0].2, 1);
    assert_eq!(store.count(None, None).await.unwrap(), 1);
}

/// A signed Twilio callback of `emu`'s first call, for `url`.
fn signed_for(
    emu: &calllogs::emulator::Running,
    pair: &KeyPair,
    url: &str,
) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let hook = REGISTRY.info("twilio").unwrap().webhook.unwrap();
    let (_, event) = emu.hooks().remove(0);
    let mut h = (hook.sign)(
        url,
        &event.body,
        Utc::now(),
        SigningKey::Secret(&pair.secret),
    );
    h.push(("content-type", event.content_type.to_string()));
    (h, event.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_url_the_provider_signed_is_the_public_one() {
    let db = locations("proxy").remove(0);
    let emu = calllogs::emulator::start(
        "twilio",
        Config {
            calls: 5,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let hook = REGISTRY.info("twilio").unwrap().webhook.unwrap();
    let pair = KeyPair::for_provider(hook, &emu.settings());
    let public = "https://hooks.example.invalid/twilio/tw";
    let route = |public_url: Option<&str>, account: &str| Route {
        account: account.into(),
        provider: "twilio",
        webhook: hook,
        keys: pair.keys.clone(),
        public_url: public_url.map(str::to_string),
    };
    // An account with its own public_url; another behind trusted forwarded headers.
    let options = Options {
        bind: "127.0.0.1:0".parse().unwrap(),
        trust_forwarded: true,
        ..Options::default()
    };
    let listener = Listener::start(
        vec![route(Some(public), "tw"), route(None, "fw")],
        Store::open(&db).await.unwrap(),
        options,
    )
    .await
    .unwrap();
    let (headers, body) = signed_for(&emu, &pair, public);
    assert_eq!(
        post(
            &format!("{}/hooks/tw", listener.url()),
            &headers,
            body.clone()
        )
        .await,
        200
    );
    let forwarded_url = "https://proxy.example.invalid/hooks/fw";
    let (mut headers, body) = signed_for(&emu, &pair, forwarded_url);
    assert_eq!(
        post(
            &format!("{}/hooks/fw", listener.url()),
            &headers,
            body.clone()
        )
        .await,
        401,
        "without the forwarded headers"
    );
    headers.push(("x-forwarded-proto", "https".into()));
    headers.push(("x-forwarded-host", "proxy.example.invalid".into()));
    assert_eq!(
        post(
            &format!("{}/hooks/fw", listener.url()),
            &headers,
            body.clone()
        )
        .await,
        200
    );
    listener.shutdown().await;
    // Not trusted: the same forwarded headers change nothing.
    let options = Options {
        bind: "127.0.0.1:0".parse().unwrap(),
        ..Options::default()
    };
    let listener = Listener::start(
        vec![route(None, "fw")],
        Store::open(&db).await.unwrap(),
        options,
    )
    .await
    .unwrap();
    assert_eq!(
        post(&format!("{}/hooks/fw", listener.url()), &headers, body).await,
        401
    );
    listener.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_with_the_given_certificate() {
    let dir = std::env::temp_dir().join(format!("calllogs-listen-cert-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .args([
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "extendedKeyUsage=serverAuth",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        other if std::env::var_os("CI").is_some() => panic!("CI needs openssl: {other:?}"),
        other => {
            eprintln!("skipped: no openssl to make a certificate: {other:?}");
            return;
        }
    }
    let (emu, pair, route) = twilio_account(5, 1).await;
    let options = Options {
        bind: "127.0.0.1:0".parse().unwrap(),
        tls: Some((cert.clone(), key.clone())),
        ..Options::default()
    };
    let db = locations("tls").remove(0);
    let listener = Listener::start(vec![route], Store::open(&db).await.unwrap(), options)
        .await
        .unwrap();
    assert!(listener.url().starts_with("https://127.0.0.1:"));
    let url = format!("{}/hooks/tw", listener.url());
    let (headers, body) = signed_for(&emu, &pair, &url);
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let mut req = client.post(&url).body(body.clone());
    for (k, v) in &headers {
        req = req.header(*k, v);
    }
    assert_eq!(
        req.send().await.unwrap().status().as_u16(),
        200,
        "signed for the https URL"
    );
    // Plain HTTP to the TLS port gets no answer.
    assert_eq!(
        post(&url.replace("https://", "http://"), &headers, body).await,
        0
    );
    listener.shutdown().await;
    // A key that is not a key: a clear error, no panic.
    std::fs::write(dir.join("bad.pem"), "not a key").unwrap();
    let bad = Options {
        bind: "127.0.0.1:0".parse().unwrap(),
        tls: Some((cert, dir.join("bad.pem"))),
        ..Options::default()
    };
    let (_, _, route) = twilio_account(5, 1).await;
    let err = Listener::start(vec![route], Store::open(&db).await.unwrap(), bad)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("private key"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_store_is_down_deliveries_get_503_and_are_taken_once_it_is_back() {
    let Some(cluster) = calllogs_pgtest::Cluster::start_or_skip() else {
        return;
    };
    let db = cluster.url("postgres");
    let (emu, listener, pair) = twilio_listener(&db, 10, 1 << 20).await;
    let url = format!("{}/hooks/tw", listener.url());
    let (headers, body) = signed_for(&emu, &pair, &url);
    let health = format!("{}/healthz", listener.url());
    assert_eq!(
        reqwest_client()
            .get(&health)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // The test cluster commits asynchronously (synchronous_commit=off, for
    // speed): its WAL writer flushes within 3 x 200 ms. Past that, a crash
    // loses nothing already committed (the schema made at open).
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    cluster.stop_immediately().unwrap();
    assert_eq!(
        post(&url, &headers, body.clone()).await,
        503,
        "not acknowledged: not committed"
    );
    assert_eq!(
        reqwest_client()
            .get(&health)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        503
    );
    cluster.start_again().unwrap();
    // The provider's retry: the pool reconnects.
    let mut status = 0;
    for _ in 0..50 {
        status = post(&url, &headers, body.clone()).await;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(status, 200);
    listener.shutdown().await;
    let store = Store::open(&db).await.unwrap();
    assert_eq!(store.count(Some("twilio"), Some("tw")).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_in_time_is_408_and_the_server_goes_on() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = locations("slow").remove(0);
    let (emu, pair, route) = twilio_account(5, 1).await;
    let options = Options {
        bind: "127.0.0.1:0".parse().unwrap(),
        timeout: std::time::Duration::from_millis(300),
        ..Options::default()
    };
    let listener = Listener::start(vec![route], Store::open(&db).await.unwrap(), options)
        .await
        .unwrap();
    let mut s = tokio::net::TcpStream::connect(listener.addr())
        .await
        .unwrap();
    s.write_all(b"POST /hooks/tw HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nCallSid=")
        .await
        .unwrap();
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );
    let url = format!("{}/hooks/tw", listener.url());
    let (headers, body) = signed_for(&emu, &pair, &url);
    assert_eq!(post(&url, &headers, body).await, 200);
    listener.shutdown().await;
}
