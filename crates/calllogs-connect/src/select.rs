//! Field selection: which top-level fields of a `calls` record the engine
//! asked to leave out. Singer runners (Meltano's `select`) say it in the
//! catalog's per-field metadata; Airbyte's column selection sends the
//! configured stream's `json_schema` with only the chosen properties.
//!
//! The primary key and the cursor are always emitted (their metadata says
//! `inclusion: automatic`): without them a record cannot be deduplicated
//! or resumed. A field the catalog does not mention is kept, so an older
//! catalog reads every field as before.

use serde_json::{Value, json};

use super::{CURSOR, PRIMARY_KEY, schema};

/// Whether `field` must be in every record.
fn automatic(field: &str) -> bool {
    field == CURSOR || PRIMARY_KEY.contains(&field)
}

/// The record's top-level fields, in the schema's order.
fn fields() -> Vec<String> {
    schema::call_record()["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The per-field metadata of the Singer catalog: one entry per top-level
/// field, `automatic` for the key and the cursor, `available` and selected
/// by default for the rest.
pub fn singer_metadata() -> Vec<Value> {
    fields()
        .into_iter()
        .map(|f| {
            let metadata = if automatic(&f) {
                json!({ "inclusion": "automatic" })
            } else {
                json!({ "inclusion": "available", "selected-by-default": true })
            };
            json!({ "breadcrumb": ["properties", f], "metadata": metadata })
        })
        .collect()
}

/// The fields a Singer catalog's stream leaves out: those whose metadata
/// says `selected: false` (or says nothing of `selected` and is not
/// selected by default), or `inclusion: unsupported`.
pub fn singer_omitted(stream: &Value) -> Vec<String> {
    let known = fields();
    let mut out = Vec::new();
    for entry in stream
        .get("metadata")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let crumb: Vec<&str> = entry
            .get("breadcrumb")
            .and_then(Value::as_array)
            .map(|b| b.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let [kind, field] = crumb[..] else { continue };
        if kind != "properties" || automatic(field) || !known.iter().any(|k| k == field) {
            continue;
        }
        let m = entry.get("metadata");
        let flag = |k: &str| m.and_then(|m| m.get(k)).and_then(Value::as_bool);
        let selected = flag("selected")
            .or_else(|| flag("selected-by-default"))
            .unwrap_or(true);
        let unsupported =
            m.and_then(|m| m.get("inclusion")).and_then(Value::as_str) == Some("unsupported");
        if (!selected || unsupported) && !out.iter().any(|o| o == field) {
            out.push(field.to_string());
        }
    }
    out
}

/// The fields an Airbyte configured stream leaves out: ours that its
/// `json_schema` does not list. A stream without a schema, or with one
/// that lists no properties, leaves nothing out.
pub fn airbyte_omitted(configured_stream: &Value) -> Vec<String> {
    let Some(props) = configured_stream
        .pointer("/stream/json_schema/properties")
        .and_then(Value::as_object)
        .filter(|p| !p.is_empty())
    else {
        return Vec::new();
    };
    fields()
        .into_iter()
        .filter(|f| !automatic(f) && !props.contains_key(f))
        .collect()
}

/// `schema` without the `omitted` properties (the `SCHEMA` a Singer tap
/// sends describes the records it sends).
pub fn without(mut schema: Value, omitted: &[String]) -> Value {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for f in omitted {
            props.remove(f);
        }
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_singer_catalog_leaves_out_what_it_deselects_but_never_the_key() {
        let mut stream = json!({ "metadata": singer_metadata() });
        assert!(
            singer_omitted(&stream).is_empty(),
            "all selected by default"
        );
        for entry in stream["metadata"].as_array_mut().unwrap() {
            let field = entry["breadcrumb"][1].as_str().unwrap().to_string();
            if ["raw", "id", "started_at", "transcript"].contains(&field.as_str()) {
                entry["metadata"]["selected"] = json!(false);
            }
        }
        let mut omitted = singer_omitted(&stream);
        omitted.sort();
        assert_eq!(omitted, ["raw", "transcript"]);
        // Unknown fields and nested breadcrumbs are not ours to drop.
        let other = json!({ "metadata": [
            { "breadcrumb": ["properties", "nope"], "metadata": { "selected": false } },
            { "breadcrumb": ["properties", "cost", "properties", "amount"], "metadata": { "selected": false } },
            { "breadcrumb": ["properties", "tags"], "metadata": { "selected-by-default": false } },
            { "breadcrumb": ["properties", "ivr"], "metadata": { "inclusion": "unsupported" } },
        ]});
        let mut omitted = singer_omitted(&other);
        omitted.sort();
        assert_eq!(omitted, ["ivr", "tags"]);
    }

    #[test]
    fn an_airbyte_configured_stream_leaves_out_the_columns_it_does_not_list() {
        let mut schema = schema::call_record();
        let full = json!({ "stream": { "json_schema": schema.clone() } });
        assert!(airbyte_omitted(&full).is_empty());
        assert!(airbyte_omitted(&json!({ "stream": {} })).is_empty());
        let props = schema["properties"].as_object_mut().unwrap();
        for f in ["raw", "analysis", "provider", "started_at"] {
            props.remove(f);
        }
        let some = json!({ "stream": { "json_schema": schema } });
        let mut omitted = airbyte_omitted(&some);
        omitted.sort();
        assert_eq!(omitted, ["analysis", "raw"]);
    }
}
