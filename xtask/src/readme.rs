//! `cargo xtask readme [--check]`: the README's provider table, written
//! from the registry (`calllogs providers --json`), so a new provider needs
//! no hand edit there and the table cannot drift from the build.

use std::path::Path;

const BEGIN: &str = "<!-- providers: begin (written by `cargo xtask readme`) -->";
const END: &str = "<!-- providers: end -->";

/// The table for `providers` (`calllogs providers --json`, an object each).
pub fn table(providers: &[serde_json::Value]) -> String {
    let mut out = String::from("| provider | crate | feature | credentials |\n|---|---|---|---|\n");
    for p in providers {
        let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
        let creds: Vec<String> = p["credentials"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["env"].as_str())
            .map(|env| format!("`{env}`"))
            .collect();
        let id = text("id");
        out += &format!(
            "| {} ({}) | `calllogs-{id}` | `{id}` | {} |\n",
            text("name"),
            text("kind"),
            creds.join(", ")
        );
    }
    out
}

/// Writes the table of `providers` into `README.md` (or, with `check`,
/// fails when it differs).
pub fn update(root: &Path, providers: &[serde_json::Value], check: bool) -> Result<(), String> {
    let table = table(providers);
    let path = root.join("README.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        return Err(format!("README.md lacks the markers {BEGIN} … {END}"));
    };
    let fresh = format!("{}{BEGIN}\n{table}{}", &text[..b], &text[e..]);
    if fresh == text {
        eprintln!("xtask: README's provider table matches the registry");
        return Ok(());
    }
    if check {
        return Err(
            "README.md's provider table differs from the registry: run `cargo xtask readme`".into(),
        );
    }
    std::fs::write(&path, fresh).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: README's provider table written");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_row_per_provider() {
        let json = serde_json::json!({"id":"vapi","name":"Vapi","kind":"voice-AI platform","credentials":[{"env":"VAPI_API_KEY","flag":"token"}]});
        let t = super::table(&[json]);
        assert!(
            t.ends_with(
                "| Vapi (voice-AI platform) | `calllogs-vapi` | `vapi` | `VAPI_API_KEY` |\n"
            ),
            "{t}"
        );
    }
}
