//! A Twilio call resource -> the normalized [`Call`].

use calllogs_core::{Call, Cost, Direction, Hangup, HangupCause, Raw, Status};
use serde_json::value::RawValue;

use crate::raw::RawCall;

/// Maps one record; an error only when it is not an object or has no sid.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw
        .sid
        .filter(|s| !s.trim().is_empty())
        .ok_or("the record has no sid")?;
    let mut call = Call::new(crate::ID, id);
    call.parent_id = raw.parent_call_sid.filter(|s| !s.is_empty());
    call.direction = direction(raw.direction.as_deref());
    // `client:alice`, `sip:…` and short codes stay as given.
    let number = |n: Option<String>| {
        n.filter(|s| !s.trim().is_empty())
            .map(|s| calllogs_core::parse::e164(&s).unwrap_or(s))
    };
    call.from = number(raw.from);
    call.to = number(raw.to);
    call.started_at = raw.start_time.or(raw.date_created);
    call.ended_at = raw.end_time;
    call.duration_s = raw.duration.filter(|d| *d >= 0);
    call.status = status(raw.status.as_deref());
    call.hangup = hangup(raw.status.as_deref(), raw.answered_by.as_deref());
    call.cost = cost(raw.price, raw.price_unit.as_deref());
    // The contact is the other party: the caller of an inbound call (with
    // the caller name Twilio looked up), the called party of an outbound one.
    let (customer, name) = match call.direction {
        Direction::Inbound => (call.from.clone(), raw.caller_name),
        Direction::Outbound => (call.to.clone(), None),
        _ => (None, None),
    };
    let name = name.filter(|n| !n.trim().is_empty());
    if customer.is_some() || name.is_some() {
        call.contact = Some(calllogs_core::Contact::new(None, name, customer));
    }
    call.raw = Raw::new(record);
    Ok(call)
}

/// `inbound`; `outbound-api` and `outbound-dial`; over Elastic SIP
/// Trunking, `trunking-originating` (from the PSTN into the trunk) and
/// `trunking-terminating` (from the trunk out to the PSTN).
fn direction(d: Option<&str>) -> Direction {
    match d.map(str::trim) {
        Some("inbound" | "trunking-originating") => Direction::Inbound,
        Some(d) if d.starts_with("outbound") || d == "trunking-terminating" => Direction::Outbound,
        _ => Direction::Unknown,
    }
}

fn status(s: Option<&str>) -> Status {
    match s.map(str::trim) {
        Some("completed") => Status::Completed,
        Some("busy") => Status::Busy,
        Some("no-answer") => Status::NoAnswer,
        Some("canceled") => Status::Canceled,
        Some("failed") => Status::Failed,
        Some("queued" | "ringing" | "in-progress" | "initiated") => Status::InProgress,
        _ => Status::Unknown,
    }
}

/// Twilio's call has no hangup cause: it is derived from the status (and
/// answering machine detection), the status kept as the provider's words.
/// `None` for a status that is not an end (`queued`, `ringing`,
/// `in-progress`, `initiated`). `failed` is Twilio's "could not be completed
/// as dialed, most likely because the phone number was non-existent": a
/// destination issue. `answered_by` says machine only of an answered
/// (`completed`) call: on any other it is ignored.
pub(crate) fn hangup(status: Option<&str>, answered_by: Option<&str>) -> Option<Hangup> {
    let status = status.map(str::trim).filter(|s| !s.is_empty())?;
    let machine = status == "completed" && answered_by.is_some_and(is_machine);
    let cause = match status {
        _ if machine => HangupCause::MachineDetected,
        "completed" => HangupCause::NormalHangup,
        "busy" => HangupCause::BusyLine,
        "no-answer" => HangupCause::NoAnswer,
        "canceled" => HangupCause::Canceled,
        "failed" => HangupCause::InvalidDestinationAddress,
        "queued" | "ringing" | "in-progress" | "initiated" => return None,
        _ => HangupCause::Other,
    };
    let mut h = Hangup::of(cause);
    // The words the cause comes from: the machine's, or the status.
    h.provider_reason = Some(match answered_by {
        Some(a) if machine => a.trim().to_string(),
        _ => status.to_string(),
    });
    Some(h)
}

/// Whether an `answered_by` word says a machine (or a fax) answered.
pub(crate) fn is_machine(answered_by: &str) -> bool {
    let a = answered_by.trim();
    a.starts_with("machine") || a == "fax"
}

/// Twilio writes what a call cost as a negative amount (`"-0.01700"`): the
/// cost is its absolute value, as the exact decimal string.
fn cost(price: Option<&RawValue>, unit: Option<&str>) -> Option<Cost> {
    let price = calllogs_core::parse::decimal_text(price?)?;
    let amount = price.strip_prefix('-').unwrap_or(&price);
    let currency = unit
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or("USD");
    Some(Cost::new(amount, currency.to_ascii_uppercase()))
}
