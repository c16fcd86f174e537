//! Every configuration the README shows is read by the code that reads
//! it: each `calllogs.toml` (`[[accounts]]`) by `Config::parse`, each
//! connector config (JSON) by `Config::account_json`, the Cargo snippet
//! as TOML. (Its Rust example is a doctest of the facade; its YAML
//! `meltano.yml` is Meltano's to read.)

use calllogs::config::{Config, Source};
use calllogs::registry::REGISTRY;

/// The README's fenced blocks: (language, text, line).
fn blocks() -> Vec<(String, String, usize)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let mut out = Vec::new();
    let mut open: Option<(String, String, usize)> = None;
    for (n, line) in readme.lines().enumerate() {
        if let Some(lang) = line.strip_prefix("```") {
            match open.take() {
                None => open = Some((lang.trim().to_string(), String::new(), n + 1)),
                Some(block) => out.push(block),
            }
        } else if let Some((_, text, _)) = open.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    assert!(open.is_none(), "an unclosed block in the README");
    out
}

/// `${VAR}` references resolve to a placeholder.
fn env(var: &str) -> Option<String> {
    Some(format!("{var}-placeholder"))
}

#[test]
fn every_config_in_the_readme_is_read_by_calllogs() {
    let source = Source {
        path: "README.md".into(),
        private: true,
    };
    let (mut files, mut jsons, mut snippets) = (0, 0, 0);
    for (lang, text, line) in blocks() {
        match lang.as_str() {
            "toml" if text.contains("[[accounts]]") => {
                let c = Config::parse(&text, &source, &env, &REGISTRY)
                    .unwrap_or_else(|e| panic!("README line {line}: {e}"));
                assert!(!c.accounts.is_empty());
                for a in &c.accounts {
                    a.query()
                        .unwrap_or_else(|e| panic!("README line {line}: {}: {e}", a.name));
                }
                files += 1;
            }
            "toml" => {
                text.parse::<toml::Table>()
                    .unwrap_or_else(|e| panic!("README line {line}: {e}"));
                snippets += 1;
            }
            "json" => {
                Config::account_json(&text, &source, &env, &REGISTRY)
                    .unwrap_or_else(|e| panic!("README line {line}: {e}"));
                jsons += 1;
            }
            _ => {}
        }
    }
    assert!(
        files >= 2 && jsons >= 1 && snippets >= 1,
        "{files} configs, {jsons} JSON, {snippets} snippets"
    );
}

#[test]
fn the_readme_has_no_unlabelled_block() {
    // An unlabelled block is Rust to rustdoc, and a doctest that cannot build.
    for (lang, _, line) in blocks() {
        assert!(
            !lang.is_empty(),
            "README line {line}: label the block (```text, ```sh, …)"
        );
    }
}

#[test]
fn the_readmes_pyairbyte_snippet_is_what_the_tests_run() {
    // Every call and keyword of the README's Python block is in the script
    // CI runs (tests/python/pyairbyte_read.py), for both ways it shows.
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/pyairbyte_read.py"
    ))
    .unwrap();
    let python: Vec<(String, usize)> = blocks()
        .into_iter()
        .filter(|(lang, _, _)| lang == "python")
        .map(|(_, text, line)| (text, line))
        .collect();
    assert!(!python.is_empty(), "the README shows no PyAirbyte snippet");
    let mut words = 0;
    for (text, line) in python {
        for l in text.lines() {
            let code = l.trim_start_matches(['#', ' ']);
            let mut rest = code;
            // `name=` keywords and `.method(` calls.
            while let Some(i) = rest.find(['=', '(']) {
                let head = &rest[..i];
                let word: String = head
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let ch = &rest[i..=i];
                let is_call = ch == "(" && head.ends_with(&format!(".{word}"));
                let is_keyword = ch == "=" && !head.ends_with(' ') && !word.is_empty();
                if !word.is_empty() && (is_call || is_keyword) {
                    let needle = format!("{word}{ch}");
                    assert!(
                        script.contains(&needle)
                            || (is_keyword && script.contains(&format!("\"{word}\""))),
                        "README line {line}: {needle} is not in pyairbyte_read.py"
                    );
                    words += 1;
                }
                rest = &rest[i + 1..];
            }
        }
    }
    assert!(words >= 8, "only {words} calls and keywords checked");
}
