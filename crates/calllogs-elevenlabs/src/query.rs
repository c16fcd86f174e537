//! `CallQuery` -> ElevenLabs' query parameters.

use calllogs_core::{CallQuery, PageToken};
use serde::Serialize;

/// The query string of one list page: the window in unix seconds (its
/// start rounded down, its end up, so the whole window is asked for; the
/// engine keeps exactly the window), the agent, the page size and the
/// cursor.
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub page_size: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_start_after_unix: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_start_before_unix: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

impl Params {
    /// The parameters of the page `token` asks for, of a resolved window.
    pub fn new(q: &CallQuery, token: &PageToken) -> Self {
        let own = q.get_extension::<ElevenlabsFilters>();
        Params {
            page_size: q
                .page_size
                .unwrap_or(crate::MAX_PAGE)
                .clamp(1, crate::MAX_PAGE),
            cursor: match token {
                PageToken::Cursor(c) => Some(c.clone()),
                _ => None,
            },
            // Whether "after" and "before" include their second is not
            // documented: one second wider on each side, trimmed by the engine.
            call_start_after_unix: q.since.map(|t| t.timestamp() - 1),
            call_start_before_unix: q
                .until
                .map(|t| t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0) + 1),
            agent_id: own
                .and_then(|f| f.agent_id.clone())
                .or_else(|| q.agent.clone()),
        }
    }
}

/// ElevenLabs' own filters, beyond the common query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ElevenlabsFilters {
    /// One agent's conversations (also `--agent`).
    pub agent_id: Option<String>,
}

/// Reads `--filter KEY=VALUE` pairs: `agent_id`.
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<ElevenlabsFilters>()
        .cloned()
        .unwrap_or_default();
    for (k, v) in pairs {
        let v = v.trim().to_string();
        if v.is_empty() {
            return Err(format!("{k} needs a value"));
        }
        match k.as_str() {
            "agent_id" => f.agent_id = Some(v),
            other => {
                return Err(format!(
                    "elevenlabs has no filter {other:?} (it has agent_id)"
                ));
            }
        }
    }
    q.extensions.insert(f);
    Ok(())
}
