//! An Unpod call log → the normalized [`Call`].

use calllogs_core::parse::e164;
use calllogs_core::{Call, Direction, Hangup, Raw, Status};
use serde_json::value::RawValue;

use crate::raw::RawCall;

/// Maps one record; an error only when it is not an object or has no id.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw.id.clone().ok_or("the record has no id")?;
    let mut call = Call::new(crate::ID, id);
    call.direction = raw
        .call_type
        .as_deref()
        .map_or(Direction::Unknown, Direction::parse_loose);
    call.from = raw.source_number.as_deref().and_then(e164);
    call.to = raw.destination_number.as_deref().and_then(e164);
    call.started_at = raw.start_time.or(raw.creation_time);
    call.ended_at = raw.end_time;
    call.duration_s = raw.call_duration;
    call.hangup =
        Hangup::resolve(None, raw.end_reason.as_deref()).map(|h| h.oriented(call.direction));
    let cause = call.hangup.as_ref().map(|h| h.cause);
    call.status = match raw
        .call_status
        .as_deref()
        .map(calllogs_core::parse::lower)
        .as_deref()
    {
        Some("completed" | "answered" | "success") => Status::Completed,
        Some("missed") if call.direction == Direction::Outbound => Status::NoAnswer,
        Some("missed") => Status::Missed,
        Some("failed") => Status::Failed.refined_by(cause),
        Some("busy") => Status::Busy,
        Some("no_answer" | "no-answer" | "noanswer") => Status::NoAnswer,
        Some("canceled" | "cancelled") => Status::Canceled,
        Some("in_progress" | "in-progress" | "ongoing" | "ringing" | "queued") => {
            Status::InProgress
        }
        _ => Status::Unknown,
    };
    call.raw = Raw::new(record);
    Ok(call)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn duration(v: serde_json::Value) -> Option<i64> {
        let text = json!({"id": "x", "call_duration": v}).to_string();
        let raw: Box<RawValue> = serde_json::from_str(&text).unwrap();
        call(&raw).unwrap().duration_s
    }

    #[test]
    fn durations_in_every_form() {
        assert_eq!(duration(json!("0:05:25")), Some(325));
        assert_eq!(duration(json!(207)), Some(207));
        assert_eq!(duration(json!("207")), Some(207));
        assert_eq!(duration(json!("00:00:00")), Some(0));
        assert_eq!(duration(json!("25:00:01")), Some(90_001));
        assert_eq!(duration(json!("03:07")), Some(187));
        for bad in [
            json!("1:75:00"),
            json!("abc"),
            json!(-1),
            json!(null),
            json!(1.5),
            json!({"s": 1}),
        ] {
            assert_eq!(duration(bad.clone()), None, "{bad}");
        }
    }
}
