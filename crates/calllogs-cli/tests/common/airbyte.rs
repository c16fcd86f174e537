//! What the Airbyte tests share (the connector run directly, and through
//! its image): messages validated by the official protocol models, and
//! the record keys they carry.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::python::Venv;

/// A record's primary key: provider, account, id.
pub type Key = (String, String, String);

/// Writes `v` to `path` as JSON; the path back.
pub fn write_json(path: &Path, v: &Value) -> PathBuf {
    std::fs::write(path, serde_json::to_vec(v).unwrap()).unwrap();
    path.to_path_buf()
}

/// The messages in `file` validated by the protocol models (and, with a
/// catalog, every record by its schema); the summary the script prints.
pub fn validated(py: &Venv, file: &Path, extra: &[&Path]) -> Value {
    let mut cmd = py.script("airbyte_messages.py");
    cmd.arg(file);
    for pair in extra.chunks(2) {
        cmd.arg(pair[0]).arg(pair[1]);
    }
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{} does not validate: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The record keys of a summary, in the order emitted.
pub fn keys(summary: &Value) -> Vec<Key> {
    summary["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let s = |i: usize| k[i].as_str().unwrap().to_string();
            (s(0), s(1), s(2))
        })
        .collect()
}

/// The call ids of `keys`.
pub fn ids(keys: &[Key]) -> BTreeSet<String> {
    keys.iter().map(|k| k.2.clone()).collect()
}

/// A configured catalog selecting the `calls` stream of `catalog` (a
/// CATALOG message's catalog) in `mode`, deduplicated on the key.
pub fn configured(catalog: &Value, mode: &str) -> Value {
    serde_json::json!({"streams": [{
        "stream": catalog["streams"][0],
        "sync_mode": mode,
        "destination_sync_mode": "append_dedup",
        "cursor_field": ["started_at"],
        "primary_key": [["provider"], ["account"], ["id"]],
    }]})
}

/// The lines a read prints until `states` STATE messages went by (the
/// caller then kills it); a panic if it ends first or stalls for a minute.
pub fn lines_until_states(stdout: impl Read, states: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut seen = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        seen += usize::from(line.contains(r#""type":"STATE""#));
        lines.push(line);
        if seen == states {
            return lines;
        }
        assert!(Instant::now() < deadline, "the read made no progress");
    }
    panic!("the read ended after {seen} states, before it could be killed");
}
