//! A Vonage call leg -> the normalized [`Call`].

use calllogs_core::{Call, Cost, Direction, Hangup, HangupCause, HangupSource, Raw, Status};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::raw::{Endpoint, RawCall};

/// Vonage's terminal statuses and what they are (`started`, `ringing`,
/// `answered` and `machine` are not ends).
const ENDS: &[(&str, Status, HangupCause)] = &[
    ("completed", Status::Completed, HangupCause::NormalHangup),
    ("busy", Status::Busy, HangupCause::BusyLine),
    ("cancelled", Status::Canceled, HangupCause::Canceled),
    ("rejected", Status::Failed, HangupCause::Rejected),
    ("timeout", Status::NoAnswer, HangupCause::RingTimeoutReached),
    ("unanswered", Status::NoAnswer, HangupCause::NoAnswer),
];

/// Maps one leg; an error only when it is not an object or has no uuid.
/// `currency` is the account's (the record does not say it).
pub fn call(record: &RawValue, currency: &str) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw
        .uuid
        .clone()
        .filter(|i| !i.trim().is_empty())
        .ok_or("the record has no uuid")?;
    let mut call = Call::new(crate::ID, id);
    call.parent_id = raw
        .conversation_uuid
        .clone()
        .filter(|c| !c.trim().is_empty());
    call.direction = match raw
        .direction
        .as_deref()
        .map(calllogs_core::parse::lower)
        .as_deref()
    {
        Some("inbound") => Direction::Inbound,
        Some("outbound") => Direction::Outbound,
        _ => Direction::Unknown,
    };
    call.from = raw.from.as_ref().and_then(address);
    call.to = raw.to.as_ref().and_then(address);
    call.started_at = raw.start_time;
    call.ended_at = raw.end_time;
    call.duration_s = raw.duration.filter(|d| *d >= 0);
    call.cost = raw
        .price
        .and_then(calllogs_core::parse::decimal_text)
        .map(|amount| Cost::new(amount, currency));
    let (status, hangup) = outcome(raw.status.as_deref());
    call.status = status;
    call.hangup = hangup;
    if status == Status::Completed {
        call.answered_at = call.started_at;
        call.talk_time_s = call.duration_s;
    }
    let mut analysis = serde_json::Map::new();
    if let Some(rate) = raw.rate.and_then(calllogs_core::parse::decimal_text) {
        analysis.insert("rate_per_minute".into(), Value::String(rate));
    }
    if let Some(network) = raw.network.clone().filter(|n| !n.trim().is_empty()) {
        analysis.insert("network".into(), Value::String(network));
    }
    call.analysis = (!analysis.is_empty()).then_some(Value::Object(analysis));
    call.raw = Raw::new(record);
    Ok(call)
}

/// An endpoint as one address: a phone number to E.164 (Vonage writes it
/// without its `+`), a SIP or WebSocket URI, a VBC extension (`vbc:…`).
fn address(e: &Endpoint) -> Option<String> {
    let text = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    match e
        .kind
        .as_deref()
        .map(calllogs_core::parse::lower)
        .as_deref()
    {
        Some("sip" | "websocket") => text(&e.uri),
        // In-app endpoints: the official SDK's models have no field for them.
        Some("app") => None,
        Some("vbc") => text(&e.extension).map(|x| format!("vbc:{x}")),
        // Phone numbers come without their `+`; e164 reads digits as E.164.
        _ => text(&e.number)
            .and_then(|n| calllogs_core::parse::e164(&n))
            .or_else(|| text(&e.uri)),
    }
}

fn outcome(status: Option<&str>) -> (Status, Option<Hangup>) {
    let Some(word) = status.map(str::trim).filter(|s| !s.is_empty()) else {
        return (Status::Unknown, None);
    };
    if transient(word) {
        return (Status::InProgress, None);
    }
    // Vonage's list does not say who hung up; a cancel is the caller's.
    let h = explain(word);
    let status = ENDS
        .iter()
        .find(|(w, _, _)| calllogs_core::parse::lower(word) == *w)
        .map_or(Status::Failed, |(_, s, _)| *s);
    (status, h)
}

/// What a status word means (for `explain` and the mapping): the six
/// terminal statuses with a cause, `failed` and unknown words as `other`
/// with the words kept; `None` for a status that is not an end.
pub fn explain(words: &str) -> Option<Hangup> {
    let w = words.trim();
    let folded = calllogs_core::parse::lower(w);
    if transient(w) {
        return None;
    }
    let mut h = match ENDS.iter().find(|(k, _, _)| *k == folded) {
        Some((_, _, cause)) => Hangup::of(*cause),
        None => Hangup::of(HangupCause::Other),
    };
    if h.cause == HangupCause::Canceled {
        h.source = HangupSource::Caller;
    }
    h.provider_reason = Some(w.to_string());
    Some(h)
}

/// A status a leg passes through (`started`, `ringing`, `answered`, and
/// `machine`, an answering machine detected mid-call), not an end.
fn transient(word: &str) -> bool {
    calllogs_core::parse::is_pending_status(word)
        || matches!(
            calllogs_core::parse::lower(word.trim()).as_ref(),
            "started" | "answered" | "machine"
        )
}
