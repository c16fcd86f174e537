//! `CallQuery` + [`UnpodFilters`] → Unpod's query parameters.

use calllogs_core::{CallQuery, Direction, Status};
use serde::Serialize;

/// Filters only Unpod has. Put them on a query with [`CallQuery::extension`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnpodFilters {
    /// Unpod's own `call_status` value, sent as is (`completed`, `missed`,
    /// `failed`), instead of the one mapped from [`CallQuery::status`].
    pub call_status: Option<String>,
}

/// The query string of the first page (later pages follow `next`).
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub page: u32,
    pub page_size: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_status: Option<String>,
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

impl Params {
    /// The first page of a resolved query (one window, page size clamped).
    /// The window `[since, until)` goes out as `start_date = since`,
    /// `end_date = until - 1µs`, so adjacent windows never share a call.
    pub fn first(q: &CallQuery, max_page_size: u32) -> Self {
        let ext = q.get_extension::<UnpodFilters>();
        Params {
            page: 1,
            // The largest page by default (the document's own default is 20).
            page_size: q
                .page_size
                .unwrap_or(max_page_size)
                .clamp(1, max_page_size.max(1)),
            start_date: q.since.map(iso),
            end_date: q.until.map(|u| iso(u - chrono::Duration::microseconds(1))),
            call_type: match q.direction {
                Some(Direction::Inbound) => Some("inbound"),
                Some(Direction::Outbound) => Some("outbound"),
                _ => None,
            },
            call_status: ext.and_then(|e| e.call_status.clone()).or_else(|| {
                match q.status {
                    Some(Status::Completed) => Some("completed"),
                    Some(Status::Missed) => Some("missed"),
                    Some(Status::Failed) => Some("failed"),
                    _ => None,
                }
                .map(str::to_string)
            }),
        }
    }
}

/// Reads `--filter KEY=VALUE` pairs into [`UnpodFilters`].
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<UnpodFilters>()
        .cloned()
        .unwrap_or_default();
    for (k, v) in pairs {
        match k.as_str() {
            "call_status" => f.call_status = Some(v.clone()),
            _ => return Err(format!("unpod has no filter {k:?} (it has call_status)")),
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
    fn filters_serialize() {
        let q = CallQuery::new()
            .since(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
            .until(chrono::Utc.with_ymd_and_hms(2026, 1, 8, 0, 0, 0).unwrap())
            .direction(Direction::Inbound)
            .status(Status::Missed)
            .page_size(500);
        assert_eq!(
            serde_json::to_value(Params::first(&q, 100)).unwrap(),
            json!({"page": 1, "page_size": 100, "start_date": "2026-01-01T00:00:00Z",
                   "end_date": "2026-01-07T23:59:59.999999Z", "call_type": "inbound", "call_status": "missed"})
        );
        assert_eq!(Params::first(&q, 1000).page_size, 500);
        let q = q.extension(UnpodFilters {
            call_status: Some("failed".into()),
        });
        assert_eq!(
            Params::first(&q, 100).call_status.as_deref(),
            Some("failed")
        );
    }
}
