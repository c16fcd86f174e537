//! A Telnyx voice detail record -> the normalized [`Call`].

use calllogs_core::{Call, Cost, Direction, Hangup, HangupCause, HangupSource, Named, Raw, Status};
use serde_json::value::RawValue;

use crate::raw::RawCall;

/// Telnyx's `hangup_cause` words that the taxonomy's names do not already
/// say (its Q.850-style names, `normal_clearing`, `user_busy`,
/// `call_rejected`, `originator_cancel`, `no_answer`, are in core's table).
const CAUSES: &[(&str, HangupCause)] = &[
    // The destination rang until Telnyx gave up.
    ("timeout", HangupCause::RingTimeoutReached),
    ("time_limit", HangupCause::ScheduledHangup),
    ("not_found", HangupCause::UnallocatedNumber),
    ("unspecified", HangupCause::Unknown),
];

/// Maps one record; an error only when it is not an object or has no id.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let text = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    // The leg id, which the call.hangup webhook carries too; the record's
    // own id only where no leg id is written.
    let id = text(&raw.call_leg_id)
        .or_else(|| text(&raw.telnyx_leg_id))
        .or_else(|| text(&raw.id))
        .ok_or("the record has no call_leg_id (nor id)")?;
    let mut call = Call::new(crate::ID, id);
    call.parent_id = text(&raw.call_session_id).or_else(|| text(&raw.session_id));
    call.direction = match raw
        .direction
        .as_deref()
        .map(calllogs_core::parse::lower)
        .as_deref()
    {
        Some("inbound" | "incoming") => Direction::Inbound,
        Some("outbound" | "outgoing") => Direction::Outbound,
        _ => Direction::Unknown,
    };
    call.from = raw.cli.as_deref().and_then(calllogs_core::parse::e164);
    call.to = raw.cld.as_deref().and_then(calllogs_core::parse::e164);
    call.started_at = raw.started_at.or(raw.created_at);
    call.ended_at = raw.finished_at;
    call.duration_s = match (call.started_at, call.ended_at) {
        (Some(s), Some(e)) if e >= s => Some((e - s).num_seconds()),
        _ => None,
    };
    // No answered flag exists: talk seconds say it.
    let talk = raw.call_sec.filter(|s| *s >= 0);
    call.talk_time_s = talk;
    call.billed_duration_s = raw.billed_sec.filter(|s| *s >= 0);
    let answered = talk.is_some_and(|s| s > 0);
    call.answered_at = raw.answered_at.or_else(|| {
        let (end, talk) = (call.ended_at?, talk?);
        answered.then(|| end - chrono::Duration::seconds(talk))
    });
    call.cost = raw
        .cost
        .and_then(calllogs_core::parse::decimal_text)
        .map(|amount| Cost::new(amount, text(&raw.currency).unwrap_or_else(|| "USD".into())));
    call.queue = (raw.connection_id.is_some() || raw.connection_name.is_some()).then(|| Named {
        id: raw.connection_id.clone(),
        name: raw.connection_name.clone(),
    });
    call.tags = raw
        .tags
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    call.hangup = hangup(&raw);
    call.status = if answered {
        Status::Completed
    } else if call.ended_at.is_none() {
        Status::Unknown
    } else {
        match &call.hangup {
            Some(h) if !matches!(h.cause, HangupCause::Unknown | HangupCause::Other) => {
                Status::from_cause(false, h.cause).refined_by(Some(h.cause))
            }
            // Ended, nothing connected, no reason given.
            _ => Status::NoAnswer,
        }
    };
    call.raw = Raw::new(record);
    Ok(call)
}

/// The hangup: `hangup_cause` (where the record has it) says the cause;
/// where it does not, or says nothing the taxonomy knows, the SIP response
/// code (`sip_hangup_cause`) does; `hangup_source` says who. (The words'
/// cause keeps its own SIP code: `explain` of the same words gives the
/// same hangup; the record's code stays in `raw`.)
fn hangup(raw: &RawCall) -> Option<Hangup> {
    let words = raw
        .hangup_cause
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty());
    let sip = raw
        .sip_hangup_cause
        .as_deref()
        .map(str::trim)
        .filter(|s| sip_code(s).is_some());
    let mut h = match (words.and_then(explain), sip) {
        (Some(h), Some(code)) if matches!(h.cause, HangupCause::Unknown | HangupCause::Other) => {
            let mut by_code = explain(code)?;
            by_code.provider_reason = h.provider_reason;
            by_code
        }
        (Some(h), _) => h,
        (None, Some(code)) => explain(code)?,
        (None, None) => return None,
    };
    h.source = match raw
        .hangup_source
        .as_deref()
        .map(calllogs_core::parse::lower)
        .as_deref()
    {
        Some("caller") => HangupSource::Caller,
        Some("callee") => HangupSource::Callee,
        _ => h.source,
    };
    Some(h)
}

/// A SIP response code (100 to 699).
fn sip_code(text: &str) -> Option<u16> {
    text.parse::<u16>().ok().filter(|c| (100..700).contains(c))
}

/// What a `hangup_cause` (or a `sip_hangup_cause` code) means, for
/// `explain` and the mapping: a SIP code by the taxonomy's SIP table,
/// Telnyx's own words, then the taxonomy's names (`other`, words kept);
/// `None` for a status that is not an end.
pub fn explain(words: &str) -> Option<Hangup> {
    let w = words.trim();
    if calllogs_core::parse::is_pending_status(w) {
        return None;
    }
    if let Some(code) = sip_code(w) {
        // A SIP response code (`sip_hangup_cause`).
        let mut h = Hangup::of(HangupCause::from_sip(code)?);
        h.sip = Some(code);
        h.provider_code = Some(w.to_string());
        return Some(h);
    }
    let folded = calllogs_core::parse::lower(w);
    if let Some((_, cause)) = CAUSES.iter().find(|(k, _)| *k == folded) {
        let mut h = Hangup::of(*cause);
        h.provider_reason = Some(w.to_string());
        return Some(h);
    }
    Hangup::resolve(None, Some(w))
}
