//! Vonage's wire format (Voice API `GET /v1/calls`), read leniently: every
//! field of a leg optional, a wrongly typed field `None`, never an error;
//! the HAL envelope strictly.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::value::RawValue;

/// `{"count": N, "page_size": .., "record_index": .., "_links": {..},
/// "_embedded": {"calls": [...]}}`.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// Legs matching the request, all pages together.
    #[serde(default, deserialize_with = "de::int")]
    pub count: Option<i64>,
    /// The embedded legs.
    #[serde(default, borrow)]
    pub _embedded: Option<Embedded<'a>>,
}

/// `_embedded`.
#[derive(Debug, Deserialize)]
pub struct Embedded<'a> {
    /// The legs, borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub calls: Option<Vec<&'a RawValue>>,
}

/// A `from` or `to` endpoint: `{type: phone|sip|websocket|vbc, ...}` (the
/// official SDK's four; an `app` endpoint, which it lacks, keeps no address).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Endpoint {
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub kind: Option<String>,
    /// Phone: E.164 without its `+`.
    #[serde(deserialize_with = "de::string")]
    pub number: Option<String>,
    /// SIP and WebSocket.
    #[serde(deserialize_with = "de::string")]
    pub uri: Option<String>,
    /// VBC.
    #[serde(deserialize_with = "de::string")]
    pub extension: Option<String>,
}

/// One call leg.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall<'a> {
    #[serde(deserialize_with = "de::string")]
    pub uuid: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub conversation_uuid: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub from: Option<Endpoint>,
    #[serde(deserialize_with = "de::object")]
    pub to: Option<Endpoint>,
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub direction: Option<String>,
    /// Per minute, a decimal string (completed legs only), borrowed.
    #[serde(borrow)]
    pub rate: Option<&'a RawValue>,
    /// The leg's price, a decimal string (completed legs only), borrowed.
    #[serde(borrow)]
    pub price: Option<&'a RawValue>,
    /// Seconds, as a string (completed legs only).
    #[serde(deserialize_with = "de::int")]
    pub duration: Option<i64>,
    /// `YYYY-MM-DD HH:MM:SS`, UTC without a zone (completed legs only).
    #[serde(deserialize_with = "de::timestamp")]
    pub start_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub end_time: Option<chrono::DateTime<chrono::Utc>>,
    /// The destination carrier's MCCMNC.
    #[serde(deserialize_with = "de::string")]
    pub network: Option<String>,
}

/// Every field of a leg the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`).
pub(crate) const READS: &[&str] = &[
    "uuid",
    "conversation_uuid",
    "from.type",
    "from.number",
    "from.uri",
    "from.extension",
    "to.type",
    "to.number",
    "to.uri",
    "to.extension",
    "status",
    "direction",
    "rate",
    "price",
    "duration",
    "start_time",
    "end_time",
    "network",
];
