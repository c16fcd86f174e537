//! `calllogs singer …` piped into a real Singer target (`target-jsonl`
//! from PyPI, in a virtual environment the harness makes), as Meltano runs
//! a tap: each call once in the target's file, a run killed with SIGKILL
//! and restarted with the state the target handed back, and the next
//! incremental run.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::python::{Venv, venv};
use common::{account_json, bin, emulate, scratch_dir, served};
use serde_json::{Value, json};

fn write_json(path: &Path, v: &Value) -> PathBuf {
    std::fs::write(path, serde_json::to_vec(v).unwrap()).unwrap();
    path.to_path_buf()
}

/// `target-jsonl` writing into `dest/calls.jsonl` (appending), reading
/// `input`; the state it prints at the end.
fn target(py: &Venv, dir: &Path, dest: &Path, input: Stdio) -> Option<Value> {
    let config = write_json(
        &dir.join("target.json"),
        &json!({"destination_path": dest, "do_timestamp_file": false}),
    );
    let o = py
        .tool("target-jsonl")
        .arg("--config")
        .arg(config)
        .stdin(input)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "target-jsonl: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    out.lines().last().map(|l| serde_json::from_str(l).unwrap())
}

/// The tap's stdout piped into `target-jsonl`; the target's final state.
fn tap_into_target(py: &Venv, dir: &Path, dest: &Path, args: &[&str]) -> Option<Value> {
    let mut tap = bin()
        .arg("singer")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let state = target(py, dir, dest, Stdio::from(tap.stdout.take().unwrap()));
    let o = tap.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "the tap failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    state
}

/// The ids in `dest/calls.jsonl`, in file order.
fn ids_in(dest: &Path) -> Vec<String> {
    std::fs::read_to_string(dest.join("calls.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            assert!(v["account"].is_string() && v["provider"].is_string(), "{l}");
            v["id"].as_str().unwrap().to_string()
        })
        .collect()
}

fn once(ids: &[String]) -> BTreeSet<String> {
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "a call is in the file twice");
    set
}

#[test]
fn discover_prints_a_catalog_singer_python_reads() {
    let Some(py) = venv("protocol") else { return };
    let dir = scratch_dir("singer-discover");
    let emu = emulate(&["--provider", "nectardesk", "--calls", "5"]);
    let config = write_json(
        &dir.join("config.json"),
        &account_json("desk", "nectardesk", &emu),
    );
    let o = bin()
        .args(["singer", "--discover", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let catalog = dir.join("catalog.json");
    std::fs::write(&catalog, &o.stdout).unwrap();
    // singer-python's own Catalog, and the schema checked as JSON Schema.
    let check = r#"
import json, sys, singer, jsonschema
catalog = singer.Catalog.load(sys.argv[1])
stream = catalog.get_stream("calls")
assert stream.key_properties == ["provider", "account", "id"], stream.key_properties
assert stream.replication_key == "started_at"
assert singer.metadata.to_map(stream.metadata)[()]["selected-by-default"] is True
jsonschema.Draft4Validator.check_schema(stream.schema.to_dict())
print("ok")
"#;
    let o = Command::new(py.bin.join("python"))
        .args(["-c", check])
        .arg(&catalog)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_tap_into_target_jsonl_writes_each_call_once_and_hands_back_the_state() {
    let Some(py) = venv("protocol") else { return };
    let dir = scratch_dir("singer-once");
    let emu = emulate(&["--provider", "unpod", "--calls", "260", "--seed", "8"]);
    let mut config = account_json("org-1", "unpod", &emu);
    config["page_size"] = json!(40);
    let config = write_json(&dir.join("config.json"), &config);
    let dest = dir.join("out");
    let state = tap_into_target(&py, &dir, &dest, &["--config", config.to_str().unwrap()]).unwrap();
    let expected: BTreeSet<String> = served(&emu, "unpod").into_iter().collect();
    assert_eq!(once(&ids_in(&dest)), expected);
    let calls = &state["bookmarks"]["calls"];
    assert_eq!(calls["status"], "done", "{state}");
    assert_eq!(calls["account"], "org-1");

    // A catalog that deselects the stream: nothing read, said on stderr.
    let mut catalog: Value = serde_json::from_slice(
        &bin()
            .args(["singer", "--discover", "--config", config.to_str().unwrap()])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    catalog["streams"][0]["metadata"][0]["metadata"]["selected"] = json!(false);
    let catalog = write_json(&dir.join("catalog.json"), &catalog);
    let o = bin()
        .args([
            "singer",
            "--config",
            config.to_str().unwrap(),
            "--catalog",
            catalog.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not select"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_tap_killed_with_sigkill_restarts_from_the_targets_state_with_each_call_once() {
    let Some(py) = venv("protocol") else { return };
    let dir = scratch_dir("singer-kill");
    let emu = emulate(&[
        "--provider",
        "plivo",
        "--calls",
        "700",
        "--seed",
        "4",
        "--latency-ms",
        "30",
    ]);
    let config = write_json(
        &dir.join("config.json"),
        &account_json("plivo-us", "plivo", &emu),
    );
    let expected: BTreeSet<String> = served(&emu, "plivo").into_iter().collect();

    // The tap's messages up to its fifth STATE, then SIGKILL; the target
    // gets them all (a pipe cut where Meltano's would be) and hands back
    // the last state.
    let mut tap = bin()
        .args(["singer", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut taken = Vec::new();
    let mut states = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in BufReader::new(tap.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        states += usize::from(line.starts_with(r#"{"type":"STATE""#));
        taken.push(line);
        if states == 5 {
            break;
        }
        assert!(Instant::now() < deadline, "the tap made no progress");
    }
    assert_eq!(states, 5, "the tap ended before it could be killed");
    tap.kill().unwrap();
    tap.wait().unwrap();
    let messages = dir.join("killed.jsonl");
    let mut f = std::fs::File::create(&messages).unwrap();
    f.write_all((taken.join("\n") + "\n").as_bytes()).unwrap();
    drop(f);
    let dest = dir.join("out");
    let state = target(
        &py,
        &dir,
        &dest,
        Stdio::from(std::fs::File::open(&messages).unwrap()),
    )
    .unwrap();
    assert_eq!(state["bookmarks"]["calls"]["status"], "running", "{state}");
    let before = ids_in(&dest).len();
    assert!(
        before > 0 && before < expected.len(),
        "{before} of {}",
        expected.len()
    );

    // Restarted with that state into the same file: each call exactly once.
    let state_file = write_json(&dir.join("state.json"), &state);
    let done = tap_into_target(
        &py,
        &dir,
        &dest,
        &[
            "--config",
            config.to_str().unwrap(),
            "--state",
            state_file.to_str().unwrap(),
        ],
    )
    .unwrap();
    assert_eq!(
        once(&ids_in(&dest)),
        expected,
        "a call lost or repeated across the restart"
    );
    assert_eq!(done["bookmarks"]["calls"]["status"], "done");

    // The next run, from the final state: only the lookback again.
    let state_file = write_json(&dir.join("state2.json"), &done);
    let next = dir.join("next");
    tap_into_target(
        &py,
        &dir,
        &next,
        &[
            "--config",
            config.to_str().unwrap(),
            "--state",
            state_file.to_str().unwrap(),
        ],
    );
    let again = once(&ids_in(&next));
    assert!(
        !again.is_empty() && again.len() < expected.len() / 4,
        "{} read again",
        again.len()
    );
    assert!(again.is_subset(&expected));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn calllogs_singer_is_the_tap_under_one_name() {
    let dir = scratch_dir("singer-link");
    let link = dir.join("calllogs-singer");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_calllogs"), &link).unwrap();
    let emu = emulate(&["--provider", "superu", "--calls", "30"]);
    let config = write_json(
        &dir.join("config.json"),
        &account_json("bots", "superu", &emu),
    );
    let o = Command::new(&link)
        .args(["--config", config.to_str().unwrap(), "--discover"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let catalog: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(catalog["streams"][0]["tap_stream_id"], "calls");
    // Meltano's older `--properties` names the catalog too.
    let catalog_file = write_json(&dir.join("catalog.json"), &catalog);
    let o = Command::new(&link)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--properties",
            catalog_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "SCHEMA");
    let records = out
        .lines()
        .filter(|l| l.starts_with(r#"{"type":"RECORD""#))
        .count();
    assert_eq!(records, served(&emu, "superu").len());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn fields_the_catalog_deselects_are_left_out_of_the_schema_and_every_record() {
    let dir = scratch_dir("singer-select");
    let emu = emulate(&["--provider", "vapi", "--calls", "40", "--seed", "6"]);
    let config = write_json(
        &dir.join("config.json"),
        &account_json("vapi-main", "vapi", &emu),
    );
    let o = bin()
        .args(["singer", "--discover", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut catalog: Value = serde_json::from_slice(&o.stdout).unwrap();
    // What `meltano select tap-calllogs --exclude calls raw` writes, and a
    // try at leaving out the key, which is automatic and stays.
    for m in catalog["streams"][0]["metadata"].as_array_mut().unwrap() {
        let crumb = m["breadcrumb"].clone();
        if crumb == json!(["properties", "raw"])
            || crumb == json!(["properties", "transcript"])
            || crumb == json!(["properties", "id"])
        {
            m["metadata"]["selected"] = json!(false);
        }
    }
    let catalog = write_json(&dir.join("catalog.json"), &catalog);
    let o = bin()
        .args(["singer", "--config"])
        .arg(&config)
        .arg("--catalog")
        .arg(&catalog)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut records = 0;
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let m: Value = serde_json::from_str(line).unwrap();
        match m["type"].as_str() {
            Some("SCHEMA") => {
                let props = m["schema"]["properties"].as_object().unwrap();
                assert!(!props.contains_key("raw") && !props.contains_key("transcript"));
                assert!(props.contains_key("id") && props.contains_key("analysis"));
            }
            Some("RECORD") => {
                let r = m["record"].as_object().unwrap();
                assert!(
                    !r.contains_key("raw") && !r.contains_key("transcript"),
                    "{r:?}"
                );
                assert!(r.contains_key("id") && r.contains_key("started_at"));
                records += 1;
            }
            _ => {}
        }
    }
    assert_eq!(records, served(&emu, "vapi").len());
    let _ = std::fs::remove_dir_all(dir);
}
