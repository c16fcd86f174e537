//! An ElevenLabs conversation (list summary or detail) -> the normalized [`Call`].

use calllogs_core::{Agent, Call, Cost, Direction, Hangup, Raw, Status, Turn};
use chrono::{DateTime, Duration, Utc};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::raw::RawConversation;

/// Maps one conversation; an error only when it is not an object or has
/// no `conversation_id`.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawConversation = calllogs_core::parse::record(record)?;
    let id = raw
        .conversation_id
        .clone()
        .filter(|i| !i.trim().is_empty())
        .ok_or("the record has no conversation_id")?;
    let mut call = Call::new(crate::ID, id);
    let meta = raw.metadata.as_ref();
    let phone = meta.and_then(|m| m.phone_call.as_ref());

    call.direction = match phone
        .and_then(|p| p.direction.as_deref())
        .or(raw.direction.as_deref())
    {
        Some(d) => Direction::parse_loose(d),
        // A widget or SDK conversation is started by the customer.
        None if raw.metadata.is_some() => Direction::Inbound,
        None => Direction::Unknown,
    };
    // A SIP trunk may write a North American number without its +1.
    let nanp = |n: Option<&String>| n.and_then(|n| calllogs_core::parse::e164_nanp(n));
    call.set_customer_and_line(
        nanp(phone.and_then(|p| p.external_number.as_ref())).as_deref(),
        None,
        nanp(phone.and_then(|p| p.agent_number.as_ref())).as_deref(),
    );
    // The carrier's own call (Twilio's `CA…`, the SIP trunk's id): this
    // conversation is a leg of it.
    call.parent_id = phone
        .and_then(|p| p.call_sid.clone())
        .filter(|s| !s.trim().is_empty());

    let secs = |v: Option<i64>| v.and_then(calllogs_core::parse::epoch_seconds);
    call.started_at = secs(
        meta.and_then(|m| m.start_time_unix_secs)
            .or(raw.start_time_unix_secs),
    );
    let accepted = secs(meta.and_then(|m| m.accepted_time_unix_secs));
    call.duration_s = meta
        .and_then(|m| m.call_duration_secs)
        .or(raw.call_duration_secs)
        .filter(|d| *d >= 0);
    let status_word = raw.status.as_deref().map(str::trim);
    let ended = matches!(status_word, Some("done" | "failed" | "processing"));
    if ended {
        call.ended_at = call
            .started_at
            .zip(call.duration_s)
            .map(|(t, d)| t + Duration::seconds(d));
    }

    if raw.agent_id.is_some() || raw.agent_name.is_some() {
        let mut agent = Agent::new(raw.agent_id.clone(), raw.agent_name.clone());
        agent.kind = Some("ai".into());
        // Credits are ElevenLabs' own unit, not money: kept beside the agent.
        if let Some(credits) = meta.and_then(|m| m.cost) {
            agent.extra = Some(json!({ "credits": credits }));
        }
        call.agents.push(agent);
    }
    call.transcript = turns(&raw, call.started_at);
    call.analysis = analysis(&raw);
    call.cost = meta
        .and_then(|m| m.cost_fiat)
        .and_then(calllogs_core::parse::decimal_text)
        .map(|usd| Cost::new(usd, "USD"));

    let error = meta.and_then(|m| m.error.as_ref());
    let reason = meta
        .and_then(|m| m.termination_reason.clone())
        .or(raw.termination_reason.clone())
        .filter(|r| !r.trim().is_empty())
        .or_else(|| error.and_then(|e| e.reason.clone()));
    // The error's code is a connection close code, not a reason: it
    // stays in the record as sent.
    call.hangup = reason
        .as_deref()
        .and_then(|r| Hangup::from_text(r, call.direction));
    // Connected: the call was accepted, or someone spoke (a duration alone
    // may be ringing).
    let connected = accepted.is_some() || call.transcript.as_ref().is_some_and(|t| !t.is_empty());
    call.status = match status_word {
        Some("initiated" | "in-progress") => Status::InProgress,
        // Ended; the analysis is still being written.
        Some("processing" | "done") => {
            Status::of_voice_ai(Some("ended"), call.hangup.as_ref(), connected)
        }
        Some("failed") => match call.hangup.as_ref() {
            Some(h) if !connected => Status::from_cause(false, h.cause).refined_by(Some(h.cause)),
            _ => Status::Failed,
        },
        other => Status::of_voice_ai(other, call.hangup.as_ref(), connected),
    };
    if call.status == Status::Completed {
        call.answered_at = accepted.or(call.started_at);
        call.talk_time_s = call.duration_s;
    }
    call.raw = Raw::new(record);
    Ok(call)
}

/// Turns with their seconds into the call.
fn turns(raw: &RawConversation, start: Option<DateTime<Utc>>) -> Option<Vec<Turn>> {
    let turns: Vec<Turn> = raw
        .transcript
        .iter()
        .filter_map(|t| {
            let text = t.message.clone().filter(|m| !m.trim().is_empty())?;
            let at = t
                .time_in_call_secs
                .filter(|s| (0..10_000_000).contains(s))
                .zip(start)
                .map(|(s, t0)| t0 + Duration::seconds(s));
            Some(Turn {
                speaker: t.role.clone(),
                text,
                at,
            })
        })
        .collect();
    (!turns.is_empty()).then_some(turns)
}

/// The detail's `analysis` as given (evaluation and data-collection
/// results included); a list summary's own fields otherwise.
fn analysis(raw: &RawConversation) -> Option<Value> {
    if let Some(a) = raw.analysis.clone().filter(|a| a.is_object()) {
        return Some(a);
    }
    let mut a = Map::new();
    for (k, v) in [
        ("call_successful", &raw.call_successful),
        ("transcript_summary", &raw.transcript_summary),
        ("call_summary_title", &raw.call_summary_title),
    ] {
        if let Some(v) = v {
            a.insert(k.into(), Value::String(v.clone()));
        }
    }
    (!a.is_empty()).then_some(Value::Object(a))
}

/// What the mapping makes of a termination reason alone (for `explain`).
pub fn explain(reason: &str) -> Option<Hangup> {
    // A status word that is not an end is not a reason.
    if calllogs_core::parse::is_pending_status(reason) {
        return None;
    }
    Hangup::from_text(reason, Direction::Inbound)
}
