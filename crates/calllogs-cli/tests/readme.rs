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
