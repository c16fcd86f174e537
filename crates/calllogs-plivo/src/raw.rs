//! Plivo's wire format (List all calls), read leniently: every field of a
//! call is optional and a wrongly typed field is `None`, never an error.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The list response: `{"api_id", "meta": {…}, "objects": [...]}`.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// Paging information.
    #[serde(default)]
    pub meta: Meta,
    /// The call records, borrowed from the body, so each is mapped (and
    /// kept as `raw`) on its own. Required: `None` (missing or null) makes
    /// the body a decode error, never an empty page.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub objects: Option<Vec<&'a RawValue>>,
}

/// `meta` of a list response.
#[derive(Debug, Default, Deserialize)]
pub struct Meta {
    /// Records matching the query.
    #[serde(default, deserialize_with = "de::int")]
    pub total_count: Option<i64>,
    /// The next page's path, null on the last.
    #[serde(default, deserialize_with = "de::string")]
    pub next: Option<String>,
}

/// One call record.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall {
    #[serde(deserialize_with = "de::string")]
    pub call_uuid: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub parent_call_uuid: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_direction: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub from_number: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub to_number: Option<String>,
    #[serde(deserialize_with = "de::timestamp")]
    pub initiation_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub answer_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub end_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::int")]
    pub call_duration: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub bill_duration: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub billed_duration: Option<i64>,
    #[serde(deserialize_with = "de::string")]
    pub total_amount: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_state: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub hangup_cause_code: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub hangup_cause_name: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub hangup_source: Option<String>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test, and against the official SDK's model where there is one.
pub(crate) const READS: &[&str] = &[
    "call_uuid",
    "parent_call_uuid",
    "call_direction",
    "from_number",
    "to_number",
    "initiation_time",
    "answer_time",
    "end_time",
    "call_duration",
    "bill_duration",
    "billed_duration",
    "total_amount",
    "call_state",
    "hangup_cause_code",
    "hangup_cause_name",
    "hangup_source",
];
