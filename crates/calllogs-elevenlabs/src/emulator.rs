//! ElevenLabs' conversations API, emulated: `GET /v1/convai/conversations`
//! (`xi-api-key`, `page_size` 1..=100, an opaque `cursor`, `agent_id`, the
//! start time in unix seconds, both bounds exclusive), newest first, the
//! `{conversations, next_cursor, has_more}` envelope of summaries, and
//! `GET /v1/convai/conversations/{id}` with the detail (metadata, phone
//! call, transcript, analysis); FastAPI-style `{"detail": …}` errors.

use std::sync::Arc;

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::int_param;
use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall, newest_page};

/// The emulator with the credentials of `config` (a demo key otherwise).
pub fn api(config: &Config) -> Arc<dyn Api> {
    Arc::new(Elevenlabs {
        key: config.credential(crate::API_KEY, || {
            calllogs_emulator::util::demo_secret("sk_demo", config.seed, 48)
        }),
    })
}

struct Elevenlabs {
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
        64,
    ),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 10).only(Direction::Outbound),
    Outcome::new(Status::Busy, &[C::BusyLine], 6).only(Direction::Outbound),
    Outcome::new(Status::Failed, &[C::InternalError], 10),
    Outcome::new(Status::InProgress, &[], 10),
];

/// The free text ElevenLabs writes for a cause (its exact strings are not
/// documented: sentences of the kind seen).
fn termination(cause: C) -> &'static str {
    match cause {
        C::NormalHangup => "Client disconnected: 1000",
        C::AgentHangup => "Call ended by the end_call tool.",
        C::ScheduledHangup => "Maximum duration exceeded",
        C::MediaTimeout => "Conversation ended after a period of silence",
        C::MachineDetected => "Voicemail detected",
        C::NoAnswer => "Call was not answered",
        C::BusyLine => "The line was busy",
        _ => "An internal error occurred",
    }
}

fn status_word(c: &SynthCall) -> &'static str {
    match c.status {
        Status::InProgress => "in-progress",
        Status::Completed => "done",
        _ => "failed",
    }
}

fn secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn conversation_id(c: &SynthCall) -> &str {
    &c.id
}

/// A conversation as the list summarizes it.
fn summary(c: &SynthCall) -> Value {
    json!({
        "agent_id": format!("agent_demo{:04}", c.agent),
        "agent_name": format!("Demo agent {}", c.agent),
        "conversation_id": conversation_id(c),
        "start_time_unix_secs": secs(c.started_at),
        "call_duration_secs": c.duration_s.unwrap_or(0),
        "message_count": if c.answered() { 4 } else { 0 },
        "status": status_word(c),
        "termination_reason": c.cause.map(termination),
        "call_successful": if c.status == Status::Completed { "success" } else { "failure" },
        "transcript_summary": c.answered().then_some("Lorem ipsum summary."),
        "direction": c.direction.as_str(),
    })
}

/// A conversation as its detail has it.
fn detail(c: &SynthCall) -> Value {
    let answered = c.status == Status::Completed;
    let transcript = if answered {
        json!([
            {"role": "agent", "message": "Hello, this is a demo agent.", "time_in_call_secs": 0},
            {"role": "user", "message": "Lorem ipsum dolor sit amet.", "time_in_call_secs": 3},
        ])
    } else {
        json!([])
    };
    json!({
        "agent_id": format!("agent_demo{:04}", c.agent),
        "agent_name": format!("Demo agent {}", c.agent),
        "conversation_id": conversation_id(c),
        "status": status_word(c),
        "user_id": null,
        "transcript": transcript,
        "metadata": {
            "start_time_unix_secs": secs(c.started_at),
            "accepted_time_unix_secs": if answered { c.answered_at.map(secs) } else { None },
            "call_duration_secs": c.duration_s.unwrap_or(0),
            "cost": c.duration_s.unwrap_or(0) * 10,
            "cost_fiat": c.cost().parse::<f64>().unwrap_or(0.0),
            "termination_reason": c.cause.map(termination).unwrap_or(""),
            "error": (c.cause == Some(C::InternalError)).then(|| json!({"code": 1011, "reason": "internal error"})),
            "main_language": "en",
            "phone_call": {
                "type": "twilio",
                "direction": c.direction.as_str(),
                "phone_number_id": format!("phnum_demo{:04}", c.agent),
                "agent_number": c.our_number(),
                "external_number": c.customer_number(),
                "stream_sid": format!("MZdemo{:08}", c.seq),
                "call_sid": format!("CAdemo{:08}", c.seq),
            },
        },
        "analysis": answered.then(|| json!({
            "evaluation_criteria_results": {},
            "data_collection_results": {},
            "call_successful": "success",
            "transcript_summary": "Lorem ipsum summary.",
            "call_summary_title": "Demo call",
        })),
        "conversation_initiation_client_data": {"dynamic_variables": {}},
        "has_audio": answered,
        "has_user_audio": answered,
        "has_response_audio": answered,
        "has_auxiliary_audio": false,
    })
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"detail": {"status": code, "message": message}}),
    )
}

impl Elevenlabs {
    fn list(&self, req: &Request, calls: &Calls) -> Reply {
        let parsed = (|| -> Result<_, String> {
            let size = int_param("page_size", req.param("page_size"), 30, 1, 100)?;
            let offset = match req.param("cursor") {
                None => 0,
                Some(c) => c
                    .strip_prefix("cur_")
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or("cursor: not a cursor this API gave")?,
            };
            let time = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
                req.param(name)
                    .map(|v| {
                        v.parse::<i64>()
                            .ok()
                            .and_then(calllogs_core::parse::epoch_seconds)
                            .ok_or(format!("{name}: {v:?} is not unix seconds"))
                    })
                    .transpose()
            };
            Ok((
                size as usize,
                offset,
                time("call_start_after_unix")?,
                time("call_start_before_unix")?,
            ))
        })();
        let (size, offset, after, before) = match parsed {
            Ok(p) => p,
            Err(m) => return error(422, "invalid_parameters", &m),
        };
        // Both bounds exclusive: after the second, before the second.
        let within = calls.started_within(
            after.map(|t| t + chrono::Duration::seconds(1)),
            before,
            false,
        );
        let agent = req.param("agent_id");
        let keep = |c: &SynthCall| agent.is_none_or(|a| a == format!("agent_demo{:04}", c.agent));
        let (total, page) = newest_page(
            within.iter(),
            agent
                .is_some()
                .then_some(&keep as &dyn Fn(&SynthCall) -> bool),
            offset,
            size,
        );
        let more = offset + page.len() < total;
        Reply::json(
            200,
            json!({
                "conversations": page.iter().map(|c| summary(c)).collect::<Vec<_>>(),
                "next_cursor": more.then(|| format!("cur_{}", offset + page.len())),
                "has_more": more,
            }),
        )
    }
}

impl Api for Elevenlabs {
    fn id(&self) -> &'static str {
        crate::ID
    }
    fn page_size_param(&self) -> &'static str {
        "page_size"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![(crate::API_KEY, self.key.clone())]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!("conv_demo{:016x}", seq.wrapping_mul(0x2545_f491_4f6c_dd1d))
    }
    fn page_body(&self, calls: &[&SynthCall], _total: usize) -> Value {
        json!({"conversations": calls.iter().map(|c| summary(c)).collect::<Vec<_>>(), "next_cursor": null, "has_more": false})
    }
    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if req.header("xi-api-key") != Some(self.key.as_str()) {
            return error(401, "invalid_api_key", "Invalid API key");
        }
        if req.method != "GET" {
            return error(405, "method_not_allowed", "Method Not Allowed");
        }
        let path = req.path.trim_end_matches('/');
        if path == "/v1/convai/conversations" {
            return self.list(req, calls);
        }
        match path.strip_prefix("/v1/convai/conversations/") {
            Some(id) => match calls.iter().find(|c| c.id == id) {
                Some(c) => Reply::json(200, detail(c)),
                None => error(404, "conversation_not_found", "Conversation not found"),
            },
            None => error(404, "not_found", "Not Found"),
        }
    }
}
