//! Telnyx's wire format, read leniently: the voice record has no schema in
//! Telnyx's OpenAPI document, so every field is optional, a wrongly typed
//! field is `None`, and each name is one observed in Telnyx's own examples
//! or public clients (the crate docs list them); the envelope strictly.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::value::RawValue;

/// `GET /v2/detail_records`: `{"data": [...], "meta": {...}}`.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// The records, borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub data: Option<Vec<&'a RawValue>>,
    /// The paging metadata.
    #[serde(default, deserialize_with = "de::object")]
    pub meta: Option<Meta>,
}

/// `meta`: the page number and the number of pages (the official SDK's
/// model); `total_results` where a response has it (the API reference
/// shows it; the SDK's model does not).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Meta {
    #[serde(deserialize_with = "de::int")]
    pub total_results: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub total_pages: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub page_number: Option<i64>,
}

/// One voice detail record (call-control, SIP trunking or WebRTC).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall<'a> {
    /// The record's own id.
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    /// The leg id, which the `call.hangup` webhook carries too.
    #[serde(deserialize_with = "de::string")]
    pub call_leg_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub telnyx_leg_id: Option<String>,
    /// The session that groups the legs of one call.
    #[serde(deserialize_with = "de::string")]
    pub call_session_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub session_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub record_type: Option<String>,
    /// The calling number.
    #[serde(deserialize_with = "de::string")]
    pub cli: Option<String>,
    /// The called number.
    #[serde(deserialize_with = "de::string")]
    pub cld: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub direction: Option<String>,
    #[serde(deserialize_with = "de::timestamp")]
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Connected (talk) seconds; 0 when the call was not answered.
    #[serde(deserialize_with = "de::int")]
    pub call_sec: Option<i64>,
    /// Seconds billed (rounded up to the billing increment).
    #[serde(deserialize_with = "de::int")]
    pub billed_sec: Option<i64>,
    /// A decimal string, kept exactly, borrowed.
    #[serde(borrow)]
    pub cost: Option<&'a RawValue>,
    #[serde(deserialize_with = "de::string")]
    pub currency: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub hangup_cause: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub hangup_source: Option<String>,
    /// The SIP response code, as a string (`"486"`), or `unspecified`.
    #[serde(deserialize_with = "de::string")]
    pub sip_hangup_cause: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub connection_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub connection_name: Option<String>,
    /// Comma-separated.
    #[serde(deserialize_with = "de::string")]
    pub tags: Option<String>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`).
pub(crate) const READS: &[&str] = &[
    "id",
    "call_leg_id",
    "telnyx_leg_id",
    "call_session_id",
    "session_id",
    "record_type",
    "cli",
    "cld",
    "direction",
    "started_at",
    "answered_at",
    "finished_at",
    "created_at",
    "call_sec",
    "billed_sec",
    "cost",
    "currency",
    "hangup_cause",
    "hangup_source",
    "sip_hangup_cause",
    "connection_id",
    "connection_name",
    "tags",
];
