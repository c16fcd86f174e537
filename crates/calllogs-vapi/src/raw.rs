//! Vapi's wire format, read leniently: every field optional, a wrongly
//! typed field `None`, never an error. The list itself is a bare JSON array
//! (no envelope, no total, no next link).

use calllogs_core::parse::de;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// One call object (camelCase).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawCall<'a> {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    /// `inboundPhoneCall`, `outboundPhoneCall`, `webCall`.
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub kind: Option<String>,
    /// `scheduled`, `queued`, `ringing`, `in-progress`, `forwarding`, `ended`.
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub ended_reason: Option<String>,
    /// What the list is sorted and paged by.
    #[serde(deserialize_with = "de::timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub ended_at: Option<DateTime<Utc>>,
    /// USD, as the JSON wrote it (kept exact).
    #[serde(borrow)]
    pub cost: Option<&'a RawValue>,
    pub cost_breakdown: Option<Value>,
    pub analysis: Option<Value>,
    #[serde(deserialize_with = "de::object")]
    pub artifact: Option<Artifact>,
    /// Older calls carry the messages at the top level.
    #[serde(deserialize_with = "de::vec")]
    pub messages: Vec<Message>,
    /// The customer: `number` (E.164), `sipUri`, `name`.
    #[serde(deserialize_with = "de::object")]
    pub customer: Option<Customer>,
    /// A saved customer, by id (with `customer` or instead of it).
    #[serde(deserialize_with = "de::string")]
    pub customer_id: Option<String>,
    /// A transient number of the account's own (the SDK's
    /// `TransientTwilioPhoneNumber`): its digits are `twilioPhoneNumber`.
    /// A saved number is only `phoneNumberId`.
    #[serde(deserialize_with = "de::object")]
    pub phone_number: Option<PhoneNumber>,
    #[serde(deserialize_with = "de::string")]
    pub phone_number_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub campaign_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub assistant_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub squad_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
}

/// What a call left behind.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Artifact {
    /// The whole conversation as text (`AI: …\nUser: …`).
    #[serde(deserialize_with = "de::string")]
    pub transcript: Option<String>,
    #[serde(deserialize_with = "de::vec")]
    pub messages: Vec<Message>,
    #[serde(deserialize_with = "de::string")]
    pub recording_url: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub stereo_recording_url: Option<String>,
}

/// One message of the conversation.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Message {
    /// `system`, `bot`/`assistant`, `user`, `tool_calls`, `tool_call_result`.
    #[serde(deserialize_with = "de::string")]
    pub role: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub message: Option<String>,
    /// Epoch milliseconds.
    #[serde(deserialize_with = "de::int")]
    pub time: Option<i64>,
}

/// The customer (the SDK's `CreateCustomerDto`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Customer {
    #[serde(deserialize_with = "de::string")]
    pub number: Option<String>,
    /// A SIP address, for a customer reached over SIP.
    #[serde(deserialize_with = "de::string")]
    pub sip_uri: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
}

/// The account's own transient number.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PhoneNumber {
    #[serde(deserialize_with = "de::string")]
    pub twilio_phone_number: Option<String>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test, and against the official SDK's model where there is one.
pub(crate) const READS: &[&str] = &[
    "id",
    "type",
    "status",
    "endedReason",
    "createdAt",
    "startedAt",
    "endedAt",
    "cost",
    "costBreakdown",
    "analysis",
    "artifact.transcript",
    "artifact.messages[].role",
    "artifact.messages[].message",
    "artifact.messages[].time",
    "artifact.recordingUrl",
    "artifact.stereoRecordingUrl",
    "messages[].role",
    "messages[].message",
    "messages[].time",
    "customer.number",
    "customer.sipUri",
    "customer.name",
    "customerId",
    "phoneNumber.twilioPhoneNumber",
    "campaignId",
    "assistantId",
    "squadId",
    "name",
];
