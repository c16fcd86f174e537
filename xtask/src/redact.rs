//! Redaction of recorded pages into fixtures: every phone number, name,
//! id, URL, account id, e-mail, token and transcript replaced by a
//! consistent fake (the same input gives the same fake, so relations between
//! calls survive), credentials removed.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// What was replaced, by kind.
#[derive(Debug, Default)]
pub struct Report(pub BTreeMap<&'static str, usize>);

/// A redactor; keep one for all the pages of a recording.
#[derive(Default)]
pub struct Redactor {
    /// Exact credential values to remove wherever they appear.
    pub secrets: Vec<String>,
    fakes: HashMap<(&'static str, String), String>,
    counters: HashMap<&'static str, usize>,
    pub report: Report,
}

/// Keys whose text is speech or free text: replaced by lorem of the same length.
const TEXT_KEYS: &[&str] = &[
    "transcript",
    "content",
    "message",
    "text",
    "summary",
    "note",
    "notes",
    "description",
];
/// Keys that name people or lines (but not hangup-cause names).
fn is_name_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    (k.contains("name") || k.contains("alias")) && !k.contains("cause") && !k.contains("reason")
}
fn is_id_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    k == "id"
        || k.ends_with("_id")
        || k.ends_with("id")
            && k.len() > 2
            && k[..k.len() - 2].ends_with(|c: char| c.is_ascii_lowercase())
        || k.ends_with("uuid")
        || k == "bridge"
}

const LOREM: &str = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ";

fn lorem(len: usize) -> String {
    LOREM.chars().cycle().take(len).collect()
}

fn digits(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

fn is_phone(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || "+ -().".contains(c))
        && (7..=15).contains(&digits(t))
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && s.chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_hexdigit())
}

fn is_account_id(s: &str) -> bool {
    s.len() == 20
        && (s.starts_with("MA") || s.starts_with("SA"))
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl Redactor {
    /// A redactor that also removes these credential values.
    pub fn with_secrets(secrets: Vec<String>) -> Self {
        Redactor {
            secrets,
            ..Redactor::default()
        }
    }

    fn fake(
        &mut self,
        kind: &'static str,
        original: &str,
        make: impl FnOnce(usize) -> String,
    ) -> String {
        *self.report.0.entry(kind).or_default() += 1;
        if let Some(f) = self.fakes.get(&(kind, original.to_string())) {
            return f.clone();
        }
        let n = self.counters.entry(kind).or_default();
        *n += 1;
        let f = make(*n);
        self.fakes.insert((kind, original.to_string()), f.clone());
        f
    }

    /// A fake number in the 555-01xx range, keeping the original's shape
    /// (a `+`, or digits only).
    fn phone(&mut self, s: &str) -> String {
        let plus = s.trim().starts_with('+');
        self.fake(
            "phone",
            &s.chars().filter(char::is_ascii_digit).collect::<String>(),
            |n| {
                let area = [202, 312, 415, 617, 718, 206, 303][n % 7];
                format!(
                    "{}1{area}555{:04}",
                    if plus { "+" } else { "" },
                    100 + n / 7 % 100
                )
            },
        )
    }

    /// Redacts the words of a free string: account ids, UUIDs, e-mails,
    /// SIP URIs and URLs inside it.
    fn words(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in self.secrets.clone() {
            if !secret.is_empty() && out.contains(&secret) {
                *self.report.0.entry("credential").or_default() += 1;
                out = out.replace(&secret, "[redacted]");
            }
        }
        let tokens: Vec<String> = out
            .split(|c: char| !(c.is_ascii_alphanumeric() || "-_.@:+".contains(c)))
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        for t in tokens {
            let t = t.trim_matches(|c| c == '.' || c == ':').to_string();
            let replacement = if is_account_id(&t) {
                Some(self.fake("account id", &t, |n| format!("MAREDACTED{n:010}")))
            } else if is_uuid(&t) {
                Some(self.fake("uuid", &t, |n| format!("00000000-0000-4000-8000-{n:012}")))
            } else if t.contains('@') && t.contains('.') && !t.ends_with(".invalid") {
                Some(self.fake("e-mail", &t, |n| format!("user{n}@example.invalid")))
            } else {
                None
            };
            if let Some(r) = replacement {
                out = out.replace(&t, &r);
            }
        }
        out
    }

    fn string(&mut self, key: Option<&str>, s: &str) -> String {
        let lower_key = key.map(str::to_ascii_lowercase);
        let k = lower_key.as_deref().unwrap_or("");
        if self.secrets.iter().any(|sec| !sec.is_empty() && s == sec) {
            *self.report.0.entry("credential").or_default() += 1;
            return "[redacted]".into();
        }
        if TEXT_KEYS.contains(&k) {
            *self.report.0.entry("text").or_default() += 1;
            return lorem(s.chars().count());
        }
        if is_name_key(k) {
            return self.fake("name", s, |n| format!("Person {n}"));
        }
        if is_phone(s) {
            return self.phone(s);
        }
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("sip:") || lower.starts_with("sips:") {
            return self.fake("sip address", s, |n| {
                format!("sip:user-{n}@sip.example.invalid")
            });
        }
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return self.fake("url", s, |n| {
                format!("https://example.invalid/redacted/{n}")
            });
        }
        if is_id_key(k) && !is_uuid(s) && !is_account_id(s) {
            return self.fake("id", s, |n| format!("id-{n:06}"));
        }
        self.words(s)
    }

    /// Redacts a JSON value in place.
    pub fn value(&mut self, key: Option<&str>, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.string(key, s),
            Value::Number(n) if key.is_some_and(is_id_key) => {
                let text = n.to_string();
                let fake = self.fake("id", &text, |i| (1000 + i).to_string());
                *v = Value::from(fake.parse::<u64>().unwrap_or(0));
            }
            Value::Number(n)
                if key.is_some_and(|k| k.contains("number")) && digits(&n.to_string()) >= 7 =>
            {
                let fake = self.phone(&n.to_string());
                *v = Value::String(fake);
            }
            Value::Array(items) => {
                // Transcripts as an array of strings are text too.
                for item in items {
                    self.value(key, item);
                }
            }
            Value::Object(map) => {
                for (k, item) in map.iter_mut() {
                    let k = k.clone();
                    self.value(Some(&k), item);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nothing_sensitive_survives_and_fakes_are_consistent() {
        let sensitive = [
            "+14153268174",
            "14153268175",
            "MAXAR8T0OE1R4ZKTM0QD",
            "5607532d-5037-4066-befc-a8b40218dd4f",
            "jane.roe@gmail.com",
            "Jane Roe",
            "Agent Smith",
            "sip:jroe9461399937766203278@phone.plivo.com",
            "https://media.plivo.com/v1/Account/MAXAR8T0OE1R4ZKTM0QD/Recording/abc.mp3",
            "my card number is 4111",
            "tok_live_51HqXyZ",
            "Acme Dental",
            "98765",
        ];
        let mut page = json!({
            "api_id": "5607532d-5037-4066-befc-a8b40218dd4f",
            "objects": [
                {"call_uuid": "5607532d-5037-4066-befc-a8b40218dd4f", "from_number": "+14153268174", "to_number": "14153268175",
                 "resource_uri": "/v1/Account/MAXAR8T0OE1R4ZKTM0QD/Call/5607532d-5037-4066-befc-a8b40218dd4f/",
                 "hangup_cause_name": "Normal Hangup", "call_duration": 53, "total_amount": "0.01667"},
                {"id": 98765, "contact": {"full_name": "Jane Roe", "email": "jane.roe@gmail.com", "number": 14153268174u64},
                 "agent": {"alias": "Agent Smith", "sip": "sip:jroe9461399937766203278@phone.plivo.com"},
                 "number": {"alias": "Acme Dental"},
                 "recordings": [{"url": "https://media.plivo.com/v1/Account/MAXAR8T0OE1R4ZKTM0QD/Recording/abc.mp3"}],
                 "transcript": [{"role": "user", "content": "my card number is 4111"}], "api_key": "tok_live_51HqXyZ"}
            ]
        });
        let mut r = Redactor::with_secrets(vec!["tok_live_51HqXyZ".into()]);
        r.value(None, &mut page);
        let text = page.to_string();
        for s in sensitive {
            assert!(!text.contains(s), "{s} survived in {text}");
        }
        // Consistent: the same number and call id give the same fakes.
        assert_eq!(
            page["objects"][0]["from_number"],
            page["objects"][1]["contact"]["number"]
                .as_str()
                .map(|s| format!("+{}", s.trim_start_matches('+')))
                .unwrap_or_default()
        );
        assert!(
            page["objects"][0]["resource_uri"]
                .as_str()
                .unwrap()
                .contains(page["objects"][0]["call_uuid"].as_str().unwrap())
        );
        // What is not sensitive stays.
        assert_eq!(page["objects"][0]["hangup_cause_name"], "Normal Hangup");
        assert_eq!(page["objects"][0]["call_duration"], 53);
        assert_eq!(page["objects"][0]["total_amount"], "0.01667");
        assert_eq!(
            page["objects"][1]["transcript"][0]["content"]
                .as_str()
                .unwrap()
                .len(),
            "my card number is 4111".len()
        );
        assert!(r.report.0["phone"] >= 3 && r.report.0["credential"] >= 1);
    }
}
