//! What the Airbyte tests share (the connector run directly, and through
//! its image): messages validated by the official protocol models, and
//! the record keys they carry.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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
