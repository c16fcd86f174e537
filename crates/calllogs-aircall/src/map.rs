//! An Aircall call -> the normalized [`Call`].

use calllogs_core::{
    Agent, Call, Contact, Cost, Direction, Hangup, HangupCause, HangupSource, Named, Raw,
    Recording, Status,
};
use serde_json::value::RawValue;

use crate::raw::{RawCall, Thing};

/// Aircall's missed-call reasons and the causes they are: contact-center
/// outcomes, each a cause of its own in the taxonomy.
const MISSED: &[(&str, HangupCause, HangupSource)] = &[
    (
        "out_of_opening_hours",
        HangupCause::OutOfOpeningHours,
        HangupSource::System,
    ),
    (
        "short_abandoned",
        HangupCause::ShortAbandoned,
        HangupSource::Caller,
    ),
    (
        "abandoned_in_ivr",
        HangupCause::AbandonedInIvr,
        HangupSource::Caller,
    ),
    // The "classic" (non-IVR) line: waiting in the queue or while ringing.
    (
        "abandoned_in_classic",
        HangupCause::AbandonedInQueue,
        HangupSource::Caller,
    ),
    (
        "no_available_agent",
        HangupCause::NoAvailableAgent,
        HangupSource::System,
    ),
    (
        "agents_did_not_answer",
        HangupCause::NoAnswer,
        HangupSource::Agent,
    ),
];

/// Maps one record; an error only when it is not an object or has no id.
pub fn call(record: &RawValue) -> Result<Call, String> {
    let raw: RawCall = calllogs_core::parse::record(record)?;
    let id = raw
        .id
        .clone()
        .filter(|i| !i.trim().is_empty())
        .ok_or("the record has no id")?;
    let mut call = Call::new(crate::ID, id);
    call.direction = match raw
        .direction
        .as_deref()
        .map(calllogs_core::parse::lower)
        .as_deref()
    {
        Some("inbound") => Direction::Inbound,
        Some("outbound") => Direction::Outbound,
        _ => Direction::Unknown,
    };
    // `raw_digits` is the other party, written for people (`+1 555-555-0171`)
    // or `anonymous`; `number.digits` is our line.
    let theirs = raw.raw_digits.as_deref().and_then(number);
    let ours = raw
        .number
        .as_ref()
        .and_then(|n| n.digits.as_deref())
        .and_then(number);
    (call.from, call.to) = match call.direction {
        Direction::Outbound => (ours, theirs.clone()),
        _ => (theirs.clone(), ours),
    };
    call.started_at = raw.started_at;
    call.answered_at = raw.answered_at;
    call.ended_at = raw.ended_at;
    call.duration_s = raw
        .duration
        .filter(|d| *d >= 0)
        .or_else(|| Some((raw.ended_at? - raw.started_at?).num_seconds()).filter(|d| *d >= 0));
    call.talk_time_s = match (raw.answered_at, raw.ended_at) {
        (Some(a), Some(e)) if e >= a => Some((e - a).num_seconds()),
        _ => None,
    };
    // Deprecated, in US cents where present.
    call.cost = raw
        .cost
        .and_then(calllogs_core::parse::decimal_text)
        .and_then(|cents| calllogs_core::parse::decimal_scaled_down(&cents, 2))
        .map(|usd| Cost::new(usd, "USD"));
    if let Some(user) = raw
        .user
        .as_ref()
        .filter(|u| u.id.is_some() || u.name.is_some())
    {
        let mut agent = Agent::new(user.id.clone(), user.name.clone());
        agent.kind = Some("human".into());
        agent.answered = Some(raw.answered_at.is_some());
        call.agents.push(agent);
    }
    if let Some(to) = raw
        .transferred_to
        .as_ref()
        .filter(|u| u.id.is_some() || u.name.is_some())
    {
        let mut agent = Agent::new(to.id.clone(), to.name.clone());
        agent.kind = Some("human".into());
        agent.transferred = Some(true);
        call.agents.push(agent);
    }
    call.contact = contact(raw.contact.as_ref(), theirs);
    // Our line, by its name, as the queue the call came through.
    call.queue = raw
        .number
        .as_ref()
        .filter(|n| n.id.is_some() || n.name.is_some())
        .map(|n| Named {
            id: n.id.clone(),
            name: n.name.clone(),
        });
    call.tags = raw
        .tags
        .iter()
        .filter_map(|t| t.name.clone().filter(|n| !n.trim().is_empty()))
        .collect();
    for (kind, url) in [("recording", &raw.recording), ("voicemail", &raw.voicemail)] {
        if let Some(url) = url.clone().filter(|u| !u.trim().is_empty()) {
            call.recordings.push(Recording {
                id: Some(kind.into()),
                url: Some(url),
            });
        }
    }
    (call.status, call.hangup) = outcome(&raw, call.direction);
    call.raw = Raw::new(record);
    Ok(call)
}

/// A party's number in E.164, `None` for `anonymous` or nothing.
fn number(digits: &str) -> Option<String> {
    let d = digits.trim();
    if d.is_empty() || d.eq_ignore_ascii_case("anonymous") {
        return None;
    }
    calllogs_core::parse::e164(d)
}

fn contact(c: Option<&Thing>, number: Option<String>) -> Option<Contact> {
    let name = c.and_then(|c| {
        let parts: Vec<&str> = [&c.first_name, &c.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .collect();
        if parts.is_empty() {
            c.company_name.clone().filter(|n| !n.trim().is_empty())
        } else {
            Some(parts.join(" "))
        }
    });
    let id = c.and_then(|c| c.id.clone());
    (id.is_some() || name.is_some() || number.is_some()).then(|| Contact::new(id, name, number))
}

/// The status and the cause: `status` is a lifecycle (`initial`,
/// `answered`, `done`); a done call with no `answered_at` was missed or
/// abandoned, and its `missed_call_reason` says how.
fn outcome(raw: &RawCall, direction: Direction) -> (Status, Option<Hangup>) {
    let status = raw.status.as_deref().map(calllogs_core::parse::lower);
    match status.as_deref() {
        Some("initial" | "answered") if raw.ended_at.is_none() => {
            return (Status::InProgress, None);
        }
        Some("done") | Some("initial" | "answered") => {}
        _ if raw.ended_at.is_none() => return (Status::Unknown, None),
        _ => {}
    }
    if raw.answered_at.is_some() {
        // Aircall does not say who hung up.
        return (
            Status::Completed,
            Some(Hangup::of(HangupCause::NormalHangup)),
        );
    }
    let reason = raw
        .missed_call_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let hangup = match reason {
        Some(r) => Some(explain(r).unwrap_or_else(|| {
            // A reason that reads as a pending status is still a miss.
            let mut h = Hangup::of(HangupCause::Other);
            h.provider_reason = Some(r.to_string());
            h
        })),
        // An outbound call nobody picked up carries no reason.
        None if direction == Direction::Outbound => {
            let mut h = Hangup::of(HangupCause::NoAnswer);
            h.source = HangupSource::Callee;
            Some(h)
        }
        None => None,
    };
    let status = match &hangup {
        Some(h) if h.cause == HangupCause::Other => Status::NoAnswer,
        Some(h) => Status::from_cause(false, h.cause),
        None => Status::NoAnswer,
    };
    (status, hangup)
}

/// What a missed-call reason means (for `explain` and the mapping):
/// Aircall's six, else what the taxonomy's names make of it (`other`, the
/// words kept); `None` for a status that is not an end.
pub fn explain(words: &str) -> Option<Hangup> {
    let w = words.trim();
    if calllogs_core::parse::is_pending_status(w) {
        return None;
    }
    let folded = calllogs_core::parse::lower(w);
    if let Some((_, cause, source)) = MISSED.iter().find(|(r, _, _)| *r == folded) {
        let mut h = Hangup::of(*cause);
        h.source = *source;
        h.provider_reason = Some(w.to_string());
        return Some(h);
    }
    Hangup::resolve(None, Some(w))
}
