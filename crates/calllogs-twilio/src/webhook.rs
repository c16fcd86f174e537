//! Twilio's call status callback (form-encoded), verified with
//! `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the auth token, over
//! the full URL Twilio requested followed by every form parameter sorted by
//! name, name and value with no separators (HMAC-SHA256 with a Webhooks
//! Rule's shared key when `X-Twilio-Webhooks-Signature-Settings` says
//! `algorithm=HMAC_SHA256`). As Twilio's own validator does, the URL is
//! tried with and without its scheme's default port. A JSON body is signed
//! through the `bodySHA256` query parameter (the body's SHA-256 in hex).
//! Twilio's scheme has no timestamp, so no replay window: a redelivery is
//! told apart by call, status and sequence number.

use calllogs_core::webhook::{
    self, Delivery, Event, KeyKind, Keys, Refusal, SigningKey, Unreadable, WebhookInfo, crypto,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Twilio's webhooks.
pub const WEBHOOK: WebhookInfo = WebhookInfo {
    key: KeyKind::Secret {
        default_credential: Some(crate::AUTH_TOKEN),
    },
    content_types: &["application/x-www-form-urlencoded"],
    events: "the call status callback (StatusCallback) with a terminal CallStatus: completed, busy, no-answer, failed, canceled",
    verify,
    parse,
    sign,
};

const SIGNATURE: &str = "x-twilio-signature";
const SETTINGS: &str = "x-twilio-webhooks-signature-settings";

/// The call statuses that end a call.
const TERMINAL: &[&str] = &["completed", "busy", "no-answer", "failed", "canceled"];

fn signed_string(url: &str, fields: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = fields.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut s = url.to_string();
    for (k, v) in sorted {
        s.push_str(k);
        s.push_str(v);
    }
    s
}

fn mac(sha256: bool, key: &str, data: &str) -> String {
    let tag = if sha256 {
        crypto::hmac_sha256(key.as_bytes(), data.as_bytes())
    } else {
        crypto::hmac_sha1(key.as_bytes(), data.as_bytes())
    };
    crypto::b64(&tag)
}

/// The URL as given, with its scheme's default port added and removed
/// (Twilio signs either, depending on the route). Done on the text: a URL
/// parser would drop a default port the provider kept.
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let default = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else {
        "80"
    };
    match authority.rsplit_once(':') {
        Some((host, port)) if port == default => out.push(format!("{scheme}://{host}{tail}")),
        Some(_) => {}
        None => out.push(format!("{scheme}://{authority}:{default}{tail}")),
    }
    out
}

fn verify(d: &Delivery<'_>, keys: &Keys) -> Result<(), Refusal> {
    let key = webhook::secret(keys)?;
    let given = d
        .header(SIGNATURE)
        .ok_or(Refusal::Missing("X-Twilio-Signature"))?;
    let sha256 = d
        .header(SETTINGS)
        .is_some_and(|s| s.to_ascii_uppercase().contains("ALGORITHM=HMAC_SHA256"));
    let json_body = d.media_type().as_deref() == Some("application/json");
    let fields = if json_body {
        let hash = webhook::query_param(d.url, "bodySHA256");
        if !hash.is_some_and(|h| crypto::same(h.as_bytes(), crypto::sha256_hex(d.body).as_bytes()))
        {
            return Err(Refusal::Mismatch);
        }
        Vec::new()
    } else {
        d.form()
    };
    let ok = url_variants(d.url).iter().any(|u| {
        crypto::same(
            mac(sha256, key, &signed_string(u, &fields)).as_bytes(),
            given.trim().as_bytes(),
        )
    });
    webhook::matched(ok)
}

fn parse(d: &Delivery<'_>) -> Result<Event, Unreadable> {
    let fields = d.form();
    let object = webhook::form_object(&fields);
    let get = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_string);
    let sid = get("CallSid")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Unreadable("the callback has no CallSid".into()))?;
    let status = get("CallStatus").unwrap_or_default();
    let sequence = get("SequenceNumber").unwrap_or_default();
    let key = format!("{sid}/{status}/{sequence}");
    let mut event = Event {
        key,
        kind: if status.is_empty() {
            "status".into()
        } else {
            status.clone()
        },
        call_id: Some(sid.clone()),
        call: None,
    };
    if TERMINAL.contains(&status.as_str()) {
        // The callback's names, as the Calls resource spells them, so the
        // mapper that reads the polled record reads this too. `Timestamp`
        // is when the callback was sent: for a terminal status, the end.
        let record = json!({
            "sid": sid,
            "parent_call_sid": get("ParentCallSid"),
            "direction": get("Direction"),
            "from": get("From"),
            "to": get("To"),
            "caller_name": get("CallerName"),
            "status": status,
            "duration": get("CallDuration"),
            "end_time": get("Timestamp"),
            "answered_by": get("AnsweredBy"),
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
    _now: DateTime<Utc>,
    key: SigningKey<'_>,
) -> Vec<(&'static str, String)> {
    let Some(key) = key.secret() else {
        return Vec::new();
    };
    let fields: Vec<(String, String)> = webhook::form_fields(body);
    vec![(
        "X-Twilio-Signature",
        mac(false, key, &signed_string(url, &fields)),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use calllogs_core::Status;
    use calllogs_core::secrecy::SecretString;

    const URL: &str = "https://hooks.example.invalid/hooks/twilio-a?tag=1";

    fn keys() -> Keys {
        Keys {
            secret: Some(SecretString::from("12345")),
            public_key: None,
            tolerance: webhook::DEFAULT_TOLERANCE,
        }
    }

    fn delivery<'a>(url: &'a str, headers: &'a [(String, String)], body: &'a [u8]) -> Delivery<'a> {
        Delivery {
            url,
            headers,
            body,
            now: Utc::now(),
        }
    }

    #[test]
    fn a_signed_terminal_callback_is_verified_and_read_as_the_poller_reads_the_call() {
        let body = b"CallSid=CA00000000000000000000000000000001&CallStatus=no-answer&From=%2B15555550100&To=%2B15555550199&Direction=outbound-api&CallDuration=0&SequenceNumber=3&Timestamp=Tue%2C%2001%20Dec%202026%2010%3A00%3A05%20%2B0000";
        let sig = sign(URL, body, Utc::now(), SigningKey::Secret("12345"));
        let mut headers: Vec<(String, String)> = sig
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        let d = delivery(URL, &headers, body);
        WEBHOOK.check(&d, &keys()).unwrap();
        let event = parse(&d).unwrap();
        assert_eq!(event.key, "CA00000000000000000000000000000001/no-answer/3");
        let call = event.call.unwrap();
        assert_eq!(call.status, Status::NoAnswer);
        assert_eq!(call.from.as_deref(), Some("+15555550100"));
        assert!(call.ended_at.is_some());
        assert!(call.raw.get().contains("\"CallSid\""));
        // One byte of the body, the URL or the key changed: refused.
        let mut forged = body.to_vec();
        forged[10] ^= 1;
        assert_eq!(
            WEBHOOK.check(&delivery(URL, &headers, &forged), &keys()),
            Err(Refusal::Mismatch)
        );
        let other = URL.replace("tag=1", "tag=2");
        assert_eq!(
            WEBHOOK.check(&delivery(&other, &headers, body), &keys()),
            Err(Refusal::Mismatch)
        );
        let wrong = Keys {
            secret: Some(SecretString::from("12346")),
            ..keys()
        };
        assert_eq!(WEBHOOK.check(&d, &wrong), Err(Refusal::Mismatch));
    }

    #[test]
    fn a_progress_callback_is_kept_but_ends_no_call_and_the_default_port_is_tolerated() {
        let body = b"CallSid=CA1&CallStatus=ringing&SequenceNumber=1";
        let url = "https://hooks.example.invalid:443/h";
        let sig = sign(
            "https://hooks.example.invalid/h",
            body,
            Utc::now(),
            SigningKey::Secret("k"),
        );
        let headers = vec![
            ("x-twilio-signature".to_string(), sig[0].1.clone()),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
        ];
        let keys = Keys {
            secret: Some(SecretString::from("k")),
            ..keys()
        };
        WEBHOOK
            .check(&delivery(url, &headers, body), &keys)
            .unwrap();
        let e = parse(&delivery(url, &headers, body)).unwrap();
        assert!(e.call.is_none());
        assert_eq!(e.kind, "ringing");
        let unsigned = vec![headers[1].clone()];
        assert_eq!(
            WEBHOOK.check(&delivery(url, &unsigned, body), &keys),
            Err(Refusal::Missing("X-Twilio-Signature"))
        );
    }
}
