//! A Vapi call object -> the normalized [`Call`].

use calllogs_core::{Agent, Call, Cost, Direction, Recording, Turn};
use serde_json::value::RawValue;

use crate::raw::{Message, RawCall};

/// Maps one record; an error only when it is not an object or has no id.
pub fn call(record: &RawValue) -> Result<Call, String> {
    with_key(record).0
}

/// The time cursor's key of a record (its `createdAt` and id), even when it
/// cannot be mapped.
pub type Key = (Option<chrono::DateTime<chrono::Utc>>, Option<String>);

/// Maps one record, and gives its key from the same parse.
pub fn with_key(record: &RawValue) -> (Result<Call, String>, Key) {
    match calllogs_core::parse::record::<RawCall>(record) {
        Err(e) => (Err(e), (None, None)),
        Ok(raw) => {
            let key = (raw.created_at, raw.id.clone());
            (from_raw(raw, record), key)
        }
    }
}

fn from_raw(raw: RawCall, record: &RawValue) -> Result<Call, String> {
    let id = raw
        .id
        .clone()
        .filter(|i| !i.trim().is_empty())
        .ok_or("the record has no id")?;
    let mut call = Call::new(crate::ID, id);
    call.direction = match raw.kind.as_deref().map(str::trim) {
        Some("inboundPhoneCall") => Direction::Inbound,
        Some("outboundPhoneCall") => Direction::Outbound,
        // The customer starts a web call (from a browser or an app) and a
        // websocket call (from their own server's connection).
        Some("webCall" | "vapi.websocketCall") => Direction::Inbound,
        _ => Direction::Unknown,
    };
    let customer = raw.customer.as_ref();
    call.set_customer_and_line(
        customer.and_then(|c| c.number.as_deref()),
        customer.and_then(|c| c.name.clone()),
        raw.phone_number
            .as_ref()
            .and_then(|p| p.twilio_phone_number.as_deref()),
    );
    // A customer reached over SIP has an address instead of a number: kept
    // as given (as Twilio's `sip:` endpoints are).
    if let Some(sip) = customer
        .and_then(|c| c.sip_uri.clone())
        .filter(|u| !u.trim().is_empty())
        && customer.and_then(|c| c.number.as_deref()).is_none()
    {
        match call.direction {
            Direction::Inbound => call.from = Some(sip.clone()),
            _ => call.to = Some(sip.clone()),
        }
        let contact = call
            .contact
            .get_or_insert_with(|| calllogs_core::Contact::new(None, None, None));
        contact.number = Some(sip);
    }
    if let Some(id) = raw.customer_id.clone().filter(|i| !i.trim().is_empty()) {
        call.contact
            .get_or_insert_with(|| calllogs_core::Contact::new(None, None, None))
            .id = Some(id);
    }
    call.campaign = raw
        .campaign_id
        .clone()
        .filter(|i| !i.trim().is_empty())
        .map(|id| calllogs_core::Campaign {
            id: Some(id),
            name: None,
        });
    call.started_at = raw.started_at.or(raw.created_at);
    call.ended_at = raw.ended_at;
    call.duration_s = match (raw.started_at, raw.ended_at) {
        (Some(s), Some(e)) if e >= s => Some((e - s).num_seconds()),
        _ => None,
    };
    if raw.assistant_id.is_some() || raw.squad_id.is_some() {
        let mut agent = Agent::new(raw.assistant_id.clone().or(raw.squad_id.clone()), None);
        agent.kind = Some("ai".into());
        // What each part of the pipeline cost (transport, STT, LLM, TTS, Vapi).
        agent.extra = raw
            .cost_breakdown
            .clone()
            .filter(|b| b.is_object())
            .map(|b| serde_json::json!({ "costBreakdown": b }));
        call.agents.push(agent);
    }
    let artifact = raw.artifact.as_ref();
    for url in [
        artifact.and_then(|a| a.recording_url.clone()),
        artifact.and_then(|a| a.stereo_recording_url.clone()),
    ]
    .into_iter()
    .flatten()
    .filter(|u| !u.trim().is_empty())
    {
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
    let messages = match artifact {
        Some(a) if !a.messages.is_empty() => &a.messages,
        _ => &raw.messages,
    };
    call.transcript = turns(messages).or_else(|| {
        let text = artifact.and_then(|a| a.transcript.clone())?;
        (!text.trim().is_empty()).then(|| {
            vec![Turn {
                speaker: None,
                text,
                at: None,
            }]
        })
    });
    call.analysis = calllogs_core::parse::analysis(raw.analysis.as_ref());
    call.cost = raw
        .cost
        .and_then(calllogs_core::parse::decimal_text)
        .map(|amount| Cost::new(amount, "USD"));
    call.set_voice_ai_end(raw.status.as_deref(), raw.ended_reason.as_deref());
    call.raw = calllogs_core::Raw::new(record);
    Ok(call)
}

/// Speaker turns: what the assistant and the customer said, in order (the
/// system prompt and tool calls are configuration and plumbing, not speech).
fn turns(messages: &[Message]) -> Option<Vec<Turn>> {
    let turns: Vec<Turn> = messages
        .iter()
        .filter(|m| matches!(m.role.as_deref(), Some("bot" | "assistant" | "user")))
        .filter_map(|m| {
            Some(Turn {
                speaker: m.role.clone(),
                text: m.message.clone()?,
                at: m.time.and_then(chrono::DateTime::from_timestamp_millis),
            })
        })
        .collect();
    (!turns.is_empty()).then_some(turns)
}
