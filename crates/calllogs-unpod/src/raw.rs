//! Unpod's wire format, read leniently.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::value::RawValue;

/// `{"count", "next", "previous", "status_code", "message", "data": [...]}`.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    /// Total call logs matching.
    #[serde(default, deserialize_with = "de::int")]
    pub count: Option<i64>,
    /// The next page's URL (absolute or relative), null on the last.
    #[serde(default, deserialize_with = "de::string")]
    pub next: Option<String>,
    /// An HTTP status the envelope reports, which can say error inside a 200.
    #[serde(default, deserialize_with = "de::int")]
    pub status_code: Option<i64>,
    /// The message.
    #[serde(default, deserialize_with = "de::string")]
    pub message: Option<String>,
    /// The call logs, borrowed: an array, required once the envelope's
    /// status says success (missing or null is then a decode error).
    #[serde(default, alias = "results", borrow, deserialize_with = "de::records")]
    pub data: Option<Vec<&'a RawValue>>,
}

/// One call log.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub source_number: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub destination_number: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_type: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub call_status: Option<String>,
    #[serde(deserialize_with = "de::timestamp")]
    pub creation_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub start_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub end_time: Option<chrono::DateTime<chrono::Utc>>,
    /// `H:MM:SS` text or integer seconds.
    #[serde(deserialize_with = "duration")]
    pub call_duration: Option<i64>,
    #[serde(deserialize_with = "de::string")]
    pub end_reason: Option<String>,
}

/// `call_duration`: integer seconds (`207`) or `H:MM:SS`, `HH:MM:SS`,
/// `MM:SS`, over 24 hours; `None` when malformed or negative.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match de::Scalar::deserialize(d)? {
        de::Scalar::Str(s) => calllogs_core::parse::hms_seconds(&s),
        other => other.int().filter(|n| *n >= 0),
    })
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test, and against the official SDK's model where there is one.
pub(crate) const READS: &[&str] = &[
    "id",
    "source_number",
    "destination_number",
    "call_type",
    "call_status",
    "creation_time",
    "start_time",
    "end_time",
    "call_duration",
    "end_reason",
];
