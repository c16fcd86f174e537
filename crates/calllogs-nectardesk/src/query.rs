//! `CallQuery` + [`NectardeskFilters`] → NectarDesk's query parameters.

use std::fmt;
use std::str::FromStr;

use calllogs_core::{CallQuery, Direction, Status};
use serde::Serialize;

macro_rules! call_types {
    ($($variant:ident = $wire:literal),* $(,)?) => {
        /// NectarDesk's `callType` filter: the 18 documented values, and any
        /// other value passed through as is.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum CallType {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )*
            /// A value the document does not list, sent as given.
            Other(String),
        }

        impl CallType {
            /// Every documented value.
            pub const ALL: &'static [CallType] = &[$(CallType::$variant),*];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(CallType::$variant => $wire,)*
                    CallType::Other(s) => s,
                }
            }
        }

        impl FromStr for CallType {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                Ok(match t {
                    $($wire => CallType::$variant,)*
                    _ => CallType::Other(t.to_string()),
                })
            }
        }
    };
}

call_types! {
    AllInbound = "all_inbound",
    InboundAnswered = "inbound_answered",
    InboundAnsweredWithinSla = "inbound_answered_within_sla",
    InboundAnsweredButNotWithinSla = "inbound_answered_but_not_within_sla",
    InboundIvrExit = "inbound_ivr_exit",
    Abandoned = "abandoned",
    Callback = "callback",
    Overflowed = "overflowed",
    AllOutbound = "all_outbound",
    OutboundAnswered = "outbound_answered",
    OutboundNotAnswered = "outbound_not_answered",
    Transfer = "transfer",
    WarmTransfer = "warm_transfer",
    OutOfBusinessHours = "out_of_business_hours",
    ShortAbandoned = "short_abandoned",
    AutomatedCallback = "automated_callback",
    ShortAbandonedDistributed = "short_abandoned_distributed",
    AbandonedDistributed = "abandoned_distributed",
}

impl CallType {
    /// Whether the document lists this value.
    pub fn is_documented(&self) -> bool {
        !matches!(self, CallType::Other(_))
    }
}

impl fmt::Display for CallType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Filters only NectarDesk has. Put them on a query with [`CallQuery::extension`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NectardeskFilters {
    /// Contact number ids.
    pub number_ids: Vec<u64>,
    /// Ring group id.
    pub ring_group_id: Option<u64>,
    /// IVR id.
    pub ivr_id: Option<u64>,
    /// Contact list id.
    pub list_id: Option<u64>,
    /// Agent id (also set by [`CallQuery::agent`]).
    pub agent_id: Option<u64>,
    /// Call type; wins over what direction and status map to.
    pub call_type: Option<CallType>,
    /// Disposition ids.
    pub disposition_ids: Vec<u64>,
    /// Survey ids.
    pub survey_ids: Vec<u64>,
}

/// The query string of one page request.
#[derive(Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Params {
    pub page: u32,
    pub limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_ids: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_group_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ivr_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition_ids: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survey_ids: Option<String>,
}

fn join(ids: &[u64]) -> Option<String> {
    (!ids.is_empty()).then(|| ids.iter().map(u64::to_string).collect::<Vec<_>>().join(","))
}

/// How `dateFrom`/`dateTo` are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `2025-08-01T00:00:00Z` (the default).
    DateTime,
    /// `2025-08-01`, the document's example; `dateTo` is the day of the
    /// last instant of the range.
    Date,
}

/// The `callType` a direction and status mean, where one does.
pub fn call_type_for(direction: Option<Direction>, status: Option<Status>) -> Option<CallType> {
    use CallType as T;
    match (direction, status) {
        (_, Some(Status::Abandoned)) => Some(T::Abandoned),
        (Some(Direction::Inbound), Some(Status::Completed)) => Some(T::InboundAnswered),
        (Some(Direction::Outbound), Some(Status::Completed)) => Some(T::OutboundAnswered),
        (Some(Direction::Outbound) | None, Some(Status::NoAnswer)) => Some(T::OutboundNotAnswered),
        (Some(Direction::Inbound), _) => Some(T::AllInbound),
        (Some(Direction::Outbound), _) => Some(T::AllOutbound),
        _ => None,
    }
}

impl Params {
    /// The parameters of page `page` of a resolved query.
    pub fn new(q: &CallQuery, page: u32, dates: DateFormat) -> Self {
        let fmt = |t: chrono::DateTime<chrono::Utc>| match dates {
            DateFormat::DateTime => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            DateFormat::Date => t.format("%Y-%m-%d").to_string(),
        };
        let ext = q
            .get_extension::<NectardeskFilters>()
            .cloned()
            .unwrap_or_default();
        let call_type = ext
            .call_type
            .clone()
            .or_else(|| call_type_for(q.direction, q.status));
        Params {
            page: page.max(1),
            // The largest page NectarDesk allows (its example is 100).
            limit: q.page_size.unwrap_or(1000).clamp(1, 1000),
            date_from: q.since.map(fmt),
            date_to: q.until.map(|u| match dates {
                DateFormat::Date => fmt(u - chrono::Duration::microseconds(1)),
                DateFormat::DateTime => fmt(u),
            }),
            number_ids: join(&ext.number_ids),
            ring_group_id: ext.ring_group_id,
            ivr_id: ext.ivr_id,
            list_id: ext.list_id,
            agent_id: ext
                .agent_id
                .map(|a| a.to_string())
                .or_else(|| q.agent.clone()),
            call_type: call_type.map(|t| t.as_str().to_string()),
            disposition_ids: join(&ext.disposition_ids),
            survey_ids: join(&ext.survey_ids),
        }
    }
}

/// Reads `--filter KEY=VALUE` pairs into [`NectardeskFilters`].
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<NectardeskFilters>()
        .cloned()
        .unwrap_or_default();
    let id = |k: &str, v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| format!("{k} {v:?} is not an id"))
    };
    let ids = |k: &str, v: &str| {
        v.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| id(k, s))
            .collect::<Result<Vec<_>, _>>()
    };
    for (k, v) in pairs {
        match k.as_str() {
            "numberIds" | "number_ids" => f.number_ids = ids(k, v)?,
            "ringGroupId" | "ring_group_id" => f.ring_group_id = Some(id(k, v)?),
            "ivrId" | "ivr_id" => f.ivr_id = Some(id(k, v)?),
            "listId" | "list_id" => f.list_id = Some(id(k, v)?),
            "agentId" | "agent_id" => f.agent_id = Some(id(k, v)?),
            "dispositionIds" | "disposition_ids" => f.disposition_ids = ids(k, v)?,
            "surveyIds" | "survey_ids" => f.survey_ids = ids(k, v)?,
            "callType" | "call_type" => {
                let t: CallType = v.parse().unwrap_or_else(|never| match never {});
                if !t.is_documented() {
                    let known: Vec<_> = CallType::ALL.iter().map(CallType::as_str).collect();
                    return Err(format!(
                        "unknown callType {v:?} (one of {})",
                        known.join(", ")
                    ));
                }
                f.call_type = Some(t);
            }
            _ => {
                return Err(format!(
                    "nectardesk has no filter {k:?} (it has numberIds, ringGroupId, ivrId, listId, agentId, callType, \
                     dispositionIds, surveyIds)"
                ));
            }
        }
    }
    q.extensions.insert(f);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn every_filter_serializes_lists_joined_by_commas() {
        let q = CallQuery::new()
            .since(chrono::Utc.with_ymd_and_hms(2025, 8, 1, 0, 0, 0).unwrap())
            .until(chrono::Utc.with_ymd_and_hms(2025, 8, 4, 0, 0, 0).unwrap())
            .page_size(5000)
            .extension(NectardeskFilters {
                number_ids: vec![1, 2, 3],
                ring_group_id: Some(4),
                ivr_id: Some(5),
                list_id: Some(6),
                agent_id: Some(7),
                call_type: Some(CallType::WarmTransfer),
                disposition_ids: vec![8, 9],
                survey_ids: vec![10],
            });
        assert_eq!(
            serde_json::to_value(Params::new(&q, 2, DateFormat::DateTime)).unwrap(),
            json!({"page": 2, "limit": 1000, "dateFrom": "2025-08-01T00:00:00Z", "dateTo": "2025-08-04T00:00:00Z",
                   "numberIds": "1,2,3", "ringGroupId": 4, "ivrId": 5, "listId": 6, "agentId": "7",
                   "callType": "warm_transfer", "dispositionIds": "8,9", "surveyIds": "10"})
        );
        let p = Params::new(&q, 0, DateFormat::Date);
        assert_eq!(
            (p.date_from.as_deref(), p.date_to.as_deref(), p.page),
            (Some("2025-08-01"), Some("2025-08-03"), 1)
        );
        assert_eq!(
            Params::new(&CallQuery::new().page_size(0), 1, DateFormat::Date).limit,
            1
        );
    }

    #[test]
    fn direction_and_status_map_to_call_types() {
        assert_eq!(
            call_type_for(Some(Direction::Inbound), None),
            Some(CallType::AllInbound)
        );
        assert_eq!(
            call_type_for(Some(Direction::Outbound), None),
            Some(CallType::AllOutbound)
        );
        assert_eq!(
            call_type_for(None, Some(Status::Abandoned)),
            Some(CallType::Abandoned)
        );
        assert_eq!(
            call_type_for(Some(Direction::Inbound), Some(Status::Completed)),
            Some(CallType::InboundAnswered)
        );
        assert_eq!(
            call_type_for(None, Some(Status::NoAnswer)),
            Some(CallType::OutboundNotAnswered)
        );
        assert_eq!(call_type_for(None, Some(Status::Completed)), None);
    }

    #[test]
    fn all_18_call_types_round_trip_and_unknown_ones_pass() {
        assert_eq!(CallType::ALL.len(), 18);
        for t in CallType::ALL {
            assert_eq!(&t.as_str().parse::<CallType>().unwrap(), t);
        }
        assert_eq!(
            "vip_only".parse::<CallType>().unwrap(),
            CallType::Other("vip_only".into())
        );
        let mut q = CallQuery::new();
        let err = apply_filters(&mut q, &[("callType".into(), "vip_only".into())]).unwrap_err();
        assert!(err.contains("unknown callType"));
        apply_filters(
            &mut q,
            &[
                ("callType".into(), "callback".into()),
                ("numberIds".into(), "1,2".into()),
            ],
        )
        .unwrap();
        let f = q.get_extension::<NectardeskFilters>().unwrap();
        assert_eq!(
            (f.call_type.clone(), f.number_ids.clone()),
            (Some(CallType::Callback), vec![1, 2])
        );
    }
}
