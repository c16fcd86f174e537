//! Never silently lose a call: API drift and odd pages, run as a user runs
//! `calllogs fetch` and `sync` against emulators that misbehave on purpose.

mod common;

use common::scratch_dir as scratch;

use common::{bin, emulate};

const PROVIDERS: &[(&str, &str)] = &[
    ("plivo", "objects"),
    ("superu", "data.calls"),
    ("nectardesk", "calls"),
    ("unpod", "data"),
];

#[test]
fn a_200_without_its_records_array_fails_fetch_and_sync_loudly() {
    for &(p, field) in PROVIDERS {
        let emu = emulate(&["--provider", p, "--calls", "30", "--drop-records-rate", "1"]);
        let o = bin()
            .args(["fetch", "--provider", p, "--base-url", &emu.base_url])
            .args(["--since", "31d", "--max-attempts", "2", "--quiet"])
            .envs(emu.env())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{p}: {stderr}");
        assert!(o.stdout.is_empty(), "{p}: no call written");
        assert!(
            stderr.contains(&format!("no `{field}` array")) && stderr.contains("HTTP 200"),
            "{p}: the sentence names what is missing and the status: {stderr}"
        );

        let dir = scratch(p);
        let db = dir.join("calls.db");
        let o = bin()
            .args(["sync", "--provider", p, "--base-url", &emu.base_url, "--db"])
            .arg(&db)
            .args(["--since", "31d", "--max-attempts", "2", "--quiet"])
            .envs(emu.env())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{p}");
        let store = calllogs::store::SqliteStore::open(&db).unwrap();
        let states: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM sync_state", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            states, 0,
            "{p}: no window marked, no checkpoint, no synced_until"
        );
        assert_eq!(store.count(None, None).unwrap(), 0, "{p}");
    }
}

#[test]
fn a_page_that_repeats_a_call_still_gives_each_call_once() {
    for &(p, _) in PROVIDERS {
        let emu = emulate(&["--provider", p, "--calls", "120", "--duplicate-rate", "1"]);
        let o = bin()
            .args(["fetch", "--provider", p, "--base-url", &emu.base_url])
            .args(["--since", "31d", "--quiet", "--page-size", "20"])
            .envs(emu.env())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let mut ids = common::ndjson_ids(&o.stdout);
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!((n, ids.len()), (120, 120), "{p}: each call once");

        let db = scratch(&format!("dup-{p}")).join("calls.db");
        let o = bin()
            .args(["sync", "--provider", p, "--base-url", &emu.base_url, "--db"])
            .arg(&db)
            .args(["--since", "31d", "--quiet"])
            .envs(emu.env())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{p}: {stderr}");
        assert!(
            stderr.contains(": 120 calls in"),
            "{p}: counted once: {stderr}"
        );
        let store = calllogs::store::SqliteStore::open(&db).unwrap();
        assert_eq!(store.count(None, None).unwrap(), 120, "{p}");
    }
}

/// A Plivo page of the first fixture's records, the first without its
/// `call_uuid`, as the only page.
fn page_with_a_record_without_id() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/plivo/page-1-first.json"
    );
    let mut page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    page["objects"][0]
        .as_object_mut()
        .unwrap()
        .remove("call_uuid");
    let n = page["objects"].as_array().unwrap().len();
    page["meta"]["total_count"] = n.into();
    page["meta"]["next"] = serde_json::Value::Null;
    page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_without_an_id_is_kept_as_a_reject_and_counted() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_with_a_record_without_id()))
        .mount(&server)
        .await;
    let creds = [
        ("PLIVO_AUTH_ID", "MAFIXTURE000000000001"),
        ("PLIVO_AUTH_TOKEN", "fixture-token-not-secret"),
    ];
    let base = server.uri();
    let fetch = {
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            bin()
                .args(["fetch", "--provider", "plivo", "--base-url", &base])
                .args(["--since", "20d", "--quiet"])
                .envs(creds)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    let stderr = String::from_utf8_lossy(&fetch.stderr);
    assert!(fetch.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&fetch.stdout).lines().count(), 4);
    assert!(
        stderr.contains("1 record rejected: the record has no call_uuid"),
        "fetch counts the reject: {stderr}"
    );

    let db = scratch("rejects").join("calls.db");
    let sync = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            bin()
                .args(["sync", "--provider", "plivo", "--base-url", &base, "--db"])
                .arg(&db)
                .args(["--since", "20d", "--quiet"])
                .envs(creds)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    let stderr = String::from_utf8_lossy(&sync.stderr);
    assert!(sync.status.success(), "{stderr}");
    assert!(
        stderr.contains(": 4 calls in 1 page (") && stderr.contains("1 record rejected"),
        "{stderr}"
    );
    let store = calllogs::store::SqliteStore::open(&db).unwrap();
    let rejects = store.rejects(Some("plivo"), None).unwrap();
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert!(rejects[0].reason.contains("no call_uuid"), "{rejects:?}");
    assert!(
        rejects[0].raw.contains("\"call_direction\"") && !rejects[0].raw.contains("\"call_uuid\""),
        "the record is kept as sent: {}",
        rejects[0].raw
    );
}

#[test]
fn transport_errors_name_their_root_cause() {
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = bin()
        .args([
            "fetch",
            "--provider",
            "nectardesk",
            "--token",
            "t0k3n-not-secret",
        ])
        .args(["--base-url", &format!("http://127.0.0.1:{port}/api/v1")])
        .args(["--max-attempts", "2", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "request to 127.0.0.1:{port} failed after 2 attempt(s): connection refused"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");

    let o = bin()
        .args([
            "fetch",
            "--provider",
            "nectardesk",
            "--token",
            "t0k3n-not-secret",
        ])
        .args(["--base-url", "http://127.0.0.1:/api/v1", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("port after ':' is missing"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_says_how_long_it_waited() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_secs(3))
                .set_body_json(serde_json::json!({"calls": [], "meta": {"total": 0}})),
        )
        .mount(&server)
        .await;
    let base = server.uri();
    let o = tokio::task::spawn_blocking(move || {
        bin()
            .args([
                "fetch",
                "--provider",
                "nectardesk",
                "--token",
                "t0k3n-not-secret",
            ])
            .args([
                "--base-url",
                &base,
                "--timeout",
                "1",
                "--max-attempts",
                "1",
                "--quiet",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("timed out after 1 s"), "{stderr}");
}

fn normalize(input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = bin()
        .args(["normalize", "--provider", "plivo", "--no-raw"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn normalize_takes_what_people_paste() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/plivo/page-1-first.json"
    );
    let page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let records = page["objects"].as_array().unwrap().clone();
    let ids = |o: &std::process::Output| common::ndjson_ids(&o.stdout);
    let as_page = normalize(&page.to_string());
    assert!(as_page.status.success());
    let want = ids(&as_page);
    assert_eq!(want.len(), records.len());
    let one = normalize(&records[0].to_string());
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(
        ids(&one),
        want[..1],
        "one record, as Plivo's Retrieve a call returns it"
    );
    let array = normalize(&serde_json::Value::Array(records.clone()).to_string());
    assert_eq!(ids(&array), want, "a bare array");
    let ndjson: String = records.iter().map(|r| format!("{r}\n")).collect();
    assert_eq!(ids(&normalize(&ndjson)), want, "NDJSON");
    for junk in ["hello", "[1, 2]", "{\"api_id\": \"x\"}", "   "] {
        let o = normalize(junk);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{junk:?}: {stderr}");
        assert!(o.stdout.is_empty(), "{junk:?}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{junk:?}: one sentence: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_that_disagree_with_the_announced_total_are_reported() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/plivo/page-1-first.json"
    );
    let mut page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Five calls sent, twelve announced, and no next page.
    page["meta"]["total_count"] = 12.into();
    page["meta"]["next"] = serde_json::Value::Null;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    let base = server.uri();
    let dir = scratch("counts");
    let run = move |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            bin()
                .args(&args)
                .args(["--provider", "plivo", "--since", "20d", "--quiet"])
                .envs([
                    ("PLIVO_AUTH_ID", "MAFIXTURE000000000001"),
                    ("PLIVO_AUTH_TOKEN", "fixture-token-not-secret"),
                ])
                .output()
                .unwrap()
        })
    };
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let b = base.as_str();

    let o = run(s(&["fetch", "--base-url", b])).await.unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("announced 12 calls") && stderr.contains("and sent 5"),
        "{stderr}"
    );
    let o = run(s(&["fetch", "--base-url", b, "--strict"]))
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "--strict writes nothing");

    let strict_db = dir.join("strict.db");
    let o = run(s(&[
        "sync",
        "--base-url",
        b,
        "--strict",
        "--db",
        strict_db.to_str().unwrap(),
    ]))
    .await
    .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let store = calllogs::store::SqliteStore::open(&strict_db).unwrap();
    assert_eq!(
        store.count(None, None).unwrap(),
        0,
        "--strict: the page is not committed"
    );

    let db = dir.join("calls.db");
    let o = run(s(&["sync", "--base-url", b, "--db", db.to_str().unwrap()]))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: plivo: the provider announced 12 calls"),
        "{stderr}"
    );
    let store = calllogs::store::SqliteStore::open(&db).unwrap();
    let account = store
        .connection()
        .query_row("SELECT account FROM sync_state", [], |r| {
            r.get::<_, String>(0)
        })
        .unwrap();
    let m = store.count_mismatches("plivo", &account).unwrap();
    assert_eq!(
        (m.len(), m[0].announced, m[0].received),
        (1, 12, 5),
        "in sync_state"
    );
}

#[test]
fn calls_ending_while_plivo_pages_newest_first_shift_nothing() {
    // Plivo lists newest first by offset; new calls keep ending while the
    // client pages. The pinned upper bound keeps them out of this pull.
    let emu = emulate(&["--provider", "plivo", "--calls", "300", "--drift", "3"]);
    let o = bin()
        .args(["fetch", "--provider", "plivo", "--base-url", &emu.base_url])
        .args(["--since", "31d", "--quiet", "--concurrency", "1"])
        .envs(emu.env())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let mut ids = common::ndjson_ids(&o.stdout);
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(
        (n, ids.len()),
        (300, 300),
        "each of the 300 calls once: {stderr}"
    );
    assert!(!stderr.contains("warning"), "{stderr}");
}
