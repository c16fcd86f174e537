//! The binary, run as a user runs it.

use std::process::{Command, Output};

fn calllogs(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_calllogs"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn causes_json_lists_every_cause_of_the_table() {
    let o = calllogs(&["causes", "--json"]);
    assert!(o.status.success());
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Plivo's 55 and the five contact-center outcomes.
    assert_eq!(rows.len(), calllogs::HangupCause::ALL.len());
    assert_eq!(rows.len(), 60);
    for r in &rows {
        for field in [
            "cause",
            "category",
            "description",
            "plivo_code",
            "q850",
            "sip",
        ] {
            assert!(r.get(field).is_some(), "{field} missing in {r}");
        }
    }
    let forbidden = rows.iter().find(|r| r["cause"] == "forbidden").unwrap();
    assert_eq!(forbidden["category"], "call_rejection");
    assert_eq!(forbidden["plivo_code"], 3040);
    let agent = rows.iter().find(|r| r["cause"] == "agent_hangup").unwrap();
    assert_eq!(agent["plivo_code"], serde_json::Value::Null);
    let cats: std::collections::BTreeSet<_> = rows
        .iter()
        .map(|r| r["category"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(cats.len(), 10);
}

#[test]
fn causes_table_is_readable() {
    let o = calllogs(&["causes"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.lines().next().unwrap().starts_with("cause"));
    assert!(text.contains("invalid_answer_xml") && text.contains("8011"));
}

#[test]
fn an_unknown_provider_is_bad_usage() {
    let o = calllogs(&["explain", "--provider", "nope", "8011"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown provider") && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn help_everywhere() {
    for args in [
        &["--help"][..],
        &["causes", "--help"],
        &["fetch", "--help"],
        &["normalize", "--help"],
    ] {
        let o = calllogs(args);
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Usage"), "{args:?}");
    }
}

#[test]
fn a_provider_option_reaches_the_provider_and_a_bad_one_is_named() {
    let o = calllogs(&[
        "fetch",
        "--provider",
        "telnyx",
        "--token",
        "KEYnot-used",
        "--option",
        "record_type=no such type",
        "--since",
        "1d",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("record_type") && err.contains("no such type"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn the_demos_help_names_every_provider_of_the_registry() {
    let o = calllogs(&["demo", "--help"]);
    assert!(o.status.success());
    let help = stdout(&o);
    let providers = calllogs::registry::providers();
    assert!(
        help.contains(&format!("{} local emulators", providers.len() + 1)),
        "{help}"
    );
    for p in providers {
        assert!(help.contains(p.name), "{} missing: {help}", p.name);
    }
}

#[test]
fn logs_piped_to_a_file_carry_no_colour_codes() {
    // stderr is a pipe here: no escape codes, with or without NO_COLOR.
    for no_color in [None, Some("1")] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_calllogs"));
        cmd.args([
            "fetch",
            "--provider",
            "plivo",
            "--base-url",
            "http://127.0.0.1:9",
            "--max-attempts",
            "1",
        ])
        .env("RUST_LOG", "debug")
        .env("PLIVO_AUTH_ID", "MA0000000000000000000")
        .env("PLIVO_AUTH_TOKEN", "x");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let o = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.is_empty());
        assert!(!err.contains('\u{1b}'), "{err}");
    }
}
