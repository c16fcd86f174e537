//! A Bland call (list item or detail) -> the normalized [`Call`].

use calllogs_core::{
    Agent, Call, Campaign, Cost, Direction, Hangup, HangupCause, HangupSource, Raw, Recording,
    Status, Turn,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::raw::RawCall;

/// Maps one record; an error only when it is not an object or has no
/// `call_id` (nor `c_id`).
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw
        .call_id
        .clone()
        .or(raw.c_id.clone())
        .filter(|i| !i.trim().is_empty())
        .ok_or("the record has no call_id")?;
    let mut call = Call::new(crate::ID, id);
    call.direction = match raw.inbound {
        Some(true) => Direction::Inbound,
        Some(false) => Direction::Outbound,
        None => Direction::Unknown,
    };
    // Bland writes US numbers with and without +1.
    call.from = raw
        .from
        .as_deref()
        .and_then(calllogs_core::parse::e164_nanp);
    call.to = raw.to.as_deref().and_then(calllogs_core::parse::e164_nanp);
    let customer = match call.direction {
        Direction::Inbound => call.from.clone(),
        _ => call.to.clone(),
    };
    if customer.is_some() {
        call.contact = Some(calllogs_core::Contact::new(None, None, customer));
    }
    call.started_at = raw.started_at.or(raw.created_at);
    call.ended_at = raw.end_at;
    // Seconds where Bland gives them; else the minutes, converted exactly.
    call.duration_s = raw
        .corrected_duration
        .as_deref()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(|s| s.round() as i64)
        .or_else(|| {
            raw.call_length
                .and_then(calllogs_core::parse::decimal_text)
                .and_then(|m| minutes_to_seconds(&m))
        });
    call.cost = raw
        .price
        .and_then(calllogs_core::parse::decimal_text)
        .map(|usd| Cost::new(usd, "USD"));
    call.campaign = raw
        .batch_id
        .clone()
        .filter(|b| !b.trim().is_empty())
        .map(|id| Campaign {
            id: Some(id),
            name: None,
        });
    if let Some(pathway) = raw.pathway_id.clone().filter(|p| !p.trim().is_empty()) {
        let mut agent = Agent::new(Some(pathway), None);
        agent.kind = Some("ai".into());
        call.agents.push(agent);
    }
    if let Some(url) = raw.recording_url.clone().filter(|u| !u.trim().is_empty()) {
        call.recordings.push(Recording {
            id: None,
            url: Some(url),
        });
    }
    call.transcript = turns(&raw);
    call.analysis = analysis(&raw);
    let (status, hangup) = outcome(&raw, call.direction, call.transcript.is_some());
    call.status = status;
    call.hangup = hangup;
    if call.status == Status::Completed {
        call.answered_at = call.started_at;
        call.talk_time_s = call.duration_s;
    }
    call.raw = Raw::new(record);
    Ok(call)
}

/// Minutes (a decimal's text) to whole seconds, rounded half up, exactly:
/// `0.834` minutes is 50 s, never 50.039999… truncated.
pub fn minutes_to_seconds(minutes: &str) -> Option<i64> {
    let plain = calllogs_core::parse::plain_decimal(minutes.trim())?;
    if plain.starts_with('-') {
        return None;
    }
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    // Sub-microsecond digits say nothing about whole seconds.
    let frac = &frac[..frac.len().min(12)];
    if int.len() > 12 {
        return None;
    }
    let scale = 10i128.pow(frac.len() as u32);
    let n: i128 = format!("{int}{frac}").parse().ok()?;
    Some(((n * 60 + scale / 2) / scale) as i64)
}

/// The status and the hangup of a call, from what Bland says of it: an
/// error message (free text), who answered, the status word, who ended it.
fn outcome(raw: &RawCall, direction: Direction, spoke: bool) -> (Status, Option<Hangup>) {
    let word = |s: &Option<String>| {
        s.as_deref()
            .map(|w| calllogs_core::parse::lower(w).into_owned())
    };
    let status = word(&raw.status);
    let queue = word(&raw.queue_status);
    let answered_by = word(&raw.answered_by);
    let error = raw
        .error_message
        .as_deref()
        .filter(|e| !e.trim().is_empty());
    let pending = |w: &Option<String>| {
        w.as_deref()
            .is_some_and(calllogs_core::parse::is_pending_status)
            || matches!(w.as_deref(), Some("started" | "allocated" | "new"))
    };
    if error.is_none() && raw.completed != Some(true) && (pending(&status) || pending(&queue)) {
        return (Status::InProgress, None);
    }
    if let Some(e) = error {
        let h = Hangup::from_text(e, direction);
        let cause = h.as_ref().map(|h| h.cause);
        let status = if spoke {
            Status::Completed
        } else {
            cause.map_or(Status::Failed, |c| {
                Status::from_cause(false, c).refined_by(Some(c))
            })
        };
        return (status, h);
    }
    if answered_by.as_deref() == Some("voicemail") {
        let h = Hangup::resolve(None, raw.answered_by.as_deref()).map(|h| h.oriented(direction));
        return (Status::Completed, h);
    }
    if matches!(
        status.as_deref(),
        Some("no-answer" | "no answer" | "busy" | "failed" | "canceled" | "cancelled")
    ) {
        let h = Hangup::from_text(raw.status.as_deref().unwrap_or_default(), direction);
        let s = if status.as_deref() == Some("failed") {
            Status::Failed
        } else {
            h.as_ref()
                .map_or(Status::Failed, |h| Status::from_cause(false, h.cause))
        };
        return (s, h);
    }
    if answered_by.as_deref() == Some("no-answer") {
        return (Status::NoAnswer, Hangup::resolve(None, Some("no-answer")));
    }
    // Ended: who ended it (ASSISTANT or USER), where Bland says.
    let ended_by = raw
        .call_ended_by
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty());
    let hangup = ended_by.map(|w| ended_by_hangup(w, direction));
    let done = raw.completed == Some(true)
        || matches!(status.as_deref(), Some("completed" | "complete"))
        || matches!(queue.as_deref(), Some("complete" | "completed"));
    (
        if done {
            Status::Completed
        } else {
            Status::Unknown
        },
        hangup,
    )
}

/// Who ended the call (`call_ended_by`): the agent, or the customer.
fn ended_by_hangup(who: &str, direction: Direction) -> Hangup {
    let (cause, source) = match calllogs_core::parse::lower(who).as_ref() {
        "assistant" | "agent" => (HangupCause::AgentHangup, HangupSource::Agent),
        "user" | "customer" => (
            HangupCause::NormalHangup,
            if direction == Direction::Outbound {
                HangupSource::Callee
            } else {
                HangupSource::Caller
            },
        ),
        _ => (HangupCause::Other, HangupSource::Unknown),
    };
    let mut h = Hangup::of(cause);
    h.source = source;
    h.provider_reason = Some(who.to_string());
    h
}

/// What the mapping makes of Bland's words alone (for `explain`): who
/// ended the call, else an error message or status word.
pub fn explain(words: &str) -> Option<Hangup> {
    let w = words.trim();
    if calllogs_core::parse::is_pending_status(w) {
        return None;
    }
    match calllogs_core::parse::lower(w).as_ref() {
        "assistant" | "agent" | "user" | "customer" => Some(ended_by_hangup(w, Direction::Inbound)),
        _ => Hangup::from_text(w, Direction::Inbound),
    }
}

/// Transcript lines to turns; else the whole text as one turn.
fn turns(raw: &RawCall) -> Option<Vec<Turn>> {
    let turns: Vec<Turn> = raw
        .transcripts
        .iter()
        .filter_map(|l| {
            Some(Turn {
                speaker: l.user.clone(),
                text: l.text.clone().filter(|t| !t.trim().is_empty())?,
                at: l.created_at,
            })
        })
        .collect();
    if !turns.is_empty() {
        return Some(turns);
    }
    raw.concatenated_transcript
        .clone()
        .filter(|t| !t.trim().is_empty())
        .map(|text| {
            vec![Turn {
                speaker: None,
                text,
                at: None,
            }]
        })
}

/// The summary, the variables and where the call was transferred.
fn analysis(raw: &RawCall) -> Option<Value> {
    let mut a = Map::new();
    if let Some(s) = raw.summary.clone().filter(|s| !s.trim().is_empty()) {
        a.insert("summary".into(), Value::String(s));
    }
    if let Some(v) = raw.variables.clone().filter(|v| !v.is_null()) {
        a.insert("variables".into(), v);
    }
    if let Some(t) = raw.transferred_to.clone().filter(|t| !t.trim().is_empty()) {
        a.insert("transferred_to".into(), Value::String(t));
    }
    (!a.is_empty()).then_some(Value::Object(a))
}

#[cfg(test)]
mod tests {
    use super::minutes_to_seconds;

    #[test]
    fn minutes_become_whole_seconds_without_drift() {
        assert_eq!(minutes_to_seconds("0.834"), Some(50));
        assert_eq!(minutes_to_seconds("1"), Some(60));
        assert_eq!(minutes_to_seconds("0.0083333"), Some(0));
        assert_eq!(minutes_to_seconds("0.0084"), Some(1), "0.504 s rounds up");
        assert_eq!(minutes_to_seconds("2.5e1"), Some(1500));
        assert_eq!(minutes_to_seconds("-1"), None);
        assert_eq!(minutes_to_seconds("1e40"), None);
        // 0.1 + 0.2 style: a float would make 17.999… and truncate to 17.
        assert_eq!(minutes_to_seconds("0.3"), Some(18));
    }
}
