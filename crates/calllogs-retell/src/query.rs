//! `CallQuery` -> the JSON body of Retell's `POST /v3/list-calls`.

use calllogs_core::{CallQuery, Direction, PageToken};
use serde::Serialize;
use serde_json::{Value, json};

/// The body of one list request: typed filters, ascending by start time
/// (so a call that starts later can only land after the cursor), the page
/// size and, after the first page, the cursor the previous one gave.
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Body {
    pub filter_criteria: Filters,
    pub sort_order: &'static str,
    pub limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination_key: Option<String>,
}

/// `filter_criteria`: each a typed filter object (`{type, op, value}`),
/// all ANDed by Retell.
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Filters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_timestamp: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_status: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_type: Option<Value>,
}

fn one_of(values: &[String]) -> Value {
    json!({"type": "enum", "op": "in", "value": values})
}

impl Body {
    /// The body of the page `token` asks for, of a resolved window.
    pub fn new(q: &CallQuery, token: &PageToken) -> Self {
        let own = q.get_extension::<RetellFilters>();
        let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis();
        // [since, until): a range is inclusive at both ends, in milliseconds.
        let start_timestamp = match (q.since.map(ms), q.until.map(ms)) {
            (Some(lo), Some(hi)) => {
                Some(json!({"type": "range", "op": "bt", "value": [lo, hi - 1]}))
            }
            (Some(lo), None) => Some(json!({"type": "number", "op": "ge", "value": lo})),
            (None, Some(hi)) => Some(json!({"type": "number", "op": "lt", "value": hi})),
            (None, None) => None,
        };
        let agent = own
            .and_then(|f| f.agent_id.clone())
            .or_else(|| q.agent.clone())
            .map(|id| json!([{"agent_id": id}]));
        let direction = match q.direction {
            Some(Direction::Inbound) => Some(one_of(&["inbound".into()])),
            Some(Direction::Outbound) => Some(one_of(&["outbound".into()])),
            _ => None,
        };
        Body {
            filter_criteria: Filters {
                start_timestamp,
                agent,
                direction,
                call_status: own
                    .filter(|f| !f.call_status.is_empty())
                    .map(|f| one_of(&f.call_status)),
                call_type: own.and_then(|f| f.call_type.clone()).map(|t| one_of(&[t])),
            },
            sort_order: "ascending",
            limit: q
                .page_size
                .unwrap_or(crate::MAX_PAGE)
                .clamp(1, crate::MAX_PAGE),
            pagination_key: match token {
                PageToken::Cursor(key) => Some(key.clone()),
                _ => None,
            },
        }
    }
}

/// Retell's own filters, beyond the common query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetellFilters {
    /// One agent's calls (also `--agent`).
    pub agent_id: Option<String>,
    /// Only these `call_status` values (`ended`, `not_connected`, `error`,
    /// `ongoing`, `registered`; comma-separated).
    pub call_status: Vec<String>,
    /// `phone_call` or `web_call`.
    pub call_type: Option<String>,
}

const STATUSES: &[&str] = &["registered", "not_connected", "ongoing", "ended", "error"];

/// Reads `--filter KEY=VALUE` pairs: `agent_id`, `call_status` (comma-separated), `call_type`.
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<RetellFilters>()
        .cloned()
        .unwrap_or_default();
    for (k, v) in pairs {
        let v = v.trim().to_string();
        if v.is_empty() {
            return Err(format!("{k} needs a value"));
        }
        match k.as_str() {
            "agent_id" => f.agent_id = Some(v),
            "call_status" => {
                for s in v.split(',').map(str::trim) {
                    if !STATUSES.contains(&s) {
                        return Err(format!(
                            "call_status {s:?} is not one of {}",
                            STATUSES.join(", ")
                        ));
                    }
                    f.call_status.push(s.to_string());
                }
            }
            "call_type" => match v.as_str() {
                "phone_call" | "web_call" => f.call_type = Some(v),
                _ => return Err(format!("call_type {v:?} is not phone_call or web_call")),
            },
            other => {
                return Err(format!(
                    "retell has no filter {other:?} (it has agent_id, call_status, call_type)"
                ));
            }
        }
    }
    q.extensions.insert(f);
    Ok(())
}
