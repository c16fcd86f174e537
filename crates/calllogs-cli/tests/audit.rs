//! `calllogs audit` as a user runs it: sync a Twilio account and a Plivo
//! account from their emulators, then audit the closed days. Twilio's
//! emulator serves daily usage records that agree with its calls except on
//! the one day it is told to count three more calls: that day is the one
//! finding, with exit 1; Plivo publishes no totals, and the audit says so.

mod common;

use chrono::{Duration, Utc};
use common::{account, bin, emulate, scratch_dir};
use serde_json::Value;

#[test]
fn a_day_the_usage_records_count_three_more_calls_is_the_one_finding() {
    let dir = scratch_dir("audit");
    let db = dir.join("calls.db");
    let skew = Utc::now().date_naive() - Duration::days(3);
    let twilio = emulate(&[
        "--provider",
        "twilio",
        "--calls",
        "400",
        "--days",
        "10",
        "--usage-skew",
        &format!("{skew}:3"),
    ]);
    let plivo = emulate(&["--provider", "plivo", "--calls", "100", "--days", "10"]);
    let mut env = Vec::new();
    let mut text = format!("db = \"{}\"\nfirst_window = \"31d\"\n\n", db.display());
    text += &account("main", "twilio", &twilio, &mut env);
    text += &account("eu", "plivo", &plivo, &mut env);
    let config = dir.join("calllogs.toml");
    std::fs::write(&config, &text).unwrap();
    let run = |args: &[&str]| {
        bin()
            .args(args)
            .arg("--config")
            .arg(&config)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap()
    };
    let o = run(&["sync", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let o = run(&["audit", "--since", "12d"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    let findings: Vec<&str> = out.lines().filter(|l| l.starts_with("WARNING")).collect();
    assert_eq!(findings.len(), 1, "{out}");
    assert!(
        findings[0].contains(&format!("twilio/main: {skew}:"))
            && findings[0].contains("3 calls billed that the store does not have"),
        "{out}"
    );
    let differs: Vec<&str> = out.lines().filter(|l| l.ends_with("DIFFERS")).collect();
    assert_eq!(differs.len(), 1, "{out}");
    assert!(
        differs[0].trim_start().starts_with(&skew.to_string()),
        "{out}"
    );
    assert!(
        out.contains("plivo/eu: usage totals not compared: Plivo publishes no usage totals"),
        "{out}"
    );
    for (_, secret) in &env {
        assert!(!out.contains(secret.as_str()) && !err.contains(secret.as_str()));
    }

    // The same as JSON; every other Twilio day has its usage beside it and agrees.
    let o = run(&["audit", "--since", "12d", "--json", "--fail-on", "never"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["kind"], "usage_mismatch");
    assert_eq!(f[0]["day"], skew.to_string());
    assert_eq!(f[0]["calls"], 3);
    let twilio_days: Vec<&Value> = v["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["provider"] == "twilio")
        .collect();
    assert!(twilio_days.len() >= 9, "{v:#}");
    let mut calls = 0;
    for d in &twilio_days {
        let u = &d["usage"];
        calls += d["calls"].as_i64().unwrap();
        if d["day"] != skew.to_string().as_str() {
            assert_eq!(u["calls"], d["calls"], "{d:#}");
            assert_eq!(u["minutes"], d["minutes"], "{d:#}");
        } else {
            assert_eq!(
                u["calls"].as_i64().unwrap(),
                d["calls"].as_i64().unwrap() + 3
            );
        }
    }
    assert!(calls > 300, "the days hold the synced calls: {calls}");

    // Only the stored calls, nothing fetched: no usage, no finding.
    let o = bin()
        .args(["audit", "--since", "12d", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("\nno findings\n"), "{out}");
    assert!(
        out.contains("with --config, each provider's own usage totals"),
        "{out}"
    );
    assert!(!out.contains("DIFFERS"), "{out}");

    // Today is never audited: its prices are still arriving.
    let o = run(&["audit", "--since", "0d"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("today is not audited"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
