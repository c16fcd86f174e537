//! Aircall's wire format, read leniently: every field of a call optional,
//! a wrongly typed field `None`, never an error; the envelope strictly.

use calllogs_core::parse::de;
use serde::Deserialize;
use serde_json::value::RawValue;

/// `GET /v1/calls`: `{"calls": [...], "meta": {...}}`.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// The calls, borrowed from the body.
    #[serde(default, borrow, deserialize_with = "de::records")]
    pub calls: Option<Vec<&'a RawValue>>,
    /// The paging metadata.
    #[serde(default, deserialize_with = "de::object")]
    pub meta: Option<Meta>,
}

/// `meta`: the page and the total.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Meta {
    /// Calls matching the query (all of them, not only the 10,000 listed).
    #[serde(deserialize_with = "de::int")]
    pub total: Option<i64>,
}

/// Something with an id and a name (`user`, `contact`, `number`, `tags[]`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Thing {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    /// `number.digits`: our line, formatted for people.
    #[serde(deserialize_with = "de::string")]
    pub digits: Option<String>,
    /// `contact.first_name`.
    #[serde(deserialize_with = "de::string")]
    pub first_name: Option<String>,
    /// `contact.last_name`.
    #[serde(deserialize_with = "de::string")]
    pub last_name: Option<String>,
    /// `contact.company_name`.
    #[serde(deserialize_with = "de::string")]
    pub company_name: Option<String>,
}

/// One call.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall<'a> {
    /// An int64 in Aircall's records; read as its text.
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub direction: Option<String>,
    /// `initial`, `answered`, `done`: a lifecycle, not an outcome.
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub missed_call_reason: Option<String>,
    #[serde(deserialize_with = "de::timestamp")]
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(deserialize_with = "de::timestamp")]
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Seconds from start to end, ringing and queueing included.
    #[serde(deserialize_with = "de::int")]
    pub duration: Option<i64>,
    /// The other party, formatted for people, or `anonymous`.
    #[serde(deserialize_with = "de::string")]
    pub raw_digits: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub number: Option<Thing>,
    #[serde(deserialize_with = "de::object")]
    pub user: Option<Thing>,
    #[serde(deserialize_with = "de::object")]
    pub contact: Option<Thing>,
    #[serde(deserialize_with = "de::object")]
    pub transferred_to: Option<Thing>,
    #[serde(deserialize_with = "de::vec")]
    pub tags: Vec<Thing>,
    #[serde(deserialize_with = "de::string")]
    pub recording: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub voicemail: Option<String>,
    /// US cents (deprecated by Aircall), as its exact text, borrowed.
    #[serde(borrow)]
    pub cost: Option<&'a RawValue>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`).
pub(crate) const READS: &[&str] = &[
    "id",
    "direction",
    "status",
    "missed_call_reason",
    "started_at",
    "answered_at",
    "ended_at",
    "duration",
    "raw_digits",
    "number.id",
    "number.name",
    "number.digits",
    "user.id",
    "user.name",
    "contact.id",
    "contact.first_name",
    "contact.last_name",
    "contact.company_name",
    "transferred_to.id",
    "transferred_to.name",
    "tags[].name",
    "recording",
    "voicemail",
    "cost",
];
