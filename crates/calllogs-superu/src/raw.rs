//! SuperU's wire format, read leniently. The call object follows Vapi's
//! call object (camelCase), which SuperU appears to wrap; the fields the
//! public excerpt does not show are read under their likely names (serde
//! aliases), and every record is kept whole as `raw`.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// `{"success": true, "data": {"calls": [...], "total": N}}`.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    /// `false` on an error reported inside a 2xx.
    #[serde(default, deserialize_with = "de::boolean")]
    pub success: Option<bool>,
    /// The error message, when `success` is false.
    #[serde(default, alias = "error", deserialize_with = "de::string")]
    pub message: Option<String>,
    /// The payload.
    #[serde(default, borrow)]
    pub data: Option<Data<'a>>,
}

/// `data` of the envelope.
#[derive(Debug, Deserialize)]
pub struct Data<'a> {
    /// The calls, borrowed from the body, so each maps (and keeps its exact `cost`) on its own.
    #[serde(
        default,
        alias = "call_logs",
        alias = "logs",
        borrow,
        deserialize_with = "de::records"
    )]
    pub calls: Option<Vec<&'a RawValue>>,
    /// Calls matching the query, where given.
    #[serde(
        default,
        alias = "count",
        alias = "totalCount",
        deserialize_with = "de::int"
    )]
    pub total: Option<i64>,
}

/// A phone party (`customer`, `phoneNumber`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Party {
    #[serde(
        deserialize_with = "de::string",
        alias = "phoneNumber",
        alias = "phone_number"
    )]
    pub number: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
}

/// A nested assistant object, where the API inlines one.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Assistant {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
}

/// `artifact`, where Vapi puts recordings.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Artifact {
    #[serde(deserialize_with = "de::string", alias = "recording_url")]
    pub recording_url: Option<String>,
    #[serde(deserialize_with = "de::string", alias = "stereo_recording_url")]
    pub stereo_recording_url: Option<String>,
}

/// One call.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawCall<'a> {
    #[serde(
        deserialize_with = "de::string",
        alias = "call_id",
        alias = "callId",
        alias = "call_uuid"
    )]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string", alias = "assistant_id")]
    pub assistant_id: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub assistant: Option<Assistant>,
    /// `inboundPhoneCall`, `outboundPhoneCall`, `webCall`, or a plain direction.
    #[serde(
        rename = "type",
        alias = "call_type",
        alias = "direction",
        deserialize_with = "de::string"
    )]
    pub kind: Option<String>,
    /// Kept as written: a JSON number's exact text, borrowed.
    #[serde(borrow)]
    pub cost: Option<&'a RawValue>,
    #[serde(deserialize_with = "de::string", alias = "ended_reason")]
    pub ended_reason: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::timestamp", alias = "started_at")]
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp", alias = "ended_at")]
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp", alias = "created_at")]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(
        deserialize_with = "de::int",
        alias = "duration",
        alias = "duration_seconds"
    )]
    pub duration_seconds: Option<i64>,
    /// An array of messages, or one string.
    #[serde(deserialize_with = "transcript")]
    pub transcript: Option<Transcript>,
    /// Vapi's `messages`, used when `transcript` is absent.
    #[serde(deserialize_with = "transcript")]
    pub messages: Option<Transcript>,
    #[serde(deserialize_with = "de::string", alias = "recording_url")]
    pub recording_url: Option<String>,
    #[serde(deserialize_with = "de::string", alias = "stereo_recording_url")]
    pub stereo_recording_url: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub artifact: Option<Artifact>,
    /// AI analysis: summary, sentiment, outcome, structured data, …
    pub analysis: Option<Value>,
    #[serde(deserialize_with = "de::string")]
    pub summary: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub customer: Option<Party>,
    #[serde(deserialize_with = "de::object", alias = "phone_number")]
    pub phone_number: Option<Party>,
    #[serde(
        deserialize_with = "de::string",
        alias = "customer_number",
        alias = "to_number"
    )]
    pub customer_number: Option<String>,
    #[serde(deserialize_with = "de::string", alias = "from_number")]
    pub from_number: Option<String>,
    #[serde(deserialize_with = "de::string", alias = "campaign_id")]
    pub campaign_id: Option<String>,
    #[serde(deserialize_with = "de::string", alias = "campaign_name")]
    pub campaign_name: Option<String>,
}

/// A transcript: one string, or messages.
#[derive(Debug)]
pub enum Transcript {
    /// The whole conversation as one text.
    Text(String),
    /// Messages, in order.
    Messages(Vec<Message>),
}

/// One message of a transcript.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Message {
    #[serde(deserialize_with = "de::string", alias = "speaker")]
    pub role: Option<String>,
    #[serde(deserialize_with = "de::string", alias = "message", alias = "text")]
    pub content: Option<String>,
    /// An ISO time, or Vapi's epoch milliseconds.
    #[serde(
        deserialize_with = "at",
        alias = "createdAt",
        alias = "time",
        alias = "timestamp"
    )]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn at<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
    Ok(match de::Scalar::deserialize(d)? {
        de::Scalar::Str(s) => calllogs_core::parse::timestamp(&s),
        n => n.int().and_then(chrono::DateTime::from_timestamp_millis),
    })
}

fn transcript<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Transcript>, D::Error> {
    let raw = <&RawValue>::deserialize(d)?;
    let text = raw.get();
    Ok(if text.starts_with('[') {
        let messages: Vec<de::Maybe<Message>> = serde_json::from_str(text).unwrap_or_default();
        Some(Transcript::Messages(
            messages.into_iter().filter_map(|m| m.0).collect(),
        ))
    } else if text.starts_with('"') {
        serde_json::from_str::<String>(text)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .map(Transcript::Text)
    } else {
        None
    })
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test, and against the official SDK's model where there is one.
pub(crate) const READS: &[&str] = &[
    "id",
    "call_id",
    "callId",
    "call_uuid",
    "assistantId",
    "assistant_id",
    "assistant",
    "type",
    "call_type",
    "direction",
    "cost",
    "endedReason",
    "ended_reason",
    "status",
    "startedAt",
    "started_at",
    "endedAt",
    "ended_at",
    "createdAt",
    "created_at",
    "durationSeconds",
    "duration",
    "duration_seconds",
    "transcript",
    "messages",
    "recordingUrl",
    "recording_url",
    "stereoRecordingUrl",
    "stereo_recording_url",
    "artifact.recordingUrl",
    "artifact.recording_url",
    "artifact.stereoRecordingUrl",
    "artifact.stereo_recording_url",
    "analysis",
    "summary",
    "customer",
    "phoneNumber",
    "phone_number",
    "customerNumber",
    "customer_number",
    "to_number",
    "fromNumber",
    "from_number",
    "campaignId",
    "campaign_id",
    "campaignName",
    "campaign_name",
];
