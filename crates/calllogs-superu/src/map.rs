//! A SuperU call → the normalized [`Call`].

use calllogs_core::{Agent, Call, Campaign, Cost, Direction, Recording, Turn};
use serde_json::value::RawValue;

use crate::raw::{RawCall, Transcript};

/// Maps one record; an error only when it is not an object or has no id.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw.id.clone().ok_or("the record has no id")?;
    let mut call = Call::new(crate::ID, id);

    let kind = calllogs_core::parse::lower(raw.kind.as_deref().unwrap_or(""));
    call.direction = if kind.contains("inbound") {
        Direction::Inbound
    } else if kind.contains("outbound") {
        Direction::Outbound
    } else {
        Direction::parse_loose(&kind)
    };
    let customer = raw
        .customer
        .as_ref()
        .and_then(|c| c.number.clone())
        .or(raw.customer_number.clone());
    let ours = raw
        .phone_number
        .as_ref()
        .and_then(|p| p.number.clone())
        .or(raw.from_number.clone());
    call.set_customer_and_line(
        customer.as_deref(),
        raw.customer.as_ref().and_then(|c| c.name.clone()),
        ours.as_deref(),
    );

    call.started_at = raw.started_at.or(raw.created_at);
    call.ended_at = raw.ended_at;
    call.duration_s = raw.duration_seconds.filter(|d| *d >= 0).or_else(|| {
        let (s, e) = (raw.started_at?, raw.ended_at?);
        let secs = (e - s).num_seconds();
        (secs >= 0).then_some(secs)
    });

    let assistant_id = raw
        .assistant_id
        .clone()
        .or_else(|| raw.assistant.as_ref().and_then(|a| a.id.clone()));
    let assistant_name = raw.assistant.as_ref().and_then(|a| a.name.clone());
    if assistant_id.is_some() || assistant_name.is_some() {
        let mut agent = Agent::new(assistant_id, assistant_name);
        agent.kind = Some("ai".into());
        call.agents.push(agent);
    }
    if raw.campaign_id.is_some() || raw.campaign_name.is_some() {
        call.campaign = Some(Campaign {
            id: raw.campaign_id.clone(),
            name: raw.campaign_name.clone(),
        });
    }

    let artifact = raw.artifact.as_ref();
    let urls = [
        raw.recording_url.clone(),
        raw.stereo_recording_url.clone(),
        artifact.and_then(|a| a.recording_url.clone()),
        artifact.and_then(|a| a.stereo_recording_url.clone()),
    ];
    for url in urls.into_iter().flatten() {
        if !call
            .recordings
            .iter()
            .any(|r| r.url.as_deref() == Some(url.as_str()))
        {
            call.recordings.push(Recording {
                id: None,
                url: Some(url),
            });
        }
    }

    call.transcript = raw.transcript.or(raw.messages).map(transcript);
    call.analysis = match (&raw.analysis, &raw.summary) {
        (Some(a), _) if !a.is_null() => Some(a.clone()),
        (_, Some(s)) => Some(serde_json::json!({ "summary": s })),
        _ => None,
    };
    call.cost = raw
        .cost
        .and_then(calllogs_core::parse::decimal_text)
        .map(|amount| Cost::new(amount, "USD"));
    call.set_voice_ai_end(raw.status.as_deref(), raw.ended_reason.as_deref());
    call.raw = calllogs_core::Raw::new(record);
    Ok(call)
}

/// Speaker turns from messages (the system prompt left out), or one turn
/// from a single string.
fn transcript(t: Transcript) -> Vec<Turn> {
    match t {
        Transcript::Text(text) => vec![Turn {
            speaker: None,
            text,
            at: None,
        }],
        Transcript::Messages(messages) => messages
            .into_iter()
            // The system prompt is configuration, not something said.
            .filter(|m| m.role.as_deref() != Some("system"))
            .filter_map(|m| {
                Some(Turn {
                    speaker: m.role,
                    text: m.content?,
                    at: m.created_at,
                })
            })
            .collect(),
    }
}
