//! `docs/taxonomy.md`, generated from the taxonomy's one table in core
//! (through `calllogs causes --json` of the debug binary), so the
//! reference cannot drift from the code; `cargo xtask ci` checks it.

use std::path::Path;
use std::process::Command;

const HEAD: &str = "# The hangup-cause taxonomy\n\n\
<!-- Written by `cargo xtask docs` from the table in calllogs-core \
(`calllogs causes --json`); do not edit by hand. -->\n\n\
Every call's `hangup.cause` is one of these (or `other` when nothing fits); \
`hangup.category` is its category. The Plivo code, Q.850 cause and SIP \
status are the ones each cause stands for where it has one. \
`calllogs explain --provider P WORDS` says which cause a provider's own \
reason or code maps to.\n\n";

/// The page for `causes` (one JSON object per cause).
pub fn page(causes: &[serde_json::Value]) -> String {
    let mut out = String::from(HEAD);
    // Each category once, in the order it first appears, its causes in table order.
    let mut order: Vec<&str> = Vec::new();
    for c in causes {
        let cat = c["category"].as_str().unwrap_or_default();
        if !order.contains(&cat) {
            order.push(cat);
        }
    }
    let mut grouped: Vec<&serde_json::Value> = causes.iter().collect();
    grouped.sort_by_key(|c| {
        order
            .iter()
            .position(|o| *o == c["category"].as_str().unwrap_or_default())
    });
    let mut category = "";
    for c in grouped {
        let cat = c["category"].as_str().unwrap_or_default();
        if cat != category {
            category = cat;
            out.push_str(&format!(
                "\n## `{cat}`\n\n| cause | Plivo code | Q.850 | SIP | meaning |\n|---|---|---|---|---|\n"
            ));
        }
        let n = |k: &str| c[k].as_u64().map_or("-".to_string(), |v| v.to_string());
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            c["cause"].as_str().unwrap_or_default(),
            n("plivo_code"),
            n("q850"),
            n("sip"),
            c["description"]
                .as_str()
                .unwrap_or_default()
                .replace('|', "\\|"),
        ));
    }
    out
}

/// Writes `docs/taxonomy.md` from `bin`'s taxonomy, or (with `check`)
/// fails when it differs.
pub fn update(root: &Path, bin: &Path, check: bool) -> Result<(), String> {
    let out = Command::new(bin)
        .args(["causes", "--json"])
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "calllogs causes --json: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let causes: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("calllogs causes --json: {e}")))
        .collect::<Result<_, _>>()?;
    let fresh = page(&causes);
    let path = root.join("docs/taxonomy.md");
    if std::fs::read_to_string(&path).ok().as_deref() == Some(fresh.as_str()) {
        eprintln!("xtask: docs/taxonomy.md matches the taxonomy");
        return Ok(());
    }
    if check {
        return Err("docs/taxonomy.md differs from the taxonomy: run `cargo xtask docs`".into());
    }
    std::fs::create_dir_all(root.join("docs")).map_err(|e| e.to_string())?;
    std::fs::write(&path, fresh).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: docs/taxonomy.md written");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_section_per_category_and_a_row_per_cause() {
        let causes = [
            serde_json::json!({"category":"timeout","cause":"no_answer","description":"No answer","plivo_code":3000,"q850":19,"sip":480}),
            serde_json::json!({"category":"timeout","cause":"ring_timeout_reached","description":"Rang out","plivo_code":null,"q850":null,"sip":null}),
        ];
        let page = super::page(&causes);
        assert_eq!(page.matches("## `timeout`").count(), 1);
        assert!(page.contains("| `no_answer` | 3000 | 19 | 480 | No answer |"));
        assert!(page.contains("| `ring_timeout_reached` | - | - | - | Rang out |"));
        let split = [
            causes[0].clone(),
            serde_json::json!({"category":"canceled","cause":"canceled","description":"x"}),
            causes[1].clone(),
        ];
        assert_eq!(
            super::page(&split).matches("## `timeout`").count(),
            1,
            "a category split in the table is one section"
        );
    }
}
