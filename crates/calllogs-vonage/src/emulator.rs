//! Vonage's Voice API, emulated: `GET /v1/calls` with an application JWT
//! (RS256: verified by signing the same header and claims again with the
//! application's key, which RS256 makes deterministic; the application id
//! and expiry checked), `date_start`/`date_end` (ISO 8601), `order`,
//! `record_index`, `page_size` up to 100, `conversation_uuid`; the HAL
//! envelope (`count`, `_links`, `_embedded.calls`) and Vonage's problem
//! JSON errors; legs as Vonage writes them (numbers without `+`, times
//! without a zone, price and duration only once completed).

use std::sync::Arc;

use calllogs_core::secrecy::{ExposeSecret, SecretString};
use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::{int_param, time_param};
use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall};

/// The emulator with the credentials of `config`: a demo application id,
/// and a freshly generated RSA key (its PEM with `\n` escapes, one line)
/// unless `config` gives one.
pub fn api(config: &Config) -> Arc<dyn Api> {
    let application_id = config.credential(crate::APPLICATION_ID, || {
        let h = config.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        format!("aaaaaaaa-bbbb-4ccc-8ddd-{:012x}", h >> 16)
    });
    let pem = config.credential(crate::PRIVATE_KEY, demo_key);
    let key = crate::jwt::read_key(&SecretString::from(pem.clone()))
        .ok()
        .and_then(|k| jsonwebtoken::EncodingKey::from_rsa_pem(k.expose_secret().as_bytes()).ok());
    Arc::new(Vonage {
        application_id,
        pem,
        key,
    })
}

/// A new 2048-bit RSA key, PKCS#8 PEM with `\n` escapes.
fn demo_key() -> String {
    use aws_lc_rs::encoding::AsDer;
    let der = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .ok()
        .and_then(|k| k.as_der().ok())
        .map(|d| d.as_ref().to_vec())
        .unwrap_or_default();
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&der)
    };
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n",
        lines.join("\\n")
    )
}

struct Vonage {
    application_id: String,
    pem: String,
    key: Option<jsonwebtoken::EncodingKey>,
}

const OUTCOMES: &[Outcome] = &[
    Outcome::new(Status::Completed, &[C::NormalHangup], 60),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer, C::RingTimeoutReached], 12),
    Outcome::new(Status::Busy, &[C::BusyLine], 8),
    Outcome::new(Status::Failed, &[C::Rejected, C::Other], 8),
    Outcome::new(Status::Canceled, &[C::Canceled], 6).only(Direction::Outbound),
    Outcome::new(Status::InProgress, &[], 4),
];

fn status_word(c: &SynthCall) -> &'static str {
    match (c.status, c.cause) {
        (Status::InProgress, _) => "answered",
        (Status::Completed, _) => "completed",
        (Status::Busy, _) => "busy",
        (Status::Canceled, _) => "cancelled",
        (_, Some(C::RingTimeoutReached)) => "timeout",
        (Status::NoAnswer, _) => "unanswered",
        (_, Some(C::Rejected)) => "rejected",
        _ => "failed",
    }
}

fn render(c: &SynthCall) -> Value {
    let plain = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    let phone = |n: &str| json!({"type": "phone", "number": n.trim_start_matches('+')});
    let completed = c.status == Status::Completed;
    let mut v = json!({
        "_links": {"self": {"href": format!("/v1/calls/{}", c.id)}},
        "uuid": c.id,
        "conversation_uuid": format!("CON-{:08x}-0000-4000-8000-{:012x}", c.seq / 2, c.seq / 2),
        "to": phone(&c.to),
        "from": phone(&c.from),
        "status": status_word(c),
        "direction": c.direction.as_str(),
        "network": "65512",
    });
    if completed && let Some(o) = v.as_object_mut() {
        o.insert("rate".into(), json!("0.01270000"));
        o.insert("price".into(), json!(c.cost()));
        o.insert(
            "duration".into(),
            json!(c.duration_s.unwrap_or(0).to_string()),
        );
        o.insert("start_time".into(), json!(plain(c.started_at)));
        o.insert("end_time".into(), json!(c.ended_at.map(plain)));
    }
    v
}

fn problem(status: u16, title: &str, detail: &str) -> Reply {
    Reply::json(
        status,
        json!({
            "type": "https://developer.nexmo.com/api-errors#emulated",
            "title": title,
            "detail": detail,
            "instance": "00000000-0000-4000-8000-000000000000",
        }),
    )
}

impl Vonage {
    /// Whether `authorization` carries a JWT this application signed, for
    /// it, not expired.
    fn authorized(&self, authorization: Option<&str>) -> bool {
        let Some(token) = authorization.and_then(|a| a.strip_prefix("Bearer ")) else {
            return false;
        };
        let Some(key) = &self.key else { return false };
        let mut parts = token.rsplitn(2, '.');
        let (Some(signature), Some(signed)) = (parts.next(), parts.next()) else {
            return false;
        };
        // RS256 (PKCS#1 v1.5) is deterministic: the same key signs the same
        // header and claims into the same signature.
        let again =
            jsonwebtoken::crypto::sign(signed.as_bytes(), key, jsonwebtoken::Algorithm::RS256);
        if again.ok().as_deref() != Some(signature) {
            return false;
        }
        let claims = signed
            .split('.')
            .nth(1)
            .and_then(|c| {
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
            })
            .and_then(|c| serde_json::from_slice::<Value>(&c).ok());
        let now = Utc::now().timestamp();
        claims.is_some_and(|c| {
            c["application_id"] == self.application_id.as_str()
                && c["exp"].as_i64().is_some_and(|exp| exp > now)
                && c["jti"].as_str().is_some_and(|j| !j.is_empty())
        })
    }

    fn list(&self, req: &Request, calls: &Calls) -> Reply {
        let parsed = (|| -> Result<_, String> {
            let ascending = match req.param("order") {
                None | Some("asc") => true,
                Some("desc") => false,
                Some(o) => return Err(format!("order must be asc or desc, got {o:?}")),
            };
            Ok((
                int_param(
                    "record_index",
                    req.param("record_index"),
                    0,
                    0,
                    u64::MAX / 4,
                )? as usize,
                int_param(
                    "page_size",
                    req.param("page_size"),
                    10,
                    1,
                    crate::MAX_PAGE as u64,
                )? as usize,
                time_param("date_start", req.param("date_start"))?,
                time_param("date_end", req.param("date_end"))?,
                ascending,
            ))
        })();
        let (index, size, start, end, ascending) = match parsed {
            Ok(p) => p,
            Err(m) => return problem(400, "Bad Request", &m),
        };
        let conversation = req.param("conversation_uuid");
        let legs: Vec<&SynthCall> = calls
            .started_within(start, end, true)
            .iter()
            .filter(|c| {
                conversation.is_none_or(|u| {
                    u == format!("CON-{:08x}-0000-4000-8000-{:012x}", c.seq / 2, c.seq / 2)
                })
            })
            .collect();
        let count = legs.len();
        let page: Vec<Value> = if ascending {
            legs.iter()
                .skip(index)
                .take(size)
                .map(|c| render(c))
                .collect()
        } else {
            legs.iter()
                .rev()
                .skip(index)
                .take(size)
                .map(|c| render(c))
                .collect()
        };
        let href = |i: usize| {
            format!(
                "/v1/calls?page_size={size}&record_index={i}&order={}",
                if ascending { "asc" } else { "desc" }
            )
        };
        let mut links = json!({"self": {"href": href(index)}});
        if index + size < count {
            links["next"] = json!({"href": href(index + size)});
        }
        if index > 0 {
            links["prev"] = json!({"href": href(index.saturating_sub(size))});
        }
        Reply::json(
            200,
            json!({
                "count": count,
                "page_size": size,
                "record_index": index,
                "_links": links,
                "_embedded": {"calls": page},
            }),
        )
    }
}

impl Api for Vonage {
    fn id(&self) -> &'static str {
        crate::ID
    }
    fn page_size_param(&self) -> &'static str {
        "page_size"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![
            (crate::APPLICATION_ID, self.application_id.clone()),
            (crate::PRIVATE_KEY, self.pem.clone()),
        ]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        let h = seq.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h >> 20) & 0xfff,
            seq
        )
    }
    fn page_body(&self, calls: &[&SynthCall], total: usize) -> Value {
        json!({
            "count": total,
            "page_size": calls.len(),
            "record_index": total - calls.len(),
            "_links": {"self": {"href": "/v1/calls"}},
            "_embedded": {"calls": calls.iter().map(|c| render(c)).collect::<Vec<_>>()},
        })
    }
    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if !self.authorized(req.header("authorization")) {
            return problem(
                401,
                "Invalid credentials supplied",
                "You did not provide correct credentials.",
            );
        }
        if req.method != "GET" {
            return problem(405, "Method Not Allowed", "Use GET");
        }
        if req.path.trim_end_matches('/') != "/v1/calls" {
            return problem(404, "Not Found", "No such resource");
        }
        self.list(req, calls)
    }
}
