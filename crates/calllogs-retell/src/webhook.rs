//! Retell's webhooks (`{"event": ..., "call": {...}}`, JSON): `call_ended`
//! ends a call, `call_analyzed` brings its analysis. Verified with
//! `x-retell-signature: v=<timestamp ms>,d=<hex>`: lower-case hex
//! HMAC-SHA256, keyed with the API key (one with the webhook badge), of the
//! raw body followed by the decimal timestamp; the timestamp held to the
//! replay window (5 minutes, as Retell's SDK). The format is matched
//! exactly, as the SDK's `v=(\d+),d=([0-9a-f]{64})`.

use calllogs_core::webhook::{
    self, Delivery, Event, KeyKind, Keys, Refusal, SigningKey, Unreadable, WebhookInfo, crypto,
};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Retell's webhooks.
pub const WEBHOOK: WebhookInfo = WebhookInfo {
    key: KeyKind::Secret {
        default_credential: Some(crate::API_KEY),
    },
    content_types: &["application/json"],
    events: "call_ended, then call_analyzed (its analysis)",
    verify,
    parse,
    sign,
};

const MALFORMED: Refusal = Refusal::Malformed {
    header: "x-retell-signature",
    why: "not v=<milliseconds>,d=<64 hex digits>",
};

fn digest(key: &str, body: &[u8], timestamp_ms: &str) -> String {
    let mut signed = body.to_vec();
    signed.extend_from_slice(timestamp_ms.as_bytes());
    crypto::hex(&crypto::hmac_sha256(key.as_bytes(), &signed))
}

fn verify(d: &Delivery<'_>, keys: &Keys) -> Result<(), Refusal> {
    let key = webhook::secret(keys)?;
    let header = d
        .header("x-retell-signature")
        .ok_or(Refusal::Missing("x-retell-signature"))?;
    let (v, digest_given) = header
        .strip_prefix("v=")
        .and_then(|r| r.split_once(",d="))
        .ok_or(MALFORMED)?;
    let well_formed = !v.is_empty()
        && v.len() <= 19
        && v.bytes().all(|b| b.is_ascii_digit())
        && digest_given.len() == 64
        && digest_given
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !well_formed {
        return Err(MALFORMED);
    }
    let ms: i64 = v.parse().map_err(|_| MALFORMED)?;
    webhook::fresh(ms.div_euclid(1000), d.now, keys)?;
    webhook::matched(crypto::same(
        digest(key, d.body, v).as_bytes(),
        digest_given.as_bytes(),
    ))
}

fn parse(d: &Delivery<'_>) -> Result<Event, Unreadable> {
    let body = d.json()?;
    let kind = body
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| Unreadable("the body has no event".into()))?
        .to_string();
    let call = body.get("call").filter(|c| c.is_object());
    let call_id = call
        .and_then(|c| c.get("call_id"))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    let key = match &call_id {
        Some(id) => format!("{id}/{kind}"),
        None => format!("{kind}/{}", crypto::sha256_hex(d.body)),
    };
    let mut event = Event {
        key,
        kind: kind.clone(),
        call_id,
        call: None,
    };
    if matches!(kind.as_str(), "call_ended" | "call_analyzed") {
        let record = call.ok_or_else(|| Unreadable(format!("the {kind} event has no call")))?;
        event.call = Some(webhook::mapped(crate::map::call, record, record)?);
    }
    Ok(event)
}

fn sign(
    _url: &str,
    body: &[u8],
    now: DateTime<Utc>,
    key: SigningKey<'_>,
) -> Vec<(&'static str, String)> {
    let Some(key) = key.secret() else {
        return Vec::new();
    };
    let ms = now.timestamp_millis().to_string();
    vec![(
        "x-retell-signature",
        format!("v={ms},d={}", digest(key, body, &ms)),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use calllogs_core::secrecy::SecretString;

    #[test]
    fn a_signed_call_ended_is_accepted_and_a_changed_or_replayed_one_refused() {
        let keys = Keys {
            secret: Some(SecretString::from("key_abc")),
            public_key: None,
            tolerance: webhook::DEFAULT_TOLERANCE,
        };
        let body = br#"{"event":"call_ended","call":{"call_id":"call_0001","call_type":"phone_call","direction":"inbound","from_number":"+15555550100","to_number":"+15555550142","start_timestamp":1764583200000,"end_timestamp":1764583260000,"disconnection_reason":"user_hangup","call_status":"ended"}}"#;
        let now = Utc::now();
        let mut h: Vec<(String, String)> = sign("", body, now, SigningKey::Secret("key_abc"))
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        h.push(("content-type".into(), "application/json".into()));
        let d = Delivery {
            url: "",
            headers: &h,
            body,
            now,
        };
        WEBHOOK.check(&d, &keys).unwrap();
        let late = Delivery {
            now: now + chrono::Duration::seconds(301),
            ..d
        };
        assert!(matches!(
            WEBHOOK.check(&late, &keys),
            Err(Refusal::Stale { .. })
        ));
        let mut forged = body.to_vec();
        forged[20] ^= 1;
        assert_eq!(
            WEBHOOK.check(&Delivery { body: &forged, ..d }, &keys),
            Err(Refusal::Mismatch)
        );
        let upper = [(
            "x-retell-signature".to_string(),
            h[0].1
                .to_uppercase()
                .replace("V=", "v=")
                .replace(",D=", ",d="),
        )];
        assert_eq!(
            WEBHOOK.check(
                &Delivery {
                    headers: &[upper[0].clone(), h[1].clone()],
                    ..d
                },
                &keys
            ),
            Err(MALFORMED)
        );
        let e = parse(&d).unwrap();
        assert_eq!(e.key, "call_0001/call_ended");
        let call = e.call.unwrap();
        assert_eq!(call.id, "call_0001");
        assert_eq!(call.duration_s, Some(60));
    }
}
