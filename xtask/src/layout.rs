//! `cargo xtask check-layout`: the layout the tree promises, checked.
//!
//! - Crates: each workspace crate depends (normal dependencies; dev ones
//!   are free) only on the crates its row of [`CRATES`] allows, so the
//!   graph points one way, down. A `calllogs-*` crate not in the table is
//!   a provider: it may depend on `calllogs-core`, and (for its emulator,
//!   behind its `emulator` feature) on `calllogs-emulator`.
//! - Modules: inside each crate, no two modules import each other, directly
//!   or round a circle. An import is a `crate::…`, `super::…` or
//!   `self::…` path in the code (comments and the `#[cfg(test)] mod tests`
//!   at a file's end left out); a module naming its own descendants is the
//!   tree's own direction and is not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every crate but the providers: what it is for and what it may depend on.
/// CONTRIBUTING.md's layout table says the same, a line a crate.
pub const CRATES: &[(&str, &[&str])] = &[
    ("calllogs-core", &[]),
    ("calllogs-pgtest", &[]),
    ("calllogs-store", &["calllogs-core"]),
    ("calllogs-report", &["calllogs-core", "calllogs-store"]),
    ("calllogs-fleet", &["calllogs-core", "calllogs-store"]),
    (
        "calllogs-connect",
        &["calllogs-core", "calllogs-store", "calllogs-fleet"],
    ),
    ("calllogs-listen", &["calllogs-core", "calllogs-store"]),
    ("calllogs-emulator", &["calllogs-core"]),
    (
        "calllogs",
        &[
            "calllogs-core",
            "calllogs-store",
            "calllogs-report",
            "calllogs-fleet",
            "calllogs-connect",
            "calllogs-listen",
            "calllogs-emulator",
            "<providers>",
        ],
    ),
    ("calllogs-cli", &["calllogs"]),
    ("xtask", &[]),
];

/// Checks both rules over the workspace at `root`; every finding at once.
pub fn check(root: &Path, metadata: &serde_json::Value) -> Result<(), String> {
    let mut findings = crate_findings(metadata);
    for (name, src) in crate_sources(metadata) {
        findings.extend(
            module_cycles(&src)
                .into_iter()
                .map(|c| format!("{name}: {c}")),
        );
    }
    if findings.is_empty() {
        eprintln!("xtask: crates depend downwards only; no module imports another round a circle");
        Ok(())
    } else {
        let _ = root;
        Err(format!(
            "the layout is broken:\n  {}",
            findings.join("\n  ")
        ))
    }
}

fn members(metadata: &serde_json::Value) -> Vec<&serde_json::Value> {
    let ids: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"].as_str().is_some_and(|id| ids.contains(id)))
        .collect()
}

fn crate_findings(metadata: &serde_json::Value) -> Vec<String> {
    let packages = members(metadata);
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let is_provider = |n: &str| n.starts_with("calllogs-") && !CRATES.iter().any(|(c, _)| *c == n);
    let mut out = Vec::new();
    for p in &packages {
        let name = p["name"].as_str().unwrap_or_default();
        let allowed: Vec<&str> = match CRATES.iter().find(|(c, _)| *c == name) {
            Some((_, deps)) => deps.to_vec(),
            None if is_provider(name) => vec!["calllogs-core", "calllogs-emulator"],
            None => {
                out.push(format!(
                    "{name}: a crate the layout table does not know (xtask/src/layout.rs)"
                ));
                continue;
            }
        };
        for dep in p["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            if !names.contains(dep_name) || dep["kind"].as_str() == Some("dev") {
                continue;
            }
            let ok = allowed.contains(&dep_name)
                || (allowed.contains(&"<providers>") && is_provider(dep_name));
            if !ok {
                out.push(format!(
                    "{name} depends on {dep_name}, which its row does not allow ({})",
                    if allowed.is_empty() {
                        "nothing".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ));
            }
        }
    }
    out
}

/// Each member's `src` directory.
fn crate_sources(metadata: &serde_json::Value) -> Vec<(String, PathBuf)> {
    members(metadata)
        .into_iter()
        .filter_map(|p| {
            let manifest = PathBuf::from(p["manifest_path"].as_str()?);
            let src = manifest.parent()?.join("src");
            let name = p["name"].as_str()?.to_string();
            src.is_dir().then_some((name, src))
        })
        .collect()
}

/// The modules of a crate (`a::b` for `src/a/b.rs` or `src/a/b/mod.rs`; the
/// root is ""), each with its file.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let Ok(rel) = path.strip_prefix(src) else {
                continue;
            };
            let mut parts: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            // A binary's other targets (src/bin) are crates of their own.
            if parts.first().is_some_and(|p| p == "bin") {
                continue;
            }
            out.insert(parts.join("::"), path);
        }
    }
    out
}

/// The code of a file without comments and without its trailing tests.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module paths `text` imports, relative to module `at`: every
/// `crate::`, `super::` and `self::` path, braces expanded.
fn imports(text: &str, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for anchor in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = text[from..].find(anchor) {
            let start = from + i;
            from = start + anchor.len();
            // A whole word: not `mycrate::` or `x.self::`.
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let base: Vec<String> = match anchor {
                "crate::" => Vec::new(),
                "self::" => split(at),
                _ => {
                    // `super::super::…`
                    let mut base = split(at);
                    base.pop();
                    let mut rest = &text[from..];
                    while let Some(r) = rest.strip_prefix("super::") {
                        base.pop();
                        rest = r;
                    }
                    from = text.len() - rest.len();
                    base
                }
            };
            for path in paths(&text[from..]) {
                let mut full = base.clone();
                full.extend(path);
                out.push(full.join("::"));
            }
        }
    }
    out
}

fn split(module: &str) -> Vec<String> {
    if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_string).collect()
    }
}

/// The paths at the start of `s`: `a::b::C` gives one, `{a, b::c}` several.
fn paths(s: &str) -> Vec<Vec<String>> {
    let s = s.trim_start();
    if let Some(inner) = s.strip_prefix('{') {
        let mut depth = 0;
        let mut item = String::new();
        let mut items = Vec::new();
        for ch in inner.chars() {
            match ch {
                '{' => {
                    depth += 1;
                    item.push(ch);
                }
                '}' if depth == 0 => break,
                '}' => {
                    depth -= 1;
                    item.push(ch);
                }
                ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                _ => item.push(ch),
            }
        }
        items.push(item);
        return items
            .iter()
            .flat_map(|i| {
                let i = i.trim();
                match i.split_once("::") {
                    // `a::{b, c}` inside braces: a's paths prefixed.
                    Some((head, rest)) if rest.trim_start().starts_with('{') => paths(rest)
                        .into_iter()
                        .map(|mut p| {
                            p.insert(0, head.trim().to_string());
                            p
                        })
                        .collect::<Vec<_>>(),
                    _ => vec![words(i)],
                }
            })
            .filter(|p| !p.is_empty())
            .collect();
    }
    let p = words(s);
    if p.is_empty() { Vec::new() } else { vec![p] }
}

/// The `a::b::c` words at the start of `s`.
fn words(s: &str) -> Vec<String> {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    s[..end]
        .split("::")
        .filter(|w| !w.is_empty() && *w != "self")
        .map(str::to_string)
        .collect()
}

/// The module an imported path lands in: its longest prefix that is a module.
fn target(path: &str, known: &BTreeMap<String, PathBuf>) -> Option<String> {
    let mut parts = split(path);
    while !parts.is_empty() {
        let m = parts.join("::");
        if known.contains_key(&m) {
            return Some(m);
        }
        parts.pop();
    }
    None
}

/// Every circle of imports between the modules under `src`, one line each.
fn module_cycles(src: &Path) -> Vec<String> {
    let known = modules(src);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &known {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for path in imports(&code(&text), module) {
            let Some(to) = target(&path, &known) else {
                continue;
            };
            let descendant = module.is_empty() || to.starts_with(&format!("{module}::"));
            if to != *module && !descendant {
                edges.entry(module.clone()).or_default().insert(to);
            }
        }
    }
    let mut cycles = BTreeSet::new();
    for start in known.keys() {
        // The shortest way back to `start`, by breadth-first search.
        let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.as_str()]);
        let mut found = None;
        while let Some(m) = queue.pop_front() {
            for next in edges.get(m).into_iter().flatten() {
                if next == start {
                    found = Some(m);
                    break;
                }
                if !prev.contains_key(next.as_str()) {
                    prev.insert(next.as_str(), m);
                    queue.push_back(next.as_str());
                }
            }
            if found.is_some() {
                break;
            }
        }
        if let Some(mut m) = found {
            let mut circle = vec![start.as_str()];
            let mut back = vec![m];
            while m != start {
                match prev.get(m) {
                    Some(p) => {
                        m = p;
                        if m != start {
                            back.push(m);
                        }
                    }
                    None => break,
                }
            }
            back.reverse();
            circle.extend(back);
            // One line per circle, whichever module it was found from.
            let min = circle
                .iter()
                .enumerate()
                .min_by_key(|(_, m)| **m)
                .map_or(0, |(i, _)| i);
            circle.rotate_left(min);
            let names: Vec<&str> = circle
                .iter()
                .map(|m| if m.is_empty() { "<root>" } else { m })
                .collect();
            cycles.insert(format!(
                "modules import each other: {} -> {}",
                names.join(" -> "),
                names[0]
            ));
        }
    }
    cycles.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_read_with_braces_and_super() {
        let text = "use crate::{a::B, c, d::{e::F, g}};\nuse super::h;\nfn x() { crate::i::j(); }";
        let mut got = imports(text, "m::n");
        got.sort();
        assert_eq!(got, ["a::B", "c", "d::e::F", "d::g", "i::j", "m::h"]);
    }

    #[test]
    fn a_circle_is_found_and_descendants_are_not_one() {
        let dir = std::env::temp_dir().join(format!("xtask-layout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("store")).unwrap();
        std::fs::write(dir.join("lib.rs"), "mod a; mod store; use crate::a::X;").unwrap();
        std::fs::write(dir.join("a.rs"), "use crate::store::postgres::P;").unwrap();
        std::fs::write(
            dir.join("store/mod.rs"),
            "pub mod postgres; use self::postgres::P;",
        )
        .unwrap();
        std::fs::write(
            dir.join("store/postgres.rs"),
            "use crate::a::X; use super::Y;",
        )
        .unwrap();
        let cycles = module_cycles(&dir);
        assert_eq!(
            cycles,
            ["modules import each other: a -> store::postgres -> a"]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
