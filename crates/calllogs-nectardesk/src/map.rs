//! A NectarDesk call → the normalized [`Call`].

use calllogs_core::parse::{e164, e164_parts, epoch_seconds};
use calllogs_core::{
    Agent, Call, Contact, Direction, Disposition, Hangup, Named, Recording, Status,
};

use crate::query::CallType;
use crate::raw::{RawAgent, RawCall, RawNamed};

fn named(n: Option<RawNamed>) -> Option<Named> {
    n.filter(|n| n.id.is_some() || n.name.is_some())
        .map(|n| Named {
            id: n.id,
            name: n.name,
        })
}

/// Maps one record; an error only when it is not an object or has no id.
pub fn call(record: &serde_json::value::RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw.id.clone().ok_or("the record has no id")?;
    let mut call = Call::new(crate::ID, id);
    call.parent_id = raw.original_call_id.filter(|p| Some(p) != raw.id.as_ref());
    call.direction = match raw.is_inbound {
        Some(true) => Direction::Inbound,
        Some(false) => Direction::Outbound,
        None => Direction::Unknown,
    };

    let contact = raw.contact.unwrap_or_default();
    let contact_number = match (&contact.number_country_code, &contact.national_number) {
        (Some(cc), Some(nat)) => e164_parts(cc, nat),
        _ => contact.number.as_deref().and_then(e164),
    };
    if contact.id.is_some() || contact.full_name.is_some() || contact_number.is_some() {
        call.contact = Some(Contact::new(
            contact.id,
            contact.full_name,
            contact_number.clone(),
        ));
    }
    let line = raw.number.and_then(|n| n.number).as_deref().and_then(e164);
    (call.from, call.to) = match call.direction {
        Direction::Inbound => (contact_number, line),
        _ => (line, contact_number),
    };

    call.started_at = raw.started_at.and_then(epoch_seconds);
    call.duration_s = raw.duration.filter(|d| *d >= 0);
    call.talk_time_s = raw.talk_time.filter(|t| *t >= 0);
    if raw.is_ended != Some(false) {
        call.ended_at = call
            .started_at
            .zip(call.duration_s)
            .and_then(|(s, d)| s.checked_add_signed(chrono::Duration::try_seconds(d)?));
    }
    // Waiting and ringing come first, talk last: the answer is `duration - talk_time` in.
    if raw.is_answered == Some(true) {
        call.answered_at = match (call.started_at, call.duration_s, call.talk_time_s) {
            (Some(s), Some(d), Some(t)) if t <= d => {
                chrono::Duration::try_seconds(d - t).and_then(|w| s.checked_add_signed(w))
            }
            _ => None,
        };
    }

    let answered_ids: Vec<Option<String>> =
        raw.answered_agents.iter().map(|a| a.id.clone()).collect();
    let mut legs: Vec<RawAgent> = raw.all_agents.clone();
    for a in &raw.answered_agents {
        if !legs.iter().any(|l| l.id == a.id) {
            legs.push(a.clone());
        }
    }
    for leg in &legs {
        let mut agent = Agent::new(leg.id.clone(), leg.alias.clone());
        agent.kind = leg.kind.clone();
        agent.answered = Some(answered_ids.contains(&leg.id));
        agent.transferred = leg.is_any_transfer;
        agent.hangup = Hangup::resolve(None, leg.hangup_reason.as_deref());
        agent.extra = Some(serde_json::json!({
            "user_id": leg.user_id, "sip": leg.sip,
            "started_at": leg.started_at.and_then(epoch_seconds),
        }));
        call.agents.push(agent);
    }
    // The call's cause: the last agent that answered (after a transfer, the
    // one on the call at the end), else the last leg tried.
    let cause_leg = raw.answered_agents.last().or(legs.last());
    call.hangup = cause_leg.and_then(|l| Hangup::resolve(None, l.hangup_reason.as_deref()));

    // "Not answered" says less than the leg's own reason when the line was busy.
    call.status = status(&raw.kind, raw.is_answered, raw.is_ended, call.direction)
        .refined_by(call.hangup.as_ref().map(|h| h.cause));
    call.sla_met = raw.is_answered_within_sla;
    call.campaign = named(raw.campaign);
    call.queue = named(raw.ring_group);
    call.ivr = named(raw.ivr);
    call.disposition = raw
        .disposition
        .filter(|d| d.id.is_some() || d.code.is_some())
        .map(|d| Disposition {
            id: d.id,
            code: d.code,
            note: d.note,
        });
    call.recordings = raw
        .recordings
        .into_iter()
        .filter(|r| r.url.is_some())
        .map(|r| Recording {
            id: r.id,
            url: r.url,
        })
        .collect();
    call.tags = raw.tags;
    call.raw = calllogs_core::Raw::new(record);
    Ok(call)
}

/// The outcome from NectarDesk's `type` (its call-type vocabulary), else
/// from whether the call was answered and ended.
fn status(
    kind: &Option<String>,
    answered: Option<bool>,
    ended: Option<bool>,
    direction: Direction,
) -> Status {
    if ended == Some(false) {
        return Status::InProgress;
    }
    let fallback = || match (answered, direction) {
        (Some(true), _) => Status::Completed,
        (Some(false), Direction::Inbound) => Status::Missed,
        (Some(false), _) => Status::NoAnswer,
        (None, _) => Status::Unknown,
    };
    let Some(kind) = kind.as_deref() else {
        return fallback();
    };
    let kind: CallType = match calllogs_core::parse::lower(kind).parse() {
        Ok(k) => k,
        Err(never) => match never {},
    };
    match kind {
        CallType::InboundAnswered
        | CallType::OutboundAnswered
        | CallType::InboundAnsweredWithinSla
        | CallType::InboundAnsweredButNotWithinSla => Status::Completed,
        CallType::Abandoned
        | CallType::ShortAbandoned
        | CallType::AbandonedDistributed
        | CallType::ShortAbandonedDistributed => Status::Abandoned,
        CallType::Overflowed | CallType::OutOfBusinessHours | CallType::InboundIvrExit => {
            Status::Missed
        }
        CallType::OutboundNotAnswered => Status::NoAnswer,
        // Words records use that are not filter values of the document.
        CallType::Other(word) => match word.as_str() {
            "answered" | "completed" => Status::Completed,
            "missed" => Status::Missed,
            "not_answered" | "no_answer" | "unanswered" => Status::NoAnswer,
            "busy" => Status::Busy,
            "failed" => Status::Failed,
            _ => fallback(),
        },
        _ => fallback(),
    }
}
