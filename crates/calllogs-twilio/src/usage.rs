//! Twilio's daily usage records for calls -> [`UsageDay`]s: the totals
//! Twilio bills, which `calllogs audit` sets beside the stored calls.
//!
//! `GET …/Usage/Records/Daily.json?Category=calls&StartDate=…&EndDate=…`
//! with `IncludeSubaccounts=false`: the account's own calls only, as its
//! `Calls.json` lists them (by default a master account's totals include
//! its subaccounts', which its call list does not).

use calllogs_core::error::DecodeFailure;
use calllogs_core::{Error, Page, Result, UsageDay};
use chrono::NaiveDate;

use crate::ID;
use crate::raw::{RawUsage, UsageResponse};

/// The query of the first page of `first..=last`.
pub(crate) fn params(first: NaiveDate, last: NaiveDate) -> Vec<(&'static str, String)> {
    vec![
        ("Category", "calls".into()),
        ("StartDate", first.format("%Y-%m-%d").to_string()),
        ("EndDate", last.format("%Y-%m-%d").to_string()),
        ("IncludeSubaccounts", "false".into()),
        ("PageSize", "1000".into()),
    ]
}

/// One body to a page of days. Strict about the envelope (no
/// `usage_records` array is not a page) and about each record's day and
/// count, without which it cannot be compared with anything: a record
/// without them fails the page rather than vanish from the audit.
pub(crate) fn decode(status: Option<u16>, body: &[u8]) -> Result<Page<UsageDay>> {
    let resp: UsageResponse = calllogs_core::http::decode_json(ID, status, body)?;
    let records = calllogs_core::page::require_records(
        ID,
        status,
        body,
        "usage_records",
        resp.usage_records,
    )?;
    let mut days = Vec::with_capacity(records.len());
    for (i, record) in records.into_iter().enumerate() {
        let fail = |message: String| {
            Error::decode(
                ID,
                status,
                body,
                DecodeFailure {
                    path: format!("usage_records[{i}]"),
                    message,
                    source: None,
                },
            )
        };
        let raw: RawUsage = calllogs_core::parse::record(record).map_err(&fail)?;
        // Asked for `calls` only; a narrower category would count twice.
        if raw.category.as_deref().is_some_and(|c| c != "calls") {
            continue;
        }
        days.push(day(raw).map_err(fail)?);
    }
    Ok(Page::new(days).with_next(resp.next_page_uri.filter(|n| !n.is_empty())))
}

fn day(raw: RawUsage) -> std::result::Result<UsageDay, String> {
    let day = raw
        .start_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .ok_or_else(|| format!("the record has no start_date day ({:?})", raw.start_date))?;
    let whole = |name: &str, v: &Option<String>| -> std::result::Result<u64, String> {
        // Counts are whole numbers written as strings, sometimes as `"12.0"`.
        let text = v.as_deref().map(str::trim).unwrap_or("0");
        let plain = text.strip_suffix(".0").unwrap_or(text);
        plain
            .parse::<u64>()
            .map_err(|_| format!("{name} {text:?} is not a whole number"))
    };
    let calls = whole("count", &raw.count)?;
    let minutes = whole("usage", &raw.usage)?;
    Ok(UsageDay {
        day,
        calls,
        minutes,
        price: raw
            .price
            .as_deref()
            .and_then(calllogs_core::parse::plain_decimal)
            // Positive in usage records; Calls.json's are negative.
            .map(|p| p.trim_start_matches('-').to_string()),
        currency: raw.price_unit.map(|u| u.trim().to_ascii_uppercase()),
        as_of: raw.as_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_its_strings_and_a_missing_envelope_is_an_error() {
        let body = br#"{"usage_records": [
            {"category": "calls", "start_date": "2026-11-20", "end_date": "2026-11-20",
             "count": "1043", "count_unit": "calls", "usage": "2310", "usage_unit": "minutes",
             "price": "31.85400", "price_unit": "usd", "as_of": "2026-11-21T03:00:00+00:00"},
            {"category": "calls-inbound", "start_date": "2026-11-20", "count": "5"}
        ], "next_page_uri": null}"#;
        let page = decode(Some(200), body).unwrap();
        assert_eq!(page.items.len(), 1, "{page:?}");
        let d = &page.items[0];
        assert_eq!(
            (d.day.to_string(), d.calls, d.minutes),
            ("2026-11-20".into(), 1043, 2310)
        );
        assert_eq!(d.price.as_deref(), Some("31.85400"));
        assert_eq!(d.currency.as_deref(), Some("USD"));
        assert_eq!(page.more, Some(false));

        let e = decode(Some(200), br#"{"calls": []}"#).unwrap_err();
        assert!(e.to_string().contains("usage_records"), "{e}");
        let e = decode(
            Some(200),
            br#"{"usage_records": [{"category": "calls", "count": "3"}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("start_date"), "{e}");
        let e = decode(
            Some(200),
            br#"{"usage_records": [{"category": "calls", "start_date": "2026-11-20", "count": "many"}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("count"), "{e}");
    }
}
