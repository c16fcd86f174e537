//! NectarDesk's wire format (Fetch Calls), read leniently.

use calllogs_core::parse::de;
use serde::Deserialize;

/// `{"calls": [...], "meta": {...}}`; the single-call endpoint wraps one
/// object under `calls`.
#[derive(Debug, Deserialize)]
pub struct ListResponse<'a> {
    /// The calls (an array), or one call (an object) from `GET /calls/{id}`, borrowed.
    #[serde(default, borrow, deserialize_with = "de::raw")]
    pub calls: Option<&'a serde_json::value::RawValue>,
    /// Paging.
    #[serde(default)]
    pub meta: Meta,
}

/// `meta`.
#[derive(Debug, Default, Deserialize)]
pub struct Meta {
    /// Calls matching the query.
    #[serde(default, deserialize_with = "de::int")]
    pub total: Option<i64>,
    /// The next page as a relative URL, null on the last.
    #[serde(default, deserialize_with = "de::string")]
    pub next: Option<String>,
}

/// `contact`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawContact {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub full_name: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub number_country_code: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub national_number: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub number: Option<String>,
}

/// One agent leg (`all_agents[]`, `answered_agents[]`).
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct RawAgent {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub user_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub alias: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub sip: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub started_at: Option<i64>,
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "de::boolean")]
    pub is_any_transfer: Option<bool>,
    #[serde(deserialize_with = "de::string")]
    pub hangup_reason: Option<String>,
}

/// `number`: the company line the call used.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawNumber {
    #[serde(deserialize_with = "de::string")]
    pub number: Option<String>,
}

/// `{id, name}` objects (campaign, ring group, IVR).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawNamed {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
}

/// `disposition`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawDisposition {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub code: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub note: Option<String>,
}

/// `recordings[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawRecording {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub url: Option<String>,
}

/// One call.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawCall {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::boolean")]
    pub is_inbound: Option<bool>,
    #[serde(deserialize_with = "de::boolean")]
    pub is_answered: Option<bool>,
    #[serde(deserialize_with = "de::boolean")]
    pub is_ended: Option<bool>,
    #[serde(deserialize_with = "de::object")]
    pub contact: Option<RawContact>,
    #[serde(deserialize_with = "de::vec")]
    pub all_agents: Vec<RawAgent>,
    #[serde(deserialize_with = "de::vec")]
    pub answered_agents: Vec<RawAgent>,
    #[serde(deserialize_with = "de::object")]
    pub number: Option<RawNumber>,
    #[serde(deserialize_with = "de::int")]
    pub started_at: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub duration: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub talk_time: Option<i64>,
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "de::boolean")]
    pub is_answered_within_sla: Option<bool>,
    #[serde(deserialize_with = "de::string")]
    pub original_call_id: Option<String>,
    #[serde(deserialize_with = "de::object")]
    pub campaign: Option<RawNamed>,
    #[serde(deserialize_with = "de::object")]
    pub ring_group: Option<RawNamed>,
    #[serde(deserialize_with = "de::object")]
    pub ivr: Option<RawNamed>,
    #[serde(deserialize_with = "de::object")]
    pub disposition: Option<RawDisposition>,
    #[serde(deserialize_with = "de::vec")]
    pub recordings: Vec<RawRecording>,
    #[serde(deserialize_with = "de::texts")]
    pub tags: Vec<String>,
}

/// Every field of a record the mapping reads (see
/// `calllogs_core::ProviderInfo::reads`): held against the mapping by the
/// facade's `reads` test, and against the official SDK's model where there is one.
pub(crate) const READS: &[&str] = &[
    "id",
    "is_inbound",
    "is_answered",
    "is_ended",
    "contact",
    "all_agents",
    "answered_agents",
    "number.number",
    "started_at",
    "duration",
    "talk_time",
    "type",
    "is_answered_within_sla",
    "original_call_id",
    "campaign",
    "ring_group",
    "ivr",
    "disposition",
    "recordings",
    "tags",
];
