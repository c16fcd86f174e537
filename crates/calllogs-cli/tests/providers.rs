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

/// A list-then-detail provider's saved detail responses: one, a JSON array
/// of them, or NDJSON of them, each normalized as the detail it is.
#[test]
fn normalize_reads_saved_detail_responses_one_an_array_or_ndjson() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut checked = 0;
    for id in common::provider_ids() {
        let dir = root.join(id).join("detail");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        let details: Vec<serde_json::Value> = files
            .iter()
            .map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap())
            .collect();
        let tmp =
            std::env::temp_dir().join(format!("calllogs-details-{id}-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let array = tmp.join("array.json");
        std::fs::write(&array, serde_json::to_vec(&details).unwrap()).unwrap();
        let ndjson = tmp.join("details.ndjson");
        let lines: Vec<String> = details.iter().map(|d| d.to_string()).collect();
        std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
        let ids = |o: std::process::Output| -> Vec<String> {
            assert!(
                o.status.success(),
                "{id}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| {
                    serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect()
        };
        let one = ids(calllogs(&[
            "normalize",
            "--provider",
            id,
            files[0].to_str().unwrap(),
        ]));
        assert_eq!(one.len(), 1, "{id}");
        let all = ids(calllogs(&[
            "normalize",
            "--provider",
            id,
            array.to_str().unwrap(),
        ]));
        assert_eq!(all.len(), details.len(), "{id}");
        assert_eq!(
            ids(calllogs(&[
                "normalize",
                "--provider",
                id,
                ndjson.to_str().unwrap()
            ])),
            all,
            "{id}"
        );
        let _ = std::fs::remove_dir_all(&tmp);
        checked += 1;
    }
    assert!(
        checked >= 3,
        "retell, elevenlabs and bland have detail fixtures ({checked})"
    );
}
