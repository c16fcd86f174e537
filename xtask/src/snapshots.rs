//! Without cargo-insta: every `.snap` made from a fixture names it in its
//! `input_file:` header; a snapshot whose fixture is gone, or a fixture
//! with no snapshot, fails.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target" || n == ".git") {
                continue;
            }
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The fixtures (pages of provider responses) under `fixtures/`.
pub fn fixtures(root: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    walk(&root.join("fixtures"), &mut all);
    all.retain(|p| p.extension().is_some_and(|e| e == "json"));
    all.sort();
    all
}

pub fn check(root: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    walk(&root.join("crates"), &mut files);
    let mut referenced = BTreeSet::new();
    let mut problems = Vec::new();
    for snap in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
    {
        let text = fs::read_to_string(snap).map_err(|e| format!("{}: {e}", snap.display()))?;
        let header = text.split("\n---\n").next().unwrap_or("");
        let Some(input) = header.lines().find_map(|l| l.strip_prefix("input_file: ")) else {
            continue;
        };
        let input = root.join(input.trim());
        if input.exists() {
            referenced.insert(input.canonicalize().unwrap_or(input));
        } else {
            problems.push(format!(
                "{}: its fixture {} is gone",
                snap.display(),
                input.display()
            ));
        }
    }
    for fixture in fixtures(root) {
        let canon = fixture.canonicalize().unwrap_or(fixture.clone());
        if !referenced.contains(&canon) {
            problems.push(format!(
                "{}: no snapshot test covers this fixture",
                fixture.display()
            ));
        }
    }
    if problems.is_empty() {
        eprintln!(
            "xtask: snapshots and fixtures match ({} fixtures)",
            referenced.len()
        );
        Ok(())
    } else {
        Err(format!(
            "snapshot check failed:\n  {}",
            problems.join("\n  ")
        ))
    }
}
