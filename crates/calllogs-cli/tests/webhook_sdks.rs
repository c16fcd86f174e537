//! Webhook signatures held to the providers' own libraries (Python, in the
//! `sdks` environment): a delivery signed by the library is accepted by
//! our verifier, and refused with one byte of its body, its URL or its
//! timestamp changed; a delivery our emulator signs is accepted by the
//! library's validator. Twilio's `RequestValidator`, Plivo's V3 helpers,
//! Retell's `webhook_auth`, Telnyx's `verify_webhook_signature` (and
//! PyNaCl, which it verifies with, to sign); Vapi publishes no helper, so
//! its HMAC is computed in Python from the document.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use calllogs::registry::REGISTRY;
use calllogs::webhook::{Delivery, KeyKind, Keys, Refusal, SigningKey, crypto};
use chrono::Utc;
use common::python::venv;
use serde_json::{Value, json};

const URL: &str = "https://hooks.example.invalid/hooks/acct-1?tag=a";
const SEED: [u8; 32] = [0x42; 32];
const SECRET: &str = "demo-webhook-secret-5550100";

/// One Python process answering a request per line.
struct Sdk {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Sdk {
    fn ask(&mut self, req: Value) -> Value {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{req}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
    }
}

fn keys(kind: KeyKind) -> Keys {
    let mut k = Keys {
        tolerance: calllogs::webhook::DEFAULT_TOLERANCE,
        ..Keys::default()
    };
    match kind {
        KeyKind::Secret { .. } => k.secret = Some(SECRET.to_string().into()),
        KeyKind::PublicKey => k.public_key = Some(crypto::b64(&crypto::ed25519_public(&SEED))),
    }
    k
}

fn lower(headers: &Value, content_type: &str) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = headers
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap().to_string()))
        .collect();
    h.push(("content-type".into(), content_type.into()));
    h
}

#[test]
fn signatures_made_by_the_providers_libraries_are_accepted_and_ours_pass_theirs() {
    let Some(py) = venv("sdks") else { return };
    let mut child = Command::new(py.bin.join("python"))
        .arg(common::python::python_dir().join("webhook_signatures.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut sdk = Sdk { child, out };
    let rt = tokio::runtime::Runtime::new().unwrap();
    for provider in ["twilio", "plivo", "retell", "telnyx", "vapi"] {
        let hook = REGISTRY.info(provider).unwrap().webhook.unwrap();
        let emu = rt
            .block_on(calllogs::emulator::start(
                provider,
                calllogs::emulator::Config {
                    calls: 12,
                    ..Default::default()
                },
            ))
            .unwrap();
        let (_, event) = emu.hooks().remove(0);
        let body = String::from_utf8(event.body.clone()).unwrap();
        let keys = keys(hook.key);
        let request = |op: &str, headers: Value| {
            json!({
                "op": op, "provider": provider, "url": URL, "body": body, "secret": SECRET,
                "seed_hex": crypto::hex(&SEED), "public_key": keys.public_key, "headers": headers,
            })
        };
        // Their signature, our verifier.
        let theirs = sdk.ask(request("sign", Value::Null))["headers"].clone();
        let headers = lower(&theirs, event.content_type);
        let d = Delivery {
            url: URL,
            headers: &headers,
            body: body.as_bytes(),
            now: Utc::now(),
        };
        hook.check(&d, &keys)
            .unwrap_or_else(|e| panic!("{provider}: the library's signature refused: {e}"));
        let mut forged = body.clone().into_bytes();
        let at = forged.len() / 2;
        forged[at] ^= 1;
        assert_eq!(
            hook.check(&Delivery { body: &forged, ..d }, &keys),
            Err(Refusal::Mismatch),
            "{provider}: body"
        );
        if matches!(provider, "twilio" | "plivo") {
            let other = URL.replace("tag=a", "tag=b");
            assert_eq!(
                hook.check(&Delivery { url: &other, ..d }, &keys),
                Err(Refusal::Mismatch),
                "{provider}: URL"
            );
        }
        let stamp = match provider {
            "telnyx" => Some("telnyx-timestamp"),
            "vapi" => Some("x-vapi-timestamp"),
            _ => None,
        };
        if let Some(name) = stamp {
            let mut moved = headers.clone();
            let h = moved.iter_mut().find(|(k, _)| k == name).unwrap();
            h.1 = (h.1.parse::<i64>().unwrap() - 1).to_string();
            assert_eq!(
                hook.check(
                    &Delivery {
                        headers: &moved,
                        ..d
                    },
                    &keys
                ),
                Err(Refusal::Mismatch),
                "{provider}: timestamp"
            );
        }
        if provider == "retell" {
            // The timestamp is inside the one header: v=<ms>,d=<hex>.
            let mut moved = headers.clone();
            let h = moved
                .iter_mut()
                .find(|(k, _)| k == "x-retell-signature")
                .unwrap();
            let (v, rest) = h.1.trim_start_matches("v=").split_once(',').unwrap();
            h.1 = format!("v={},{rest}", v.parse::<i64>().unwrap() - 1);
            assert_eq!(
                hook.check(
                    &Delivery {
                        headers: &moved,
                        ..d
                    },
                    &keys
                ),
                Err(Refusal::Mismatch),
                "retell: timestamp"
            );
        }
        // Our signature (the emulator's), their validator.
        let key = match hook.key {
            KeyKind::Secret { .. } => SigningKey::Secret(SECRET),
            KeyKind::PublicKey => SigningKey::Ed25519Seed(&SEED),
        };
        let ours: serde_json::Map<String, Value> =
            (hook.sign)(URL, body.as_bytes(), Utc::now(), key)
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::String(v)))
                .collect();
        let valid = sdk.ask(request("verify", Value::Object(ours.clone())))["valid"].as_bool();
        assert_eq!(
            valid,
            Some(true),
            "{provider}: the library refuses our signature"
        );
        let mut wrong = request("verify", Value::Object(ours));
        wrong["body"] = json!(format!("{body} "));
        assert_eq!(
            sdk.ask(wrong)["valid"].as_bool(),
            Some(false),
            "{provider}: the library's check can fail"
        );
    }
    drop(sdk.child.stdin.take());
    let _ = sdk.child.wait();
}
