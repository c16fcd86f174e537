//! A SuperU call → the normalized [`Call`].

use calllogs_core::{Agent, Call, Campaign, Cost, Direction, Recording, Turn};
use serde_json::value::RawValue;

use crate::raw::{RawCall, Transcript, first};

/// Maps one record; an error only when it is not an object or has no id.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = first(&[&raw.id, &raw.call_id, &raw.call_id_camel, &raw.call_uuid])
        .ok_or("the record has no id")?;
    let mut call = Call::new(crate::ID, id);

    let kind = first(&[&raw.kind, &raw.call_type, &raw.direction]);
    let kind = calllogs_core::parse::lower(kind.as_deref().unwrap_or(""));
    call.direction = if kind.contains("inbound") {
        Direction::Inbound
    } else if kind.contains("outbound") {
        Direction::Outbound
    } else {
        Direction::parse_loose(&kind)
    };
    let customer = raw.customer.as_ref().and_then(|c| c.number()).or_else(|| {
        first(&[
            &raw.customer_number_camel,
            &raw.customer_number,
            &raw.to_number,
        ])
    });
    let line = raw
        .phone_number_camel
        .as_ref()
        .or(raw.phone_number.as_ref());
    let ours = line
        .and_then(|p| p.number())
        .or_else(|| first(&[&raw.from_number_camel, &raw.from_number]));
    call.set_customer_and_line(
        customer.as_deref(),
        raw.customer.as_ref().and_then(|c| c.name.clone()),
        ours.as_deref(),
    );

    let started = first(&[&raw.started_at_camel, &raw.started_at]);
    let ended = first(&[&raw.ended_at_camel, &raw.ended_at]);
    call.started_at = started.or_else(|| first(&[&raw.created_at_camel, &raw.created_at]));
    call.ended_at = ended;
    let duration = first(&[
        &raw.duration_seconds_camel,
        &raw.duration,
        &raw.duration_seconds,
    ]);
    call.duration_s = duration.filter(|d| *d >= 0).or_else(|| {
        let (s, e) = (started?, ended?);
        let secs = (e - s).num_seconds();
        (secs >= 0).then_some(secs)
    });

    let assistant_id = first(&[&raw.assistant_id_camel, &raw.assistant_id])
        .or_else(|| raw.assistant.as_ref().and_then(|a| a.id.clone()));
    let assistant_name = raw.assistant.as_ref().and_then(|a| a.name.clone());
    if assistant_id.is_some() || assistant_name.is_some() {
        let mut agent = Agent::new(assistant_id, assistant_name);
        agent.kind = Some("ai".into());
        call.agents.push(agent);
    }
    let campaign_id = first(&[&raw.campaign_id_camel, &raw.campaign_id]);
    let campaign_name = first(&[&raw.campaign_name_camel, &raw.campaign_name]);
    if campaign_id.is_some() || campaign_name.is_some() {
        call.campaign = Some(Campaign {
            id: campaign_id,
            name: campaign_name,
        });
    }

    let artifact = raw.artifact.as_ref();
    let urls = [
        first(&[&raw.recording_url_camel, &raw.recording_url]),
        first(&[&raw.stereo_recording_url_camel, &raw.stereo_recording_url]),
        artifact.and_then(|a| first(&[&a.recording_url_camel, &a.recording_url])),
        artifact.and_then(|a| first(&[&a.stereo_recording_url_camel, &a.stereo_recording_url])),
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
        (Some(a), _) if !a.is_null() => calllogs_core::parse::analysis(Some(a)),
        (_, Some(s)) => Some(serde_json::json!({ "summary": s })),
        _ => None,
    };
    call.cost = raw
        .cost
        .and_then(calllogs_core::parse::decimal_text)
        .map(|amount| Cost::new(amount, "USD"));
    let ended_reason = first(&[&raw.ended_reason_camel, &raw.ended_reason]);
    call.set_voice_ai_end(raw.status.as_deref(), ended_reason.as_deref());
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
            .filter_map(|m| {
                let speaker = first(&[&m.role, &m.speaker]);
                // The system prompt is configuration, not something said.
                if speaker.as_deref() == Some("system") {
                    return None;
                }
                Some(Turn {
                    speaker,
                    text: first(&[&m.content, &m.message, &m.text])?,
                    at: first(&[&m.created_at, &m.created_at_camel, &m.time, &m.timestamp]),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_spellings_of_one_field_are_read_the_canonical_one_winning() {
        let record = serde_json::json!({
            "id": "sc-1", "call_id": "other", "startedAt": "2026-04-20T06:59:42Z",
            "started_at": "2026-01-01T00:00:00Z", "type": "inboundPhoneCall", "direction": "outbound",
            "customer": {"number": "+15555550121", "phoneNumber": "+15555550199"},
            "durationSeconds": 61, "duration": 5, "campaign_id": "camp-9",
            "transcript": [{"role": "user", "speaker": "x", "content": "Hello.", "text": "other"}]
        })
        .to_string();
        let record: Box<RawValue> = serde_json::from_str(&record).unwrap();
        let call = call(&record).unwrap();
        assert_eq!(call.id, "sc-1");
        assert_eq!(call.direction, Direction::Inbound);
        assert_eq!(
            call.started_at.unwrap().to_rfc3339(),
            "2026-04-20T06:59:42+00:00"
        );
        assert_eq!(call.from.as_deref(), Some("+15555550121"));
        assert_eq!(call.duration_s, Some(61));
        assert_eq!(call.campaign.unwrap().id.as_deref(), Some("camp-9"));
        let turn = &call.transcript.unwrap()[0];
        assert_eq!(
            (turn.speaker.as_deref(), turn.text.as_str()),
            (Some("user"), "Hello.")
        );
    }
}
