//! `CallQuery` -> Bland's query parameters.

use calllogs_core::CallQuery;
use serde::Serialize;

/// The query string of one list page: an index window (`from` inclusive,
/// `to` exclusive) with its `limit`, oldest first (`ascending=true`: new
/// calls land after the window, never shift it), and, unless turned off,
/// the days of the time range (`start_date`/`end_date`, whole days: the
/// engine keeps exactly the window).
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub from: u64,
    pub to: u64,
    pub limit: u32,
    pub ascending: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
}

impl Params {
    /// The parameters of the page at `offset` of a resolved window;
    /// `dates`: send the range's days.
    pub fn new(q: &CallQuery, offset: u64, dates: bool) -> Self {
        let limit = q
            .page_size
            .unwrap_or(crate::MAX_PAGE)
            .clamp(1, crate::MAX_PAGE);
        let day = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
        Params {
            from: offset,
            to: offset + u64::from(limit),
            limit,
            ascending: true,
            start_date: q.since.filter(|_| dates).map(day),
            end_date: q.until.filter(|_| dates).map(day),
        }
    }
}

/// Reads `--filter KEY=VALUE` pairs: Bland has none of its own (its list's
/// other filters are not documented; `--from`, `--to`, `--direction` and
/// `--status` are applied to the normalized calls).
pub fn apply_filters(_q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    match pairs.first() {
        Some((k, _)) => Err(format!(
            "bland has no filter {k:?} (its list's filters are not documented; --from, --to, --direction and --status apply)"
        )),
        None => Ok(()),
    }
}
