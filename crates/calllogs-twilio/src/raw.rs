//! Twilio's wire format, read leniently: every field optional, a wrongly
//! typed field `None`, never an error.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The list response: `calls`, and `next_page_uri` (a path on the API host
/// carrying `PageToken`) while more pages follow.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// The records, borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub calls: Option<Vec<&'a RawValue>>,
    /// The next page, or null on the last.
    #[serde(default, deserialize_with = "de::string")]
    pub next_page_uri: Option<String>,
}

/// One call resource.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall<'a> {
    #[serde(deserialize_with = "de::string")]
    pub sid: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub parent_call_sid: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub direction: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub from: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub to: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub caller_name: Option<String>,
    /// RFC 2822 (`Tue, 31 Aug 2010 20:36:28 +0000`).
    #[serde(deserialize_with = "de::timestamp")]
    pub start_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub end_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub date_created: Option<chrono::DateTime<chrono::Utc>>,
    /// Seconds, as a string (`"3"`).
    #[serde(deserialize_with = "de::int")]
    pub duration: Option<i64>,
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    /// A negative decimal string (`"-0.01700"`); null until Twilio prices
    /// the call, which may be a while after it ended. Kept as written.
    #[serde(borrow)]
    pub price: Option<&'a RawValue>,
    #[serde(deserialize_with = "de::string")]
    pub price_unit: Option<String>,
    /// `human`, `machine_start`, `machine_end_beep`, `fax`, … (answering
    /// machine detection), or null.
    #[serde(deserialize_with = "de::string")]
    pub answered_by: Option<String>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test, and against the official SDK's model where there is one.
pub(crate) const READS: &[&str] = &[
    "sid",
    "parent_call_sid",
    "direction",
    "from",
    "to",
    "caller_name",
    "start_time",
    "end_time",
    "date_created",
    "duration",
    "status",
    "price",
    "price_unit",
    "answered_by",
];

/// A page of daily usage records (`Usage/Records/Daily.json`):
/// `usage_records`, and `next_page_uri` while more pages follow.
#[derive(Debug, Deserialize)]
pub struct UsageResponse<'a> {
    /// The records (one per day and category), borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub usage_records: Option<Vec<&'a RawValue>>,
    /// The next page, or null on the last.
    #[serde(default, deserialize_with = "de::string")]
    pub next_page_uri: Option<String>,
}

/// One usage record; numbers come as strings (`"1043"`, `"31.85400"`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawUsage {
    #[serde(deserialize_with = "de::string")]
    pub category: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub start_date: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub count: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub usage: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub price: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub price_unit: Option<String>,
    #[serde(deserialize_with = "de::timestamp")]
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
}
