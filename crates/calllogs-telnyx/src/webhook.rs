//! Telnyx's Call Control webhooks (JSON, `{"data": {"event_type", "id",
//! "occurred_at", "payload"}, "meta": {...}}`): `call.hangup` ends a call,
//! `call.cost` brings its price. Verified with Ed25519:
//! `telnyx-signature-ed25519` (base64, 64 bytes) over
//! `"{telnyx-timestamp}|{raw body}"`, checked with the account's public key
//! from Mission Control (`webhook_public_key`, base64, 32 bytes); the
//! timestamp (seconds) held to the replay window (5 minutes, as Telnyx's
//! SDKs). Telnyx may deliver twice and out of order: the event id
//! (`data.id`) tells a redelivery apart.

use calllogs_core::webhook::{
    Delivery, Event, KeyKind, Keys, Refusal, SigningKey, Unreadable, WebhookInfo, crypto, fresh,
    mapped,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Telnyx's webhooks.
pub const WEBHOOK: WebhookInfo = WebhookInfo {
    key: KeyKind::PublicKey,
    content_types: &["application/json"],
    events: "call.hangup (and call.cost, its price)",
    verify,
    parse,
    sign,
};

const SIGNATURE: &str = "telnyx-signature-ed25519";
const TIMESTAMP: &str = "telnyx-timestamp";

fn verify(d: &Delivery<'_>, keys: &Keys) -> Result<(), Refusal> {
    let public = keys
        .public_key
        .as_deref()
        .and_then(crypto::unb64)
        .filter(|k| k.len() == 32)
        .ok_or(Refusal::NoKey("webhook public key (base64, 32 bytes)"))?;
    let sig = d.header(SIGNATURE).ok_or(Refusal::Missing(SIGNATURE))?;
    let ts = d
        .header(TIMESTAMP)
        .ok_or(Refusal::Missing(TIMESTAMP))?
        .trim();
    let seconds: i64 = ts.parse().map_err(|_| Refusal::Malformed {
        header: TIMESTAMP,
        why: "not whole seconds since the epoch",
    })?;
    fresh(seconds, d.now, keys)?;
    let sig = crypto::unb64(sig)
        .filter(|s| s.len() == 64)
        .ok_or(Refusal::Malformed {
            header: SIGNATURE,
            why: "not 64 bytes of base64",
        })?;
    let mut signed = Vec::with_capacity(ts.len() + 1 + d.body.len());
    signed.extend_from_slice(ts.as_bytes());
    signed.push(b'|');
    signed.extend_from_slice(d.body);
    calllogs_core::webhook::matched(crypto::ed25519_verify(&public, &signed, &sig))
}

fn parse(d: &Delivery<'_>) -> Result<Event, Unreadable> {
    let body = d.json()?;
    let data = body
        .get("data")
        .filter(|v| v.is_object())
        .ok_or_else(|| Unreadable("the body has no data object".into()))?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let kind =
        text(data, "event_type").ok_or_else(|| Unreadable("the event has no event_type".into()))?;
    let id = text(data, "id")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Unreadable("the event has no id".into()))?;
    let payload = data.get("payload").cloned().unwrap_or(Value::Null);
    let call_id = text(&payload, "call_leg_id").filter(|s| !s.trim().is_empty());
    let mut event = Event {
        key: id,
        kind: kind.clone(),
        call_id: call_id.clone(),
        call: None,
    };
    let record = match kind.as_str() {
        // The payload's names, as the detail record spells them; the event's
        // time is the end.
        // No answered flag is sent: a call that ended in normal clearing was
        // answered (one never answered ends in timeout, no_answer,
        // originator_cancel, …), and talked from start to end. Assumed; the
        // listed record, authoritative, says the talk time exactly.
        "call.hangup" => json!({
            "call_sec": (text(&payload, "hangup_cause").as_deref() == Some("normal_clearing"))
                .then(|| seconds_between(text(&payload, "start_time"), text(&payload, "end_time").or_else(|| text(data, "occurred_at"))))
                .flatten(),
            "call_leg_id": call_id,
            "call_session_id": text(&payload, "call_session_id"),
            "record_type": "call-control",
            "cli": text(&payload, "from"),
            "cld": text(&payload, "to"),
            "direction": text(&payload, "direction"),
            "started_at": text(&payload, "start_time"),
            "finished_at": text(&payload, "end_time").or_else(|| text(data, "occurred_at")),
            "hangup_cause": text(&payload, "hangup_cause"),
            "hangup_source": text(&payload, "hangup_source"),
            "sip_hangup_cause": text(&payload, "sip_hangup_cause"),
            "connection_id": text(&payload, "connection_id"),
            "tags": payload.get("tags").and_then(Value::as_array).map(|t| {
                t.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")
            }),
        }),
        "call.cost" => json!({
            "call_leg_id": call_id,
            "call_session_id": text(&payload, "call_session_id"),
            "record_type": "call-control",
            "cost": payload.get("total_cost"),
            "currency": text(&payload, "currency"),
            "billed_sec": payload.get("billed_duration_secs"),
        }),
        _ => return Ok(event),
    };
    if call_id.is_none() {
        return Err(Unreadable(format!("the {kind} event has no call_leg_id")));
    }
    event.call = Some(mapped(crate::map::call, &record, &payload)?);
    Ok(event)
}

/// Whole seconds from `start` to `end` (RFC 3339), when both read.
fn seconds_between(start: Option<String>, end: Option<String>) -> Option<i64> {
    let t = |s: Option<String>| s.as_deref().and_then(calllogs_core::parse::timestamp);
    let (s, e) = (t(start)?, t(end)?);
    (e >= s).then(|| (e - s).num_seconds())
}

fn sign(
    _url: &str,
    body: &[u8],
    now: DateTime<Utc>,
    key: SigningKey<'_>,
) -> Vec<(&'static str, String)> {
    let SigningKey::Ed25519Seed(seed) = key else {
        return Vec::new();
    };
    let ts = now.timestamp().to_string();
    let mut signed = ts.clone().into_bytes();
    signed.push(b'|');
    signed.extend_from_slice(body);
    vec![
        (
            "telnyx-signature-ed25519",
            crypto::b64(&crypto::ed25519_sign(seed, &signed)),
        ),
        ("telnyx-timestamp", ts),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use calllogs_core::webhook::DEFAULT_TOLERANCE;
    use calllogs_core::{HangupCause, Status};

    const BODY: &str = r#"{"data":{"record_type":"event","event_type":"call.hangup","id":"0ccc7b54-0000-4000-8000-000000000001","occurred_at":"2026-12-01T10:01:00.000000Z","payload":{"call_control_id":"v3:abc","call_leg_id":"leg-0001","call_session_id":"sess-0001","connection_id":"1494404757140276705","from":"+15555550100","to":"+15555550142","start_time":"2026-12-01T10:00:00.000000Z","state":"hangup","hangup_cause":"user_busy","hangup_source":"callee","sip_hangup_cause":"486"}},"meta":{"attempt":1,"delivered_to":"https://x.invalid"}}"#;

    #[test]
    fn a_hangup_signed_with_the_account_key_is_accepted_and_read() {
        let seed = [9u8; 32];
        let keys = Keys {
            secret: None,
            public_key: Some(crypto::b64(&crypto::ed25519_public(&seed))),
            tolerance: DEFAULT_TOLERANCE,
        };
        let now = Utc::now();
        let mut h: Vec<(String, String)> =
            sign("", BODY.as_bytes(), now, SigningKey::Ed25519Seed(&seed))
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        h.push((
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        ));
        let d = Delivery {
            url: "",
            headers: &h,
            body: BODY.as_bytes(),
            now,
        };
        WEBHOOK.check(&d, &keys).unwrap();
        let other = Keys {
            public_key: Some(crypto::b64(&crypto::ed25519_public(&[8u8; 32]))),
            ..keys.clone()
        };
        assert_eq!(WEBHOOK.check(&d, &other), Err(Refusal::Mismatch));
        let replayed = Delivery {
            now: now + chrono::Duration::minutes(10),
            ..d
        };
        assert!(matches!(
            WEBHOOK.check(&replayed, &keys),
            Err(Refusal::Stale { .. })
        ));
        let mut ts_changed = h.clone();
        ts_changed[1].1 = (now.timestamp() + 1).to_string();
        assert_eq!(
            WEBHOOK.check(
                &Delivery {
                    headers: &ts_changed,
                    ..d
                },
                &keys
            ),
            Err(Refusal::Mismatch)
        );
        let e = parse(&d).unwrap();
        assert_eq!(e.key, "0ccc7b54-0000-4000-8000-000000000001");
        let call = e.call.unwrap();
        assert_eq!(call.id, "leg-0001");
        assert_eq!(call.duration_s, Some(60));
        assert_eq!(call.hangup.as_ref().unwrap().cause, HangupCause::BusyLine);
        assert_ne!(call.status, Status::Completed);
    }
}
