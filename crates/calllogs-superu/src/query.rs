//! `CallQuery` + [`SuperuFilters`] → SuperU's query parameters (sent on
//! the query string even though the method is POST).

use calllogs_core::{CallQuery, Status};
use serde::Serialize;

/// Filters only SuperU has. Put them on a query with [`CallQuery::extension`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuperuFilters {
    /// The assistant whose calls to list; `all` (the default) for every assistant.
    pub assistant_id: Option<String>,
    /// SuperU's own status value, sent as is (instead of the one mapped from
    /// [`CallQuery::status`]).
    pub status: Option<String>,
}

/// The query string of one page request.
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub limit: u32,
    pub page: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_query: Option<String>,
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

impl Params {
    /// The parameters of page `page` (from 1) of a resolved query.
    pub fn new(q: &CallQuery, page: u32) -> Self {
        let ext = q.get_extension::<SuperuFilters>();
        Params {
            // The largest page SuperU allows (its example is 20): fewer requests,
            // and requests are what its rate limit counts.
            limit: q.page_size.unwrap_or(100).clamp(1, 100),
            page: page.max(1),
            after: q.since.map(iso),
            before: q.until.map(iso),
            // Only the status value SuperU documents is sent; the others are
            // filtered on the normalized status after the fetch.
            status: ext
                .and_then(|e| e.status.clone())
                .or_else(|| (q.status == Some(Status::Completed)).then(|| "completed".into())),
            campaign_id: q.campaign.clone(),
            search_query: q.search.clone(),
        }
    }
}

/// The assistant id of the path: the extension's, the query's agent, or `all`.
pub fn assistant(q: &CallQuery) -> String {
    q.get_extension::<SuperuFilters>()
        .and_then(|e| e.assistant_id.clone())
        .or_else(|| q.agent.clone())
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "all".into())
}

/// Reads `--filter KEY=VALUE` pairs (and `--assistant`) into [`SuperuFilters`].
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<SuperuFilters>()
        .cloned()
        .unwrap_or_default();
    for (k, v) in pairs {
        match k.as_str() {
            "assistant" | "assistant_id" => f.assistant_id = Some(v.clone()),
            "status" => f.status = Some(v.clone()),
            _ => {
                return Err(format!(
                    "superu has no filter {k:?} (it has assistant_id, status)"
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
    fn filters_serialize_under_their_names() {
        let q = CallQuery::new()
            .since(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
            .until(chrono::Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap())
            .status(Status::Completed)
            .campaign("demo_call")
            .search("Ava")
            .page_size(500);
        assert_eq!(
            serde_json::to_value(Params::new(&q, 0)).unwrap(),
            json!({"limit": 100, "page": 1, "after": "2026-01-01T00:00:00Z", "before": "2026-02-01T00:00:00Z",
                   "status": "completed", "campaign_id": "demo_call", "search_query": "Ava"})
        );
        assert_eq!(assistant(&q), "all");
        assert_eq!(assistant(&q.clone().agent("asst-1")), "asst-1");
        let q = q.extension(SuperuFilters {
            assistant_id: Some("asst-2".into()),
            status: Some("ended".into()),
        });
        assert_eq!(assistant(&q), "asst-2");
        assert_eq!(Params::new(&q, 3).status.as_deref(), Some("ended"));
        assert_eq!(Params::new(&CallQuery::new().page_size(0), 2).limit, 1);
    }
}
