//! `CallQuery` + [`PlivoFilters`] → Plivo's query parameters.

use calllogs_core::{CallQuery, Direction};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A comparison, for the filters Plivo takes in five forms
/// (`x`, `x__gt`, `x__gte`, `x__lt`, `x__lte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp<T> {
    /// `x=`
    Eq(T),
    /// `x__gt=`
    Gt(T),
    /// `x__gte=`
    Gte(T),
    /// `x__lt=`
    Lt(T),
    /// `x__lte=`
    Lte(T),
}

impl<T> Cmp<T> {
    fn parts(&self) -> (&'static str, &T) {
        match self {
            Cmp::Eq(v) => ("", v),
            Cmp::Gt(v) => ("__gt", v),
            Cmp::Gte(v) => ("__gte", v),
            Cmp::Lt(v) => ("__lt", v),
            Cmp::Lte(v) => ("__lte", v),
        }
    }
}

/// Filters only Plivo has. Put them on a query with
/// [`CallQuery::extension`].
///
/// ```
/// use calllogs_core::CallQuery;
/// use calllogs_plivo::{Cmp, PlivoFilters};
/// let q = CallQuery::new().extension(PlivoFilters {
///     bill_duration: vec![Cmp::Gte(60)],
///     hangup_cause_code: Some(4000),
///     ..PlivoFilters::default()
/// });
/// # let _ = q;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlivoFilters {
    /// Only calls of this subaccount.
    pub subaccount: Option<String>,
    /// Only the B legs of this A leg.
    pub parent_call_uuid: Option<String>,
    /// Billed duration, seconds, in any of the five forms (several make a range).
    pub bill_duration: Vec<Cmp<u64>>,
    /// End time, in any of the five forms, on top of the query's range
    /// (which is always sent as `end_time__gte`/`end_time__lte`; a tighter
    /// bound here narrows it).
    pub end_time: Vec<Cmp<DateTime<Utc>>>,
    /// Only calls with this hangup cause code.
    pub hangup_cause_code: Option<u16>,
    /// Only calls hung up by this source (`Caller`, `Callee`, `Plivo`, …).
    pub hangup_source: Option<String>,
    /// Only calls with this STIR attestation (`Verified`, `Not Verified`, `Not Applicable`, …).
    pub stir_verification: Option<String>,
}

/// The query string of one page request (the field names are Plivo's).
#[derive(Debug, Default, Serialize, PartialEq)]
#[allow(non_snake_case, missing_docs)]
pub struct Params {
    pub limit: u32,
    pub offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subaccount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_direction: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_call_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_duration: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_duration__gt: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_duration__gte: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_duration__lt: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_duration__lte: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time__gt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time__gte: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time__lt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time__lte: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hangup_cause_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hangup_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stir_verification: Option<String>,
}

/// Plivo's filter time format, UTC: `YYYY-MM-DD HH:MM:SS[.uuuuuu]`.
pub fn plivo_time(t: DateTime<Utc>) -> String {
    if t.timestamp_subsec_micros() == 0 {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }
}

/// Plivo writes numbers without the `+`.
fn number(n: &str) -> String {
    n.trim().trim_start_matches('+').to_string()
}

impl Params {
    /// The parameters of the page at `offset` of a resolved query (one
    /// window, page size clamped). The window `[since, until)` is sent as
    /// `end_time__gte = since` and `end_time__lte = until - 1µs`, so
    /// adjacent windows never both hold a call.
    pub fn new(q: &CallQuery, offset: u64) -> Self {
        let mut p = Params {
            limit: q.page_size.unwrap_or(20).clamp(1, 20),
            offset,
            ..Params::default()
        };
        p.call_direction = match q.direction {
            Some(Direction::Inbound) => Some("inbound"),
            Some(Direction::Outbound) => Some("outbound"),
            _ => None,
        };
        p.from_number = q.from.as_deref().map(number);
        p.to_number = q.to.as_deref().map(number);
        let mut gte = q.since;
        let mut lte = q.until.map(|u| u - chrono::Duration::microseconds(1));
        if let Some(f) = q.get_extension::<PlivoFilters>() {
            p.subaccount = f.subaccount.clone();
            p.parent_call_uuid = f.parent_call_uuid.clone();
            p.hangup_cause_code = f.hangup_cause_code;
            p.hangup_source = f.hangup_source.clone();
            p.stir_verification = f.stir_verification.clone();
            for c in &f.bill_duration {
                let (op, v) = c.parts();
                let slot = match op {
                    "" => &mut p.bill_duration,
                    "__gt" => &mut p.bill_duration__gt,
                    "__gte" => &mut p.bill_duration__gte,
                    "__lt" => &mut p.bill_duration__lt,
                    _ => &mut p.bill_duration__lte,
                };
                *slot = Some(*v);
            }
            for c in &f.end_time {
                match *c {
                    Cmp::Eq(v) => p.end_time = Some(plivo_time(v)),
                    Cmp::Gt(v) => p.end_time__gt = Some(plivo_time(v)),
                    Cmp::Lt(v) => p.end_time__lt = Some(plivo_time(v)),
                    Cmp::Gte(v) => gte = Some(gte.map_or(v, |g| g.max(v))),
                    Cmp::Lte(v) => lte = Some(lte.map_or(v, |l| l.min(v))),
                }
            }
        }
        p.end_time__gte = gte.map(plivo_time);
        p.end_time__lte = lte.map(plivo_time);
        p
    }
}

fn cmp<T>(op: &str, key: &str, x: T) -> Result<Cmp<T>, String> {
    match op {
        "" => Ok(Cmp::Eq(x)),
        "gt" => Ok(Cmp::Gt(x)),
        "gte" => Ok(Cmp::Gte(x)),
        "lt" => Ok(Cmp::Lt(x)),
        "lte" => Ok(Cmp::Lte(x)),
        _ => Err(format!(
            "unknown comparison {op:?} in {key:?} (use gt, gte, lt or lte)"
        )),
    }
}

/// Reads `--filter KEY=VALUE` pairs into [`PlivoFilters`] on the query.
pub fn apply_filters(q: &mut CallQuery, pairs: &[(String, String)]) -> Result<(), String> {
    let mut f = q
        .get_extension::<PlivoFilters>()
        .cloned()
        .unwrap_or_default();
    for (k, v) in pairs {
        let (field, op) = k.split_once("__").map_or((k.as_str(), ""), |(a, b)| (a, b));
        match field {
            // Plivo's own name for the direction calllogs filters in common.
            "call_direction" => q.direction = Some(v.parse()?),
            "subaccount" => f.subaccount = Some(v.clone()),
            "parent_call_uuid" => f.parent_call_uuid = Some(v.clone()),
            "hangup_source" => f.hangup_source = Some(v.clone()),
            "stir_verification" => f.stir_verification = Some(v.clone()),
            "hangup_cause_code" => {
                f.hangup_cause_code = Some(
                    v.parse()
                        .map_err(|_| format!("hangup_cause_code {v:?} is not a code"))?,
                )
            }
            "bill_duration" => {
                let secs = v
                    .parse()
                    .map_err(|_| format!("bill_duration {v:?} is not a number of seconds"))?;
                f.bill_duration.push(cmp(op, k, secs)?);
            }
            "end_time" => {
                let t = calllogs_core::parse::timestamp(v)
                    .ok_or_else(|| format!("end_time {v:?} is not a time"))?;
                f.end_time.push(cmp(op, k, t)?);
            }
            _ => {
                return Err(format!(
                    "plivo has no filter {k:?} (it has call_direction, subaccount, parent_call_uuid, bill_duration[__gt|__gte|__lt|__lte], \
                     end_time[__…], hangup_cause_code, hangup_source, stir_verification)"
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
    fn every_filter_form_serializes() {
        let since = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2026, 1, 8, 0, 0, 0).unwrap();
        let q = CallQuery::new()
            .since(since)
            .until(until)
            .direction(Direction::Outbound)
            .from_number("+1555")
            .to_number("15555550100")
            .page_size(50)
            .extension(PlivoFilters {
                subaccount: Some("SA0001".into()),
                parent_call_uuid: Some("p-1".into()),
                bill_duration: vec![Cmp::Gt(5), Cmp::Lte(600)],
                end_time: vec![Cmp::Lt(until)],
                hangup_cause_code: Some(4000),
                hangup_source: Some("Caller".into()),
                stir_verification: Some("Verified".into()),
            });
        assert_eq!(
            serde_json::to_value(Params::new(&q, 40)).unwrap(),
            json!({
                "limit": 20, "offset": 40, "subaccount": "SA0001", "call_direction": "outbound",
                "from_number": "1555", "to_number": "15555550100", "parent_call_uuid": "p-1",
                "bill_duration__gt": 5, "bill_duration__lte": 600,
                "end_time__lt": "2026-01-08 00:00:00",
                "end_time__gte": "2026-01-01 00:00:00", "end_time__lte": "2026-01-07 23:59:59.999999",
                "hangup_cause_code": 4000, "hangup_source": "Caller", "stir_verification": "Verified"
            })
        );
    }

    #[test]
    fn text_filters() {
        let mut q = CallQuery::new();
        let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
        apply_filters(
            &mut q,
            &[
                kv("bill_duration__gte", "60"),
                kv("bill_duration", "61"),
                kv("hangup_cause_code", "3000"),
            ],
        )
        .unwrap();
        let f = q.get_extension::<PlivoFilters>().unwrap();
        assert_eq!(f.bill_duration, [Cmp::Gte(60), Cmp::Eq(61)]);
        assert_eq!(f.hangup_cause_code, Some(3000));
        assert!(apply_filters(&mut q, &[kv("bill_duration__between", "1")]).is_err());
        assert!(
            apply_filters(&mut q, &[kv("colour", "red")])
                .unwrap_err()
                .contains("no filter")
        );
        assert!(apply_filters(&mut q, &[kv("end_time__gt", "noon")]).is_err());
    }
}
