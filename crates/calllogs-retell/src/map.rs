//! A Retell call -> the normalized [`Call`].

use calllogs_core::{Agent, Call, Cost, Direction, Hangup, Raw, Recording, Status, Turn};
use chrono::{DateTime, Utc};
use serde_json::value::RawValue;

use crate::raw::{RawCall, Utterance};

/// Maps one record (a list item or a get-call response); an error only
/// when it is not an object or has no `call_id`.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw
        .call_id
        .clone()
        .filter(|i| !i.trim().is_empty())
        .ok_or("the record has no call_id")?;
    let mut call = Call::new(crate::ID, id);
    let web = raw.call_type.as_deref() == Some("web_call");
    call.direction = match raw.direction.as_deref() {
        Some(d) => Direction::parse_loose(d),
        // A web call is started by the customer, from a browser or an app.
        None if web => Direction::Inbound,
        None => Direction::Unknown,
    };
    // Phone calls carry both numbers as they were dialled.
    call.from = raw
        .from_number
        .as_deref()
        .and_then(calllogs_core::parse::e164);
    call.to = raw
        .to_number
        .as_deref()
        .and_then(calllogs_core::parse::e164);
    let customer = match call.direction {
        Direction::Inbound => call.from.clone(),
        _ => call.to.clone(),
    };
    if customer.is_some() {
        call.contact = Some(calllogs_core::Contact::new(None, None, customer));
    }

    let ms = |v: Option<i64>| v.and_then(DateTime::<Utc>::from_timestamp_millis);
    call.started_at = ms(raw.start_timestamp);
    call.ended_at = ms(raw.end_timestamp);
    call.duration_s = raw
        .duration_ms
        .filter(|d| *d >= 0)
        .map(|d| (d + 500) / 1000)
        .or_else(|| {
            let secs = (call.ended_at? - call.started_at?).num_seconds();
            (secs >= 0).then_some(secs)
        });

    if raw.agent_id.is_some() || raw.agent_name.is_some() {
        let mut agent = Agent::new(raw.agent_id.clone(), raw.agent_name.clone());
        agent.kind = Some("ai".into());
        call.agents.push(agent);
    }
    for url in [&raw.recording_url, &raw.recording_multi_channel_url]
        .into_iter()
        .flatten()
        .filter(|u| !u.trim().is_empty())
    {
        call.recordings.push(Recording {
            id: None,
            url: Some(url.clone()),
        });
    }
    call.transcript = turns(&raw.transcript_object, call.started_at).or_else(|| {
        raw.transcript
            .clone()
            .filter(|t| !t.trim().is_empty())
            .map(|text| {
                vec![Turn {
                    speaker: None,
                    text,
                    at: None,
                }]
            })
    });
    call.analysis = calllogs_core::parse::analysis(raw.call_analysis.as_ref());
    // `combined_cost` is in cents: dollars, exactly, from its text.
    call.cost = raw
        .call_cost
        .as_ref()
        .and_then(|c| c.combined_cost)
        .and_then(calllogs_core::parse::decimal_text)
        .and_then(|cents| calllogs_core::parse::decimal_scaled_down(&cents, 2))
        .map(|dollars| Cost::new(dollars, "USD"));

    call.hangup = Hangup::resolve(None, raw.disconnection_reason.as_deref())
        .map(|h| h.oriented(call.direction));
    // Connected: the call lasted, or someone spoke (the list has no transcript).
    let connected = call.duration_s.is_some_and(|d| d > 0)
        || call.transcript.as_ref().is_some_and(|t| !t.is_empty());
    call.status = status(raw.call_status.as_deref(), call.hangup.as_ref(), connected);
    if call.status == Status::Completed && call.hangup.is_some() {
        call.answered_at = call.started_at;
        call.talk_time_s = call.duration_s;
    }
    call.raw = Raw::new(record);
    Ok(call)
}

/// `call_status` with the disconnection reason: a call that never
/// connected is no-answer, busy, canceled or failed by its reason.
fn status(call_status: Option<&str>, hangup: Option<&Hangup>, connected: bool) -> Status {
    match call_status.map(str::trim) {
        Some("not_connected") => hangup.map_or(Status::Failed, |h| {
            Status::from_cause(false, h.cause).refined_by(Some(h.cause))
        }),
        other => Status::of_voice_ai(other, hangup, connected),
    }
}

/// Utterances to speaker turns, each at its first word's time into the
/// call (when the call's start is known).
fn turns(utterances: &[Utterance], start: Option<DateTime<Utc>>) -> Option<Vec<Turn>> {
    let turns: Vec<Turn> = utterances
        .iter()
        .filter_map(|u| {
            let text = u.content.clone().filter(|t| !t.trim().is_empty())?;
            let at = u
                .words
                .first()
                .and_then(|w| w.start)
                .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e7)
                .zip(start)
                .map(|(s, t0)| t0 + chrono::Duration::milliseconds((s * 1000.0) as i64));
            Some(Turn {
                speaker: u.role.clone(),
                text,
                at,
            })
        })
        .collect();
    (!turns.is_empty()).then_some(turns)
}
