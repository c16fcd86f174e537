//! `CallQuery` -> Aircall's query parameters.

use calllogs_core::CallQuery;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The query string of one list page: the start-time range in whole Unix
/// seconds (`from` and `to` both inclusive: the window `[since, until)`
/// becomes `[ceil(since), ceil(until) - 1]`), oldest first (`order=asc`:
/// new calls land after the window, never shift its pages), the page
/// number and `per_page` (50 at most).
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    pub order: &'static str,
    pub page: u32,
    pub per_page: u32,
}

/// The first whole second at or after `t`.
fn ceil_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

impl Params {
    /// The parameters of page `page` of a resolved window.
    pub fn new(q: &CallQuery, page: u32) -> Self {
        Params {
            from: q.since.map(ceil_secs),
            to: q.until.map(|u| ceil_secs(u) - 1),
            order: "asc",
            page: page.max(1),
            per_page: q
                .page_size
                .unwrap_or(crate::MAX_PAGE)
                .clamp(1, crate::MAX_PAGE),
        }
    }
}

/// Reads `--filter KEY=VALUE` pairs: `GET /v1/calls` has no filters of its
/// own beyond the time range (`--direction`, `--status`, `--from` and
/// `--to` apply to the normalized calls).
pub fn apply_filters(_q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    match pairs.first() {
        Some((k, _)) => Err(format!(
            "aircall has no filter {k:?} (its list filters by time only; --direction, --status, --from and --to apply)"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_becomes_inclusive_whole_seconds() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let q = CallQuery::new()
            .since(t("2026-03-02T10:00:00.250Z"))
            .until(t("2026-03-02T11:00:00Z"))
            .page_size(500);
        let p = Params::new(&q, 3);
        assert_eq!(p.from, Some(t("2026-03-02T10:00:01Z").timestamp()));
        assert_eq!(p.to, Some(t("2026-03-02T10:59:59Z").timestamp()));
        assert_eq!((p.order, p.page, p.per_page), ("asc", 3, 50));
    }
}
