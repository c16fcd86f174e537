//! ElevenLabs' wire format, read leniently: every field of a conversation
//! optional, a wrongly typed field `None`, never an error; the envelope
//! strictly. One struct reads both shapes: the list's summary and the
//! one-conversation detail (whose times and money are under `metadata`).

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// `GET /v1/convai/conversations`: `{"conversations": [...],
/// "next_cursor": "…" | null, "has_more": true}`.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// The conversation summaries, borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub conversations: Option<Vec<&'a RawValue>>,
    /// The cursor of the next page.
    #[serde(default, deserialize_with = "de::string")]
    pub next_cursor: Option<String>,
    /// Whether another page follows.
    #[serde(default, deserialize_with = "de::boolean")]
    pub has_more: Option<bool>,
}

/// `metadata.phone_call` (discriminated by `type`: `twilio`,
/// `sip_trunking`, `exotel`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PhoneCall {
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub direction: Option<String>,
    /// The agent's own number: the account's line.
    #[serde(deserialize_with = "de::string")]
    pub agent_number: Option<String>,
    /// The other party: the customer.
    #[serde(deserialize_with = "de::string")]
    pub external_number: Option<String>,
    /// The carrier's call id (Twilio's `CA…`, the SIP trunk's).
    #[serde(deserialize_with = "de::string")]
    pub call_sid: Option<String>,
}

/// `metadata.error`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorInfo {
    #[serde(deserialize_with = "de::string")]
    pub reason: Option<String>,
}

/// `metadata` of the detail.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Metadata<'a> {
    #[serde(deserialize_with = "de::int")]
    pub start_time_unix_secs: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub accepted_time_unix_secs: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub call_duration_secs: Option<i64>,
    /// Credits (characters), not money.
    #[serde(deserialize_with = "de::int")]
    pub cost: Option<i64>,
    /// The money, in USD: kept as its exact text, borrowed.
    #[serde(borrow)]
    pub cost_fiat: Option<&'a RawValue>,
    /// Free text, not an enum.
    #[serde(deserialize_with = "de::string")]
    pub termination_reason: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub error: Option<ErrorInfo>,
    #[serde(deserialize_with = "de::object")]
    pub phone_call: Option<PhoneCall>,
}

/// One transcript turn.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Turn {
    /// `agent` or `user`.
    #[serde(deserialize_with = "de::string")]
    pub role: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub message: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub time_in_call_secs: Option<i64>,
}

/// One conversation: a list summary or a detail.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawConversation<'a> {
    #[serde(deserialize_with = "de::string")]
    pub conversation_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub agent_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub agent_name: Option<String>,
    /// `initiated`, `in-progress`, `processing`, `done`, `failed`.
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    // The list summary's own fields.
    #[serde(deserialize_with = "de::int")]
    pub start_time_unix_secs: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub call_duration_secs: Option<i64>,
    #[serde(deserialize_with = "de::string")]
    pub termination_reason: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub direction: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_successful: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub transcript_summary: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_summary_title: Option<String>,
    // The detail's.
    #[serde(borrow, deserialize_with = "de::object")]
    pub metadata: Option<Metadata<'a>>,
    #[serde(deserialize_with = "de::vec")]
    pub transcript: Vec<Turn>,
    /// `call_successful`, `transcript_summary`, evaluation and
    /// data-collection results: kept as given.
    pub analysis: Option<Value>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test, and against the elevenlabs SDK's models by the
/// SDK conformance test.
pub(crate) const READS: &[&str] = &[
    "conversation_id",
    "agent_id",
    "agent_name",
    "status",
    "start_time_unix_secs",
    "call_duration_secs",
    "termination_reason",
    "direction",
    "call_successful",
    "transcript_summary",
    "call_summary_title",
    "metadata.start_time_unix_secs",
    "metadata.accepted_time_unix_secs",
    "metadata.call_duration_secs",
    "metadata.cost",
    "metadata.cost_fiat",
    "metadata.termination_reason",
    "metadata.error.reason",
    "metadata.phone_call.type",
    "metadata.phone_call.direction",
    "metadata.phone_call.agent_number",
    "metadata.phone_call.external_number",
    "metadata.phone_call.call_sid",
    "transcript[].role",
    "transcript[].message",
    "transcript[].time_in_call_secs",
    "analysis",
];
