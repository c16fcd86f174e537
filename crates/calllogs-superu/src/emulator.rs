//! SuperU's call logs: `POST /call-logs/{assistant_id}` with the filters on
//! the query string, the key in `superU-Api-Key`, page numbers from 1 and
//! 1..=100 records per page, Vapi-style call objects.

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::{int_param, time_param};
use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall, newest_page};

/// The emulator with the credentials of `config` (demo values for those it
/// does not name).
pub fn api(config: &Config) -> std::sync::Arc<dyn Api> {
    std::sync::Arc::new(Superu {
        key: config.credential("SUPERU_API_KEY", || config.demo_secret(32)),
    })
}

struct Superu {
    key: String,
}

const OUTCOMES: &[Outcome] = &[
    Outcome {
        status: Status::Completed,
        direction: None,
        causes: &[
            C::NormalHangup,
            C::NormalHangup,
            C::AgentHangup,
            C::ScheduledHangup,
            C::MachineDetected,
        ],
        weight: 60,
    },
    Outcome {
        status: Status::NoAnswer,
        direction: None,
        causes: &[C::NoAnswer],
        weight: 10,
    },
    Outcome {
        status: Status::Busy,
        direction: None,
        causes: &[C::BusyLine],
        weight: 8,
    },
    Outcome {
        status: Status::Failed,
        direction: None,
        causes: &[C::InternalError, C::InvalidDestinationAddress],
        weight: 10,
    },
    Outcome {
        status: Status::Canceled,
        direction: None,
        causes: &[C::Canceled],
        weight: 6,
    },
    Outcome {
        status: Status::InProgress,
        direction: None,
        causes: &[],
        weight: 6,
    },
];

/// The ended reason SuperU (Vapi-style) writes for a cause.
fn ended_reason(cause: C) -> &'static str {
    match cause {
        C::NormalHangup => "Customer Hangup",
        C::AgentHangup => "assistant-ended-call",
        C::ScheduledHangup => "exceeded-max-duration",
        C::MachineDetected => "voicemail",
        C::NoAnswer => "customer-did-not-answer",
        C::BusyLine => "customer-busy",
        C::InvalidDestinationAddress => "twilio-reported-customer-misdialed",
        C::Canceled => "manually-canceled",
        _ => "pipeline-error-openai-llm-failed",
    }
}

fn status_word(c: &SynthCall) -> &'static str {
    if c.status == Status::InProgress {
        "in-progress"
    } else {
        "ended"
    }
}

fn render(c: &SynthCall) -> Value {
    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string();
    let transcript = if c.answered() {
        json!([
            {"role": "assistant", "content": "Hello, this is a demo assistant.", "created_at": iso(c.answered_at.unwrap_or(c.started_at))},
            {"role": "user", "content": "Lorem ipsum dolor sit amet.", "created_at": iso(c.answered_at.unwrap_or(c.started_at))},
        ])
    } else {
        json!([])
    };
    json!({
        "id": c.id,
        "assistantId": format!("asst-{:04}", c.agent),
        "type": if c.direction == Direction::Inbound { "inboundPhoneCall" } else { "outboundPhoneCall" },
        "cost": c.cost().parse::<f64>().unwrap_or(0.0),
        "endedReason": c.cause.map(ended_reason),
        "status": status_word(c),
        "startedAt": iso(c.started_at),
        "endedAt": c.ended_at.map(iso),
        "durationSeconds": c.duration_s,
        "customer": {"number": c.customer_number()},
        "phoneNumber": {"number": c.our_number()},
        "campaignId": format!("camp-{:03}", c.campaign),
        "recordingUrl": c.answered().then(|| format!("https://recordings.example.invalid/{}.wav", c.id)),
        "transcript": transcript,
        "analysis": c.answered().then(|| json!({"summary": "Lorem ipsum summary.", "sentiment": "neutral"})),
    })
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"success": false, "message": message}))
}

impl Api for Superu {
    fn id(&self) -> &'static str {
        "superu"
    }
    fn page_size_param(&self) -> &'static str {
        "limit"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![("SUPERU_API_KEY", self.key.clone())]
    }
    fn outcomes(&self) -> &'static [Outcome] {
        OUTCOMES
    }
    fn call_id(&self, seq: u64) -> String {
        format!("sc-{seq:06}")
    }

    fn page_body(&self, calls: &[&SynthCall], total: usize) -> Value {
        json!({"success": true, "data": {"calls": calls.iter().map(|c| render(c)).collect::<Vec<_>>(), "total": total}})
    }

    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if req.header("superu-api-key") != Some(self.key.as_str()) {
            return error(401, "Invalid API key");
        }
        let Some(assistant) = req
            .path
            .strip_prefix("/call-logs/")
            .map(|a| a.trim_end_matches('/'))
        else {
            return error(404, "Not found");
        };
        if req.method != "POST" {
            return error(405, "Method not allowed");
        }
        let parsed = (|| -> Result<_, String> {
            Ok((
                int_param("limit", req.param("limit"), 20, 1, 100)?,
                int_param("page", req.param("page"), 1, 1, u64::MAX / 1000)?,
                time_param("after", req.param("after"))?,
                time_param("before", req.param("before"))?,
            ))
        })();
        let (limit, page, after, before) = match parsed {
            Ok(p) => p,
            Err(message) => return Reply::json(422, json!({"success": false, "detail": message})),
        };
        // The index gives the time range; the other filters, when sent, are
        // checked on it alone.
        let within = calls.started_within(after, before, true);
        // The other filters, read once; `filtered` is derived from them.
        let assistant = (assistant != "all").then_some(assistant);
        let status = req.param("status");
        let campaign = req.param("campaign_id");
        let search = req.param("search_query");
        let filtered =
            assistant.is_some() || status.is_some() || campaign.is_some() || search.is_some();
        let keep = |c: &SynthCall| {
            assistant.is_none_or(|a| a == format!("asst-{:04}", c.agent))
                && status.is_none_or(|s| match s {
                    "completed" => c.status == Status::Completed,
                    other => other == status_word(c),
                })
                && campaign.is_none_or(|k| k == format!("camp-{:03}", c.campaign))
                && search.is_none_or(|q| c.id.contains(q) || c.customer_number().contains(q))
        };
        let start = ((page - 1) * limit) as usize;
        let (total, page_calls) = newest_page(
            within.iter(),
            filtered.then_some(&keep as &dyn Fn(&SynthCall) -> bool),
            start,
            limit as usize,
        );
        let items: Vec<Value> = page_calls.iter().map(|c| render(c)).collect();
        Reply::json(
            200,
            json!({"success": true, "data": {"calls": items, "total": total}}),
        )
    }
}
