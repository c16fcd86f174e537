//! `CallQuery` -> Vapi's query parameters.

use calllogs_core::{CallQuery, PageToken};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// The query string of one page. The first page asks for calls created
/// before the window's end (`createdAtLt`); each next one for those
/// created at or before the time cursor (`createdAtLe`), whose ids already
/// emitted the engine drops. A sync of what changed adds `updatedAtGe`
/// (vapi-server-sdk's `calls.list(updated_at_ge=…)`).
#[derive(Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Params {
    pub limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at_ge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at_lt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at_le: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at_ge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Params {
    /// The parameters of the page `token` asks for.
    pub fn new(q: &CallQuery, token: &PageToken) -> Self {
        let own = q.get_extension::<VapiFilters>();
        let (lt, le) = match token {
            PageToken::Before(c) => (None, Some(time(c.at))),
            _ => (q.until.map(time), None),
        };
        Params {
            limit: q.page_size.unwrap_or(1000).clamp(1, 1000),
            created_at_ge: q.since.map(time),
            created_at_lt: lt,
            created_at_le: le,
            updated_at_ge: q.updated_since.map(time),
            assistant_id: own.and_then(|f| f.assistant_id.clone()).or(q.agent.clone()),
            phone_number_id: own.and_then(|f| f.phone_number_id.clone()),
        }
    }
}

/// Vapi's own filters, beyond the common query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VapiFilters {
    /// `assistantId`: one assistant's calls (also `--agent`).
    pub assistant_id: Option<String>,
    /// `phoneNumberId`: the calls of one of the account's numbers.
    pub phone_number_id: Option<String>,
}

/// Reads `--filter KEY=VALUE` pairs: `assistantId`, `phoneNumberId`.
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<VapiFilters>()
        .cloned()
        .unwrap_or_default();
    for (k, v) in pairs {
        let v = v.trim().to_string();
        if v.is_empty() {
            return Err(format!("{k} needs a value"));
        }
        match k.as_str() {
            "assistantId" | "assistant_id" => f.assistant_id = Some(v),
            "phoneNumberId" | "phone_number_id" => f.phone_number_id = Some(v),
            other => {
                return Err(format!(
                    "vapi has no filter {other:?} (it has assistantId, phoneNumberId)"
                ));
            }
        }
    }
    q.extensions.insert(f);
    Ok(())
}
