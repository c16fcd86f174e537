//! Every compiled-in provider through the CLI: normalize over its fixtures,
//! and `calllogs providers`.

mod common;

use std::process::Command;

fn calllogs(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_calllogs"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[test]
fn normalize_reads_every_fixture_of_every_provider() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut seen = 0;
    for id in common::provider_ids() {
        let dir = root.join(id);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for file in entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let o = calllogs(&["normalize", "--provider", id, file.to_str().unwrap()]);
            assert!(
                o.status.success(),
                "{id} {}: {}",
                file.display(),
                String::from_utf8_lossy(&o.stderr)
            );
            for line in String::from_utf8_lossy(&o.stdout).lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                assert_eq!(v["provider"], id);
                assert!(v["id"].as_str().is_some_and(|s| !s.is_empty()));
            }
            seen += 1;
        }
    }
    assert!(seen >= 16, "fixtures found: {seen}");
}

#[test]
fn providers_lists_what_is_compiled_in() {
    let o = calllogs(&["providers"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("plivo (Plivo)") && text.contains("PLIVO_AUTH_TOKEN"),
        "{text}"
    );
    assert!(
        text.contains("superu (SuperU)") && text.contains("SUPERU_API_KEY"),
        "{text}"
    );
}

#[test]
fn every_credential_of_the_registry_is_a_flag_of_fetch_sync_and_emulate() {
    let o = calllogs(&["providers", "--json"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    let providers: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(providers.len() >= 4, "{text}");
    for sub in ["fetch", "sync", "emulate"] {
        let help = String::from_utf8(calllogs(&[sub, "--help"]).stdout).unwrap();
        for p in &providers {
            for c in p["credentials"].as_array().unwrap() {
                let flag = format!("--{}", c["flag"].as_str().unwrap());
                let env = c["env"].as_str().unwrap();
                assert!(help.contains(&flag), "{sub} --help lacks {flag}");
                assert!(help.contains(env), "{sub} --help does not name {env}");
            }
        }
    }
}
