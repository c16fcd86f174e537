//! SuperU's wire format, read leniently. The call object follows Vapi's
//! call object (camelCase), which SuperU appears to wrap; the fields the
//! public excerpt does not show are read under their likely names (each
//! spelling a field of its own, the first present taken: a record with two
//! spellings of one field is read, not refused), and every record is kept
//! whole as `raw`.

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

/// The first spelling present of one field: each spelling is a field of
/// its own (not a serde alias), so a record that holds two spellings of
/// one field is read, not refused as a duplicate; the canonical spelling
/// (listed first) wins.
pub fn first<T: Clone>(spellings: &[&Option<T>]) -> Option<T> {
    spellings.iter().find_map(|s| (*s).clone())
}

/// A phone party (`customer`, `phoneNumber`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Party {
    #[serde(deserialize_with = "de::string")]
    pub number: Option<String>,
    #[serde(rename = "phoneNumber", deserialize_with = "de::string")]
    pub phone_number_camel: Option<String>,
    #[serde(rename = "phone_number", deserialize_with = "de::string")]
    pub phone_number: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
}

impl Party {
    /// The number, under whichever name it came.
    pub fn number(&self) -> Option<String> {
        first(&[&self.number, &self.phone_number_camel, &self.phone_number])
    }
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
#[serde(default)]
pub struct Artifact {
    #[serde(rename = "recordingUrl", deserialize_with = "de::string")]
    pub recording_url_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub recording_url: Option<String>,
    #[serde(rename = "stereoRecordingUrl", deserialize_with = "de::string")]
    pub stereo_recording_url_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub stereo_recording_url: Option<String>,
}

/// One call. Every spelling is a field of its own (see [`first`]); the
/// accessors in `map.rs` pick among them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall<'a> {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_id: Option<String>,
    #[serde(rename = "callId", deserialize_with = "de::string")]
    pub call_id_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_uuid: Option<String>,
    #[serde(rename = "assistantId", deserialize_with = "de::string")]
    pub assistant_id_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub assistant_id: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub assistant: Option<Assistant>,
    /// `inboundPhoneCall`, `outboundPhoneCall`, `webCall`, or a plain direction.
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_type: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub direction: Option<String>,
    /// Kept as written: a JSON number's exact text, borrowed.
    #[serde(borrow)]
    pub cost: Option<&'a RawValue>,
    #[serde(rename = "endedReason", deserialize_with = "de::string")]
    pub ended_reason_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub ended_reason: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(rename = "startedAt", deserialize_with = "de::timestamp")]
    pub started_at_camel: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "endedAt", deserialize_with = "de::timestamp")]
    pub ended_at_camel: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "createdAt", deserialize_with = "de::timestamp")]
    pub created_at_camel: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "durationSeconds", deserialize_with = "de::int")]
    pub duration_seconds_camel: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub duration: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub duration_seconds: Option<i64>,
    /// An array of messages, or one string.
    #[serde(deserialize_with = "transcript")]
    pub transcript: Option<Transcript>,
    /// Vapi's `messages`, used when `transcript` is absent.
    #[serde(deserialize_with = "transcript")]
    pub messages: Option<Transcript>,
    #[serde(rename = "recordingUrl", deserialize_with = "de::string")]
    pub recording_url_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub recording_url: Option<String>,
    #[serde(rename = "stereoRecordingUrl", deserialize_with = "de::string")]
    pub stereo_recording_url_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub stereo_recording_url: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub artifact: Option<Artifact>,
    /// AI analysis: summary, sentiment, outcome, structured data, …
    pub analysis: Option<Value>,
    #[serde(deserialize_with = "de::string")]
    pub summary: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub customer: Option<Party>,
    #[serde(rename = "phoneNumber", deserialize_with = "de::object")]
    pub phone_number_camel: Option<Party>,
    #[serde(deserialize_with = "de::object")]
    pub phone_number: Option<Party>,
    #[serde(rename = "customerNumber", deserialize_with = "de::string")]
    pub customer_number_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub customer_number: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub to_number: Option<String>,
    #[serde(rename = "fromNumber", deserialize_with = "de::string")]
    pub from_number_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub from_number: Option<String>,
    #[serde(rename = "campaignId", deserialize_with = "de::string")]
    pub campaign_id_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub campaign_id: Option<String>,
    #[serde(rename = "campaignName", deserialize_with = "de::string")]
    pub campaign_name_camel: Option<String>,
    #[serde(deserialize_with = "de::string")]
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

/// One message of a transcript; each spelling a field of its own (see
/// [`first`]).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Message {
    #[serde(deserialize_with = "de::string")]
    pub role: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub speaker: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub content: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub message: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub text: Option<String>,
    /// An ISO time, or Vapi's epoch milliseconds.
    #[serde(deserialize_with = "at")]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "createdAt", deserialize_with = "at")]
    pub created_at_camel: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "at")]
    pub time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "at")]
    pub timestamp: Option<chrono::DateTime<chrono::Utc>>,
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
