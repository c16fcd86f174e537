//! `calllogs sync`, `report`, `demo` and file exports, run as a user runs them.

mod common;

use common::scratch_dir as scratch;

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{Db, bin, emulate};

#[test]
fn a_sync_killed_with_sigkill_resumes_and_ends_with_every_call_once() {
    let dir = scratch("kill");
    killed_and_resumed(dir.join("calls.db").to_str().unwrap());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_sync_into_postgres_killed_with_sigkill_resumes_and_ends_with_every_call_once() {
    if let Some(pg) = calllogs_pgtest::shared() {
        killed_and_resumed(&pg.database("kill"));
    }
}

#[test]
fn a_sync_against_a_server_serving_fewer_than_asked_stores_every_call() {
    // `emulate --max-page 100`: the sync asks for the provider's largest
    // page (up to 1,000), the server serves 100. Every provider's chain
    // goes on to the end the API states, never stops at a short page.
    let dir = scratch("maxpage");
    for provider in common::provider_ids() {
        let emu = emulate(&[
            "--provider",
            provider,
            "--calls",
            "1200",
            "--seed",
            "21",
            "--max-page",
            "100",
        ]);
        let db = dir.join(format!("{provider}.db"));
        let db = db.to_str().unwrap();
        let o = bin()
            .args(["sync", "--provider", provider, "--db", db])
            .args(["--base-url", &emu.base_url, "--since", "31d", "--quiet"])
            .envs(emu.env())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{provider}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(Db::count(db), 1200, "{provider}: every call stored");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// One body, two backends: `db` is a SQLite path or a postgres:// URL.
fn killed_and_resumed(db: &str) {
    let count = || Db::count(db);
    let emu = emulate(&[
        "--provider",
        "plivo",
        "--calls",
        "2000",
        "--seed",
        "9",
        "--latency-ms",
        "40",
    ]);
    let sync = || {
        let mut cmd = bin();
        cmd.args([
            "sync",
            "--provider",
            "plivo",
            "--db",
            db,
            "--base-url",
            &emu.base_url,
            "--since",
            "31d",
            "--quiet",
        ])
        .envs(emu.env());
        cmd
    };
    let mut child = sync()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count() < 300 {
        assert!(Instant::now() < deadline, "the sync made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let stored = count();
    assert!(stored < 2000, "killed mid-way ({stored} stored)");

    let o: Output = sync().output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("resumed"), "{err}");

    // Exactly the emulator's calls, each once.
    let want = common::served(&emu, "plivo");
    assert_eq!(want.len(), 2000);
    let store = Db::open(db).unwrap();
    let accounts = store.run(async |s| s.accounts().await.unwrap());
    assert_eq!(accounts.len(), 1);
    let account = accounts[0].1.clone();
    assert_eq!(
        store.run(async |s| s.ids("plivo", &account).await.unwrap()),
        want
    );
    // The rollups moved with the calls, killed page and all.
    let drift = store.run(async |s| s.verify_rollups().await.unwrap());
    assert!(drift.is_empty(), "{}", drift.join("\n"));
    let state = store.run(async |s| s.state("plivo", &account).await.unwrap().unwrap());
    assert!(
        !state.running && state.checkpoint.is_none(),
        "the checkpoint says done: {state:?}"
    );
}

#[test]
fn demo_runs_to_the_end_and_reports_every_provider_and_two_plivo_accounts() {
    let dir = scratch("demo");
    let db = dir.join("demo.db");
    // Enough calls a day for the planted findings' samples.
    let o = bin()
        .args([
            "demo",
            "--db",
            db.to_str().unwrap(),
            "--calls",
            "1000",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(report.contains("plivo/plivo-demo-2 "), "{report}");
    let providers = common::provider_ids();
    for p in &providers {
        assert!(
            report.contains(&format!("{p}/{p}-demo ")),
            "{p} missing from\n{report}"
        );
    }
    // 1000 calls an account: one account a provider, and a second Plivo one.
    let every = (1000 * (providers.len() + 1)).to_string();
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("all ") && l.contains(&every)),
        "{report}"
    );
    assert!(
        dir.join("demo.toml").exists(),
        "the demo's config is beside its store"
    );
    // The findings it planted, one of each kind: in plivo-demo's calls of
    // yesterday (and five days back), in Twilio's usage records; calls
    // stuck in progress are in every emulator that lists them.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    let mine = |needle: &str| {
        report
            .lines()
            .any(|l| l.contains("plivo/plivo-demo: ") && l.contains(needle))
    };
    for needle in [
        "1 call with DE on",
        "1 call to premium-rate numbers",
        "ASR fell to",
        "average call duration fell to",
        "carrier_error rose to",
        "short calls (answered, under 6 s) rose to",
        "cost per answered minute rose to",
        "calls on ",
        "1 answered call without a cost",
        "calls to US cost",
    ] {
        assert!(mine(needle), "no {needle:?} for plivo-demo in\n{report}");
    }
    assert!(
        report.contains("still in_progress more than 24 hours"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "twilio/twilio-demo: {yesterday}: the provider's usage counts"
        )) && report.contains("3 calls billed that the store does not have"),
        "{report}"
    );

    // The report command reads the same file, as JSON too.
    let o = bin()
        .args([
            "report",
            "--db",
            db.to_str().unwrap(),
            "--json",
            "--by",
            "provider",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["overall"]["total"].to_string(), every);
    // A group an account.
    assert_eq!(v["groups"].as_array().unwrap().len(), providers.len() + 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn csv_export_has_a_stable_header_and_one_row_per_call() {
    let dir = scratch("csv");
    let out = dir.join("calls.csv");
    let emu = emulate(&["--provider", "nectardesk", "--calls", "120", "--seed", "4"]);
    let o = bin()
        .args([
            "fetch",
            "-p",
            "nectardesk",
            "--base-url",
            &emu.base_url,
            "--since",
            "31d",
            "--format",
            "csv",
            "--output",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .envs(emu.env())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, calllogs::flat::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 120);
    let agents_col = header.iter().position(|h| h == "agents").unwrap();
    assert!(rows.iter().all(|r| {
        serde_json::from_str::<serde_json::Value>(&r[agents_col])
            .unwrap()
            .is_array()
    }));
    assert!(!dir.join("calls.csv.partial").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_failed_fetch_leaves_no_output_file() {
    let dir = scratch("nofile");
    let out = dir.join("calls.ndjson");
    let emu = emulate(&["--provider", "superu", "--calls", "50"]);
    let o = bin()
        .args([
            "fetch",
            "-p",
            "superu",
            "--base-url",
            &emu.base_url,
            "--token",
            "wrong-key",
            "--output",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists() && !dir.join("calls.ndjson.partial").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn report_of_a_missing_file_is_bad_usage() {
    let o = bin()
        .args(["report", "--db", "/nonexistent/calllogs.db"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
