//! Vapi's server messages: the `end-of-call-report` (`{"message": {...}}`,
//! JSON) ends a call. Vapi authenticates a server URL in one of three ways,
//! each checked against the account's `webhook_secret`:
//!
//! - an HMAC credential: `x-vapi-signature`, lower-case hex HMAC-SHA256 of
//!   the raw body, or, when a timestamp header (`x-vapi-timestamp`, seconds)
//!   is configured, of `"{timestamp}.{body}"`, the timestamp held to the
//!   replay window. The digest encoding and the timestamp's place in the
//!   signed string are not confirmed by the sources; these are assumed.
//! - the legacy static secret: `x-vapi-secret` equal to the secret;
//! - a bearer credential: `Authorization: Bearer <secret>`.
//!
//! Vapi does not retry; a duplicate is told apart by call and message type.

use calllogs_core::webhook::{
    self, Delivery, Event, KeyKind, Keys, Refusal, SigningKey, Unreadable, WebhookInfo, crypto,
};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Vapi's webhooks.
pub const WEBHOOK: WebhookInfo = WebhookInfo {
    key: KeyKind::Secret {
        default_credential: None,
    },
    content_types: &["application/json"],
    events: "the end-of-call-report server message",
    verify,
    parse,
    sign,
};

fn digest(key: &str, timestamp: Option<&str>, body: &[u8]) -> String {
    let mut signed = Vec::with_capacity(body.len() + 16);
    if let Some(t) = timestamp {
        signed.extend_from_slice(t.as_bytes());
        signed.push(b'.');
    }
    signed.extend_from_slice(body);
    crypto::hex(&crypto::hmac_sha256(key.as_bytes(), &signed))
}

fn verify(d: &Delivery<'_>, keys: &Keys) -> Result<(), Refusal> {
    let key = webhook::secret(keys)?;
    let matches = |given: &str| crypto::same(given.trim().as_bytes(), key.as_bytes());
    if let Some(given) = d.header("x-vapi-signature") {
        let timestamp = d.header("x-vapi-timestamp");
        if let Some(t) = timestamp {
            let t: i64 = t.trim().parse().map_err(|_| Refusal::Malformed {
                header: "x-vapi-timestamp",
                why: "not whole seconds since the epoch",
            })?;
            webhook::fresh(t, d.now, keys)?;
        }
        let expected = digest(key, timestamp.map(str::trim), d.body);
        let given = given.trim().trim_start_matches("sha256=");
        return webhook::matched(crypto::same(
            given.to_ascii_lowercase().as_bytes(),
            expected.as_bytes(),
        ));
    }
    if let Some(given) = d.header("x-vapi-secret") {
        return webhook::matched(matches(given));
    }
    if let Some(auth) = d.header("authorization") {
        let token = auth
            .trim()
            .strip_prefix("Bearer ")
            .ok_or(Refusal::Malformed {
                header: "Authorization",
                why: "not a bearer token",
            })?;
        return webhook::matched(matches(token));
    }
    Err(Refusal::Missing(
        "x-vapi-signature (or x-vapi-secret, or Authorization)",
    ))
}

fn parse(d: &Delivery<'_>) -> Result<Event, Unreadable> {
    let body = d.json()?;
    let message = body
        .get("message")
        .and_then(Value::as_object)
        .ok_or_else(|| Unreadable("the body has no message object".into()))?;
    let kind = message
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| Unreadable("the message has no type".into()))?
        .to_string();
    let call = message.get("call").and_then(Value::as_object);
    let call_id = call
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    let status = message
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let key = match &call_id {
        Some(id) => format!("{id}/{kind}/{status}"),
        None => format!("{kind}/{}", crypto::sha256_hex(d.body)),
    };
    let mut event = Event {
        key,
        kind: kind.clone(),
        call_id: call_id.clone(),
        call: None,
    };
    if kind == "end-of-call-report" {
        let mut record = call
            .cloned()
            .ok_or_else(|| Unreadable("the end-of-call-report has no call".into()))?;
        call_id
            .as_ref()
            .ok_or_else(|| Unreadable("the report's call has no id".into()))?;
        // The report's own fields (endedReason, startedAt, endedAt, cost,
        // analysis, artifact, …) are the call's, as GET /call gives them.
        for (k, v) in message {
            if !matches!(k.as_str(), "type" | "call" | "timestamp") && !v.is_null() {
                record.insert(k.clone(), v.clone());
            }
        }
        let record = Value::Object(record);
        event.call = Some(webhook::mapped(crate::map::call, &record, &record)?);
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
    let t = now.timestamp().to_string();
    vec![
        ("x-vapi-signature", digest(key, Some(&t), body)),
        ("x-vapi-timestamp", t),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use calllogs_core::secrecy::SecretString;

    fn keys() -> Keys {
        Keys {
            secret: Some(SecretString::from("s3cret")),
            public_key: None,
            tolerance: webhook::DEFAULT_TOLERANCE,
        }
    }

    const BODY: &str = r#"{"message":{"type":"end-of-call-report","endedReason":"customer-ended-call","startedAt":"2026-12-01T10:00:00.000Z","endedAt":"2026-12-01T10:01:00.000Z","cost":0.12,"call":{"id":"c0ffee00-0000-4000-8000-000000000001","type":"outboundPhoneCall","customer":{"number":"+15555550142"}}}}"#;

    fn headers(extra: Vec<(&'static str, String)>) -> Vec<(String, String)> {
        let mut h: Vec<(String, String)> =
            extra.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        h.push(("content-type".into(), "application/json".into()));
        h
    }

    #[test]
    fn each_of_the_three_schemes_is_accepted_and_a_wrong_or_stale_one_refused() {
        let now = Utc::now();
        let h = headers(sign("", BODY.as_bytes(), now, SigningKey::Secret("s3cret")));
        let d = Delivery {
            url: "http://x.invalid/h",
            headers: &h,
            body: BODY.as_bytes(),
            now,
        };
        WEBHOOK.check(&d, &keys()).unwrap();
        let later = Delivery {
            now: now + chrono::Duration::minutes(6),
            ..d
        };
        assert!(matches!(
            WEBHOOK.check(&later, &keys()),
            Err(Refusal::Stale { .. })
        ));
        let changed = BODY.replace("0.12", "0.13");
        let forged = Delivery {
            body: changed.as_bytes(),
            ..d
        };
        assert_eq!(WEBHOOK.check(&forged, &keys()), Err(Refusal::Mismatch));
        let legacy = headers(vec![("x-vapi-secret", "s3cret".into())]);
        WEBHOOK
            .check(
                &Delivery {
                    headers: &legacy,
                    ..d
                },
                &keys(),
            )
            .unwrap();
        let bearer = headers(vec![("authorization", "Bearer s3cret".into())]);
        WEBHOOK
            .check(
                &Delivery {
                    headers: &bearer,
                    ..d
                },
                &keys(),
            )
            .unwrap();
        let wrong = headers(vec![("x-vapi-secret", "s3cres".into())]);
        assert_eq!(
            WEBHOOK.check(
                &Delivery {
                    headers: &wrong,
                    ..d
                },
                &keys()
            ),
            Err(Refusal::Mismatch)
        );
        let none = headers(vec![]);
        assert!(matches!(
            WEBHOOK.check(
                &Delivery {
                    headers: &none,
                    ..d
                },
                &keys()
            ),
            Err(Refusal::Missing(_))
        ));
    }

    #[test]
    fn the_report_is_read_into_the_call_the_poller_makes() {
        let h = headers(vec![]);
        let d = Delivery {
            url: "",
            headers: &h,
            body: BODY.as_bytes(),
            now: Utc::now(),
        };
        let e = parse(&d).unwrap();
        let call = e.call.unwrap();
        assert_eq!(call.id, "c0ffee00-0000-4000-8000-000000000001");
        assert_eq!(call.duration_s, Some(60));
        assert_eq!(call.cost.unwrap().amount, "0.12");
        assert!(call.hangup.is_some());
        let bad = Delivery {
            body: b"{\"message\":{}}",
            ..d
        };
        assert!(parse(&bad).is_err());
    }
}
