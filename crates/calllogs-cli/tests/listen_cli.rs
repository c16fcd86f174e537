//! `calllogs listen`, `emulate --webhook-url` and `reconcile` as a user runs
//! them: separate processes, a config file with `${VAR}` keys, a graceful
//! stop on SIGTERM, and a `kill -9` in the middle of a load after which
//! every acknowledged event is in the store and nothing is half-written.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Db, bin, credential_key, scratch_dir};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `calllogs emulate …` with its stdout read up to the usage line; its
/// stderr lines are sent on the returned channel.
struct Emulated {
    child: Child,
    exports: Vec<(String, String)>,
    base_url: String,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Drop for Emulated {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulate(args: &[&str]) -> Emulated {
    let mut child = bin()
        .arg("emulate")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut exports = Vec::new();
    let mut base_url = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(kv) = line.strip_prefix("export ") {
            let (k, v) = kv.split_once('=').unwrap();
            exports.push((k.to_string(), v.trim_matches('\'').to_string()));
        } else if let Some(rest) = line.strip_prefix("# ") {
            base_url = rest
                .split("--base-url ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_string();
            break;
        }
    }
    Emulated {
        child,
        exports,
        base_url,
        stderr: rx,
    }
}

/// The config of one account `name` of `provider` served by `emu`, into
/// `db`; the secrets as `${VAR}` in `env`.
fn config(
    dir: &std::path::Path,
    name: &str,
    provider: &str,
    emu: &Emulated,
    db: &str,
    env: &mut Vec<(String, String)>,
) -> std::path::PathBuf {
    let mut text = format!(
        "db = {db:?}\nfirst_window = \"40d\"\n[[accounts]]\nname = \"{name}\"\nprovider = \"{provider}\"\nbase_url = \"{}\"\n",
        emu.base_url
    );
    for (var, value) in &emu.exports {
        let own = format!("T_{var}");
        let key = if var.ends_with("_WEBHOOK_SECRET") {
            "webhook_secret".to_string()
        } else if var.ends_with("_WEBHOOK_PUBLIC_KEY") {
            "webhook_public_key".to_string()
        } else {
            credential_key(var)
        };
        text += &format!("{key} = \"${{{own}}}\"\n");
        env.push((own, value.clone()));
    }
    let path = dir.join("calllogs.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `calllogs listen` started, once it says where it listens.
fn listen(config: &std::path::Path, port: u16, env: &[(String, String)]) -> Child {
    let mut child = bin()
        .args(["listen", "--config"])
        .arg(config)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(
        first.trim(),
        format!("listening on http://127.0.0.1:{port}"),
        "{:?}",
        child
            .stderr
            .take()
            .map(|e| std::io::read_to_string(e).unwrap_or_default())
    );
    child
}

fn wait_line(
    rx: &std::sync::mpsc::Receiver<String>,
    prefix: &str,
    within: Duration,
) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            let done = line.starts_with(prefix);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }
    panic!("no line starting {prefix:?} within {within:?}: {seen:?}");
}

#[test]
fn the_emulator_posts_to_listen_sync_fills_the_dropped_calls_and_reconcile_names_them() {
    let dir = scratch_dir("listen-e2e");
    let db = dir.join("calls.db").display().to_string();
    let port = free_port();
    let hook_url = format!("http://127.0.0.1:{port}/hooks/vapi-a");
    let emu = emulate(&[
        "--provider",
        "vapi",
        "--calls",
        "120",
        "--seed",
        "5",
        "--webhook-url",
        &hook_url,
        "--webhook-loss",
        "0.2",
        "--webhook-duplicates",
        "0.2",
        "--webhook-reorder",
        "0.3",
    ]);
    let mut env = Vec::new();
    let path = config(&dir, "vapi-a", "vapi", &emu, &db, &mut env);
    let mut server = listen(&path, port, &env);
    let lines = wait_line(&emu.stderr, "webhooks to ", Duration::from_secs(60));
    let summary = lines.last().unwrap();
    assert!(summary.contains(", 0 refused"), "{summary}");
    let mut dropped: Vec<String> =
        std::iter::from_fn(|| emu.stderr.recv_timeout(Duration::from_millis(500)).ok())
            .filter_map(|l| l.strip_prefix("dropped: ").map(str::to_string))
            .collect();
    dropped.sort();
    assert!(!dropped.is_empty(), "{summary}");
    // SIGTERM: in-flight requests finish, then a clean exit.
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = server.wait().unwrap();
    assert!(exit.success(), "listen after SIGTERM: {exit:?}");
    let webhook_calls = Db::count(&db);
    assert!(webhook_calls > 0);

    // Before a sync, reconcile has nothing past the grace to report from
    // the list's side; after it, exactly the dropped calls are "only by the list".
    let sync = bin()
        .args(["sync", "--config"])
        .arg(&path)
        .arg("--quiet")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let rec = bin()
        .args(["reconcile", "--config"])
        .arg(&path)
        .args(["--grace", "1s", "--since", "60d", "--json", "--strict"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert_eq!(
        rec.status.code(),
        Some(1),
        "--strict with findings: {}",
        String::from_utf8_lossy(&rec.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&rec.stdout).unwrap();
    let account = &report["accounts"][0];
    assert_eq!(
        account["only_api"]["count"].as_u64(),
        Some(dropped.len() as u64),
        "{report}"
    );
    for id in account["only_api"]["examples"].as_array().unwrap() {
        assert!(
            dropped.contains(&id.as_str().unwrap().to_string()),
            "{id} was not dropped"
        );
    }
    assert_eq!(
        account["only_webhook"]["count"].as_u64(),
        Some(0),
        "{report}"
    );
    assert_eq!(account["disagree"]["count"].as_u64(), Some(0), "{report}");
    let text = bin()
        .args(["reconcile", "--config"])
        .arg(&path)
        .args(["--grace", "1s", "--since", "60d"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "only by the list (their webhook was lost): {}",
            dropped.len()
        )),
        "{text}"
    );
}

#[test]
fn after_a_kill_9_in_the_middle_of_a_load_every_acknowledged_event_is_stored() {
    let dir = scratch_dir("listen-kill");
    let db = dir.join("calls.db").display().to_string();
    let port = free_port();
    // The emulator only serves the calls (and their credentials); this test
    // posts the events itself to keep the list of what was acknowledged.
    let emu = emulate(&["--provider", "twilio", "--calls", "3000", "--seed", "9"]);
    let mut env = Vec::new();
    let path = config(&dir, "tw", "twilio", &emu, &db, &mut env);
    let mut server = listen(&path, port, &env);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (events, token) = rt.block_on(async {
        let local = calllogs::emulator::start(
            "twilio",
            calllogs::emulator::Config {
                calls: 3000,
                seed: 9,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let token = local
            .credentials()
            .into_iter()
            .find(|(k, _)| *k == "TWILIO_AUTH_TOKEN")
            .unwrap()
            .1;
        (local.hooks(), token)
    });
    assert_eq!(
        env.iter()
            .find(|(k, _)| k == "T_TWILIO_AUTH_TOKEN")
            .map(|(_, v)| v.as_str()),
        Some(token.as_str())
    );
    let hook = calllogs::registry::REGISTRY
        .info("twilio")
        .unwrap()
        .webhook
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/hooks/tw");
    let pid = server.id();
    // Killed once a few hundred events are in: in the middle, whatever the
    // machine's speed.
    let watched = db.clone();
    let killer = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Db::count(&watched) < 300 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
    });
    let run = rt.block_on(calllogs::emulator::hooks::deliver(
        events.clone(),
        &url,
        hook,
        calllogs::webhook::SigningKey::Secret(&token),
        calllogs::emulator::hooks::HookFaults::default(),
        50,
    ));
    assert!(killer.join().unwrap().success());
    let _ = server.wait();
    assert!(
        !run.acked.is_empty(),
        "some events were acknowledged before the kill"
    );
    assert!(
        !run.failed.is_empty(),
        "the kill came during the load ({} acked)",
        run.acked.len()
    );
    // Restarted on the same store, it serves again.
    let mut again = listen(&path, port, &env);
    let d = Db::open(&db).unwrap();
    let (events_kept, calls_kept) = d.run(async |s| {
        let e = s.event_counts().await.unwrap().first().map_or(0, |c| c.2);
        (e, s.count(Some("twilio"), Some("tw")).await.unwrap())
    });
    assert!(
        events_kept >= run.acked.len() as u64,
        "{events_kept} kept, {} acknowledged",
        run.acked.len()
    );
    assert_eq!(
        events_kept, calls_kept,
        "every kept event with its call, nothing half-written"
    );
    for id in &run.acked {
        let row = d.run(async |s| s.get("twilio", "tw", id).await.unwrap());
        assert!(
            row.is_some_and(|r| r.seen_via == "webhook"),
            "{id} acknowledged but not stored"
        );
    }
    let _ = again.kill();
    let _ = again.wait();
}

#[test]
fn refusals_are_logged_with_their_reason_and_never_with_a_secret_or_a_body() {
    let dir = scratch_dir("listen-logs");
    let db = dir.join("calls.db").display().to_string();
    let port = free_port();
    let emu = emulate(&["--provider", "retell", "--calls", "10", "--seed", "3"]);
    let mut env = Vec::new();
    let path = config(&dir, "rt", "retell", &emu, &db, &mut env);
    let secret = env
        .iter()
        .find(|(k, _)| k == "T_RETELL_API_KEY")
        .unwrap()
        .1
        .clone();
    let mut server = bin()
        .args(["-vv", "listen", "--config"])
        .arg(&path)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("listening on"), "{first}");
    let url = format!("http://127.0.0.1:{port}/hooks/rt");
    let body = r#"{"event":"call_ended","call":{"call_id":"call_secretive_body_0001"}}"#;
    let client = |headers: &[(&str, String)]| {
        let mut args = vec![
            "-s".to_string(),
            "-o".into(),
            "/dev/null".into(),
            "-w".into(),
            "%{http_code}".into(),
        ];
        for (k, v) in headers {
            args.push("-H".into());
            args.push(format!("{k}: {v}"));
        }
        args.extend(["--data-binary".into(), body.into(), url.clone()]);
        let o = Command::new("curl").args(&args).output().unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let ct = ("content-type", "application/json".to_string());
    // Signed with a key one character off, unsigned, and stale.
    let hook = calllogs::registry::REGISTRY
        .info("retell")
        .unwrap()
        .webhook
        .unwrap();
    let wrong = format!("{secret}x");
    let mut forged: Vec<(&str, String)> = (hook.sign)(
        &url,
        body.as_bytes(),
        chrono::Utc::now(),
        calllogs::webhook::SigningKey::Secret(&wrong),
    );
    forged.push(ct.clone());
    assert_eq!(client(&forged), "401");
    assert_eq!(client(std::slice::from_ref(&ct)), "401");
    let mut stale: Vec<(&str, String)> = (hook.sign)(
        &url,
        body.as_bytes(),
        chrono::Utc::now() - chrono::Duration::minutes(10),
        calllogs::webhook::SigningKey::Secret(&secret),
    );
    stale.push(ct.clone());
    assert_eq!(client(&stale), "401");
    let mut good: Vec<(&str, String)> = (hook.sign)(
        &url,
        body.as_bytes(),
        chrono::Utc::now(),
        calllogs::webhook::SigningKey::Secret(&secret),
    );
    good.push(ct);
    assert_eq!(client(&good), "200");
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let raw = std::io::read_to_string(server.stderr.take().unwrap()).unwrap();
    assert!(server.wait().unwrap().success());
    // Without the terminal colours.
    let mut stderr = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            stderr.push(c);
        }
    }
    assert!(stderr.contains("reason=\"mismatch\""), "{stderr}");
    assert!(stderr.contains("stale"), "{stderr}");
    assert!(!stderr.contains(&secret), "the secret is in the log");
    assert!(
        !stderr.contains(&wrong[..wrong.len() - 1]),
        "a key is in the log"
    );
    assert!(
        !stderr.contains("call_secretive_body_0001"),
        "a body is in the log:\n{stderr}"
    );
}

#[test]
fn the_demo_listens_beside_its_sync_and_reconciles_exactly_what_its_emulators_dropped() {
    let dir = scratch_dir("listen-demo");
    let db = dir.join("demo.db");
    let o = bin()
        .args(["demo", "--quiet", "--calls", "300", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("webhooks of "))
        .unwrap_or_else(|| panic!("{stderr}"));
    let number_before = |marker: &str| -> u64 {
        let head = &line[..line
            .find(marker)
            .unwrap_or_else(|| panic!("{marker}: {line}"))];
        head.split_whitespace()
            .last()
            .unwrap()
            .trim_end_matches(',')
            .parse()
            .unwrap()
    };
    let dropped = number_before(", and reconcile finds");
    let only_list = number_before(" calls only the list delivered");
    assert!(dropped > 0, "{line}");
    assert_eq!(dropped, only_list, "{line}");
    assert!(line.contains(" 0 refused"), "{line}");
    assert!(!line.contains("not reconciled"), "{line}");
    let html = std::fs::read_to_string(db.with_extension("html")).unwrap();
    let table = &html[html
        .find("data-table=\"delivery\"")
        .expect("the report's delivery section")..];
    let table = &table[..table.find("</table>").unwrap()];
    for account in [
        "twilio/twilio-demo",
        "vapi/vapi-demo",
        "retell/retell-demo",
        "telnyx/telnyx-demo",
        "plivo/plivo-demo",
    ] {
        assert!(table.contains(account), "{account} in the delivery section");
    }
}
