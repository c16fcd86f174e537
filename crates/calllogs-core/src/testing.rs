//! Hostile-input checks every provider's normalizer must pass (feature
//! `testing`, for the provider crates' property tests): arbitrary JSON, each
//! documented field replaced by a wrong type, null, an empty string, a huge
//! number, a huge string, deep nesting, odd timestamps and durations. A bad
//! record never panics the normalizer and never loses the rest of its page.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use crate::{HttpConfig, Provider, RetryPolicy, Settings};

/// Arbitrary JSON, a few levels deep.
pub fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        "[0-9:. +-]{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The values every documented field is tried with.
pub fn hostile_values() -> Vec<Value> {
    let mut deep = json!("bottom");
    for _ in 0..100 {
        deep = json!([deep]);
    }
    vec![
        Value::Null,
        json!(""),
        json!(" "),
        json!(-1),
        json!(0),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e308),
        json!(-1e-308),
        json!(0.5),
        json!(true),
        json!([]),
        json!({}),
        json!([1, "two", null]),
        json!({"nested": {"deeper": [1, 2, 3]}}),
        json!("x".repeat(100_000)),
        json!("9".repeat(400)),
        json!("0000-00-00 00:00:00"),
        json!("9999-12-31T23:59:59Z"),
        json!("2026-02-30 25:61:61"),
        json!("2026-04-20T06:59:42.449948"),
        json!("1970-01-01"),
        json!("99:99:99"),
        json!("-1"),
        json!("25:00:01"),
        json!("\u{0}\u{7f}\u{10ffff}"),
        deep,
    ]
}

/// Checks `provider`'s `decode_page` against hostile records.
///
/// `envelope` wraps records into a page body; `base` is a valid record with
/// its id under `id_field`; every name in `fields` is replaced in turn by
/// each of [`hostile_values`] and by `cases` arbitrary JSON values, in a
/// page between two good records. The page must decode; the good records
/// must come out; the bad one must come out with its id (or, when its id
/// itself is not a usable id, be left out) — and nothing may panic.
pub fn assert_hostile_records_are_survived(
    provider: &dyn Provider,
    envelope: &dyn Fn(Vec<Value>) -> Value,
    base: &Value,
    id_field: &str,
    fields: &[&str],
    cases: u32,
) {
    let with = |id: &str, field: &str, v: &Value| {
        let mut r = base.clone();
        r[id_field] = json!(id);
        if let Some(obj) = r.as_object_mut() {
            obj.insert(field.to_string(), v.clone());
        }
        r
    };
    let check = |field: &str, v: &Value| -> Result<(), TestCaseError> {
        let good_a = with("good-a", "unused_field", &Value::Null);
        let good_b = with("good-b", "unused_field", &Value::Null);
        let bad = with("bad-1", field, v);
        let body = envelope(vec![good_a, bad, good_b]).to_string();
        let page = provider
            .decode_page(body.as_bytes())
            .map_err(|e| TestCaseError::fail(format!("{field} = {v}: the page failed: {e}")))?;
        let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
        prop_assert!(
            ids.contains(&"good-a") && ids.contains(&"good-b"),
            "{field} = {v}: good records lost: {ids:?}"
        );
        if field != id_field {
            prop_assert!(
                ids.contains(&"bad-1"),
                "{field} = {v}: the record was dropped: {ids:?}"
            );
        }
        for call in &page.items {
            // The raw record is kept, as one line.
            prop_assert!(!call.raw.get().contains('\n'));
            serde_json::to_string(call).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        Ok(())
    };
    for field in fields {
        for v in hostile_values() {
            if let Err(e) = check(field, &v) {
                panic!("{}: {e}", provider.id());
            }
        }
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        if let Err(e) = runner.run(&arb_json(), |v| check(field, &v)) {
            panic!("{}: {e}", provider.id());
        }
    }
}

/// A mock server for a provider's HTTP tests, with a catch-all mounted
/// last: a request no test mock matches gets a 418 whose body says so (a
/// provider error naming it), never a silent 404 taken for an empty page.
pub async fn mock_server() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(418)
                .set_body_json(json!({"error": "unexpected request in test"})),
        )
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

/// The top-level fields of a provider's `reads` (`customer.number` and
/// `customer.name` give `customer`), in order: what the hostile-input
/// check replaces, so a field the mapping starts reading is covered with no
/// list to keep in step.
pub fn top_level<'a>(reads: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for r in reads {
        let top = r.split(['.', '[']).next().unwrap_or(r);
        if !out.contains(&top) {
            out.push(top);
        }
    }
    out
}

/// Checks that arbitrary bodies never panic `decode_page` (they may fail),
/// and that nesting past serde_json's limit is an error, not a crash.
pub fn assert_arbitrary_bodies_do_not_panic(provider: &dyn Provider, cases: u32) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&arb_json(), |v| {
        let _ = provider.decode_page(v.to_string().as_bytes());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{}: {e}", provider.id());
    }
    // Far past serde_json's nesting limit: an error or an empty page, not a crash.
    for deep in [
        format!("{}{}", "[".repeat(5000), "]".repeat(5000)),
        format!("{}{}", "{\"a\":".repeat(5000), "}".repeat(5000)),
    ] {
        if let Ok(page) = provider.decode_page(deep.as_bytes()) {
            assert!(page.items.is_empty());
        }
    }
    for junk in [
        &b""[..],
        b"{",
        b"null",
        b"[]",
        b"\xff\xfe",
        b"{\"calls\": 5}",
    ] {
        let _ = provider.decode_page(junk);
    }
}

/// Settings for a test client of a mock server at `base_url`: no
/// environment, the given credentials, two quick attempts per request.
pub fn mock_settings(base_url: &str, credentials: &[(&str, &str)]) -> Settings {
    let http = HttpConfig {
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: std::time::Duration::from_millis(1),
            ..RetryPolicy::default()
        },
        ..HttpConfig::default()
    };
    credentials.iter().fold(
        Settings::new().without_env().base_url(base_url).http(http),
        |s, (k, v)| s.credential(k, *v),
    )
}

/// The query parameters of a request URL, decoded.
pub fn query_params(url: &url::Url) -> std::collections::HashMap<String, String> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Checks a provider's declared reads ([`crate::ProviderInfo::reads`])
/// against its mapping over `pages` (response bodies, such as its fixtures;
/// a body that is not a page is read as one record, as a list-then-detail
/// provider's detail response is):
/// removing any field a record holds outside the declaration leaves the
/// mapped call unchanged (so the declaration names every field the mapping
/// reads). Panics with every finding.
pub fn assert_reads_declared(provider: &dyn Provider, reads: &[&str], pages: &[Vec<u8>]) {
    let covered = |path: &str| {
        reads.iter().any(|r| {
            path == *r
                || path
                    .strip_prefix(r)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with("[]"))
        })
    };
    let normalized = |record: &Value| -> Result<Value, String> {
        let text = record.to_string();
        let raw = serde_json::value::RawValue::from_string(text).map_err(|e| e.to_string())?;
        let call = provider.decode_record(&raw)?;
        let mut v = serde_json::to_value(&call).map_err(|e| e.to_string())?;
        if let Some(o) = v.as_object_mut() {
            o.remove("raw");
        }
        Ok(v)
    };
    let mut findings = std::collections::BTreeSet::new();
    let mut records = 0;
    for body in pages {
        let raws: Vec<String> = match provider.decode_page(body) {
            Ok(page) => page
                .items
                .iter()
                .map(|c| c.raw.get().to_string())
                .chain(page.rejects.iter().map(|r| r.raw.clone()))
                .collect(),
            Err(e) => match serde_json::from_slice::<Value>(body) {
                Ok(one @ Value::Object(_)) => vec![one.to_string()],
                _ => panic!("{}: a page does not decode: {e}", provider.id()),
            },
        };
        for raw in raws {
            let Ok(record) = serde_json::from_str::<Value>(&raw) else {
                continue;
            };
            records += 1;
            let before = normalized(&record);
            let mut leaves = Vec::new();
            leaf_paths(&record, &mut Vec::new(), &mut leaves);
            for (concrete, path) in leaves {
                if covered(&path) {
                    continue;
                }
                let mut without = record.clone();
                remove_at(&mut without, &concrete);
                if normalized(&without) != before {
                    findings.insert(format!(
                        "the mapping reads {path}, which `reads` does not name"
                    ));
                }
            }
        }
    }
    assert!(records > 0, "{}: no records in the pages", provider.id());
    assert!(
        findings.is_empty(),
        "{}:\n  {}",
        provider.id(),
        findings.into_iter().collect::<Vec<_>>().join("\n  ")
    );
}

/// One step into a JSON value: a key or an array index.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every leaf of `v` (a scalar, or an empty object or array): its concrete
/// steps and its path with `[]` for every index.
fn leaf_paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, String)>) {
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, child) in o {
                at.push(Step::Key(k.clone()));
                leaf_paths(child, at, out);
                at.pop();
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, child) in a.iter().enumerate() {
                at.push(Step::Index(i));
                leaf_paths(child, at, out);
                at.pop();
            }
        }
        _ => {
            let mut path = String::new();
            for step in at.iter() {
                match step {
                    Step::Key(k) => {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(k);
                    }
                    Step::Index(_) => path.push_str("[]"),
                }
            }
            out.push((at.clone(), path));
        }
    }
}

/// Removes the leaf at `steps` (a key from its object; an element is set to null).
fn remove_at(v: &mut Value, steps: &[Step]) {
    let Some((last, parents)) = steps.split_last() else {
        return;
    };
    let mut cur = v;
    for step in parents {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(o)) => match o.get_mut(k) {
                Some(next) => next,
                None => return,
            },
            (Step::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    match (last, cur) {
        (Step::Key(k), Value::Object(o)) => {
            o.remove(k);
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(slot) = a.get_mut(*i) {
                *slot = Value::Null;
            }
        }
        _ => {}
    }
}
