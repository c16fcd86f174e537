//! Vapi's call list: `GET /call`, `Authorization: Bearer <key>`, a bare
//! JSON array newest first by `createdAt`, no total and no next link;
//! `limit` 1..=1000 (default 100), `createdAtGt/Ge/Lt/Le`, `updatedAtGe`,
//! `assistantId`,
//! `phoneNumberId`. `createdAt` is the start truncated to the minute, so
//! calls share instants as real traffic sometimes does: a client must
//! neither repeat nor skip them across pages. The call object has the
//! fields of vapi-server-sdk's `Call` and nothing else (a CI test walks
//! every answer against the SDK's model): the account's line is a
//! transient number's `phoneNumber.twilioPhoneNumber`, end reasons are
//! values of the SDK's `CallEndedReason`.

use std::sync::Arc;

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::{int_param, time_param};
use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall};

/// The emulator with the credentials of `config` (a demo key otherwise).
pub fn api(config: &Config) -> Arc<dyn Api> {
    Arc::new(Vapi {
        key: config.credential("VAPI_API_KEY", || {
            // Vapi's private keys are UUIDs.
            let t = config.demo_secret(32).to_ascii_lowercase();
            format!(
                "{}-{}-{}-{}-{}",
                &t[..8],
                &t[8..12],
                &t[12..16],
                &t[16..20],
                &t[20..32]
            )
        }),
    })
}

struct Vapi {
    key: String,
}

const OUTCOMES: &[Outcome] = &[
    Outcome::new(
        Status::Completed,
        &[
            C::NormalHangup,
            C::NormalHangup,
            C::AgentHangup,
            C::ScheduledHangup,
            C::MediaTimeout,
            C::MachineDetected,
        ],
        62,
    ),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 10).only(Direction::Outbound),
    Outcome::new(Status::Busy, &[C::BusyLine], 8).only(Direction::Outbound),
    Outcome::new(
        Status::Failed,
        &[C::InternalError, C::NetworkError, C::ErrorReachingAnswerUrl],
        10,
    ),
    Outcome::new(Status::Canceled, &[C::Canceled], 5).only(Direction::Outbound),
    Outcome::new(Status::InProgress, &[], 5),
];

/// The ended reason Vapi writes for a cause (several per family).
fn ended_reason(c: &SynthCall) -> &'static str {
    let pick = |options: &[&'static str]| options[(c.seq as usize) % options.len()];
    match c.cause {
        Some(C::NormalHangup) => pick(&[
            "customer-ended-call",
            "customer-ended-call-after-warm-transfer-attempt",
        ]),
        Some(C::AgentHangup) => pick(&[
            "assistant-ended-call",
            "assistant-said-end-call-phrase",
            "assistant-ended-call-after-message-spoken",
        ]),
        Some(C::ScheduledHangup) => "exceeded-max-duration",
        Some(C::MediaTimeout) => "silence-timed-out",
        Some(C::MachineDetected) => "voicemail",
        Some(C::NoAnswer) => "customer-did-not-answer",
        Some(C::BusyLine) => "customer-busy",
        Some(C::Canceled) => "manually-canceled",
        Some(C::NetworkError) => pick(&[
            "twilio-failed-to-connect-call",
            "vonage-failed-to-connect-call",
        ]),
        Some(C::ErrorReachingAnswerUrl) => "assistant-request-returned-error",
        _ => pick(&[
            "pipeline-error-openai-llm-failed",
            "call.in-progress.error-vapifault-transport-never-connected",
            "call.start.error-vapifault-get-org",
        ]),
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn created(c: &SynthCall) -> DateTime<Utc> {
    c.started_at
        .duration_trunc(TimeDelta::minutes(1))
        .unwrap_or(c.started_at)
}

/// The record's last change: a later change a test made, else the end
/// (the start, for a call still in progress).
fn updated(c: &SynthCall) -> DateTime<Utc> {
    c.updated_at
        .unwrap_or_else(|| c.ended_at.unwrap_or(c.started_at))
}

impl Vapi {
    fn render(&self, c: &SynthCall) -> Value {
        let ended = c.status != Status::InProgress;
        let kind = match c.direction {
            Direction::Inbound if c.seq.is_multiple_of(13) => "vapi.websocketCall",
            Direction::Inbound if c.seq.is_multiple_of(7) => "webCall",
            Direction::Inbound => "inboundPhoneCall",
            _ => "outboundPhoneCall",
        };
        let cost = (c.cost_units as f64) / 100_000.0;
        let talk = c.talk_s.unwrap_or(0);
        let answered = talk > 0;
        json!({
            "id": c.id,
            "orgId": "00000000-0000-4000-8000-0000000000a1",
            "type": kind,
            "status": if ended { "ended" } else { "in-progress" },
            "endedReason": ended.then(|| ended_reason(c)),
            "createdAt": time(created(c)),
            "updatedAt": time(updated(c)),
            "startedAt": time(c.started_at),
            "endedAt": c.ended_at.map(time),
            "cost": ended.then_some(cost),
            "costBreakdown": ended.then(|| json!({"transport": cost * 0.2, "stt": cost * 0.1, "llm": cost * 0.3, "tts": cost * 0.2, "vapi": cost * 0.2, "total": cost})),
            "assistantId": format!("asst-{:04}", c.agent),
            "phoneNumberId": format!("pn-{:04}", c.campaign),
            // A transient Twilio number: its digits are `twilioPhoneNumber`.
            "phoneNumber": {
                "twilioPhoneNumber": if c.direction == Direction::Inbound { &c.to } else { &c.from },
                "twilioAccountSid": "AC00000000000000000000000000000000",
            },
            "customer": {"number": if c.direction == Direction::Inbound { &c.from } else { &c.to }},
            "campaignId": (c.direction == Direction::Outbound).then(|| format!("camp-{:04}", c.campaign)),
            "analysis": (ended && answered).then(|| json!({
                "summary": "A synthetic call about an invented order.",
                "structuredData": {"resolved": c.seq.is_multiple_of(2)},
                "successEvaluation": if c.seq.is_multiple_of(3) { "false" } else { "true" },
            })),
            "artifact": answered.then(|| json!({
                "transcript": "AI: Hello, this is a synthetic assistant.\nUser: Hello.",
                "messages": [
                    {"role": "system", "message": "You are a synthetic assistant.", "time": c.started_at.timestamp_millis()},
                    {"role": "bot", "message": "Hello, this is a synthetic assistant.", "time": c.started_at.timestamp_millis() + 500, "secondsFromStart": 0.5},
                    {"role": "user", "message": "Hello.", "time": c.started_at.timestamp_millis() + 2000, "secondsFromStart": 2.0},
                ],
                "recordingUrl": format!("https://recordings.example.invalid/{}.wav", c.id),
            })),
        })
    }
}

fn error(status: u16, message: &str) -> Reply {
    let error = match status {
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Bad Request",
    };
    Reply::json(
        status,
        json!({"message": message, "error": error, "statusCode": status}),
    )
}

impl Api for Vapi {
    fn id(&self) -> &'static str {
        "vapi"
    }
    fn page_size_param(&self) -> &'static str {
        "limit"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![("VAPI_API_KEY", self.key.clone())]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!("00000000-0000-4000-9000-{seq:012}")
    }
    fn webhook(&self, c: &SynthCall) -> Option<calllogs_emulator::Hook> {
        let end = c.ended_at.filter(|_| c.status != Status::InProgress)?;
        let call = self.render(c);
        // The report carries the call, and the call's outcome beside it.
        let mut message = serde_json::Map::new();
        message.insert("type".into(), json!("end-of-call-report"));
        message.insert("timestamp".into(), json!(end.timestamp_millis()));
        for k in [
            "endedReason",
            "startedAt",
            "endedAt",
            "cost",
            "costBreakdown",
            "analysis",
            "artifact",
        ] {
            if let Some(v) = call.get(k).filter(|v| !v.is_null()) {
                message.insert(k.into(), v.clone());
            }
        }
        message.insert("call".into(), call);
        Some(calllogs_emulator::Hook::json(
            &json!({ "message": message }),
        ))
    }
    fn page_body(&self, calls: &[&SynthCall], _total: usize) -> Value {
        Value::Array(calls.iter().map(|c| self.render(c)).collect())
    }
    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if req.header("authorization") != Some(format!("Bearer {}", self.key).as_str()) {
            return error(
                401,
                "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.",
            );
        }
        if req.path.trim_end_matches('/') != "/call" {
            return error(404, "Cannot GET this path");
        }
        let parsed = (|| -> Result<_, String> {
            Ok((
                int_param("limit", req.param("limit"), 100, 1, 1000)?,
                time_param("createdAtGt", req.param("createdAtGt"))?,
                time_param("createdAtGe", req.param("createdAtGe"))?,
                time_param("createdAtLt", req.param("createdAtLt"))?,
                time_param("createdAtLe", req.param("createdAtLe"))?,
                time_param("updatedAtGe", req.param("updatedAtGe"))?,
            ))
        })();
        let (limit, gt, ge, lt, le, updated_ge) = match parsed {
            Ok(p) => p,
            Err(message) => return error(400, &message),
        };
        let assistant = req.param("assistantId");
        let number = req.param("phoneNumberId");
        // createdAt is the start's minute: the index by start, widened by a
        // minute each way, then the exact bounds on createdAt.
        let lo = gt.or(ge).map(|t| t - TimeDelta::minutes(1));
        let hi = lt.or(le).map(|t| t + TimeDelta::minutes(1));
        // Newest start first is newest createdAt first (createdAt is the
        // start's minute); within a minute, newest start first.
        let page: Vec<&SynthCall> = calls
            .started_within(lo, hi, true)
            .iter()
            .rev()
            .filter(|c| {
                let at = created(c);
                gt.is_none_or(|t| at > t)
                    && ge.is_none_or(|t| at >= t)
                    && lt.is_none_or(|t| at < t)
                    && le.is_none_or(|t| at <= t)
                    && updated_ge.is_none_or(|t| updated(c) >= t)
                    && assistant.is_none_or(|a| a == format!("asst-{:04}", c.agent))
                    && number.is_none_or(|n| n == format!("pn-{:04}", c.campaign))
            })
            .take(limit as usize)
            .collect();
        Reply::json(200, self.page_body(&page, page.len()))
    }
}
