//! `calllogs emulate` + `calllogs fetch --base-url`, as the README shows them.

mod common;

use std::process::{Command, Output};

use common::{Emulator, bin, emulate};

fn fetch(emu: &Emulator, provider: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = bin();
    cmd.args([
        "fetch",
        "--provider",
        provider,
        "--base-url",
        &emu.base_url,
        "--since",
        "31d",
    ])
    .args(extra);
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

#[test]
fn emulate_prints_its_address_and_credentials() {
    let emu = emulate(&[
        "--provider",
        "plivo",
        "--calls",
        "5",
        "--auth-id",
        "MATESTAUTHID00000001",
        "--token",
        "chosen-token",
    ]);
    assert!(emu.origin.starts_with("http://127.0.0.1:"));
    assert_eq!(
        emu.exports,
        [
            (
                "PLIVO_AUTH_ID".to_string(),
                "MATESTAUTHID00000001".to_string()
            ),
            ("PLIVO_AUTH_TOKEN".into(), "chosen-token".into())
        ]
    );
    let demo = emulate(&["--provider", "plivo", "--calls", "5"]);
    let id = &demo.exports[0].1;
    assert!(
        id.len() == 20 && id.starts_with("MA"),
        "a Plivo-looking demo auth id: {id}"
    );
}

#[test]
fn fetch_against_a_faulty_emulator_gets_every_call_and_logs_the_retries() {
    // 400 calls in pages of 20: enough list requests for faults to land on
    // every provider, and (where a provider reads details) 400 detail
    // requests retried under the same faults, without minutes of backoff.
    for provider in common::provider_ids() {
        let emu = emulate(&[
            "--provider",
            provider,
            "--calls",
            "400",
            "--seed",
            "3",
            "--fault-rate",
            "0.3",
        ]);
        let env: Vec<(&str, &str)> = emu
            .exports
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain([("RUST_LOG", "calllogs_core=debug")])
            .collect();
        let o = fetch(
            &emu,
            provider,
            &["--page-size", "20", "--max-attempts", "10"],
            &env,
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{provider}: {stderr}");
        let ids: std::collections::HashSet<String> =
            common::ndjson_ids(&o.stdout).into_iter().collect();
        assert_eq!(ids.len(), 400, "{provider}");
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).lines().count(),
            400,
            "{provider}: no duplicate"
        );
        assert!(
            stderr.contains("retrying"),
            "{provider}: retries at debug level: {stderr}"
        );
    }
}

#[test]
fn bad_credentials_exit_1_with_nothing_on_stdout() {
    for provider in common::provider_ids() {
        let emu = emulate(&["--provider", provider, "--calls", "5"]);
        let wrong: Vec<(String, String)> = emu
            .exports
            .iter()
            .map(|(k, v)| (k.clone(), format!("{v}x")))
            .collect();
        let env: Vec<(&str, &str)> = wrong
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let o = fetch(&emu, provider, &[], &env);
        assert_eq!(o.status.code(), Some(1), "{provider}");
        assert!(o.stdout.is_empty(), "{provider}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            emu.exports.iter().any(|(k, _)| err.contains(k.as_str())),
            "{provider}: {err}"
        );
        assert!(
            !wrong.iter().any(|(_, v)| err.contains(v.as_str())),
            "{provider}: a secret was printed: {err}"
        );
        assert_eq!(
            err.trim().lines().count(),
            1,
            "{provider}: one sentence: {err}"
        );
    }
}

#[test]
fn an_unknown_provider_to_emulate_is_bad_usage() {
    let o = Command::new(env!("CARGO_BIN_EXE_calllogs"))
        .args(["emulate", "--provider", "nope"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
