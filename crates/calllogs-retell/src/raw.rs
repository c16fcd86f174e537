//! Retell's wire format, read leniently: every field of a call optional, a
//! wrongly typed field `None`, never an error; the envelope strictly.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// `POST /v3/list-calls`: `{"items": [...], "has_more": true,
/// "pagination_key": "…", "total": N}` (`total` only when asked).
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// The calls, borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub items: Option<Vec<&'a RawValue>>,
    /// Whether another page follows.
    #[serde(default, deserialize_with = "de::boolean")]
    pub has_more: Option<bool>,
    /// The opaque cursor of the next page.
    #[serde(default, deserialize_with = "de::string")]
    pub pagination_key: Option<String>,
    /// Calls matching the query (with `include_total`).
    #[serde(default, deserialize_with = "de::int")]
    pub total: Option<i64>,
}

/// `call_cost`: every amount in cents.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallCost<'a> {
    /// The sum of the product costs, in cents (a float on the wire: kept
    /// as its exact text, borrowed).
    #[serde(borrow)]
    pub combined_cost: Option<&'a RawValue>,
}

/// One utterance of `transcript_object`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Utterance {
    /// `agent`, `user`, `transfer_target`.
    #[serde(deserialize_with = "de::string")]
    pub role: Option<String>,
    /// What was said.
    #[serde(deserialize_with = "de::string")]
    pub content: Option<String>,
    /// Its words, with their seconds into the recording.
    #[serde(deserialize_with = "de::vec")]
    pub words: Vec<Word>,
}

/// One word of an utterance.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Word {
    /// Seconds from the start of the recording.
    pub start: Option<f64>,
}

/// One call (a v3 list item, or `GET /v2/get-call/{id}`, which adds the
/// transcript).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall<'a> {
    #[serde(deserialize_with = "de::string")]
    pub call_id: Option<String>,
    /// `phone_call` or `web_call`.
    #[serde(deserialize_with = "de::string")]
    pub call_type: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub agent_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub agent_name: Option<String>,
    /// `registered`, `not_connected`, `ongoing`, `ended`, `error`.
    #[serde(deserialize_with = "de::string")]
    pub call_status: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub direction: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub from_number: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub to_number: Option<String>,
    /// Epoch milliseconds.
    #[serde(deserialize_with = "de::int")]
    pub start_timestamp: Option<i64>,
    /// Epoch milliseconds.
    #[serde(deserialize_with = "de::int")]
    pub end_timestamp: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub duration_ms: Option<i64>,
    #[serde(deserialize_with = "de::string")]
    pub disconnection_reason: Option<String>,
    #[serde(borrow, deserialize_with = "de::object")]
    pub call_cost: Option<CallCost<'a>>,
    /// `call_summary`, `call_successful`, `user_sentiment`,
    /// `in_voicemail`, `custom_analysis_data`: kept as given.
    pub call_analysis: Option<Value>,
    /// The whole conversation as one text (get-call only).
    #[serde(deserialize_with = "de::string")]
    pub transcript: Option<String>,
    /// Utterances (get-call only).
    #[serde(deserialize_with = "de::vec")]
    pub transcript_object: Vec<Utterance>,
    #[serde(deserialize_with = "de::string")]
    pub recording_url: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub recording_multi_channel_url: Option<String>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test, and against retell-sdk's models by the SDK
/// conformance test.
pub(crate) const READS: &[&str] = &[
    "call_id",
    "call_type",
    "agent_id",
    "agent_name",
    "call_status",
    "direction",
    "from_number",
    "to_number",
    "start_timestamp",
    "end_timestamp",
    "duration_ms",
    "disconnection_reason",
    "call_cost.combined_cost",
    "call_analysis",
    "transcript",
    "transcript_object[].role",
    "transcript_object[].content",
    "transcript_object[].words[].start",
    "recording_url",
    "recording_multi_channel_url",
];
