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
        let mut keys = Keys { tolerance: calllogs::webhook::DEFAULT_TOLERANCE, ..Keys::default() };
        let mut secret = "whsec-demo-0001".to_string();
        match info.key {
            KeyKind::Secret { default_credential } => {
                if let Some(c) = default_credential {
                    secret = settings.get_credential(c).unwrap().expose_secret().to_string();
                }
                keys.secret = Some(secret.clone().into());
            }
            KeyKind::PublicKey => keys.public_key = Some(crypto::b64(&crypto::ed25519_public(&seed))),
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
    let emu = calllogs::emulator::start(provider, Config { calls: 80, seed: 11, ..Config::default() })
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
    let options = Options { bind: "127.0.0.1:0".parse().unwrap(), ..Options::default() };
    let listener = Listener::start(vec![route], Store::open(db).await.unwrap(), options)
        .await
        .unwrap();
    let url = format!("{}/hooks/{account}", listener.url());
    let events = emu.hooks();
    assert!(events.len() > 40, "{provider}: {} events", events.len());
    let faults = hooks::HookFaults { loss: 0.15, duplicates: 0.15, reorder: 0.3, seed: 3 };
    let run = hooks::deliver(events.clone(), &url, hook, pair.signing(hook), faults, 8).await;
    assert!(run.failed.is_empty(), "{provider} on {db}: refused {:?}", run.failed);
    assert!(!run.lost.is_empty() && !run.duplicated.is_empty(), "{provider}: faults drawn");
    assert_eq!(run.acked.len() + run.lost.len(), events.len(), "{provider}");
    listener.shutdown().await;

    let mut store = Store::open(db).await.unwrap();
    let kept = store.event_counts().await.unwrap();
    let kept = kept.iter().find(|(p, a, _)| p == provider && *a == account).map_or(0, |k| k.2);
    assert_eq!(kept, run.acked.len() as u64, "{provider} on {db}: every acknowledged event kept once");

    // The list brings every call; the webhooks' rows are the same rows.
    let built = calllogs::registry::build(provider, &emu.settings()).unwrap();
    let opts = calllogs::sync::SyncOptions {
        since: Some(Utc::now() - Duration::days(60)),
        account: Some(account.clone()),
        ..calllogs::sync::SyncOptions::default()
    };
    calllogs::sync::run(&mut store, built.as_ref(), &opts, |_| {}).await.unwrap();
    let all = store.ids(provider, &account).await.unwrap();
    assert_eq!(all.len(), emu.calls().len(), "{provider}: one row per call, whichever path came first");
    for id in run.acked.iter().take(5) {
        let row = store.get(provider, &account, id).await.unwrap().unwrap();
        assert_eq!(row.seen_via, "api,webhook", "{provider} {id}");
    }

    let rec = reconcile::reconcile(
        &store,
        &[(provider.to_string(), account.clone())],
        &RecOptions { since: None, grace: Duration::zero(), now: Utc::now(), examples: 1000 },
    )
    .await
    .unwrap();
    let a = &rec.accounts[0];
    let mut lost = run.lost.clone();
    lost.sort();
    let mut only_api = a.only_api.examples.clone();
    only_api.sort();
    assert_eq!(only_api, lost, "{provider} on {db}: reconcile names exactly the dropped events");
    assert_eq!(a.only_webhook.count, 0, "{provider}");
    assert_eq!(a.disagree.count, 0, "{provider} on {db}: {:?}", a.disagree.examples);
}
