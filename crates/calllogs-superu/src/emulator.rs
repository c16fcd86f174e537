//! SuperU's call logs: `POST /call-logs/{assistant_id}` with the filters on
//! the query string, the key in `superU-Api-Key`, page numbers from 1 and
//! 1..=100 records per page, Vapi-style call objects.

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::time_param;
use calllogs_emulator::{Api, Calls, Config, Outcome, PageParams, Reply, Request, SynthCall};

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

/// Page numbers from 1, 1..=100 records a page (20 unless asked).
const PAGES: PageParams = PageParams {
    page: "page",
    size: "limit",
    first: 1,
    default_size: 20,
    max_size: 100,
};

const OUTCOMES: &[Outcome] = &[
    Outcome::new(
        Status::Completed,
        &[
            C::NormalHangup,
            C::NormalHangup,
            C::AgentHangup,
            C::ScheduledHangup,
            C::MachineDetected,
        ],
        60,
    ),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 10),
    Outcome::new(Status::Busy, &[C::BusyLine], 8),
    Outcome::new(
        Status::Failed,
        &[C::InternalError, C::InvalidDestinationAddress],
        10,
    ),
    Outcome::new(Status::Canceled, &[C::Canceled], 6),
    Outcome::new(Status::InProgress, &[], 6),
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
                PAGES.read(req)?,
                time_param("after", req.param("after"))?,
                time_param("before", req.param("before"))?,
            ))
        })();
        let (page, after, before) = match parsed {
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
        let (total, page_calls) = page.select(
            within.iter(),
            filtered.then_some(&keep as &dyn Fn(&SynthCall) -> bool),
        );
        let items: Vec<Value> = page_calls.iter().map(|c| render(c)).collect();
        Reply::json(
            200,
            json!({"success": true, "data": {"calls": items, "total": total}}),
        )
    }
}
