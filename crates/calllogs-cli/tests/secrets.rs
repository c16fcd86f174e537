//! Sentinel credentials through every command and failure: they never show
//! on stdout, stderr (even with RUST_LOG=trace) or in the SQLite file.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;

use common::{Emulator, bin};

const TOKEN: &str = "SENTINELtok3n9f8e7d6c5b4a39f8e7d6c5b4a3";
const ORG: &str = "sentinel-org-handle-77";
const AUTH_ID: &str = "MASENTINELAUTHID0001";
const ACCOUNT_SID: &str = "ACsentinel0000000000000000000000077";

/// The sentinel for a credential flag; `None` for the optional ones (an API
/// key pair instead of a token) the emulators do not take.
fn sentinel(flag: &str) -> Option<String> {
    match flag {
        "token" => Some(TOKEN.into()),
        "org-handle" => Some(ORG.into()),
        "auth-id" | "api-id" | "application-id" => Some(AUTH_ID.into()),
        "account-sid" => Some(ACCOUNT_SID.into()),
        // A private key must be a key: one the emulator made (a demo key,
        // generated for this run), which must then never show either.
        "private-key" => Some(private_key().to_string()),
        _ => None,
    }
}

/// A demo RSA key in PEM (with `\n` escapes), from `calllogs emulate`.
fn private_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let emu = common::emulate(&["--provider", "vonage", "--calls", "1"]);
        emu.exports
            .iter()
            .find(|(k, _)| k == "VONAGE_PRIVATE_KEY")
            .map(|(_, v)| v.clone())
            .expect("the vonage emulator exports a key")
    })
}

/// A piece of the key's body, which no output may hold.
fn key_body() -> &'static str {
    let key = private_key();
    let body = key.split("\\n").nth(3).unwrap_or(key);
    &body[..body.len().min(40)]
}

fn emulate(provider: &str, extra: &[&str]) -> Emulator {
    let mut args: Vec<String> = vec![
        "--provider".into(),
        provider.into(),
        "--calls".into(),
        "60".into(),
    ];
    args.extend(creds(provider));
    args.extend(extra.iter().map(|s| s.to_string()));
    common::emulate(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The credential flags for `provider`, all sentinels.
fn creds(provider: &str) -> Vec<String> {
    let info = calllogs::registry::info(provider).unwrap();
    let mut args = Vec::new();
    for c in info.credentials {
        if let Some(value) = sentinel(c.flag) {
            args.extend([format!("--{}", c.flag), value]);
        }
    }
    args
}

/// The sentinels that must never show. Plivo's auth id and Twilio's
/// account SID are account identifiers the providers themselves write into
/// every record (`resource_uri`, `account_sid`), so they may appear in the
/// data, but never in logs or errors.
fn assert_clean(what: &str, o: &Output) {
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    for secret in [TOKEN, ORG, key_body()] {
        assert!(!out.contains(secret), "{what}: a secret on stdout");
        assert!(!err.contains(secret), "{what}: a secret on stderr:\n{err}");
    }
    for id in [AUTH_ID, ACCOUNT_SID] {
        assert!(!err.contains(id), "{what}: an account id on stderr:\n{err}");
    }
}

fn assert_file_clean(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(bytes) = std::fs::read(&p) {
            let text = String::from_utf8_lossy(&bytes);
            for secret in [TOKEN, ORG, key_body()] {
                assert!(
                    !text.contains(secret),
                    "{}: holds a secret",
                    Path::new(&p).display()
                );
            }
        }
    }
}

#[test]
fn success_and_trace_logs_show_no_secret() {
    let dir = std::env::temp_dir().join(format!("calllogs-secrets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for p in common::provider_ids() {
        let emu = emulate(p, &[]);
        let base = ["--provider", p, "--base-url", emu.base_url.as_str()];
        let o = bin()
            .arg("fetch")
            .args(base)
            .args(creds(p))
            .args(["--since", "31d"])
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!o.stderr.is_empty(), "trace logs were written");
        assert_clean(&format!("{p} fetch trace"), &o);
        let db = dir.join(format!("{p}.db"));
        let o = bin()
            .arg("sync")
            .args(base)
            .args(creds(p))
            .args(["--db", db.to_str().unwrap(), "--since", "31d"])
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_clean(&format!("{p} sync trace"), &o);
        assert_file_clean(&db);
        let o = bin()
            .args(["report", "--db", db.to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        assert!(o.status.success());
        assert_clean(&format!("{p} report"), &o);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn failures_show_no_secret() {
    for p in common::provider_ids() {
        // 401: the emulator accepts other credentials.
        let other = refusing(p);
        let o = bin()
            .args(["fetch", "-p", p, "--base-url", &other.base_url])
            .args(creds(p))
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{p} 401");
        assert_clean(&format!("{p} 401"), &o);

        // 500 and other faults on every request.
        let faulty = emulate(p, &["--fault-rate", "1.0"]);
        let o = bin()
            .args([
                "fetch",
                "-p",
                p,
                "--base-url",
                &faulty.base_url,
                "--max-attempts",
                "3",
            ])
            .args(creds(p))
            .env("RUST_LOG", "debug")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{p} faults");
        assert_clean(&format!("{p} faults"), &o);
    }
}

/// An emulator of `p` that accepts other credentials than the sentinels.
fn refusing(p: &str) -> Emulator {
    let mut args: Vec<String> = vec!["--provider".into(), p.into(), "--calls".into(), "5".into()];
    for c in calllogs::registry::info(p).unwrap().credentials {
        if let Some(value) = sentinel(c.flag) {
            // The same shape, another value: a prefix kept, the rest changed.
            let other = format!("{}{}", &value[..2], "0".repeat(value.len() - 2));
            args.extend([format!("--{}", c.flag), other]);
        }
    }
    common::emulate(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A server that answers every request with `response`, or never answers.
fn raw_server(response: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            match response {
                Some(r) => {
                    let _ = stream.write_all(r.as_bytes());
                }
                None => held.push(stream),
            }
        }
    });
    format!("http://{addr}")
}

#[test]
fn timeouts_and_undecodable_bodies_show_no_secret() {
    let silent = raw_server(None);
    let html = raw_server(Some(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 20\r\nconnection: close\r\n\r\n<html>oops</html>\r\n\r\n",
    ));
    // NectarDesk's base URL is the account's own: no default to time out on.
    for p in common::provider_ids()
        .into_iter()
        .filter(|p| *p != "nectardesk")
    {
        let o = bin()
            .args([
                "fetch",
                "-p",
                p,
                "--base-url",
                &silent,
                "--timeout",
                "1",
                "--max-attempts",
                "2",
            ])
            .args(creds(p))
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{p} timeout: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_clean(&format!("{p} timeout"), &o);
        let o = bin()
            .args(["fetch", "-p", p, "--base-url", &html, "--max-attempts", "2"])
            .args(creds(p))
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{p} decode");
        assert!(String::from_utf8_lossy(&o.stderr).contains("decode"), "{p}");
        assert_clean(&format!("{p} decode"), &o);
    }
}

#[test]
fn bad_cli_input_is_one_sentence_exit_2_and_no_output_file() {
    let dir = std::env::temp_dir().join(format!("calllogs-badinput-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out.ndjson");
    let o = out.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["fetch", "-p", "plivo", "--since", "last tuesday", "-o", o],
        vec!["fetch", "-p", "nope", "-o", o],
        vec![
            "fetch",
            "-p",
            "nectardesk",
            "--base-url",
            "https://nd.example.invalid/api/v1",
            "--filter",
            "callType=vip_only",
            "-o",
            o,
        ],
        vec!["fetch", "-p", "superu", "--page-size", "0", "-o", o],
        vec!["fetch", "-p", "superu", "-o", o],
        vec![
            "fetch",
            "-p",
            "unpod",
            "--base-url",
            "http://unpod.example.invalid",
            "--token",
            TOKEN,
            "--org-handle",
            ORG,
            "-o",
            o,
        ],
    ];
    for args in cases {
        let cmd = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&cmd.stderr);
        assert_eq!(cmd.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(
            err.trim().lines().count(),
            1,
            "{args:?}: one sentence: {err}"
        );
        assert!(cmd.stdout.is_empty(), "{args:?}");
        assert!(
            !out.exists() && std::fs::read_dir(&dir).unwrap().next().is_none(),
            "{args:?}: nothing written"
        );
        assert!(!err.contains(TOKEN) && !err.contains(ORG));
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A connector config (JSON) for `emu` with the sentinel credentials.
fn connector_config(dir: &Path, p: &str, base_url: &str) -> std::path::PathBuf {
    let mut config =
        serde_json::json!({"name": "acct", "provider": p, "base_url": base_url, "since": "31d"});
    for pair in creds(p).chunks(2) {
        config[pair[0].trim_start_matches("--").replace('-', "_")] = serde_json::json!(pair[1]);
    }
    let path = dir.join(format!("{p}.json"));
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

#[test]
fn the_airbyte_and_singer_connectors_show_no_secret() {
    let dir = std::env::temp_dir().join(format!(
        "calllogs-secrets-connectors-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for p in common::provider_ids() {
        let emu = emulate(p, &[]);
        let config = connector_config(&dir, p, &emu.base_url);
        let config = config.to_str().unwrap();
        let run = |args: &[&str]| bin().args(args).env("RUST_LOG", "trace").output().unwrap();
        let o = run(&["airbyte", "discover", "--config", config]);
        assert!(o.status.success());
        let stream =
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["catalog"]["streams"]
                [0]
            .clone();
        let catalog = dir.join("configured.json");
        std::fs::write(
            &catalog,
            serde_json::json!({"streams": [{"stream": stream, "sync_mode": "incremental", "destination_sync_mode": "append"}]}).to_string(),
        )
        .unwrap();
        let catalog = catalog.to_str().unwrap();
        for (what, args) in [
            ("check", vec!["airbyte", "check", "--config", config]),
            (
                "read",
                vec!["airbyte", "read", "--config", config, "--catalog", catalog],
            ),
            ("singer", vec!["singer", "--config", config]),
        ] {
            let o = run(&args);
            assert!(
                o.status.success(),
                "{p} {what}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(!o.stdout.is_empty(), "{p} {what}");
            assert_clean(&format!("{p} airbyte {what}"), &o);
        }

        // Refused credentials, and a provider failing every request.
        let other = refusing(p);
        // Faults take every retry (seconds each): Plivo's, whose bodies
        // echo the auth id, stand for all.
        let faulty = (p == "plivo").then(|| emulate(p, &["--fault-rate", "1.0"]));
        let mut cases = vec![("401", other.base_url.clone())];
        cases.extend(faulty.iter().map(|f| ("faults", f.base_url.clone())));
        for (what, base) in cases {
            let config = connector_config(&dir, p, &base);
            let config = config.to_str().unwrap();
            let o = run(&["airbyte", "check", "--config", config]);
            assert_clean(&format!("{p} check {what}"), &o);
            let o = run(&["airbyte", "read", "--config", config, "--catalog", catalog]);
            assert_eq!(o.status.code(), Some(1), "{p} read {what}");
            assert!(
                String::from_utf8_lossy(&o.stdout).contains(r#""type":"ERROR""#),
                "{p} read {what}: a TRACE error"
            );
            assert_clean(&format!("{p} read {what}"), &o);
            let o = run(&["singer", "--config", config]);
            assert_eq!(o.status.code(), Some(1), "{p} singer {what}");
            assert_clean(&format!("{p} singer {what}"), &o);
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
