//! `cargo xtask check-fixtures`: every fixture parses as its provider's
//! page, holds nothing real-looking, and has its snapshot (and back).

use std::path::Path;
use std::process::Command;

/// Real-looking values in `text`, one description each.
pub fn suspicious(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    // North American numbers: 10 digits (after an optional 1) whose
    // exchange is not 555 are not ours to publish.
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let run = &text[start..i];
            let nanp = match run.len() {
                11 if run.starts_with('1') => Some(&run[1..]),
                10 => Some(run),
                _ => None,
            };
            let followed_by_word = i < bytes.len() && bytes[i].is_ascii_alphabetic();
            if let Some(n) = nanp
                && !followed_by_word
                && matches!(n.as_bytes()[0], b'2'..=b'9')
                && &n[3..6] != "555"
                // Epoch seconds and money are digits too; a NANP number starts 2-9 and is not a timestamp-sized 17…
                && !(n.starts_with("17") && run.len() == 10)
            {
                found.push(format!("a phone number outside the 555 range: {run}"));
            }
        } else {
            i += 1;
        }
    }
    // E-mail addresses outside example.* and .invalid.
    for (at, _) in text.match_indices('@') {
        let domain: String = text[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect();
        let local_ok = at > 0 && text.as_bytes()[at - 1].is_ascii_alphanumeric();
        let before = &text[..at];
        let is_sip = before
            .rsplit(['"', ' '])
            .next()
            .is_some_and(|w| w.starts_with("sip:"));
        if local_ok
            && domain.contains('.')
            && !domain.starts_with("example.")
            && !domain.ends_with(".invalid")
            && !is_sip
        {
            found.push(format!(
                "an e-mail address outside example.*/.invalid: …@{domain}"
            ));
        }
    }
    // Token-like strings: long runs of letters and digits.
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let long = word.len() >= 24;
        let mixed = word.bytes().any(|b| b.is_ascii_digit())
            && word.bytes().any(|b| b.is_ascii_alphabetic());
        let lower = word.to_ascii_lowercase();
        let labelled = ["fixture", "example", "demo", "redacted", "sentinel"]
            .iter()
            .any(|w| lower.contains(w));
        if long && mixed && !labelled {
            found.push(format!("a token-like value: {word}"));
        }
        // Plivo auth ids are 20 characters from MA or SA.
        if word.len() == 20
            && (word.starts_with("MA") || word.starts_with("SA"))
            && word
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && !labelled
        {
            found.push(format!("an auth-id-like value: {word}"));
        }
    }
    found
}

pub fn check(root: &Path, calllogs_bin: Option<&Path>) -> Result<(), String> {
    let mut problems = Vec::new();
    for fixture in crate::snapshots::fixtures(root) {
        let text =
            std::fs::read_to_string(&fixture).map_err(|e| format!("{}: {e}", fixture.display()))?;
        for s in suspicious(&text) {
            problems.push(format!("{}: {s}", fixture.display()));
        }
        // `fixtures/<provider>/…`, pages at the top and detail responses
        // (list-then-detail providers) in a folder below.
        let provider = fixture
            .strip_prefix(root.join("fixtures"))
            .ok()
            .and_then(|rel| rel.components().next())
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("");
        if let Some(bin) = calllogs_bin {
            let out = Command::new(bin)
                .args(["normalize", "--provider", provider])
                .arg(&fixture)
                .output()
                .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
            if !out.status.success() {
                problems.push(format!(
                    "{}: does not parse as a {provider} page: {}",
                    fixture.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
    }
    if let Err(e) = crate::snapshots::check(root) {
        problems.push(e);
    }
    if problems.is_empty() {
        eprintln!("xtask: fixtures are synthetic, parse, and have their snapshots");
        Ok(())
    } else {
        Err(format!(
            "fixture check failed:\n  {}",
            problems.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::suspicious;

    #[test]
    fn flags_real_looking_values_only() {
        assert!(
            suspicious(r#"{"to": "+15555550100", "from": "15555550199", "at": 1747839084}"#)
                .is_empty()
        );
        assert!(suspicious(r#"{"u": "sip:agent@sip.example.invalid", "m": "a@example.com", "x": "MAFIXTURE000000000001"}"#).is_empty());
        assert_eq!(
            suspicious(r#"{"to": "+14155550100"}"#).len(),
            0,
            "555 exchange in another area"
        );
        assert_eq!(suspicious(r#"{"to": "+14153268174"}"#).len(), 1);
        assert_eq!(suspicious(r#"{"mail": "someone@gmail.com"}"#).len(), 1);
        assert_eq!(
            suspicious(r#"{"token": "Zx81Kq0aB7Lm3Np9Qr5St2Uv4Wx6"}"#).len(),
            1
        );
        assert_eq!(suspicious(r#"{"auth": "MAXAR8T0OE1R4ZKTM0QD"}"#).len(), 1);
    }
}
