//! The JSON Schemas the connectors announce: the `calls` record (the
//! normalized call with its account) and the config (one account).
//!
//! Written out by hand rather than derived, so each field carries the type
//! a warehouse should give it (timestamps as `date-time`, the exact cost as
//! a string); a test holds the record schema to the serialized [`Call`]
//! field by field, and the connector tests validate every record emitted
//! against it with Python's `jsonschema`.
//!
//! [`Call`]: calllogs_core::Call

use calllogs_core::taxonomy::{Category, HangupCause, HangupSource};
use calllogs_core::{Direction, Status};
use serde_json::{Map, Value, json};

use calllogs_core::Registry;

/// A nullable value of JSON type `ty`.
fn maybe(ty: &str) -> Value {
    json!({ "type": ["null", ty] })
}

/// A nullable RFC 3339 timestamp.
fn timestamp() -> Value {
    json!({
        "type": ["null", "string"],
        "format": "date-time",
        "airbyte_type": "timestamp_with_timezone",
    })
}

/// A nullable integer (Airbyte's own integer type, not a float).
fn integer() -> Value {
    json!({ "type": ["null", "integer"], "airbyte_type": "integer" })
}

/// One of `words`, never null.
fn word(words: impl IntoIterator<Item = &'static str>) -> Value {
    json!({ "type": "string", "enum": words.into_iter().collect::<Vec<_>>() })
}

/// An object with `properties`, nullable when `nullable`.
fn object(nullable: bool, properties: Vec<(&str, Value)>) -> Value {
    let properties: Map<String, Value> = properties
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    json!({
        "type": if nullable { json!(["null", "object"]) } else { json!("object") },
        "properties": properties,
    })
}

/// A list of `items` (empty rather than null where the call model says).
fn list(nullable: bool, items: Value) -> Value {
    json!({
        "type": if nullable { json!(["null", "array"]) } else { json!("array") },
        "items": items,
    })
}

fn hangup() -> Value {
    object(
        true,
        vec![
            // ALL is the table's causes; `other` (an unknown reason) is one too.
            (
                "cause",
                word(
                    HangupCause::ALL
                        .iter()
                        .chain([&HangupCause::Other])
                        .map(|c| c.as_str()),
                ),
            ),
            ("category", word(Category::ALL.iter().map(|c| c.as_str()))),
            ("source", word(HangupSource::ALL.iter().map(|s| s.as_str()))),
            ("provider_code", maybe("string")),
            ("provider_reason", maybe("string")),
            ("q850", integer()),
            ("sip", integer()),
        ],
    )
}

fn named() -> Value {
    object(
        true,
        vec![("id", maybe("string")), ("name", maybe("string"))],
    )
}

/// The schema of one `calls` record: the normalized call of
/// `call-model.md`, with `account` (the account's name) beside `provider`
/// and `id`, the three making the primary key, and `raw`, the provider's
/// record as sent.
pub fn call_record() -> Value {
    let agent = object(
        false,
        vec![
            ("id", maybe("string")),
            ("name", maybe("string")),
            ("type", maybe("string")),
            ("answered", maybe("boolean")),
            ("transferred", maybe("boolean")),
            ("hangup", hangup()),
            ("extra", maybe("object")),
        ],
    );
    let mut schema = object(
        false,
        vec![
            ("account", json!({ "type": "string" })),
            ("provider", json!({ "type": "string" })),
            ("id", json!({ "type": "string" })),
            ("parent_id", maybe("string")),
            (
                "direction",
                word(
                    [Direction::Inbound, Direction::Outbound, Direction::Unknown]
                        .map(Direction::as_str),
                ),
            ),
            ("from", maybe("string")),
            ("to", maybe("string")),
            ("started_at", timestamp()),
            ("answered_at", timestamp()),
            ("ended_at", timestamp()),
            ("duration_s", integer()),
            ("talk_time_s", integer()),
            ("billed_duration_s", integer()),
            ("status", word(Status::ALL.iter().map(|s| s.as_str()))),
            ("hangup", hangup()),
            (
                "cost",
                object(
                    true,
                    vec![
                        // Exact, as the provider wrote it: a float would round.
                        ("amount", json!({ "type": "string" })),
                        ("currency", json!({ "type": "string" })),
                    ],
                ),
            ),
            ("agents", list(false, agent)),
            (
                "contact",
                object(
                    true,
                    vec![
                        ("id", maybe("string")),
                        ("name", maybe("string")),
                        ("number", maybe("string")),
                    ],
                ),
            ),
            ("campaign", named()),
            ("tags", list(false, json!({ "type": "string" }))),
            (
                "recordings",
                list(
                    false,
                    object(
                        false,
                        vec![("id", maybe("string")), ("url", maybe("string"))],
                    ),
                ),
            ),
            (
                "transcript",
                list(
                    true,
                    object(
                        false,
                        vec![
                            ("speaker", maybe("string")),
                            ("text", json!({ "type": "string" })),
                            ("at", timestamp()),
                        ],
                    ),
                ),
            ),
            ("analysis", maybe("object")),
            ("queue", named()),
            ("ivr", named()),
            (
                "disposition",
                object(
                    true,
                    vec![
                        ("id", maybe("string")),
                        ("code", maybe("string")),
                        ("note", maybe("string")),
                    ],
                ),
            ),
            ("sla_met", maybe("boolean")),
            ("raw", maybe("object")),
        ],
    );
    schema["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    schema["required"] = json!(["account", "provider", "id"]);
    schema
}

/// The schema of a connector's config: one `[[accounts]]` entry of
/// `calllogs.toml` as JSON. Every provider compiled in is listed; each
/// credential key says which providers take it and is marked
/// `airbyte_secret`, so the engines store it encrypted and never show it.
pub fn config(registry: &Registry) -> Value {
    let providers: Vec<&str> = registry.providers().iter().map(|p| p.id).collect();
    let mut credentials: Vec<(String, Vec<&str>)> = Vec::new();
    for info in registry.providers() {
        for c in info.credentials {
            let key = c.flag.replace('-', "_");
            match credentials.iter_mut().find(|(k, _)| *k == key) {
                Some((_, users)) => users.push(info.id),
                None => credentials.push((key, vec![info.id])),
            }
        }
    }
    let span = |title: &str, text: &str| {
        json!({
            "type": "string",
            "title": title,
            "description": text,
            "pattern": "^[0-9]+[smhdw]$",
            "examples": ["24h", "7d"],
        })
    };
    let mut properties = Map::new();
    properties.insert(
        "name".into(),
        json!({
            "type": "string",
            "title": "Account name",
            "description": "The account's label: every record's `account`, part of the primary key.",
            "minLength": 1,
            "order": 0,
        }),
    );
    properties.insert(
        "provider".into(),
        json!({
            "type": "string",
            "title": "Provider",
            "enum": providers,
            "order": 1,
        }),
    );
    for (i, (key, users)) in credentials.iter().enumerate() {
        let env: Vec<&str> = registry
            .providers()
            .iter()
            .flat_map(|p| p.credentials)
            .filter(|c| c.flag.replace('-', "_") == *key)
            .map(|c| c.env)
            .collect();
        properties.insert(
            key.clone(),
            json!({
                "type": "string",
                "title": key.replace('_', " "),
                "description": format!(
                    "Used by: {}. Instead of the value, ${{VAR}} reads it from the environment (as {}).",
                    users.join(", "),
                    env.join(" / ")
                ),
                "airbyte_secret": true,
                "order": 2 + i,
            }),
        );
    }
    let mut rest = vec![
        (
            "base_url",
            json!({
                "type": "string",
                "title": "Base URL",
                "description": "The provider's API root, for a proxy, a regional host or an emulator (default: the provider's own).",
                "format": "uri",
            }),
        ),
        (
            "since",
            json!({
                "type": "string",
                "title": "Start date",
                "description": "Where the first read starts: an RFC 3339 time or a duration back from now (40d).",
                "examples": ["2026-01-01T00:00:00Z", "40d"],
            }),
        ),
        (
            "lookback",
            span(
                "Lookback",
                "How far before the last read's end each incremental read starts again, to pick up late costs, recordings and analysis (default 24h).",
            ),
        ),
        (
            "first_window",
            span(
                "First window",
                "The range of the first read when no start date is set (default 7d).",
            ),
        ),
        (
            "direction",
            json!({
                "type": "string",
                "title": "Direction",
                "description": "Only inbound or only outbound calls (default: both).",
                "enum": ["inbound", "outbound"],
            }),
        ),
        (
            "filters",
            json!({
                "type": "object",
                "title": "Filters",
                "description": "The provider's own filters (see `calllogs providers`).",
                "additionalProperties": { "type": ["string", "number", "boolean"] },
            }),
        ),
        (
            "page_size",
            json!({
                "type": "integer",
                "title": "Page size",
                "description": "Records per request (default: the provider's largest).",
                "minimum": 1,
            }),
        ),
        (
            "detail",
            json!({
                "type": "boolean",
                "title": "Fetch each call's detail",
                "description": "For providers whose list lacks what a call's detail has (ElevenLabs, Bland: on by default; Retell: off): one more request per call. false keeps the list only.",
            }),
        ),
        (
            "rate_limit",
            json!({
                "type": "number",
                "title": "Rate limit",
                "description": "Requests per second at most (above 0).",
                "minimum": 0,
            }),
        ),
        (
            "concurrency",
            json!({
                "type": "integer",
                "title": "Concurrency",
                "description": "Requests in flight at most.",
                "minimum": 1,
                "maximum": 256,
            }),
        ),
    ];
    let first = 2 + credentials.len();
    for (i, (key, mut v)) in rest.drain(..).enumerate() {
        v["order"] = json!(first + i);
        properties.insert(key.into(), v);
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "calllogs account",
        "description": "One account of one provider: the [[accounts]] entry of calllogs.toml, as JSON.",
        "type": "object",
        "required": ["name", "provider"],
        "additionalProperties": false,
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use calllogs_core::{
        Agent, Call, Contact, Cost, Disposition, Hangup, Named, Raw, Recording, Turn,
    };

    /// A call with every optional field set, so its JSON shows every key.
    fn full_call() -> Call {
        let mut c = Call::new("plivo", "c-1");
        c.parent_id = Some("p".into());
        c.from = Some("+15555550100".into());
        c.to = Some("+15555550101".into());
        let t = chrono::Utc::now();
        (c.started_at, c.answered_at, c.ended_at) = (Some(t), Some(t), Some(t));
        (c.duration_s, c.talk_time_s, c.billed_duration_s) = (Some(1), Some(1), Some(1));
        c.hangup = Hangup::resolve(Some("4000"), Some("Normal Hangup"));
        c.cost = Some(Cost::new("0.0100", "USD"));
        let mut agent = Agent::new(Some("a".into()), Some("n".into()));
        agent.kind = Some("ai".into());
        agent.answered = Some(true);
        agent.transferred = Some(false);
        agent.hangup = Hangup::resolve(None, Some("NORMAL_CLEARING"));
        agent.extra = Some(json!({"k": 1}));
        c.agents = vec![agent];
        c.contact = Some(Contact::new(
            Some("x".into()),
            Some("y".into()),
            Some("z".into()),
        ));
        c.campaign = Some(Named {
            id: Some("k".into()),
            name: None,
        });
        c.tags = vec!["t".into()];
        c.recordings = vec![Recording {
            id: Some("r".into()),
            url: Some("u".into()),
        }];
        c.transcript = Some(vec![Turn {
            speaker: Some("s".into()),
            text: "hi".into(),
            at: Some(t),
        }]);
        c.analysis = Some(json!({"summary": "s"}));
        c.queue = Some(Named::default());
        c.ivr = Some(Named::default());
        c.disposition = Some(Disposition::default());
        c.sla_met = Some(true);
        c.raw = Raw::from_value(&json!({"id": "c-1"}));
        c
    }

    /// Every key of `value` is a property of `schema`, and (for objects whose
    /// schema lists properties) every property is a key: the schema and the
    /// serialized call cannot drift apart unnoticed.
    fn same_keys(path: &str, schema: &Value, value: &Value) {
        match value {
            Value::Object(o) => {
                let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                    return; // an open object (raw, analysis, extra)
                };
                for k in o.keys() {
                    assert!(
                        props.contains_key(k),
                        "{path}.{k} is in the call but not the schema"
                    );
                    same_keys(&format!("{path}.{k}"), &props[k], &o[k]);
                }
                for k in props.keys() {
                    assert!(
                        o.contains_key(k),
                        "{path}.{k} is in the schema but not the call"
                    );
                }
            }
            Value::Array(a) => {
                for v in a {
                    same_keys(&format!("{path}[]"), &schema["items"], v);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_record_schema_has_exactly_the_calls_fields() {
        let record = super::super::record_value("eu", &full_call());
        same_keys("calls", &call_record(), &record);
    }

    #[test]
    fn every_cause_category_source_and_status_is_in_the_record_schema() {
        let schema = call_record();
        let words = |v: &Value| -> Vec<String> {
            v["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap().to_string())
                .collect()
        };
        let hangup = &schema["properties"]["hangup"]["properties"];
        let causes = words(&hangup["cause"]);
        for c in HangupCause::ALL.iter().chain([&HangupCause::Other]) {
            assert!(causes.contains(&c.as_str().to_string()), "{}", c.as_str());
        }
        let categories = words(&hangup["category"]);
        for c in Category::ALL {
            assert!(
                categories.contains(&c.as_str().to_string()),
                "{}",
                c.as_str()
            );
        }
        assert!(words(&hangup["source"]).len() == HangupSource::ALL.len());
        assert!(words(&schema["properties"]["status"]).len() == Status::ALL.len());
    }

    #[test]
    fn the_config_schema_lists_every_provider_and_marks_credentials_secret() {
        let registry = &calllogs::registry::REGISTRY;
        let spec = config(registry);
        let providers = spec["properties"]["provider"]["enum"].as_array().unwrap();
        assert_eq!(providers.len(), registry.providers().len());
        for info in registry.providers() {
            for c in info.credentials {
                let p = &spec["properties"][c.flag.replace('-', "_")];
                assert_eq!(p["airbyte_secret"], true, "{}", c.flag);
                assert!(p["description"].as_str().unwrap().contains(info.id));
            }
        }
    }
}
