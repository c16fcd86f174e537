//! Bland's API, emulated: `GET /v1/calls` (the raw key in `authorization`,
//! an index window `from`/`to` with `limit` up to 1,000, `ascending`, the
//! days `start_date`/`end_date`), `{count, calls}` of list items without
//! price, direction or transcript, and `GET /v1/calls/{id}` with them;
//! numbers written with and without `+1`, as Bland's are.

use std::sync::Arc;

use calllogs_core::{Direction, HangupCause as C, Status};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use calllogs_emulator::util::int_param;
use calllogs_emulator::{Api, Calls, Config, Outcome, Reply, Request, SynthCall, newest_page};

/// The emulator with the credentials of `config` (a demo key otherwise).
pub fn api(config: &Config) -> Arc<dyn Api> {
    Arc::new(Bland {
        key: config.credential(crate::API_KEY, || {
            calllogs_emulator::util::demo_secret("sk-demo-", config.seed, 40)
        }),
    })
}

struct Bland {
    key: String,
}

const OUTCOMES: &[Outcome] = &[
    Outcome::new(
        Status::Completed,
        &[
            C::NormalHangup,
            C::NormalHangup,
            C::AgentHangup,
            C::MachineDetected,
        ],
        60,
    )
    .only(Direction::Outbound),
    Outcome::new(Status::Completed, &[C::NormalHangup, C::AgentHangup], 10)
        .only(Direction::Inbound),
    Outcome::new(Status::NoAnswer, &[C::NoAnswer], 12).only(Direction::Outbound),
    Outcome::new(Status::Busy, &[C::BusyLine], 6).only(Direction::Outbound),
    Outcome::new(Status::Failed, &[C::InvalidDestinationAddress], 6).only(Direction::Outbound),
    Outcome::new(Status::InProgress, &[], 6),
];

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// Without its `+1`, as Bland writes some numbers.
fn national(n: &str) -> String {
    n.strip_prefix("+1").unwrap_or(n).to_string()
}

fn fields(
    c: &SynthCall,
) -> (
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
) {
    // (status, answered_by, call_ended_by, error_message)
    match (c.status, c.cause) {
        (Status::InProgress, _) => (Some("in-progress"), None, None, None),
        (Status::Completed, Some(C::MachineDetected)) => (
            Some("completed"),
            Some("voicemail"),
            Some("ASSISTANT"),
            None,
        ),
        (Status::Completed, Some(C::AgentHangup)) => {
            (Some("completed"), Some("human"), Some("ASSISTANT"), None)
        }
        (Status::Completed, _) => (Some("completed"), Some("human"), Some("USER"), None),
        (Status::NoAnswer, _) => (Some("no-answer"), Some("no-answer"), None, None),
        (Status::Busy, _) => (Some("busy"), None, None, None),
        _ => (Some("failed"), None, None, Some("Invalid phone number")),
    }
}

/// A call as the list has it.
fn item(c: &SynthCall) -> Value {
    let ended = c.ended_at.is_some();
    let (_, answered_by, _, error) = fields(c);
    json!({
        "call_id": c.id,
        "created_at": iso(c.started_at),
        "call_length": c.duration_s.map(|d| d as f64 / 60.0),
        "to": national(&c.to),
        "from": c.from,
        "completed": ended,
        "queue_status": if ended { "complete" } else { "started" },
        "error_message": error,
        "answered_by": answered_by,
        "batch_id": format!("batch-demo-{:03}", c.campaign),
    })
}

/// A call as its detail has it.
fn detail(c: &SynthCall) -> Value {
    let mut v = item(c);
    let (status, _, ended_by, _) = fields(c);
    let answered = c.status == Status::Completed;
    let extra = json!({
        "c_id": c.id,
        "inbound": c.direction == Direction::Inbound,
        "status": status,
        "started_at": iso(c.started_at),
        "end_at": c.ended_at.map(iso),
        "corrected_duration": c.duration_s.map(|d| d.to_string()),
        "call_ended_by": ended_by,
        "price": c.cost().parse::<f64>().unwrap_or(0.0),
        "pathway_id": format!("pathway-demo-{:02}", c.agent),
        "recording_url": answered.then(|| format!("https://recordings.example.invalid/{}.mp3", c.id)),
        "summary": answered.then_some("Lorem ipsum summary."),
        "variables": {"now": iso(c.started_at)},
        "concatenated_transcript": if answered { "assistant: Hello, this is a demo agent. user: Lorem ipsum." } else { "" },
        "transcripts": if answered { json!([
            {"id": 1, "created_at": iso(c.started_at), "text": "Hello, this is a demo agent.", "user": "assistant"},
            {"id": 2, "created_at": iso(c.started_at), "text": "Lorem ipsum.", "user": "user"},
        ]) } else { json!([]) },
    });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"status": "error", "message": message}))
}

impl Bland {
    fn list(&self, req: &Request, calls: &Calls) -> Reply {
        let parsed = (|| -> Result<_, String> {
            let from = int_param("from", req.param("from"), 0, 0, u64::MAX / 4)? as usize;
            let limit = int_param("limit", req.param("limit"), 1000, 1, 1000)? as usize;
            let to = int_param(
                "to",
                req.param("to"),
                (from + limit) as u64,
                0,
                u64::MAX / 4,
            )? as usize;
            let ascending = match req.param("ascending") {
                None | Some("false") => false,
                Some("true") => true,
                Some(v) => return Err(format!("ascending must be true or false, got {v:?}")),
            };
            let day = |name: &str| -> Result<Option<NaiveDate>, String> {
                req.param(name)
                    .map(|v| {
                        NaiveDate::parse_from_str(v, "%Y-%m-%d")
                            .map_err(|_| format!("{name}: {v:?} is not YYYY-MM-DD"))
                    })
                    .transpose()
            };
            Ok((
                from,
                to,
                limit,
                ascending,
                day("start_date")?,
                day("end_date")?,
            ))
        })();
        let (from, to, limit, ascending, start, end) = match parsed {
            Ok(p) => p,
            Err(m) => return error(400, &m),
        };
        // Days, both inclusive.
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let within = calls.started_within(
            start.and_then(midnight),
            end.and_then(|d| d.succ_opt()).and_then(midnight),
            false,
        );
        let take = to.saturating_sub(from).min(limit);
        let page: Vec<&SynthCall> = if ascending {
            within.iter().skip(from).take(take).collect()
        } else {
            newest_page(within.iter(), None, from, take).1
        };
        Reply::json(
            200,
            json!({"count": within.len(), "calls": page.iter().map(|c| item(c)).collect::<Vec<_>>()}),
        )
    }
}

impl Api for Bland {
    fn id(&self) -> &'static str {
        crate::ID
    }
    fn page_size_param(&self) -> &'static str {
        "limit"
    }
    fn credentials(&self) -> Vec<(&'static str, String)> {
        vec![(crate::API_KEY, self.key.clone())]
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
        json!({"count": total, "calls": calls.iter().map(|c| item(c)).collect::<Vec<_>>()})
    }
    fn handle(&self, req: &Request, calls: &Calls, _now: DateTime<Utc>) -> Reply {
        if req.header("authorization") != Some(self.key.as_str()) {
            return error(401, "Invalid API key");
        }
        if req.method != "GET" {
            return error(405, "Method not allowed");
        }
        let path = req.path.trim_end_matches('/');
        if path == "/v1/calls" {
            return self.list(req, calls);
        }
        match path.strip_prefix("/v1/calls/") {
            Some(id) => match calls.iter().find(|c| c.id == id) {
                Some(c) => Reply::json(200, detail(c)),
                None => error(404, "Call not found"),
            },
            None => error(404, "Not found"),
        }
    }
}
