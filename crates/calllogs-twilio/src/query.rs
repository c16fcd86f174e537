//! `CallQuery` -> Twilio's query parameters.

use calllogs_core::{CallQuery, Status};
use chrono::{DateTime, Days, Utc};
use serde::Serialize;

/// The query string of a first page (the next pages follow
/// `next_page_uri`). Twilio documents its time filters by date (UTC): the
/// widest safe bound is sent (from the day of `since`, to before the day
/// after `until`) and the engine keeps exactly the window
/// (`PagingSpec::coarse_time_filter`), so neither a day too many is stored
/// nor a call near midnight lost.
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    /// Records per page, 1..=1000.
    #[serde(rename = "PageSize")]
    pub page_size: u32,
    /// `StartTime>=DAY` as Twilio's documents write it in a URL: the
    /// parameter `StartTime>` with the value `DAY`.
    #[serde(rename = "StartTime>", skip_serializing_if = "Option::is_none")]
    pub start_from: Option<String>,
    /// `StartTime<DAY`: the day after `until`'s, whichever way Twilio reads
    /// its midnight.
    #[serde(rename = "StartTime<", skip_serializing_if = "Option::is_none")]
    pub start_before: Option<String>,
    #[serde(rename = "From", skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(rename = "To", skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "ParentCallSid", skip_serializing_if = "Option::is_none")]
    pub parent_call_sid: Option<String>,
    /// `EndTime>=DAY` (the parameter `EndTime>`), a filter of the user's.
    #[serde(rename = "EndTime>", skip_serializing_if = "Option::is_none")]
    pub end_from: Option<String>,
    /// `EndTime<DAY`, a filter of the user's.
    #[serde(rename = "EndTime<", skip_serializing_if = "Option::is_none")]
    pub end_before: Option<String>,
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

impl Params {
    /// The parameters of the first page of a resolved query.
    pub fn new(q: &CallQuery, page_size: u32) -> Self {
        let own = q.get_extension::<TwilioFilters>();
        let status = q.status.and_then(|s| {
            Some(
                match s {
                    Status::Completed => "completed",
                    Status::Busy => "busy",
                    Status::NoAnswer => "no-answer",
                    Status::Canceled => "canceled",
                    Status::Failed => "failed",
                    Status::InProgress => "in-progress",
                    _ => return None,
                }
                .to_string(),
            )
        });
        Params {
            page_size: q.page_size.unwrap_or(page_size).clamp(1, 1000),
            start_from: q.since.map(day),
            start_before: q
                .until
                .map(|u| day(u.checked_add_days(Days::new(1)).unwrap_or(u))),
            from: q.from.clone(),
            to: q.to.clone(),
            status: own.and_then(|f| f.status.clone()).or(status),
            parent_call_sid: own.and_then(|f| f.parent_call_sid.clone()),
            end_from: own.and_then(|f| f.end_from.clone()),
            end_before: own.and_then(|f| f.end_before.clone()),
        }
    }
}

/// Twilio's own filters, beyond the common query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TwilioFilters {
    /// `ParentCallSid`: the child legs of one call.
    pub parent_call_sid: Option<String>,
    /// `Status` in Twilio's own words (`queued`, `ringing`, …).
    pub status: Option<String>,
    /// `EndTime>=`: calls that ended on or after this day (`YYYY-MM-DD`).
    pub end_from: Option<String>,
    /// `EndTime<`: calls that ended before this day (`YYYY-MM-DD`).
    pub end_before: Option<String>,
}

/// Reads `--filter KEY=VALUE` pairs: `ParentCallSid`, `Status`, and the
/// `EndTime>=` / `EndTime<` days (the call's time range is `--since` and
/// `--until`, on its start).
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<TwilioFilters>()
        .cloned()
        .unwrap_or_default();
    for (k, v) in pairs {
        let v = v.trim().to_string();
        match k.as_str() {
            "ParentCallSid" | "parent_call_sid" => f.parent_call_sid = Some(v),
            "Status" | "status" => {
                const KNOWN: &[&str] = &[
                    "queued",
                    "ringing",
                    "in-progress",
                    "completed",
                    "busy",
                    "failed",
                    "no-answer",
                    "canceled",
                ];
                if !KNOWN.contains(&v.as_str()) {
                    return Err(format!("Status {v:?} is not one of {}", KNOWN.join(", ")));
                }
                f.status = Some(v);
            }
            "EndTime>=" | "EndTime>" | "EndTime<" => {
                if chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_err() {
                    return Err(format!("{k} {v:?} is not a day (YYYY-MM-DD)"));
                }
                if k == "EndTime<" {
                    f.end_before = Some(v);
                } else {
                    f.end_from = Some(v);
                }
            }
            other => {
                return Err(format!(
                    "twilio has no filter {other:?} (it has ParentCallSid, Status, EndTime>=, EndTime<)"
                ));
            }
        }
    }
    q.extensions.insert(f);
    Ok(())
}
