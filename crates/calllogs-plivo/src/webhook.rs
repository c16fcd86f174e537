//! Plivo's hangup callback (`hangup_url`, form-encoded), verified with the
//! V3 signature: `X-Plivo-Signature-V3` (one or more base64 HMAC-SHA256
//! signatures, comma-separated, one per active auth token) over the URL and
//! the parameters, with `X-Plivo-Signature-V3-Nonce`, keyed with the
//! (sub)account auth token. The signed string, as Plivo's SDKs build it:
//! `scheme://host/path`, then for a POST `?` and the URL's own query sorted
//! (`k=v&…`, then `.` when there was one), then the form parameters sorted
//! by name as name and value with no separators, then `.` and the nonce.
//! No timestamp is signed: a redelivery is told apart by call and event.

use calllogs_core::webhook::{
    self, Delivery, Event, KeyKind, Keys, Refusal, SigningKey, Unreadable, WebhookInfo, crypto,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Plivo's webhooks.
pub const WEBHOOK: WebhookInfo = WebhookInfo {
    key: KeyKind::Secret {
        default_credential: Some(crate::AUTH_TOKEN),
    },
    content_types: &["application/x-www-form-urlencoded"],
    events: "the hangup URL callback (Event=Hangup)",
    verify,
    parse,
    sign,
};

const SIGNATURE: &str = "x-plivo-signature-v3";
const NONCE: &str = "x-plivo-signature-v3-nonce";

/// Fields grouped by name, names sorted, each name's values sorted.
fn grouped(fields: &[(String, String)]) -> Vec<(&str, Vec<&str>)> {
    let mut map: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (k, v) in fields {
        map.entry(k.as_str()).or_default().push(v.as_str());
    }
    map.into_iter()
        .map(|(k, mut v)| {
            v.sort_unstable();
            (k, v)
        })
        .collect()
}

/// The string Plivo signs for a POST of `fields` to `url`, before the nonce.
fn signed_string(url: &str, fields: &[(String, String)]) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q.split('#').next().unwrap_or_default()),
        None => (url.split('#').next().unwrap_or_default(), ""),
    };
    let query_fields = webhook::form_fields(query.as_bytes());
    let sorted_query: Vec<String> = grouped(&query_fields)
        .into_iter()
        .flat_map(|(k, vs)| vs.into_iter().map(move |v| format!("{k}={v}")))
        .collect();
    let sorted_query = sorted_query.join("&");
    let mut s = base.to_string();
    if !sorted_query.is_empty() || !fields.is_empty() {
        s.push('?');
        s.push_str(&sorted_query);
    }
    if !sorted_query.is_empty() && !fields.is_empty() {
        s.push('.');
    }
    for (k, vs) in grouped(fields) {
        for v in vs {
            s.push_str(k);
            s.push_str(v);
        }
    }
    s
}

fn signature(key: &str, url: &str, fields: &[(String, String)], nonce: &str) -> String {
    let signed = format!("{}.{nonce}", signed_string(url, fields));
    crypto::b64(&crypto::hmac_sha256(key.as_bytes(), signed.as_bytes()))
}

fn verify(d: &Delivery<'_>, keys: &Keys) -> Result<(), Refusal> {
    let key = webhook::secret(keys)?;
    let given = d
        .header(SIGNATURE)
        .ok_or(Refusal::Missing("X-Plivo-Signature-V3"))?;
    let nonce = d
        .header(NONCE)
        .ok_or(Refusal::Missing("X-Plivo-Signature-V3-Nonce"))?;
    let expected = signature(key, d.url, &d.form(), nonce);
    let ok = given
        .split(',')
        .any(|s| crypto::same(s.trim().as_bytes(), expected.as_bytes()));
    webhook::matched(ok)
}

fn parse(d: &Delivery<'_>) -> Result<Event, Unreadable> {
    let object = webhook::form_object(&d.form());
    let get = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_string);
    let id = get("CallUUID")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Unreadable("the callback has no CallUUID".into()))?;
    let kind = get("Event").unwrap_or_else(|| "Hangup".into());
    let mut event = Event {
        key: format!("{id}/{kind}"),
        kind: kind.clone(),
        call_id: Some(id.clone()),
        call: None,
    };
    if kind.eq_ignore_ascii_case("hangup") {
        // The callback's names, as the list's record spells them.
        let parent = get("ALegUUID").filter(|a| *a != id && !a.is_empty());
        let record = json!({
            "call_uuid": id,
            "parent_call_uuid": parent,
            "call_direction": get("Direction"),
            "from_number": get("From"),
            "to_number": get("To"),
            "initiation_time": get("StartTime"),
            "answer_time": get("AnswerTime"),
            "end_time": get("EndTime"),
            "call_duration": get("Duration"),
            "bill_duration": get("BillDuration"),
            "total_amount": get("TotalCost"),
            "hangup_cause_code": get("HangupCauseCode"),
            "hangup_cause_name": get("HangupCauseName").or_else(|| get("HangupCause")),
            "hangup_source": get("HangupSource"),
            // `busy`, `no-answer`, `timeout`, `cancel`, `failed` say the
            // outcome as the list's call_state does; `completed` leaves it
            // to the answer time and the cause, as the list's ANSWER does.
            "call_state": get("CallStatus"),
        });
        event.call = Some(webhook::mapped(
            crate::map::call,
            &record,
            &Value::Object(object),
        )?);
    }
    Ok(event)
}

fn sign(
    url: &str,
    body: &[u8],
    now: DateTime<Utc>,
    key: SigningKey<'_>,
) -> Vec<(&'static str, String)> {
    let Some(key) = key.secret() else {
        return Vec::new();
    };
    // Plivo's nonces are random digits; one from the time and the body is
    // as unique for an emulator.
    let nonce = format!(
        "{}{}",
        now.timestamp_micros(),
        &crypto::sha256_hex(body)[..8]
            .bytes()
            .map(|b| (b % 10 + b'0') as char)
            .collect::<String>()
    );
    let fields = webhook::form_fields(body);
    vec![
        ("X-Plivo-Signature-V3", signature(key, url, &fields, &nonce)),
        ("X-Plivo-Signature-V3-Nonce", nonce),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use calllogs_core::secrecy::SecretString;
    use calllogs_core::{HangupCause, Status};

    fn keys(k: &str) -> Keys {
        Keys {
            secret: Some(SecretString::from(k)),
            public_key: None,
            tolerance: webhook::DEFAULT_TOLERANCE,
        }
    }

    #[test]
    fn the_signed_string_follows_the_sdk_for_posts_with_and_without_a_query() {
        let f = vec![
            ("b".to_string(), "2".to_string()),
            ("a".to_string(), "1".to_string()),
        ];
        assert_eq!(
            signed_string("https://x.invalid/h", &f),
            "https://x.invalid/h?a1b2"
        );
        assert_eq!(
            signed_string("https://x.invalid/h?z=9&y=8", &f),
            "https://x.invalid/h?y=8&z=9.a1b2"
        );
        assert_eq!(
            signed_string("https://x.invalid/h", &[]),
            "https://x.invalid/h"
        );
    }

    #[test]
    fn a_signed_hangup_is_verified_with_any_of_several_signatures_and_read() {
        let url = "https://hooks.example.invalid/hooks/plivo-a";
        let body = webhook::form_body(&[
            ("Event", "Hangup"),
            ("CallUUID", "0a1b2c3d-0000-4000-8000-000000000001"),
            ("From", "15555550100"),
            ("To", "15555550142"),
            ("Direction", "outbound"),
            ("CallStatus", "busy"),
            ("HangupCauseCode", "3010"),
            ("HangupCauseName", "Busy Line"),
            ("HangupSource", "Callee"),
            ("Duration", "0"),
            ("BillDuration", "0"),
            ("TotalCost", "0.00000"),
            ("StartTime", "2026-12-01 10:00:00"),
            ("EndTime", "2026-12-01 10:00:09"),
        ]);
        let signed = sign(url, body.as_bytes(), Utc::now(), SigningKey::Secret("tok"));
        let headers = vec![
            (
                "x-plivo-signature-v3".to_string(),
                format!("AAAA,{}", signed[0].1),
            ),
            (
                "x-plivo-signature-v3-nonce".to_string(),
                signed[1].1.clone(),
            ),
            (
                "content-type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            ),
        ];
        let d = Delivery {
            url,
            headers: &headers,
            body: body.as_bytes(),
            now: Utc::now(),
        };
        WEBHOOK.check(&d, &keys("tok")).unwrap();
        assert_eq!(WEBHOOK.check(&d, &keys("tok2")), Err(Refusal::Mismatch));
        let mut nonce_changed = headers.clone();
        nonce_changed[1].1.push('1');
        let d2 = Delivery {
            headers: &nonce_changed,
            ..d
        };
        assert_eq!(WEBHOOK.check(&d2, &keys("tok")), Err(Refusal::Mismatch));
        let call = parse(&d).unwrap().call.unwrap();
        assert_eq!(call.status, Status::Busy);
        assert_eq!(call.hangup.unwrap().cause, HangupCause::BusyLine);
        assert_eq!(call.from.as_deref(), Some("+15555550100"));
    }
}
