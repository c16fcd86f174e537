//! Bland's wire format, read leniently: every field of a call optional, a
//! wrongly typed field `None`, never an error; the envelope strictly. One
//! struct reads both the list's items and `GET /v1/calls/{id}`'s detail.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// `GET /v1/calls`: `{"count": N, "calls": [...]}`.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// The calls, borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub calls: Option<Vec<&'a RawValue>>,
    /// Calls matching the query.
    #[serde(default, deserialize_with = "de::int")]
    pub count: Option<i64>,
}

/// One transcript line.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Line {
    #[serde(deserialize_with = "de::string")]
    pub text: Option<String>,
    /// `user`, `assistant`, `robot`, `agent-action`.
    #[serde(deserialize_with = "de::string")]
    pub user: Option<String>,
    #[serde(deserialize_with = "de::timestamp")]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One call.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall<'a> {
    #[serde(deserialize_with = "de::string")]
    pub call_id: Option<String>,
    /// The id of the detail, where the list item lacks `call_id`.
    #[serde(deserialize_with = "de::string")]
    pub c_id: Option<String>,
    #[serde(deserialize_with = "de::timestamp")]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub end_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Minutes, as a float: kept as its exact text, borrowed.
    #[serde(borrow)]
    pub call_length: Option<&'a RawValue>,
    /// Seconds (a string or a number).
    #[serde(deserialize_with = "de::string")]
    pub corrected_duration: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub to: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub from: Option<String>,
    #[serde(deserialize_with = "de::boolean")]
    pub inbound: Option<bool>,
    #[serde(deserialize_with = "de::boolean")]
    pub completed: Option<bool>,
    #[serde(deserialize_with = "de::string")]
    pub queue_status: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub error_message: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub answered_by: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_ended_by: Option<String>,
    /// USD, as a float: kept as its exact text, borrowed.
    #[serde(borrow)]
    pub price: Option<&'a RawValue>,
    #[serde(deserialize_with = "de::string")]
    pub batch_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub pathway_id: Option<String>,
    #[serde(deserialize_with = "de::vec")]
    pub transcripts: Vec<Line>,
    #[serde(deserialize_with = "de::string")]
    pub concatenated_transcript: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub summary: Option<String>,
    pub variables: Option<Value>,
    #[serde(deserialize_with = "de::string")]
    pub recording_url: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub transferred_to: Option<String>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test.
pub(crate) const READS: &[&str] = &[
    "call_id",
    "c_id",
    "created_at",
    "started_at",
    "end_at",
    "call_length",
    "corrected_duration",
    "to",
    "from",
    "inbound",
    "completed",
    "queue_status",
    "status",
    "error_message",
    "answered_by",
    "call_ended_by",
    "price",
    "batch_id",
    "pathway_id",
    "transcripts[].text",
    "transcripts[].user",
    "transcripts[].created_at",
    "concatenated_transcript",
    "summary",
    "variables",
    "recording_url",
    "transferred_to",
];
