//! `CallQuery` -> Telnyx's query parameters.

use calllogs_core::CallQuery;
use serde::Serialize;

/// The query string of one page: the record type, the start-time range
/// (`filter[started_at][gte]` / `[lt]`, absolute ISO 8601: call-control and
/// SIP-trunking records have `started_at` and no `created_at`, and Telnyx
/// refuses a filter or sort on a field the record type lacks, as its
/// official SDK documents), ascending by start (`sort=started_at`: new
/// records land after the window) and the page (`page[number]`,
/// `page[size]`).
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    #[serde(rename = "filter[record_type]")]
    pub record_type: String,
    #[serde(
        rename = "filter[started_at][gte]",
        skip_serializing_if = "Option::is_none"
    )]
    pub since: Option<String>,
    #[serde(
        rename = "filter[started_at][lt]",
        skip_serializing_if = "Option::is_none"
    )]
    pub until: Option<String>,
    #[serde(rename = "filter[direction]", skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    pub sort: &'static str,
    #[serde(rename = "page[number]")]
    pub page: u32,
    #[serde(rename = "page[size]")]
    pub size: u32,
}

impl Params {
    /// The parameters of page `page` of a resolved window.
    pub fn new(q: &CallQuery, page: u32, record_type: &str) -> Self {
        let iso = |t: chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        Params {
            record_type: record_type.to_string(),
            since: q.since.map(iso),
            until: q.until.map(iso),
            direction: match q.direction {
                Some(calllogs_core::Direction::Inbound) => Some("inbound"),
                Some(calllogs_core::Direction::Outbound) => Some("outbound"),
                _ => None,
            },
            sort: "started_at",
            page: page.max(1),
            size: q
                .page_size
                .unwrap_or(crate::MAX_PAGE)
                .clamp(1, crate::MAX_PAGE),
        }
    }
}

/// Reads `--filter KEY=VALUE` pairs: none of Telnyx's own yet (the record
/// type is the account's `record_type` option; `--direction` is sent).
pub fn apply_filters(_q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    match pairs.first() {
        Some((k, _)) => Err(format!(
            "telnyx has no filter {k:?} (the record type is the option record_type; --direction is sent, --status, --from and --to apply to the normalized calls)"
        )),
        None => Ok(()),
    }
}
