//! `CallQuery` -> Vonage's query parameters.

use calllogs_core::CallQuery;
use serde::Serialize;

/// The query string of one page: the range (`date_start`/`date_end`, ISO
/// 8601; whether they are inclusive is not documented, so the engine trims
/// to the exact window by start), oldest first (`order=asc`: new legs land
/// after the window), `record_index` (the offset) and `page_size` (100 at
/// most).
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_end: Option<String>,
    pub order: &'static str,
    pub record_index: u64,
    pub page_size: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_uuid: Option<String>,
}

impl Params {
    /// The parameters of the page at `offset` of a resolved window.
    pub fn new(q: &CallQuery, offset: u64) -> Self {
        let iso =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Params {
            // Whole seconds: the start rounded down, the end up (the engine
            // keeps exactly the window).
            date_start: q.since.map(iso),
            date_end: q
                .until
                .map(|u| iso(u + chrono::Duration::nanoseconds(999_999_999))),
            order: "asc",
            record_index: offset,
            page_size: q
                .page_size
                .unwrap_or(crate::MAX_PAGE)
                .clamp(1, crate::MAX_PAGE),
            conversation_uuid: q
                .get_extension::<VonageFilters>()
                .and_then(|f| f.conversation_uuid.clone()),
        }
    }
}

/// Vonage's own filters, beyond the common query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VonageFilters {
    /// `conversation_uuid`: the legs of one conversation.
    pub conversation_uuid: Option<String>,
}

/// Reads `--filter KEY=VALUE` pairs: `conversation_uuid` (the legs of one
/// conversation).
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<VonageFilters>()
        .cloned()
        .unwrap_or_default();
    for (k, v) in pairs {
        let v = v.trim().to_string();
        match k.as_str() {
            "conversation_uuid" if !v.is_empty() => f.conversation_uuid = Some(v),
            "conversation_uuid" => return Err("conversation_uuid needs a value".into()),
            _ => {
                return Err(format!(
                    "vonage has no filter {k:?} (it has conversation_uuid; --direction, --status, --from and --to apply to the normalized calls)"
                ));
            }
        }
    }
    q.extensions.insert(f);
    Ok(())
}
