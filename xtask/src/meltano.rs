//! `cargo xtask readme` (also): the settings of `examples/meltano/meltano.yml`,
//! written from the connector's config schema (`calllogs airbyte spec`, the
//! model `load_account` reads), so Meltano knows every setting and which
//! are secret (`sensitive`: kept in `.env`, never in the `meltano.yml`
//! people commit); and the README's copy of that file. `--check` (in CI)
//! fails when either differs.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BEGIN: &str =
    "    # settings: begin (written by `cargo xtask readme` from `calllogs airbyte spec`)";
const END: &str = "    # settings: end";
const README_BEGIN: &str =
    "<!-- meltano.yml: begin (examples/meltano/meltano.yml, copied by `cargo xtask readme`) -->";
const README_END: &str = "<!-- meltano.yml: end -->";

/// A YAML double-quoted scalar: JSON's string syntax is YAML's.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// One setting of Meltano's plugin definition, as a flow mapping.
fn setting(name: &str, p: &Value) -> String {
    let ty = p["type"].as_str().unwrap_or("string");
    let options = p["enum"].as_array();
    let kind = match (ty, options) {
        (_, Some(_)) => "options",
        ("integer", _) => "integer",
        ("number", _) => "decimal",
        ("boolean", _) => "boolean",
        ("object", _) => "object",
        _ => "string",
    };
    let mut out = format!("{{name: {name}, kind: {kind}");
    if let Some(title) = p["title"].as_str() {
        out += &format!(", label: {}", quoted(title));
    }
    if p["airbyte_secret"] == Value::Bool(true) {
        out += ", sensitive: true";
    }
    if let Some(options) = options {
        let list: Vec<String> = options
            .iter()
            .filter_map(Value::as_str)
            .map(|o| format!("{{label: {o}, value: {o}}}"))
            .collect();
        out += &format!(", options: [{}]", list.join(", "));
    }
    if let Some(d) = p["description"].as_str() {
        out += &format!(", description: {}", quoted(d));
    }
    out + "}"
}

/// The settings block for the spec printed by `bin`.
fn settings(bin: &Path) -> Result<String, String> {
    let o = Command::new(bin)
        .args(["airbyte", "spec"])
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !o.status.success() {
        return Err(format!(
            "calllogs airbyte spec failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    let spec: Value =
        serde_json::from_slice(&o.stdout).map_err(|e| format!("calllogs airbyte spec: {e}"))?;
    let props = spec["spec"]["connectionSpecification"]["properties"]
        .as_object()
        .ok_or("calllogs airbyte spec: no properties")?;
    let mut ordered: Vec<(&String, &Value)> = props.iter().collect();
    ordered.sort_by_key(|(_, p)| p["order"].as_u64().unwrap_or(u64::MAX));
    let mut out = format!("{BEGIN}\n    settings:\n");
    for (name, p) in ordered {
        out += &format!("    - {}\n", setting(name, p));
    }
    Ok(out + END)
}

/// `text` with what lies from `begin` to the end of `end` replaced by `fresh`.
fn splice(text: &str, begin: &str, end: &str, fresh: &str, what: &str) -> Result<String, String> {
    let (Some(b), Some(e)) = (text.find(begin), text.find(end)) else {
        return Err(format!("{what} lacks the markers {begin:?} … {end:?}"));
    };
    Ok(format!("{}{fresh}{}", &text[..b], &text[e + end.len()..]))
}

/// Writes the settings into the example and the example into the README
/// (or, with `check`, fails when either differs).
pub fn update(root: &Path, bin: &Path, check: bool) -> Result<(), String> {
    let yml_path = root.join("examples/meltano/meltano.yml");
    let readme_path = root.join("README.md");
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let yml = read(&yml_path)?;
    let fresh_yml = splice(&yml, BEGIN, END, &settings(bin)?, "meltano.yml")?;
    let readme = read(&readme_path)?;
    let block = format!("{README_BEGIN}\n```yaml\n{fresh_yml}```\n{README_END}");
    let fresh_readme = splice(&readme, README_BEGIN, README_END, &block, "README.md")?;
    if fresh_yml == yml && fresh_readme == readme {
        eprintln!(
            "xtask: meltano.yml's settings match the config schema, and the README's copy the file"
        );
        return Ok(());
    }
    if check {
        return Err("examples/meltano/meltano.yml or its copy in README.md differs from the config schema: run `cargo xtask readme`".into());
    }
    std::fs::write(&yml_path, fresh_yml).map_err(|e| format!("{}: {e}", yml_path.display()))?;
    std::fs::write(&readme_path, fresh_readme)
        .map_err(|e| format!("{}: {e}", readme_path.display()))?;
    eprintln!("xtask: meltano.yml's settings and the README's copy written");
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_secret_is_sensitive_and_a_choice_has_options() {
        let s = super::setting(
            "token",
            &json!({"type": "string", "title": "token", "airbyte_secret": true, "description": "Used by: \"x\"."}),
        );
        assert_eq!(
            s,
            r#"{name: token, kind: string, label: "token", sensitive: true, description: "Used by: \"x\"."}"#
        );
        let s = super::setting(
            "direction",
            &json!({"type": "string", "enum": ["inbound", "outbound"]}),
        );
        assert!(s.contains("kind: options, options: [{label: inbound, value: inbound}, {label: outbound, value: outbound}]"), "{s}");
        assert!(super::setting("rate_limit", &json!({"type": "number"})).contains("kind: decimal"));
    }
}
