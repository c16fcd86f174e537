//! A Plivo call record → the normalized [`Call`].

use calllogs_core::parse::e164;
use calllogs_core::{Call, Cost, Direction, Hangup, HangupSource, Raw, Status};
use serde_json::value::RawValue;

use crate::raw::RawCall;

/// Maps one record; an error only when the record is not an object or has
/// no `call_uuid`.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw.call_uuid.clone().ok_or("the record has no call_uuid")?;
    let mut call = Call::new(crate::ID, id);
    call.parent_id = raw.parent_call_uuid;
    call.direction = raw
        .call_direction
        .as_deref()
        .map_or(Direction::Unknown, Direction::parse_loose);
    call.from = raw.from_number.as_deref().and_then(e164);
    call.to = raw.to_number.as_deref().and_then(e164);
    call.started_at = raw.initiation_time;
    call.answered_at = raw.answer_time;
    call.ended_at = raw.end_time;
    call.duration_s = raw.call_duration.filter(|d| *d >= 0);
    // What Plivo billed is `billed_duration`, the call rounded up to the
    // billing increment (its SDK fixture: call 924 s, bill 924, billed 960 =
    // 16 minutes at the per-minute rate); `bill_duration` stays in `raw` and
    // is used only when `billed_duration` is absent.
    call.billed_duration_s = raw
        .billed_duration
        .or(raw.bill_duration)
        .filter(|d| *d >= 0);
    call.cost = raw.total_amount.map(|a| Cost::new(a, "USD"));
    call.hangup = hangup(
        raw.hangup_cause_code.as_deref(),
        raw.hangup_cause_name.as_deref(),
    )
    .map(|h| {
        h.with_source(
            raw.hangup_source
                .as_deref()
                .map_or(HangupSource::Unknown, HangupSource::parse_loose),
        )
    });
    let answered = raw.answer_time.is_some();
    call.status = match raw
        .call_state
        .as_deref()
        .map(calllogs_core::parse::lower)
        .as_deref()
    {
        Some("in-progress" | "in_progress" | "ringing" | "queued" | "early media") => {
            Status::InProgress
        }
        Some("busy") => Status::Busy,
        Some("no-answer" | "no_answer" | "noanswer" | "timeout" | "expired") => Status::NoAnswer,
        Some("cancel" | "canceled" | "cancelled") => Status::Canceled,
        Some("failed" | "error") => Status::Failed,
        // ANSWER and the rest: decided by whether it was answered and why it ended.
        _ => Status::from_cause(
            answered,
            call.hangup
                .as_ref()
                .map_or(calllogs_core::HangupCause::Unknown, |h| h.cause),
        ),
    };
    call.raw = Raw::new(record);
    Ok(call)
}

/// Plivo's `hangup_cause_code` (its own numbering, read first) and
/// `hangup_cause_name`: what the mapping and `explain` both use.
pub(crate) fn hangup(code: Option<&str>, name: Option<&str>) -> Option<Hangup> {
    Hangup::resolve(code, name)
}
